package perf

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/spacelift-io/spacectl-preflight/internal/testsvc"
)

// Two sessions opened to the bench database are counted as two, and the
// counter's own connection (to another database) is not counted.
func TestSessionCounterCountsRealSessions(t *testing.T) {
	admin := testsvc.Require(t, "SPT_PG17_URL")[0]
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	vals, err := setupPostgres(ctx, func(string) (string, bool) { return admin, true }, nil)
	if err != nil {
		t.Fatal(err)
	}
	sc := SessionCounter{AdminURL: admin, Database: BenchDatabase}
	before, err := sc.Sessions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		c, err := pgx.Connect(ctx, vals["BENCH_DATABASE_URL"])
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Close(ctx); err != nil {
			t.Fatal(err)
		}
	}
	after, err := sc.Sessions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if after-before != 2 {
		t.Errorf("sessions went from %d to %d, want +2", before, after)
	}
}

func TestCreateBucketOnMinIO(t *testing.T) {
	v := testsvc.Require(t, "SPT_MINIO_ENDPOINT", "SPT_MINIO_ACCESS_KEY", "SPT_MINIO_SECRET_KEY")
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	s := sigV4{AccessKey: v[1], SecretKey: v[2], Region: "us-east-1", Service: "s3"}
	for range 2 { // the second call finds it already there
		if err := createBucket(ctx, v[0], "spt-perf-test", s); err != nil {
			t.Fatal(err)
		}
	}
	for bucket, want := range map[string]int{"spt-perf-test": http.StatusOK, "spt-perf-absent": http.StatusNotFound} {
		code, _, err := s3Request(ctx, http.MethodHead, v[0], "/"+bucket, "", nil, s)
		if err != nil || code != want {
			t.Errorf("HEAD %s: %d, %v; want %d", bucket, code, err, want)
		}
	}
	if err := enableVersioning(ctx, v[0], "spt-perf-test", s); err != nil {
		t.Fatal(err)
	}
	code, body, err := s3Request(ctx, http.MethodGet, v[0], "/spt-perf-test", "versioning=", nil, s)
	if err != nil || code != http.StatusOK || !strings.Contains(body, "<Status>Enabled</Status>") {
		t.Errorf("GET ?versioning: %d %q %v", code, body, err)
	}
	bad := sigV4{AccessKey: v[1], SecretKey: "wrong", Region: "us-east-1", Service: "s3"}
	if err := createBucket(ctx, v[0], "spt-perf-test-2", bad); err == nil || !strings.Contains(err.Error(), "403") {
		t.Errorf("a wrong secret must be refused with 403, got %v", err)
	}
}
