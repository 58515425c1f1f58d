package s3

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/rehome/rehome/providers"
)

// Bucket attribute names Discover reports (Resource.Attrs), read by the
// storage mover's audit of bucket features.
const (
	AttrRegion         = "region"
	AttrVersioning     = "versioning"      // Enabled, Suspended
	AttrLifecycleRules = "lifecycle_rules" // a count
	AttrCORS           = "cors"            // "true"
	AttrPolicy         = "policy"          // "true"
	AttrPublic         = "public"          // "true": the policy lets anyone read
	AttrWebsite        = "website"         // "true"
	AttrEncryption     = "encryption"      // the default algorithm (AES256, aws:kms)
	AttrObjectLock     = "object_lock"     // the default retention mode, or "enabled"
	AttrTags           = "tags"            // k=v,k=v
	AttrRequesterPays  = "requester_pays"  // "true": readers pay, and must say so on every request
	AttrUnknown        = "unreadable"      // features whose settings could not be read
)

// absentCodes are the answers that mean "not configured" (or "the service
// has no such feature"), not a failure.
var absentCodes = map[string]bool{
	"NoSuchLifecycleConfiguration": true, "NoSuchCORSConfiguration": true, "NoSuchBucketPolicy": true,
	"NoSuchWebsiteConfiguration": true, "ServerSideEncryptionConfigurationNotFoundError": true,
	"ObjectLockConfigurationNotFoundError": true, "NoSuchTagSet": true, "NoSuchPublicAccessBlockConfiguration": true,
	"NotImplemented": true, "MethodNotAllowed": true, "XNotImplemented": true,
}

func absent(err error) bool {
	var ae smithy.APIError
	return errors.As(err, &ae) && absentCodes[ae.ErrorCode()]
}

// Discover lists the buckets with their region, object count, bytes,
// storage classes in use and the features the storage audit compares with
// the destination's: versioning, lifecycle rules, CORS, policy and public
// access, website hosting, default encryption, object lock, tags. A
// feature whose settings cannot be read (access denied) is named in the
// "unreadable" attribute rather than failing discovery.
func (s *Store) Discover(ctx context.Context, env, provider string, scope providers.Scope) ([]providers.Resource, error) {
	buckets, err := s.Buckets(ctx)
	if err != nil {
		return nil, err
	}
	var out []providers.Resource
	for _, b := range buckets {
		r := providers.Resource{Env: env, Provider: provider, Kind: providers.KindStorage, Type: "bucket",
			ID: "s3://" + b.Name, Name: b.Name, Attrs: map[string]string{}}
		if b.Region != "" {
			r.Attrs[AttrRegion] = b.Region
		}
		// Objects are not listed here: a move lists the bucket in its
		// diff and records the size it measured (LIST requests are billed,
		// and a large bucket would be listed twice).
		r.Usage.Unmeasured = true
		if scope.Shallow {
			out = append(out, r)
			continue
		}
		var unreadable []string
		check := func(name string, err error) bool {
			switch {
			case err == nil:
				return true
			case absent(err):
			case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
			default:
				unreadable = append(unreadable, name)
			}
			return false
		}
		bk := aws.String(b.Name)
		if v, err := s.cl(b.Name).GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: bk}); check("versioning", err) && v.Status != "" {
			r.Attrs[AttrVersioning] = string(v.Status)
		}
		if v, err := s.cl(b.Name).GetBucketLifecycleConfiguration(ctx, &s3.GetBucketLifecycleConfigurationInput{Bucket: bk}); check("lifecycle", err) && len(v.Rules) > 0 {
			r.Attrs[AttrLifecycleRules] = strconv.Itoa(len(v.Rules))
		}
		if v, err := s.cl(b.Name).GetBucketCors(ctx, &s3.GetBucketCorsInput{Bucket: bk}); check("cors", err) && len(v.CORSRules) > 0 {
			r.Attrs[AttrCORS] = "true"
		}
		if v, err := s.cl(b.Name).GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: bk}); check("policy", err) && aws.ToString(v.Policy) != "" {
			r.Attrs[AttrPolicy] = "true"
			if st, err := s.cl(b.Name).GetBucketPolicyStatus(ctx, &s3.GetBucketPolicyStatusInput{Bucket: bk}); check("policy status", err) &&
				st.PolicyStatus != nil && aws.ToBool(st.PolicyStatus.IsPublic) {
				r.Attrs[AttrPublic] = "true"
			}
		}
		// A website configuration has an index document or a redirect
		// (a store that ignores ?website answers with something else).
		if v, err := s.cl(b.Name).GetBucketWebsite(ctx, &s3.GetBucketWebsiteInput{Bucket: bk}); check("website", err) &&
			(v.IndexDocument != nil || v.RedirectAllRequestsTo != nil) {
			r.Attrs[AttrWebsite] = "true"
		}
		if v, err := s.cl(b.Name).GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: bk}); check("encryption", err) &&
			v.ServerSideEncryptionConfiguration != nil && len(v.ServerSideEncryptionConfiguration.Rules) > 0 {
			if d := v.ServerSideEncryptionConfiguration.Rules[0].ApplyServerSideEncryptionByDefault; d != nil {
				r.Attrs[AttrEncryption] = string(d.SSEAlgorithm)
			}
		}
		if v, err := s.cl(b.Name).GetObjectLockConfiguration(ctx, &s3.GetObjectLockConfigurationInput{Bucket: bk}); check("object lock", err) &&
			v.ObjectLockConfiguration != nil && v.ObjectLockConfiguration.ObjectLockEnabled == "Enabled" {
			r.Attrs[AttrObjectLock] = "enabled"
			if rule := v.ObjectLockConfiguration.Rule; rule != nil && rule.DefaultRetention != nil && rule.DefaultRetention.Mode != "" {
				r.Attrs[AttrObjectLock] = string(rule.DefaultRetention.Mode)
			}
		}
		if v, err := s.cl(b.Name).GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: bk}); check("tags", err) && len(v.TagSet) > 0 {
			var tags []string
			for _, t := range v.TagSet {
				tags = append(tags, aws.ToString(t.Key)+"="+aws.ToString(t.Value))
			}
			sort.Strings(tags)
			r.Attrs[AttrTags] = strings.Join(tags, ",")
		}
		if v, err := s.cl(b.Name).GetBucketRequestPayment(ctx, &s3.GetBucketRequestPaymentInput{Bucket: bk}); check("request payment", err) &&
			v.Payer == types.PayerRequester {
			r.Attrs[AttrRequesterPays] = "true"
		}
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("%s: discover bucket %s: %w", s.o.Name, b.Name, err)
		}
		if len(unreadable) > 0 {
			r.Attrs[AttrUnknown] = strings.Join(unreadable, ",")
		}
		out = append(out, r)
	}
	return out, nil
}
