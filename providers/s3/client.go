package s3

import (
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// ClientOptions say how to reach an S3 endpoint.
type ClientOptions struct {
	// Endpoint is the service URL ("https://fsn1.your-objectstorage.com");
	// "" is AWS's own.
	Endpoint string
	Region   string
	// Credentials: static keys, or (Provider) any SDK credentials source.
	AccessKey, SecretKey, SessionToken string
	Provider                           aws.CredentialsProvider
	// PathStyle addresses buckets as /BUCKET/KEY rather than as
	// BUCKET.host (needed by most S3-compatible servers on an IP).
	PathStyle bool
	// HTTPClient, when set, replaces the SDK's (tests: a fault proxy).
	HTTPClient *http.Client
}

// NewClient returns an SDK client for o. Checksums are sent and checked
// only where S3 requires them (Hetzner and other S3-compatible servers
// refuse the SDK's default aws-chunked trailer uploads); the SDK's own
// retries are off, since rehome's transfer layer retries transient
// failures under one policy and budget.
func NewClient(o ClientOptions) *s3.Client {
	creds := o.Provider
	if creds == nil && o.AccessKey != "" {
		creds = aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider(o.AccessKey, o.SecretKey, o.SessionToken))
	}
	region := o.Region
	if region == "" {
		region = "us-east-1"
	}
	return s3.New(s3.Options{
		Region:                     region,
		Credentials:                creds,
		BaseEndpoint:               nonEmpty(o.Endpoint),
		UsePathStyle:               o.PathStyle,
		HTTPClient:                 httpClient(o.HTTPClient),
		Retryer:                    aws.NopRetryer{},
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
	})
}

// httpClient is c, or one tuned for many parallel transfers to one host.
func httpClient(c *http.Client) aws.HTTPClient {
	if c != nil {
		return c
	}
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 64
	t.ResponseHeaderTimeout = 2 * time.Minute
	return &http.Client{Transport: t}
}
