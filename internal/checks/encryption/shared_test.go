package encryption

import (
	"context"
	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/spacelift-io/spacectl-preflight/internal/checks/awsenv"
	"github.com/spacelift-io/spacectl-preflight/internal/config"
)

// TestKMSClientIsCreatedOnceAndShared: concurrent checks get the same
// lazily created client, and creating it makes no network call.
func TestKMSClientIsCreatedOnceAndShared(t *testing.T) {
	t.Setenv("AWS_CONFIG_FILE", t.TempDir()+"/none")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", t.TempDir()+"/none")
	cfg, err := config.FromMap(checks.MustCatalog([]checks.Backend{awsenv.Backend{}}), map[string]string{awsenv.Region: "eu-west-2"}, config.Source{Kind: config.FromEnv})
	if err != nil {
		t.Fatal(err)
	}
	k := newKMSClient(awsenv.New(cfg))
	var wg sync.WaitGroup
	clients := make([]*kms.Client, 8)
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, info, err := k.Get(context.Background())
			if err != nil || info.Region != "eu-west-2" {
				t.Errorf("get: %v, region %q", err, info.Region)
			}
			clients[i] = c
		}()
	}
	wg.Wait()
	for _, c := range clients[1:] {
		if c != clients[0] || c == nil {
			t.Fatal("checks got different KMS clients")
		}
	}
}
