import os
import boto3

QUEUE_URL = "https://sqs.eu-central-1.amazonaws.com/123456789012/orders"
sqs = boto3.client("sqs")
secret = boto3.client("secretsmanager").get_secret_value(
    SecretId="arn:aws:secretsmanager:eu-central-1:123456789012:secret:shop/stripe-AbCdEf")
bucket = os.environ["AWS_S3_BUCKET"]  # shop-uploads
