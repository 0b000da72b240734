package storage

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// s3Store sets up and inspects buckets on an S3-compatible test server
// (MinIO or versitygw) with the root credentials, through minio-go.
type s3Store struct {
	c *minio.Client
}

func newS3Store(t *testing.T, endpoint, ak, sk string) *s3Store {
	t.Helper()
	host := endpoint
	if u, err := url.Parse(endpoint); err == nil && u.Host != "" {
		host = u.Host
	}
	c, err := minio.New(host, &minio.Options{Creds: credentials.NewStaticV4(ak, sk, ""), Region: "us-east-1"})
	if err != nil {
		t.Fatal(err)
	}
	return &s3Store{c: c}
}

// create makes a bucket and removes it, with everything in it, when the
// test ends.
func (s *s3Store) create(t *testing.T, name string) {
	t.Helper()
	ctx := testCtx(t)
	if err := s.c.MakeBucket(ctx, name, minio.MakeBucketOptions{Region: "us-east-1"}); err != nil {
		t.Fatalf("create bucket %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		for o := range s.c.ListObjects(ctx, name, minio.ListObjectsOptions{Recursive: true, WithVersions: true}) {
			if o.Err == nil {
				_ = s.c.RemoveObject(ctx, name, o.Key, minio.RemoveObjectOptions{VersionID: o.VersionID, ForceDelete: true})
			}
		}
		if err := s.c.RemoveBucket(ctx, name); err != nil {
			t.Logf("remove bucket %s: %v", name, err)
		}
	})
}

// createAll makes one bucket per purpose and returns purpose -> name.
func (s *s3Store) createAll(t *testing.T) map[string]string {
	t.Helper()
	names := map[string]string{}
	for _, p := range purposes() {
		n := randName(shortPurpose(p))
		s.create(t, n)
		names[p] = n
	}
	return names
}

// keys lists every object (all versions where the server keeps them).
func (s *s3Store) keys(t *testing.T, bucket string, versions bool) []string {
	t.Helper()
	var out []string
	for o := range s.c.ListObjects(testCtx(t), bucket, minio.ListObjectsOptions{Recursive: true, WithVersions: versions}) {
		if o.Err != nil {
			t.Fatalf("list %s: %v", bucket, o.Err)
		}
		out = append(out, o.Key)
	}
	return out
}

// assertNoProbes fails when any probe object (or version of one) is left.
func (s *s3Store) assertNoProbes(t *testing.T, names map[string]string, versions bool) {
	t.Helper()
	for _, n := range names {
		if left := keysWithPrefix(s.keys(t, n, versions)); len(left) > 0 {
			t.Errorf("bucket %s still holds probe objects: %v", n, left)
		}
	}
}

// assertEmpty fails when any bucket holds anything at all.
func (s *s3Store) assertEmpty(t *testing.T, names map[string]string, versions bool) {
	t.Helper()
	for _, n := range names {
		if left := s.keys(t, n, versions); len(left) > 0 {
			t.Errorf("bucket %s is not empty: %v", n, left)
		}
	}
}
