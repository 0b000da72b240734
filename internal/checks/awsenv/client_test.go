package awsenv

import (
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/spacelift-io/spacectl-preflight/internal/checks/messaging/msgtest"
)

// fakeClient stands for an SDK client: it remembers the configuration it
// was built from.
type fakeClient struct{ cfg aws.Config }

// builds counts calls of a Client's build function.
type builds struct {
	mu sync.Mutex
	n  int
}

func (b *builds) build(c aws.Config) *fakeClient {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.n++
	return &fakeClient{cfg: c}
}

func (b *builds) count() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.n
}

// Concurrent checks get the one client, built once, with the Info that
// describes it.
func TestClientIsBuiltOnceOnFirstUse(t *testing.T) {
	msgtest.IsolateAWS(t)
	env := New(msgtest.Config(t, map[string]string{
		Region: "eu-west-2", AccessKeyID: "AKIDFROMFILE", SecretAccessKey: "secret-from-file",
	}, Backend{}))
	var b builds
	c := NewClient(env, b.build)
	if b.count() != 0 || env.loaded {
		t.Fatal("NewClient built the client or loaded the configuration before anyone needed it")
	}
	var wg sync.WaitGroup
	got := make([]*fakeClient, 8)
	for i := range got {
		wg.Go(func() {
			fc, info, err := c.Get(t.Context())
			if err != nil {
				t.Errorf("Get: %v", err)
			}
			if info.Region != "eu-west-2" || info.Partition != "aws" || info.Credentials != env.Credentials() {
				t.Errorf("info %+v does not describe the configuration", info)
			}
			got[i] = fc
		})
	}
	wg.Wait()
	if b.count() != 1 {
		t.Errorf("built %d times, want once", b.count())
	}
	for _, fc := range got {
		if fc == nil || fc != got[0] {
			t.Fatal("checks got different clients")
		}
	}
	if got[0].cfg.Region != "eu-west-2" {
		t.Errorf("built from region %q", got[0].cfg.Region)
	}
	if strings.Contains(c.info.Credentials, "secret-from-file") {
		t.Error("the Info shows the secret key")
	}
}

// A failed load builds nothing and is not remembered: once the region is
// there, the next Get succeeds.
func TestClientDoesNotCacheAFailure(t *testing.T) {
	msgtest.IsolateAWS(t)
	env := New(msgtest.Config(t, map[string]string{}, Backend{}))
	var b builds
	c := NewClient(env, b.build)
	fc, info, err := c.Get(t.Context())
	if err != ErrNoRegion || fc != nil || b.count() != 0 {
		t.Fatalf("Get = %v, %v; built %d times; want ErrNoRegion and nothing built", fc, err, b.count())
	}
	if info.Credentials == "" || info.Region != "" {
		t.Errorf("info %+v: want where credentials come from and no region", info)
	}
	t.Setenv("AWS_REGION", "us-west-2")
	fc, info, err = c.Get(t.Context())
	if err != nil || fc == nil || info.Region != "us-west-2" || b.count() != 1 {
		t.Fatalf("retry: client %v, region %q, err %v, built %d times", fc, info.Region, err, b.count())
	}
}

// Clients of different services share the Env's one loaded configuration
// (and so its one credentials cache).
func TestClientsShareOneLoad(t *testing.T) {
	msgtest.IsolateAWS(t)
	env := New(msgtest.Config(t, map[string]string{Region: "eu-central-1"}, Backend{}))
	type otherClient struct{ cfg aws.Config }
	a := NewClient(env, func(c aws.Config) *fakeClient { return &fakeClient{cfg: c} })
	o := NewClient(env, func(c aws.Config) otherClient { return otherClient{cfg: c} })
	ac, _, err := a.Get(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	oc, _, err := o.Get(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if ac.cfg.Credentials == nil || ac.cfg.Credentials != oc.cfg.Credentials {
		t.Error("the two clients were built from separately loaded configurations")
	}
}
