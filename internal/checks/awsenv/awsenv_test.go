package awsenv

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/smithy-go/logging"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/messaging/msgtest"
	"github.com/spacelift-io/spacectl-preflight/internal/config"
)

func TestConfigUsesRegionAndStaticKeysFromTheConfiguration(t *testing.T) {
	msgtest.IsolateAWS(t)
	env := New(msgtest.Config(t, map[string]string{
		Region: "eu-central-1", AccessKeyID: "AKIDFROMFILE", SecretAccessKey: "secret-from-file",
	}, Backend{}))
	c, err := env.Config(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	creds, err := c.Credentials.Retrieve(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if c.Region != "eu-central-1" || creds.AccessKeyID != "AKIDFROMFILE" || creds.SecretAccessKey != "secret-from-file" {
		t.Errorf("region %q, key %q: the configuration's values were not used", c.Region, creds.AccessKeyID)
	}
	if env.Partition() != "aws" {
		t.Errorf("partition %q, want the default aws", env.Partition())
	}
}

func TestConfigWithoutRegionIsAnErrorAndNotCached(t *testing.T) {
	msgtest.IsolateAWS(t)
	env := New(msgtest.Config(t, map[string]string{}, Backend{}))
	if _, err := env.Config(t.Context()); err == nil || !strings.Contains(err.Error(), "AWS_REGION") {
		t.Fatalf("err = %v, want one naming AWS_REGION", err)
	}
	// The SDK's own environment settings still apply on the next try.
	t.Setenv("AWS_REGION", "us-west-2")
	c, err := env.Config(t.Context())
	if err != nil || c.Region != "us-west-2" {
		t.Fatalf("region %q, err %v", c.Region, err)
	}
}

// TestSDKLogsGoToTheRunLogger: the SDK's warnings reach the run's
// structured logger (and so the scrubber), never its default logger on
// os.Stderr.
func TestSDKLogsGoToTheRunLogger(t *testing.T) {
	msgtest.IsolateAWS(t)
	cfg := msgtest.Config(t, map[string]string{Region: "eu-central-1"}, Backend{})
	var buf bytes.Buffer
	p := checks.Build(nil, cfg, checks.Options{Logger: slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	c, err := Of(p, cfg).Config(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	c.Logger.Logf(logging.Warn, "Response has no supported checksum %d", 42)
	if !strings.Contains(buf.String(), `"level":"WARN","msg":"Response has no supported checksum 42","logger":"aws-sdk-go-v2"`) {
		t.Fatalf("the SDK's warning did not reach the run's logger: %q", buf.String())
	}
	// Without a run logger the SDK logs nothing at all.
	c, err = New(cfg).Config(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if _, std := c.Logger.(*logging.StandardLogger); std {
		t.Error("the SDK's default logger writes to os.Stderr")
	}
}

// A session token the shell exported is not paired with a key pair an input
// set (nor the other way round): it belongs to another identity.
func TestSessionTokenGoesOnlyWithItsOwnKey(t *testing.T) {
	msgtest.IsolateAWS(t)
	cat, err := checks.Catalog([]checks.Backend{Backend{}})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	f, region := filepath.Join(dir, "a.env"), filepath.Join(dir, "region.env")
	if err := os.WriteFile(f, []byte("AWS_REGION=eu-west-1\nAWS_ACCESS_KEY_ID=AKIDFROMFILE\nAWS_SECRET_ACCESS_KEY=secret-from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(region, []byte("AWS_REGION=eu-west-1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		files []string
		env   map[string]string
		want  string
	}{
		"file keys, shell token": {[]string{f}, map[string]string{SessionToken: "shell-token"}, ""},
		"shell keys and token":   {[]string{region}, map[string]string{AccessKeyID: "AKIDSHELL", SecretAccessKey: "shell-secret", SessionToken: "shell-token"}, "shell-token"},
	} {
		t.Run(name, func(t *testing.T) {
			cfg, ds := config.Load(config.LoadOptions{Catalog: cat, EnvFiles: tc.files, Env: tc.env})
			if ds.HasErrors() {
				t.Fatal(ds)
			}
			c, err := New(cfg).Config(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			creds, err := c.Credentials.Retrieve(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if creds.SessionToken != tc.want {
				t.Errorf("session token %q, want %q", creds.SessionToken, tc.want)
			}
		})
	}
}
