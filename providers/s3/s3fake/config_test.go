package s3fake_test

import (
	"context"
	"crypto/md5"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/rehome/rehome/providers/s3/s3fake"
)

const publicPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::bucket/*"}]}`

const privatePolicy = `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::bucket/*"}}`

// configCase is one bucket sub-resource: how to set it (valid and not),
// read a summary of it back and delete it.
type configCase struct {
	name     string
	notFound string
	put      func(ctx context.Context, c *s3.Client, b string) error
	bad      func(ctx context.Context, c *s3.Client, b string) error
	badCode  string
	get      func(ctx context.Context, c *s3.Client, b string) (string, error)
	want     string
	del      func(ctx context.Context, c *s3.Client, b string) error
}

func configCases() []configCase {
	bucket := aws.String
	return []configCase{
		{
			name: "lifecycle", notFound: "NoSuchLifecycleConfiguration",
			put: func(ctx context.Context, c *s3.Client, b string) error {
				_, err := c.PutBucketLifecycleConfiguration(ctx, &s3.PutBucketLifecycleConfigurationInput{Bucket: bucket(b),
					LifecycleConfiguration: &types.BucketLifecycleConfiguration{Rules: []types.LifecycleRule{{ID: aws.String("expire-logs"),
						Status: types.ExpirationStatusEnabled, Filter: &types.LifecycleRuleFilter{Prefix: aws.String("logs/")},
						Expiration: &types.LifecycleExpiration{Days: aws.Int32(30)}}}}})
				return err
			},
			bad: func(ctx context.Context, c *s3.Client, b string) error {
				_, err := c.PutBucketLifecycleConfiguration(ctx, &s3.PutBucketLifecycleConfigurationInput{Bucket: bucket(b),
					LifecycleConfiguration: &types.BucketLifecycleConfiguration{Rules: []types.LifecycleRule{{Status: "Sometimes",
						Filter: &types.LifecycleRuleFilter{Prefix: aws.String("")}}}}})
				return err
			},
			badCode: "MalformedXML",
			get: func(ctx context.Context, c *s3.Client, b string) (string, error) {
				out, err := c.GetBucketLifecycleConfiguration(ctx, &s3.GetBucketLifecycleConfigurationInput{Bucket: bucket(b)})
				if err != nil {
					return "", err
				}
				r := out.Rules[0]
				return fmt.Sprint(aws.ToString(r.ID), " ", aws.ToString(r.Filter.Prefix), " ", aws.ToInt32(r.Expiration.Days)), nil
			},
			want: "expire-logs logs/ 30",
			del: func(ctx context.Context, c *s3.Client, b string) error {
				_, err := c.DeleteBucketLifecycle(ctx, &s3.DeleteBucketLifecycleInput{Bucket: bucket(b)})
				return err
			},
		},
		{
			name: "cors", notFound: "NoSuchCORSConfiguration",
			put: func(ctx context.Context, c *s3.Client, b string) error {
				_, err := c.PutBucketCors(ctx, &s3.PutBucketCorsInput{Bucket: bucket(b), CORSConfiguration: &types.CORSConfiguration{
					CORSRules: []types.CORSRule{{AllowedMethods: []string{"GET", "PUT"}, AllowedOrigins: []string{"https://example.com"},
						MaxAgeSeconds: aws.Int32(600)}}}})
				return err
			},
			bad: func(ctx context.Context, c *s3.Client, b string) error {
				_, err := c.PutBucketCors(ctx, &s3.PutBucketCorsInput{Bucket: bucket(b), CORSConfiguration: &types.CORSConfiguration{
					CORSRules: []types.CORSRule{{AllowedMethods: []string{"PATCH"}, AllowedOrigins: []string{"*"}}}}})
				return err
			},
			badCode: "InvalidRequest",
			get: func(ctx context.Context, c *s3.Client, b string) (string, error) {
				out, err := c.GetBucketCors(ctx, &s3.GetBucketCorsInput{Bucket: bucket(b)})
				if err != nil {
					return "", err
				}
				r := out.CORSRules[0]
				return fmt.Sprint(r.AllowedMethods, r.AllowedOrigins, aws.ToInt32(r.MaxAgeSeconds)), nil
			},
			want: "[GET PUT] [https://example.com] 600",
			del: func(ctx context.Context, c *s3.Client, b string) error {
				_, err := c.DeleteBucketCors(ctx, &s3.DeleteBucketCorsInput{Bucket: bucket(b)})
				return err
			},
		},
		{
			name: "policy", notFound: "NoSuchBucketPolicy",
			put: func(ctx context.Context, c *s3.Client, b string) error {
				_, err := c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: bucket(b), Policy: aws.String(privatePolicy)})
				return err
			},
			bad: func(ctx context.Context, c *s3.Client, b string) error {
				_, err := c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: bucket(b), Policy: aws.String("allow everything")})
				return err
			},
			badCode: "MalformedPolicy",
			get: func(ctx context.Context, c *s3.Client, b string) (string, error) {
				out, err := c.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: bucket(b)})
				if err != nil {
					return "", err
				}
				return aws.ToString(out.Policy), nil
			},
			want: privatePolicy,
			del: func(ctx context.Context, c *s3.Client, b string) error {
				_, err := c.DeleteBucketPolicy(ctx, &s3.DeleteBucketPolicyInput{Bucket: bucket(b)})
				return err
			},
		},
		{
			name: "public access block", notFound: "NoSuchPublicAccessBlockConfiguration",
			put: func(ctx context.Context, c *s3.Client, b string) error {
				_, err := c.PutPublicAccessBlock(ctx, &s3.PutPublicAccessBlockInput{Bucket: bucket(b),
					PublicAccessBlockConfiguration: &types.PublicAccessBlockConfiguration{BlockPublicAcls: aws.Bool(true), RestrictPublicBuckets: aws.Bool(true)}})
				return err
			},
			get: func(ctx context.Context, c *s3.Client, b string) (string, error) {
				out, err := c.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: bucket(b)})
				if err != nil {
					return "", err
				}
				p := out.PublicAccessBlockConfiguration
				return fmt.Sprint(aws.ToBool(p.BlockPublicAcls), aws.ToBool(p.BlockPublicPolicy), aws.ToBool(p.RestrictPublicBuckets)), nil
			},
			want: "true false true",
			del: func(ctx context.Context, c *s3.Client, b string) error {
				_, err := c.DeletePublicAccessBlock(ctx, &s3.DeletePublicAccessBlockInput{Bucket: bucket(b)})
				return err
			},
		},
		{
			name: "website", notFound: "NoSuchWebsiteConfiguration",
			put: func(ctx context.Context, c *s3.Client, b string) error {
				_, err := c.PutBucketWebsite(ctx, &s3.PutBucketWebsiteInput{Bucket: bucket(b), WebsiteConfiguration: &types.WebsiteConfiguration{
					IndexDocument: &types.IndexDocument{Suffix: aws.String("index.html")}, ErrorDocument: &types.ErrorDocument{Key: aws.String("404.html")}}})
				return err
			},
			bad: func(ctx context.Context, c *s3.Client, b string) error {
				_, err := c.PutBucketWebsite(ctx, &s3.PutBucketWebsiteInput{Bucket: bucket(b), WebsiteConfiguration: &types.WebsiteConfiguration{
					ErrorDocument: &types.ErrorDocument{Key: aws.String("404.html")}}})
				return err
			},
			badCode: "InvalidArgument",
			get: func(ctx context.Context, c *s3.Client, b string) (string, error) {
				out, err := c.GetBucketWebsite(ctx, &s3.GetBucketWebsiteInput{Bucket: bucket(b)})
				if err != nil {
					return "", err
				}
				return aws.ToString(out.IndexDocument.Suffix) + " " + aws.ToString(out.ErrorDocument.Key), nil
			},
			want: "index.html 404.html",
			del: func(ctx context.Context, c *s3.Client, b string) error {
				_, err := c.DeleteBucketWebsite(ctx, &s3.DeleteBucketWebsiteInput{Bucket: bucket(b)})
				return err
			},
		},
		{
			name: "encryption", notFound: "ServerSideEncryptionConfigurationNotFoundError",
			put: func(ctx context.Context, c *s3.Client, b string) error {
				_, err := c.PutBucketEncryption(ctx, &s3.PutBucketEncryptionInput{Bucket: bucket(b),
					ServerSideEncryptionConfiguration: &types.ServerSideEncryptionConfiguration{Rules: []types.ServerSideEncryptionRule{{
						ApplyServerSideEncryptionByDefault: &types.ServerSideEncryptionByDefault{SSEAlgorithm: types.ServerSideEncryptionAwsKms,
							KMSMasterKeyID: aws.String("alias/k")}}}}})
				return err
			},
			bad: func(ctx context.Context, c *s3.Client, b string) error {
				_, err := c.PutBucketEncryption(ctx, &s3.PutBucketEncryptionInput{Bucket: bucket(b),
					ServerSideEncryptionConfiguration: &types.ServerSideEncryptionConfiguration{Rules: []types.ServerSideEncryptionRule{{
						ApplyServerSideEncryptionByDefault: &types.ServerSideEncryptionByDefault{SSEAlgorithm: "ROT13"}}}}})
				return err
			},
			badCode: "MalformedXML",
			get: func(ctx context.Context, c *s3.Client, b string) (string, error) {
				out, err := c.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: bucket(b)})
				if err != nil {
					return "", err
				}
				d := out.ServerSideEncryptionConfiguration.Rules[0].ApplyServerSideEncryptionByDefault
				return string(d.SSEAlgorithm) + " " + aws.ToString(d.KMSMasterKeyID), nil
			},
			want: "aws:kms alias/k",
			del: func(ctx context.Context, c *s3.Client, b string) error {
				_, err := c.DeleteBucketEncryption(ctx, &s3.DeleteBucketEncryptionInput{Bucket: bucket(b)})
				return err
			},
		},
		{
			name: "tagging", notFound: "NoSuchTagSet",
			put: func(ctx context.Context, c *s3.Client, b string) error {
				_, err := c.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: bucket(b), Tagging: &types.Tagging{
					TagSet: []types.Tag{{Key: aws.String("cost-center"), Value: aws.String("42")}}}})
				return err
			},
			bad: func(ctx context.Context, c *s3.Client, b string) error {
				var tags []types.Tag
				for i := range 51 {
					tags = append(tags, types.Tag{Key: aws.String(fmt.Sprint("k", i)), Value: aws.String("v")})
				}
				_, err := c.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: bucket(b), Tagging: &types.Tagging{TagSet: tags}})
				return err
			},
			badCode: "InvalidTag",
			get: func(ctx context.Context, c *s3.Client, b string) (string, error) {
				out, err := c.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: bucket(b)})
				if err != nil {
					return "", err
				}
				return aws.ToString(out.TagSet[0].Key) + "=" + aws.ToString(out.TagSet[0].Value), nil
			},
			want: "cost-center=42",
			del: func(ctx context.Context, c *s3.Client, b string) error {
				_, err := c.DeleteBucketTagging(ctx, &s3.DeleteBucketTaggingInput{Bucket: bucket(b)})
				return err
			},
		},
	}
}

func TestBucketConfiguration(t *testing.T) {
	t.Parallel()
	_, c, bucket := setup(t)
	for _, tt := range configCases() {
		t.Run(tt.name, func(t *testing.T) {
			ctx := t.Context()
			_, err := tt.get(ctx, c, bucket)
			wantCode(t, err, tt.notFound, http.StatusNotFound)
			if tt.bad != nil {
				wantCode(t, tt.bad(ctx, c, bucket), tt.badCode, codeStatus(tt.badCode))
			}
			if err := tt.put(ctx, c, bucket); err != nil {
				t.Fatal(err)
			}
			got, err := tt.get(ctx, c, bucket)
			if err != nil || got != tt.want {
				t.Fatalf("get = %q, %v; want %q", got, err, tt.want)
			}
			if err := tt.del(ctx, c, bucket); err != nil {
				t.Fatal(err)
			}
			_, err = tt.get(ctx, c, bucket)
			wantCode(t, err, tt.notFound, http.StatusNotFound)
			_, err = tt.get(ctx, c, "missing-bucket")
			wantCode(t, err, "NoSuchBucket", http.StatusNotFound)
		})
	}
}

func codeStatus(code string) int {
	if code == "AccessDenied" {
		return http.StatusForbidden
	}
	return http.StatusBadRequest
}

func TestConfigurationNeedsADigest(t *testing.T) {
	t.Parallel()
	srv, _, bucket := setup(t)
	body := []byte(`<Tagging><TagSet><Tag><Key>k</Key><Value>v</Value></Tag></TagSet></Tagging>`)
	status, _, resp := rawRequest(t, t.Context(), srv, http.MethodPut, "/"+bucket+"?tagging", nil, body)
	if status != http.StatusBadRequest || errorCode(resp) != "InvalidRequest" {
		t.Fatalf("PutBucketTagging without Content-MD5 = %d %s", status, resp)
	}
	status, _, resp = rawRequest(t, t.Context(), srv, http.MethodPut, "/"+bucket+"?tagging",
		http.Header{"Content-Md5": {b64md5(body)}}, body)
	if status != http.StatusNoContent {
		t.Fatalf("PutBucketTagging with Content-MD5 = %d %s", status, resp)
	}
	status, _, resp = rawRequest(t, t.Context(), srv, http.MethodPut, "/"+bucket+"?cors",
		http.Header{"Content-Md5": {b64md5(body)}}, body)
	if status != http.StatusBadRequest || errorCode(resp) != "MalformedXML" {
		t.Fatalf("a Tagging document as CORS = %d %s", status, resp)
	}
}

func b64md5(b []byte) string {
	sum := md5.Sum(b)
	return b64(sum[:])
}

func findCase(t *testing.T, name string) configCase {
	t.Helper()
	for _, c := range configCases() {
		if c.name == name {
			return c
		}
	}
	t.Fatalf("no config case %q", name)
	return configCase{}
}

func TestPolicyStatusAndPublicAccessBlock(t *testing.T) {
	t.Parallel()
	_, c, bucket := setup(t)
	ctx := t.Context()
	_, err := c.GetBucketPolicyStatus(ctx, &s3.GetBucketPolicyStatusInput{Bucket: aws.String(bucket)})
	wantCode(t, err, "NoSuchBucketPolicy", http.StatusNotFound)
	for _, tt := range []struct {
		policy string
		public bool
	}{{privatePolicy, false}, {publicPolicy, true},
		{strings.Replace(publicPolicy, `"*"`, `{"AWS":["*"]}`, 1), true},
		{strings.Replace(publicPolicy, `"Allow"`, `"Deny"`, 1), false},
		{strings.Replace(publicPolicy, `"Resource"`, `"Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}},"Resource"`, 1), false},
	} {
		if _, err := c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String(bucket), Policy: aws.String(tt.policy)}); err != nil {
			t.Fatal(err)
		}
		out, err := c.GetBucketPolicyStatus(ctx, &s3.GetBucketPolicyStatusInput{Bucket: aws.String(bucket)})
		if err != nil || aws.ToBool(out.PolicyStatus.IsPublic) != tt.public {
			t.Errorf("IsPublic(%s) = %v, %v; want %v", tt.policy, out, err, tt.public)
		}
	}
	if _, err := c.PutPublicAccessBlock(ctx, &s3.PutPublicAccessBlockInput{Bucket: aws.String(bucket),
		PublicAccessBlockConfiguration: &types.PublicAccessBlockConfiguration{BlockPublicPolicy: aws.Bool(true)}}); err != nil {
		t.Fatal(err)
	}
	_, err = c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String(bucket), Policy: aws.String(publicPolicy)})
	wantCode(t, err, "AccessDenied", http.StatusForbidden)
	if _, err := c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String(bucket), Policy: aws.String(privatePolicy)}); err != nil {
		t.Fatalf("a private policy under BlockPublicPolicy: %v", err)
	}
}

func TestBucketEncryptionAppliesToObjects(t *testing.T) {
	t.Parallel()
	_, c, bucket := setup(t, s3fake.WithMinPartSize(1))
	ctx := t.Context()
	if err := findCase(t, "encryption").put(ctx, c, bucket); err != nil {
		t.Fatal(err)
	}
	out := put(t, c, bucket, "k", "v")
	if out.ServerSideEncryption != types.ServerSideEncryptionAwsKms || aws.ToString(out.SSEKMSKeyId) != "alias/k" {
		t.Errorf("PutObject SSE = %q %q", out.ServerSideEncryption, aws.ToString(out.SSEKMSKeyId))
	}
	id, parts := upload(t, c, bucket, "mp", []byte("x"))
	if _, err := complete(t, c, bucket, "mp", id, parts); err != nil {
		t.Fatal(err)
	}
	head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String("mp")})
	if err != nil || head.ServerSideEncryption != types.ServerSideEncryptionAwsKms {
		t.Errorf("multipart object SSE = %v, %v", head, err)
	}
	explicit, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("aes"), Body: strings.NewReader("v"),
		ServerSideEncryption: types.ServerSideEncryptionAes256})
	if err != nil || explicit.ServerSideEncryption != types.ServerSideEncryptionAes256 {
		t.Errorf("explicit SSE = %v, %v", explicit, err)
	}
	_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("sse-c"), Body: strings.NewReader("v"),
		SSECustomerAlgorithm: aws.String("AES256"), SSECustomerKey: aws.String(b64(make([]byte, 32))),
		SSECustomerKeyMD5: aws.String(b64md5(make([]byte, 32)))})
	wantCode(t, err, "NotImplemented", http.StatusNotImplemented)
}

func TestAWSDefaults(t *testing.T) {
	t.Parallel()
	_, c, bucket := setup(t, s3fake.WithAWSDefaults())
	ctx := t.Context()
	enc := findCase(t, "encryption")
	for range 2 {
		out, err := c.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: aws.String(bucket)})
		if err != nil || out.ServerSideEncryptionConfiguration.Rules[0].ApplyServerSideEncryptionByDefault.SSEAlgorithm != types.ServerSideEncryptionAes256 {
			t.Fatalf("default encryption = %v, %v", out, err)
		}
		if err := enc.del(ctx, c, bucket); err != nil { // resets to the default
			t.Fatal(err)
		}
	}
	pab, err := c.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: aws.String(bucket)})
	if err != nil || !aws.ToBool(pab.PublicAccessBlockConfiguration.BlockPublicPolicy) || !aws.ToBool(pab.PublicAccessBlockConfiguration.IgnorePublicAcls) {
		t.Fatalf("default public access block = %v, %v", pab, err)
	}
	if out := put(t, c, bucket, "k", "v"); out.ServerSideEncryption != types.ServerSideEncryptionAes256 {
		t.Errorf("object SSE = %q", out.ServerSideEncryption)
	}
	_, err = c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String(bucket), Policy: aws.String(publicPolicy)})
	wantCode(t, err, "AccessDenied", http.StatusForbidden)
}

func TestVersioningAndObjectLock(t *testing.T) {
	t.Parallel()
	_, c, bucket := setup(t)
	ctx := t.Context()
	v, err := c.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: aws.String(bucket)})
	if err != nil || v.Status != "" {
		t.Fatalf("versioning of a new bucket = %q, %v", v.Status, err)
	}
	_, err = c.GetObjectLockConfiguration(ctx, &s3.GetObjectLockConfigurationInput{Bucket: aws.String(bucket)})
	wantCode(t, err, "ObjectLockConfigurationNotFoundError", http.StatusNotFound)
	lock := &types.ObjectLockConfiguration{ObjectLockEnabled: types.ObjectLockEnabledEnabled, Rule: &types.ObjectLockRule{
		DefaultRetention: &types.DefaultRetention{Mode: types.ObjectLockRetentionModeGovernance, Days: aws.Int32(1)}}}
	_, err = c.PutObjectLockConfiguration(ctx, &s3.PutObjectLockConfigurationInput{Bucket: aws.String(bucket), ObjectLockConfiguration: lock})
	wantCode(t, err, "InvalidBucketState", http.StatusConflict)
	for _, st := range []types.BucketVersioningStatus{types.BucketVersioningStatusEnabled, types.BucketVersioningStatusSuspended} {
		if _, err := c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String(bucket),
			VersioningConfiguration: &types.VersioningConfiguration{Status: st}}); err != nil {
			t.Fatal(err)
		}
		v, err := c.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: aws.String(bucket)})
		if err != nil || v.Status != st {
			t.Fatalf("versioning = %q, %v; want %q", v.Status, err, st)
		}
	}
	_, err = c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String(bucket),
		VersioningConfiguration: &types.VersioningConfiguration{Status: "Sideways"}})
	wantCode(t, err, "IllegalVersioningConfigurationException", http.StatusBadRequest)

	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("locked"), ObjectLockEnabledForBucket: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	got, err := c.GetObjectLockConfiguration(ctx, &s3.GetObjectLockConfigurationInput{Bucket: aws.String("locked")})
	if err != nil || got.ObjectLockConfiguration.ObjectLockEnabled != types.ObjectLockEnabledEnabled {
		t.Fatalf("object lock of a locked bucket = %v, %v", got, err)
	}
	v, err = c.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: aws.String("locked")})
	if err != nil || v.Status != types.BucketVersioningStatusEnabled {
		t.Fatalf("versioning of a locked bucket = %q, %v", v.Status, err)
	}
	_, err = c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String("locked"),
		VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusSuspended}})
	wantCode(t, err, "InvalidBucketState", http.StatusConflict)
	if _, err := c.PutObjectLockConfiguration(ctx, &s3.PutObjectLockConfigurationInput{Bucket: aws.String("locked"), ObjectLockConfiguration: lock}); err != nil {
		t.Fatal(err)
	}
	got, err = c.GetObjectLockConfiguration(ctx, &s3.GetObjectLockConfigurationInput{Bucket: aws.String("locked")})
	if err != nil || got.ObjectLockConfiguration.Rule.DefaultRetention.Mode != types.ObjectLockRetentionModeGovernance {
		t.Fatalf("object lock rule = %v, %v", got, err)
	}
}
