package perf

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"time"
)

// emptySHA256 is the payload hash of an empty body.
const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// sigV4 signs a request with AWS Signature Version 4, headers only and an
// empty query: the few setup calls the benchmark makes (creating MinIO
// buckets) need nothing more, and an S3 SDK is not worth a dependency here.
type sigV4 struct {
	AccessKey, SecretKey, Region, Service string
}

// authorization returns the Authorization header for method and path with
// the given headers (all of them are signed; names are case-insensitive).
func (s sigV4) authorization(method, path string, headers map[string]string, payloadHash string, t time.Time) string {
	amzDate := t.UTC().Format("20060102T150405Z")
	day := amzDate[:8]
	names := make([]string, 0, len(headers))
	lower := make(map[string]string, len(headers))
	for k, v := range headers {
		n := strings.ToLower(k)
		names = append(names, n)
		lower[n] = strings.TrimSpace(v)
	}
	sort.Strings(names)
	var canon strings.Builder
	fmt.Fprintf(&canon, "%s\n%s\n\n", method, path)
	for _, n := range names {
		fmt.Fprintf(&canon, "%s:%s\n", n, lower[n])
	}
	signed := strings.Join(names, ";")
	fmt.Fprintf(&canon, "\n%s\n%s", signed, payloadHash)
	scope := day + "/" + s.Region + "/" + s.Service + "/aws4_request"
	sum := sha256.Sum256([]byte(canon.String()))
	toSign := "AWS4-HMAC-SHA256\n" + amzDate + "\n" + scope + "\n" + hex.EncodeToString(sum[:])
	key := hmacSHA256([]byte("AWS4"+s.SecretKey), day)
	key = hmacSHA256(key, s.Region)
	key = hmacSHA256(key, s.Service)
	key = hmacSHA256(key, "aws4_request")
	sig := hex.EncodeToString(hmacSHA256(key, toSign))
	return "AWS4-HMAC-SHA256 Credential=" + s.AccessKey + "/" + scope + ", SignedHeaders=" + signed + ", Signature=" + sig
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

// s3Request sends an empty-bodied, signed request to an S3 server reached
// over plain HTTP at endpoint (host:port) and returns the status and the
// start of the body.
func s3Request(ctx context.Context, method, endpoint, path string, s sigV4) (int, string, error) {
	now := time.Now()
	headers := map[string]string{
		"host":                 endpoint,
		"x-amz-content-sha256": emptySHA256,
		"x-amz-date":           now.UTC().Format("20060102T150405Z"),
	}
	req, err := http.NewRequestWithContext(ctx, method, "http://"+endpoint+path, http.NoBody)
	if err != nil {
		return 0, "", err
	}
	for k, v := range headers {
		if k != "host" {
			req.Header.Set(k, v)
		}
	}
	req.Header.Set("Authorization", s.authorization(method, path, headers, emptySHA256, now))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	return resp.StatusCode, strings.TrimSpace(string(body)), nil
}

// createBucket makes a bucket; one that already exists and is ours is fine.
func createBucket(ctx context.Context, endpoint, bucket string, s sigV4) error {
	code, body, err := s3Request(ctx, http.MethodPut, endpoint, "/"+bucket, s)
	if err != nil {
		return err
	}
	if code == http.StatusOK || strings.Contains(body, "BucketAlreadyOwnedByYou") {
		return nil
	}
	return fmt.Errorf("create bucket %s: HTTP %d: %s", bucket, code, body)
}
