package storage

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/spacelift-io/spacectl-preflight/internal/checks/awsenv"
	"github.com/spacelift-io/spacectl-preflight/internal/config"
)

// s3Backend talks to Amazon S3 (or any S3 API when AWS_ENDPOINT_URL_S3 is
// set, with path-style addressing) through aws-sdk-go-v2.
type s3Backend struct {
	c       *s3.Client
	pre     *s3.PresignClient
	region  string
	baseURL string // endpoint override, "" for AWS itself
	hc      *http.Client
	// from is whereDetails' endpointFrom; chain says how the credentials
	// were configured (awsenv.Env.Credentials) and provider is what the SDK
	// resolved them with.
	from, chain string
	provider    aws.CredentialsProvider
}

// s3Client is the run's S3 backend, built on first use from the run's
// shared AWS configuration.
type s3Client = awsenv.Client[*s3Backend]

func newS3Client(cfg *config.Config, env *awsenv.Env) *s3Client {
	return awsenv.NewClient(env, func(ac aws.Config) *s3Backend {
		b := s3BackendFrom(cfg, ac)
		b.chain = env.Credentials()
		return b
	})
}

func newS3Backend(ctx context.Context, c *s3Client) (*s3Backend, error) {
	b, _, err := c.Get(ctx)
	if errors.Is(err, awsenv.ErrNoRegion) {
		return nil, &opError{Kind: kindRegion, Text: err.Error()}
	}
	if err != nil {
		return nil, &opError{Kind: kindNoCredentials, Text: sanitize(err.Error())}
	}
	if b.region == "" {
		return nil, &opError{Kind: kindRegion, Text: "no region: set AWS_REGION"}
	}
	return b, nil
}

func s3BackendFrom(cfg *config.Config, ac aws.Config) *s3Backend {
	b := &s3Backend{region: ac.Region, hc: &http.Client{}, provider: ac.Credentials,
		from: "the AWS SDK's regional endpoint for region " + ac.Region}
	// Fetch pre-signed URLs through the SDK's transport, so a custom CA
	// bundle (AWS_CA_BUNDLE) and proxy settings apply to them too.
	if bc, ok := ac.HTTPClient.(*awshttp.BuildableClient); ok {
		b.hc = &http.Client{Transport: bc.GetTransport()}
	}
	b.c = s3.NewFromConfig(ac, func(o *s3.Options) {
		if ep := cfg.Get(AWSEndpointURLS3); ep != "" {
			o.BaseEndpoint = aws.String(ep)
		}
		// An endpoint override is an S3-compatible store or a proxy, which
		// rarely serves virtual-hosted bucket names.
		if o.BaseEndpoint != nil {
			o.UsePathStyle = true
			b.baseURL = strings.TrimRight(*o.BaseEndpoint, "/")
			b.from = "the AWS SDK's own settings (AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL or the shared config file)"
			if cfg.Has(AWSEndpointURLS3) {
				b.from = originOf(cfg, AWSEndpointURLS3)
			}
		}
	})
	b.pre = s3.NewPresignClient(b.c)
	return b
}

func (b *s3Backend) endpoint() string {
	if b.baseURL != "" {
		return b.baseURL + " (region " + b.region + ")"
	}
	return "s3." + b.region + "." + dnsSuffix(b.region)
}

func (b *s3Backend) endpointFrom() string { return b.from }

// credentials adds to how they were configured what the SDK resolved them
// with (its provider's name, e.g. WebIdentityCredentials for IRSA).
func (b *s3Backend) credentials(ctx context.Context) string {
	if b.provider == nil {
		return b.chain
	}
	c, err := b.provider.Retrieve(ctx)
	if err != nil {
		return b.chain + "; it found none (" + asOpError(b.classify(err)).Error() + ")"
	}
	return b.chain + "; resolved by " + c.Source
}

func dnsSuffix(region string) string {
	if strings.HasPrefix(region, "cn-") {
		return "amazonaws.com.cn"
	}
	return "amazonaws.com"
}

