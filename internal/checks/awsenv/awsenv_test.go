package awsenv

import (
	"strings"
	"testing"

	"github.com/spacelift-io/spacectl-preflight/internal/checks/messaging/msgtest"
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
