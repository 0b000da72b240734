package perf

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"time"
)

// sigV4 signs a request with AWS Signature Version 4 (signed headers, no
// presigning): the few setup calls the benchmark makes (creating MinIO
// buckets, turning on versioning) need nothing more, and an S3 SDK is not
// worth a dependency here.
type sigV4 struct {
	AccessKey, SecretKey, Region, Service string
}

// authorization returns the Authorization header for method, path and the
// canonical query (sorted and encoded by the caller) with the given headers
// (all of them are signed; names are case-insensitive).
func (s sigV4) authorization(method, path, query string, headers map[string]string, payloadHash string, t time.Time) string {
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
	fmt.Fprintf(&canon, "%s\n%s\n%s\n", method, path, query)
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

// s3Request sends a signed request to an S3 server reached over plain
// HTTP at endpoint (host:port) and returns the status and the start of the
// body. query is the canonical query string, e.g. "versioning=".
func s3Request(ctx context.Context, method, endpoint, path, query string, body []byte, s sigV4) (int, string, error) {
	now := time.Now()
	sum := sha256.Sum256(body)
	payload := hex.EncodeToString(sum[:])
	headers := map[string]string{
		"host":                 endpoint,
		"x-amz-content-sha256": payload,
		"x-amz-date":           now.UTC().Format("20060102T150405Z"),
	}
	if len(body) > 0 {
		// S3 requires Content-MD5 on bucket configuration calls.
		m := md5.Sum(body)
		headers["content-md5"] = base64.StdEncoding.EncodeToString(m[:])
	}
	u := "http://" + endpoint + path
	if query != "" {
		u += "?" + query
	}
	req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	for k, v := range headers {
		if k != "host" {
			req.Header.Set(k, v)
		}
	}
	req.Header.Set("Authorization", s.authorization(method, path, query, headers, payload, now))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	return resp.StatusCode, strings.TrimSpace(string(b)), nil
}

// createBucket makes a bucket; one that already exists and is ours is fine.
func createBucket(ctx context.Context, endpoint, bucket string, s sigV4) error {
	code, body, err := s3Request(ctx, http.MethodPut, endpoint, "/"+bucket, "", nil, s)
	if err != nil {
		return err
	}
	if code == http.StatusOK || strings.Contains(body, "BucketAlreadyOwnedByYou") {
		return nil
	}
	return fmt.Errorf("create bucket %s: HTTP %d: %s", bucket, code, body)
}

// enableVersioning turns on versioning, which Spacelift needs on the
// states bucket.
func enableVersioning(ctx context.Context, endpoint, bucket string, s sigV4) error {
	const doc = `<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Status>Enabled</Status></VersioningConfiguration>`
	code, body, err := s3Request(ctx, http.MethodPut, endpoint, "/"+bucket, "versioning=", []byte(doc), s)
	if err != nil {
		return err
	}
	if code != http.StatusOK {
		return fmt.Errorf("enable versioning on %s: HTTP %d: %s", bucket, code, body)
	}
	return nil
}