func (b *s3Backend) exists(ctx context.Context, bucket string) error {
	_, err := b.c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(bucket)})
	cerr := b.classify(err)
	var oe *opError
	if errors.As(cerr, &oe) && (oe.Status == http.StatusBadRequest || oe.Kind == kindRegion) && oe.Region == "" {
		// A HEAD answer has no body, so a 400 does not say why; S3 gives
		// it for a request signed for the wrong region. GetBucketLocation
		// answers with a body that names the region.
		out, lerr := b.c.GetBucketLocation(ctx, &s3.GetBucketLocationInput{Bucket: aws.String(bucket)})
		if lerr != nil {
			if le := asOpError(b.classify(lerr)); le.Kind == kindRegion || le.Kind == kindNoBucket {
				return le
			}
			return cerr
		}
		real := string(out.LocationConstraint)
		if real == "" {
			real = "us-east-1"
		}
		if real != b.region {
			return &opError{Kind: kindRegion, Code: oe.Code, Status: oe.Status, Region: real}
		}
	}
	return cerr
}

func (b *s3Backend) put(ctx context.Context, bucket, key string, body []byte) (string, error) {
	out, err := b.c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key),
		Body: bytes.NewReader(body), ContentLength: aws.Int64(int64(len(body))), ContentType: aws.String("text/plain")})
	if err != nil {
		return "", b.classify(err)
	}
	return aws.ToString(out.VersionId), nil
}

func (b *s3Backend) get(ctx context.Context, bucket, key string) ([]byte, string, error) {
	out, err := b.c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		return nil, "", b.classify(err)
	}
	defer out.Body.Close()
	data, err := io.ReadAll(io.LimitReader(out.Body, 1<<20))
	return data, aws.ToString(out.VersionId), b.classify(err)
}

func (b *s3Backend) presignGet(ctx context.Context, bucket, key string, ttl time.Duration) (string, error) {
	req, err := b.pre.PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)}, s3.WithPresignExpires(ttl))
	if err != nil {
		return "", b.classify(err)
	}
	return req.URL, nil
}

func (b *s3Backend) presignPut(ctx context.Context, bucket, key string, ttl time.Duration) (signedPut, error) {
	req, err := b.pre.PresignPutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)}, s3.WithPresignExpires(ttl))
	if err != nil {
		return signedPut{}, b.classify(err)
	}
	h := req.SignedHeader.Clone()
	h.Del("Host") // net/http sends the URL's host
	return signedPut{URL: req.URL, Header: h, VersionHeader: "X-Amz-Version-Id"}, nil
}

func (b *s3Backend) remove(ctx context.Context, bucket, key, version string) error {
	in := &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)}
	if version != "" {
		in.VersionId = aws.String(version)
	}
	_, err := b.c.DeleteObject(ctx, in)
	if e := b.classify(err); e != nil {
		var oe *opError
		if errors.As(e, &oe) && oe.Code == "NoSuchKey" {
			return nil
		}
		return e
	}
	return nil
}

func (b *s3Backend) versioning(ctx context.Context, bucket string) (versioningState, error) {
	out, err := b.c.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: aws.String(bucket)})
	if err != nil {
		return "", b.classify(err)
	}
	switch out.Status {
	case types.BucketVersioningStatusEnabled:
		return versioningEnabled, nil
	case types.BucketVersioningStatusSuspended:
		return versioningSuspended, nil
	}
	return versioningOff, nil
}

func (b *s3Backend) lifecycle(ctx context.Context, bucket string) ([]expiryRule, error) {
	out, err := b.c.GetBucketLifecycleConfiguration(ctx, &s3.GetBucketLifecycleConfigurationInput{Bucket: aws.String(bucket)})
	if err != nil {
		var ae smithy.APIError
		if errors.As(err, &ae) && ae.ErrorCode() == "NoSuchLifecycleConfiguration" {
			return nil, nil
		}
		return nil, b.classify(err)
	}
	var rules []expiryRule
	for _, r := range out.Rules {
		if r.Status != types.ExpirationStatusEnabled || r.Expiration == nil {
			continue
		}
		er := expiryRule{ID: aws.ToString(r.ID)}
		//lint:ignore SA1019 rules written before Filter existed still carry the top-level prefix
		er.Prefix = aws.ToString(r.Prefix)
		if f := r.Filter; f != nil {
			if f.Prefix != nil {
				er.Prefix = *f.Prefix
			} else if f.And != nil && f.And.Prefix != nil {
				er.Prefix = *f.And.Prefix
			}
		}
		switch {
		case r.Expiration.Days != nil:
			er.Days = int(*r.Expiration.Days)
		case r.Expiration.Date != nil:
			er.Date = r.Expiration.Date.Format("2006-01-02")
		default:
			// Only ExpiredObjectDeleteMarker: it removes delete markers,
			// not data.
			continue
		}
		rules = append(rules, er)
	}
	return rules, nil
}

