const { S3Client, PutObjectCommand } = require("@aws-sdk/client-s3");
const client = new S3Client({ region: process.env.AWS_REGION });
const url = "https://shop-uploads.s3.eu-central-1.amazonaws.com/";
const cdn = "https://d111111abcdef8.cloudfront.net/static/";
module.exports = { client, url, cdn };
