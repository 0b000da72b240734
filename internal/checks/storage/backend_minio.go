package storage

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/spacelift-io/spacectl-preflight/internal/config"
	"github.com/spacelift-io/spacectl-preflight/internal/secret"
)

// minioEndpointAdvice says where MinIO's endpoint and keys go.
const minioEndpointAdvice = "Spacelift wants host:port only, with the keys in " + MinioAccessKeyID + " and " + MinioSecretAccessKey

// minioCredentials is the credential type the MinIO backend accepts (a
// seam for tests).
type minioCredentials = credentials.Credentials

// minioBackend talks to MinIO through minio-go with exactly the settings
// Spacelift reads: OBJECT_STORAGE_MINIO_*.
type minioBackend struct {
	c      *minio.Client
	scheme string
	host   string
	hc     *http.Client
	// from and creds are whereDetails' endpointFrom and credentials.
	from, creds string
}

func newMinioBackend(cfg *config.Config, creds *minioCredentials) (*minioBackend, error) {
	secure := cfg.Bool(MinioUseSSL)
	tr, err := minio.DefaultTransport(secure)
	if err != nil {
		return nil, &opError{Kind: kindOther, Text: sanitize(err.Error())}
	}
	if secure && cfg.Bool(MinioAllowInsecure) {
		if tr.TLSClientConfig == nil {
			tr.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
		}
		tr.TLSClientConfig.InsecureSkipVerify = true //nolint:gosec // the operator asked for it with OBJECT_STORAGE_MINIO_ALLOW_INSECURE
	}
	credText := "the credentials given to the backend"
	if creds == nil {
		creds = credentials.NewStaticV4(cfg.Get(MinioAccessKeyID), cfg.Secret(MinioSecretAccessKey).Reveal(), "")
		credText = "static keys (" + originOf(cfg, MinioAccessKeyID) + ", " + originOf(cfg, MinioSecretAccessKey) + ")"
	}
	host := cfg.Get(MinioEndpoint)
	if secret.HasCredentials(host) {
		// minio-go would accept USER:PASSWORD@HOST and show it back in
		// every endpoint it reports.
		return nil, &opError{Kind: kindOther, Text: MinioEndpoint + " holds a user name and password; " + minioEndpointAdvice}
	}
	c, err := minio.New(host, &minio.Options{Creds: creds, Secure: secure, Transport: tr})
	if err != nil {
		// minio.New only validates the endpoint (host:port, no scheme);
		// its error quotes the endpoint, so only the cause is kept.
		return nil, &opError{Kind: kindOther, Text: "invalid " + MinioEndpoint + ": " + secret.ParseErrorText(err)}
	}
	scheme := "http"
	if secure {
		scheme = "https"
	}
	from := originOf(cfg, MinioEndpoint) + "; " + scheme + " by " + originOf(cfg, MinioUseSSL)
	if !cfg.Has(MinioUseSSL) {
		from = originOf(cfg, MinioEndpoint) + "; http: " + MinioUseSSL + " is not set"
	}
	return &minioBackend{c: c, scheme: scheme, host: host, hc: &http.Client{Transport: tr}, from: from, creds: credText}, nil
}

func (b *minioBackend) endpoint() string { return b.scheme + "://" + b.host }

func (b *minioBackend) endpointFrom() string { return b.from }

func (b *minioBackend) credentials(context.Context) string { return b.creds }

func (b *minioBackend) exists(ctx context.Context, bucket string) error {
	ok, err := b.c.BucketExists(ctx, bucket)
	if err != nil {
		return classifyMinio(err)
	}
	if !ok {
		return &opError{Kind: kindNoBucket, Code: "NoSuchBucket", Status: http.StatusNotFound}
	}
	return nil
}

func (b *minioBackend) put(ctx context.Context, bucket, key string, body []byte) (string, error) {
	info, err := b.c.PutObject(ctx, bucket, key, bytes.NewReader(body), int64(len(body)), minio.PutObjectOptions{ContentType: "text/plain"})
	if err != nil {
		return "", classifyMinio(err)
	}
	return info.VersionID, nil
}