// publicAccess reads the bucket's public access block
// (s3:GetBucketPublicAccessBlock, which Spacelift's least-privilege policy
// does not grant).
func (b *s3Backend) publicAccess(ctx context.Context, bucket string) (publicSetting, error) {
	ps := publicSetting{Name: "S3 public access block"}
	out, err := b.c.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: aws.String(bucket)})
	var ae smithy.APIError
	switch {
	case errors.As(err, &ae) && ae.ErrorCode() == "NoSuchPublicAccessBlockConfiguration":
		ps.Value, ps.Open = s3PublicAccessBlock(nil)
	case err != nil:
		return ps, b.classify(err)
	default:
		ps.Value, ps.Open = s3PublicAccessBlock(out.PublicAccessBlockConfiguration)
	}
	return ps, nil
}

func (b *s3Backend) objectURL(bucket, key string) string {
	if b.baseURL != "" {
		return b.baseURL + "/" + bucket + "/" + escapeKey(key)
	}
	return "https://" + bucket + ".s3." + b.region + "." + dnsSuffix(b.region) + "/" + escapeKey(key)
}

// officialUploadsHost is the regional virtual-hosted name the official
// AWS module writes (terraform-aws-spacelift-selfhosted main.tf:
// "https://${uploads_bucket_name}.s3.${var.region}.${dns_suffix}").
func (b *s3Backend) officialUploadsHost(bucket string) string {
	return bucket + ".s3." + b.region + "." + dnsSuffix(b.region)
}

func (b *s3Backend) listURL(bucket string) string {
	return b.objectURL(bucket, "") + "?list-type=2&max-keys=1"
}

func (b *s3Backend) httpClient() *http.Client { return b.hc }

func (b *s3Backend) close() {}

// classify maps an aws-sdk-go-v2 error to an opError, reading the region
// S3 reveals in X-Amz-Bucket-Region or in its error message.
func (b *s3Backend) classify(err error) (classified error) {
	defer func() { classified = withCause(classified, err) }()
	if err == nil {
		return nil
	}
	var ae smithy.APIError
	var re *awshttp.ResponseError
	hasAPI, hasResp := errors.As(err, &ae), errors.As(err, &re)
	if hasAPI || hasResp {
		code, msg, status := "", "", 0
		if ae != nil {
			code, msg = ae.ErrorCode(), ae.ErrorMessage()
		}
		var hdrRegion string
		if re != nil {
			status = re.HTTPStatusCode()
			if re.Response != nil {
				hdrRegion = re.Response.Header.Get("X-Amz-Bucket-Region")
			}
		}
		e := fromCode(code, status, msg)
		if hdrRegion != "" && hdrRegion != b.region && e.Kind != kindNoBucket {
			e.Kind, e.Region = kindRegion, hdrRegion
		}
		if e.Kind == kindOther && status == 0 {
			// No HTTP answer: a transport failure wrapped by the SDK.
			return classifyTransport(err)
		}
		return e
	}
	if ctxErr(err) {
		return classifyTransport(err)
	}
	if strings.Contains(err.Error(), "failed to retrieve credentials") || strings.Contains(err.Error(), "no EC2 IMDS role found") {
		return &opError{Kind: kindNoCredentials, Text: "the default credential chain found no credentials"}
	}
	return classifyTransport(err)
}

func escapeKey(key string) string {
	parts := strings.Split(key, "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return strings.Join(parts, "/")
}
