package storage

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
)

// TestFullSDKErrorIsInTheDebugLog: the advice for an unrecognised error
// says "Run again with -v for the SDK's full error"; the result keeps a
// short text, and the debug log (what -v prints) has the whole error. The
// server is a stand-in: no real S3 server answers with an unknown error
// code and a 600-character message.
func TestFullSDKErrorIsInTheDebugLog(t *testing.T) {
	const tail = "END-OF-THE-SERVER-MESSAGE"
	long := strings.Repeat("the storage server explains at length why it refuses; ", 12) + tail
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Query().Has("location"):
			_, _ = w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?><LocationConstraint xmlns="http://s3.amazonaws.com/doc/2006-03-01/">us-east-1</LocationConstraint>`))
		case r.Method == http.MethodHead:
			w.WriteHeader(http.StatusOK)
		default:
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>WeirdServerError</Code><Message>` + long + `</Message></Error>`))
		}
	}))
	defer srv.Close()
	cfg := testCfg(t, map[string]string{
		TypeVar: "minio", MinioEndpoint: strings.TrimPrefix(srv.URL, "http://"), MinioAccessKeyID: "spt-access",
		MinioSecretAccessKey: "spt-secret-key", MinioUseSSL: "false", "OBJECT_STORAGE_BUCKET_STATES": "states",
	})
	var log bytes.Buffer
	opts := checks.Options{ProbeAllBuckets: true, Logger: slog.New(slog.NewJSONHandler(&log, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	outs := run(t, cfg, opts, seams{}, "storage.bucket.states")
	r := expect(t, outs, "storage.bucket.states", checks.Error, "WeirdServerError", "Run again with -v for the SDK's full error")
	if strings.Contains(r.Message, tail) {
		t.Errorf("the result should carry the short text, not the whole message")
	}
	if !strings.Contains(log.String(), tail) || !strings.Contains(log.String(), `"msg":"storage: the SDK's full error"`) {
		t.Errorf("the debug log lacks the SDK's full error:\n%s", log.String())
	}
}