func (b *minioBackend) get(ctx context.Context, bucket, key string) ([]byte, string, error) {
	obj, err := b.c.GetObject(ctx, bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return nil, "", classifyMinio(err)
	}
	defer obj.Close()
	data, err := io.ReadAll(io.LimitReader(obj, 1<<20))
	if err != nil {
		return nil, "", classifyMinio(err)
	}
	// After the read, Stat answers from the GET's response headers.
	info, err := obj.Stat()
	return data, info.VersionID, classifyMinio(err)
}

func (b *minioBackend) presignGet(ctx context.Context, bucket, key string, ttl time.Duration) (string, error) {
	u, err := b.c.PresignedGetObject(ctx, bucket, key, ttl, nil)
	if err != nil {
		return "", classifyMinio(err)
	}
	return u.String(), nil
}

func (b *minioBackend) presignPut(ctx context.Context, bucket, key string, ttl time.Duration) (signedPut, error) {
	u, err := b.c.PresignedPutObject(ctx, bucket, key, ttl)
	if err != nil {
		return signedPut{}, classifyMinio(err)
	}
	return signedPut{URL: u.String(), Header: http.Header{}, VersionHeader: "X-Amz-Version-Id"}, nil
}

func (b *minioBackend) remove(ctx context.Context, bucket, key, version string) error {
	return classifyMinio(b.c.RemoveObject(ctx, bucket, key, minio.RemoveObjectOptions{VersionID: version}))
}

func (b *minioBackend) versioning(ctx context.Context, bucket string) (versioningState, error) {
	v, err := b.c.GetBucketVersioning(ctx, bucket)
	if err != nil {
		return "", classifyMinio(err)
	}
	switch {
	case v.Enabled():
		return versioningEnabled, nil
	case v.Suspended():
		return versioningSuspended, nil
	}
	return versioningOff, nil
}

func (b *minioBackend) lifecycle(ctx context.Context, bucket string) ([]expiryRule, error) {
	lc, err := b.c.GetBucketLifecycle(ctx, bucket)
	if err != nil {
		if minio.ToErrorResponse(err).Code == "NoSuchLifecycleConfiguration" {
			return nil, nil
		}
		return nil, classifyMinio(err)
	}
	var rules []expiryRule
	for _, r := range lc.Rules {
		if r.Status != "Enabled" || r.Expiration.IsNull() {
			continue
		}
		er := expiryRule{ID: r.ID, Prefix: r.Prefix}
		if r.RuleFilter.Prefix != "" {
			er.Prefix = r.RuleFilter.Prefix
		} else if r.RuleFilter.And.Prefix != "" {
			er.Prefix = r.RuleFilter.And.Prefix
		}
		switch {
		case r.Expiration.Days > 0:
			er.Days = int(r.Expiration.Days)
		case !r.Expiration.Date.IsZero():
			er.Date = r.Expiration.Date.Format("2006-01-02")
		default:
			continue
		}
		rules = append(rules, er)
	}
	return rules, nil
}

// publicAccess: MinIO has no public access block (minio-go has no such
// call); a bucket's anonymous access is its policy, which the anonymous
// requests of storage.public-access test.
func (b *minioBackend) publicAccess(context.Context, string) (publicSetting, error) {
	return publicSetting{}, nil
}

func (b *minioBackend) objectURL(bucket, key string) string {
	return b.endpoint() + "/" + bucket + "/" + escapeKey(key)
}

// officialUploadsHost is "": MinIO's public address is the operator's
// choice (the on-prem guide leaves it to them).
func (b *minioBackend) officialUploadsHost(string) string { return "" }

func (b *minioBackend) listURL(bucket string) string {
	return b.objectURL(bucket, "") + "?list-type=2&max-keys=1"
}

func (b *minioBackend) httpClient() *http.Client { return b.hc }

func (b *minioBackend) close() { b.hc.CloseIdleConnections() }

func classifyMinio(err error) (classified error) {
	defer func() { classified = withCause(classified, err) }()
	if err == nil {
		return nil
	}
	if ctxErr(err) {
		return classifyTransport(err)
	}
	var er minio.ErrorResponse
	if errors.As(err, &er) && (er.Code != "" || er.StatusCode != 0) {
		e := fromCode(er.Code, er.StatusCode, er.Message)
		if er.Region != "" && e.Kind == kindRegion {
			e.Region = er.Region
		}
		return e
	}
	return classifyTransport(err)
}
