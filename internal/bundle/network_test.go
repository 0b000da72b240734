package bundle

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/testsvc"
)

// silentListener accepts connections and never writes a byte; it returns
// the port and a counter of accepted connections.
func silentListener(t *testing.T) (string, func() int) {
	s := testsvc.SilentListener(t)
	return fmt.Sprint(s.Port()), s.Accepted
}

func TestTLSChainIsRecordedWithoutTrust(t *testing.T) {
	srv := httptest.NewTLSServer(http.NotFoundHandler())
	defer srv.Close()
	u, _ := url.Parse(srv.URL)
	ep := Endpoint{Vars: []string{"OBJECT_STORAGE_BUCKET_UPLOADS_URL"}, Host: "127.0.0.1", Port: u.Port(), Handshake: DirectTLS}
	reps, got, missing := CollectNetwork(context.Background(), []Endpoint{ep}, NetOptions{})
	if len(missing) != 0 || len(got) != 2 {
		t.Fatalf("collected %v, missing %v", got, missing)
	}
	tr := reps[0].TLS
	if tr == nil || len(tr.Chain) == 0 || tr.Error != "" {
		t.Fatalf("no chain: %+v", tr)
	}
	c := tr.Chain[0]
	if !strings.Contains(strings.Join(c.IPAddresses, ","), "127.0.0.1") || c.NotAfter.IsZero() || c.Issuer == "" || len(c.SHA256) != 64 {
		t.Errorf("certificate facts missing: %+v", c)
	}
	// httptest's certificate is not signed by a system root: recorded, and
	// reported as not verifying, never trusted.
	if !strings.HasPrefix(tr.SystemTrust, "no:") {
		t.Errorf("systemTrust = %q", tr.SystemTrust)
	}
	if reps[0].DNS == nil || reps[0].DNS.Addresses[0] != "127.0.0.1" {
		t.Errorf("dns %+v", reps[0].DNS)
	}
}

func TestNetworkFailuresAreReportedWithinDeadlines(t *testing.T) {
	silent, accepted := silentListener(t)
	cases := []struct {
		name string
		ep   Endpoint
		want string
	}{
		{"closed port", Endpoint{Host: "127.0.0.1", Port: strings.TrimPrefix(testsvc.ClosedAddr(t), "127.0.0.1:"), Handshake: DirectTLS}, "refused"},
		{"silent TLS server", Endpoint{Host: "127.0.0.1", Port: silent, Handshake: DirectTLS}, "no answer within 300ms"},
		{"silent PostgreSQL server", Endpoint{Host: "127.0.0.1", Port: silent, Handshake: PostgresTLS}, "no answer within 300ms"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			start := time.Now()
			reps, _, missing := CollectNetwork(context.Background(), []Endpoint{c.ep}, NetOptions{TLSTimeout: 300 * time.Millisecond})
			if d := time.Since(start); d > 300*time.Millisecond+time.Second {
				t.Errorf("took %s", d)
			}
			if reps[0].TLS == nil || !strings.Contains(reps[0].TLS.Error, c.want) {
				t.Fatalf("tls = %+v, want error containing %q", reps[0].TLS, c.want)
			}
			if len(missing) != 1 || !strings.HasPrefix(missing[0].Item, "TLS chain of 127.0.0.1:") || !strings.Contains(missing[0].Reason, c.want) {
				t.Errorf("missing = %+v", missing)
			}
		})
	}
	if accepted() < 2 {
		t.Errorf("the silent listener saw %d connections, want 2", accepted())
	}
}

type blockingResolver struct{}

func (blockingResolver) LookupHost(ctx context.Context, _ string) ([]string, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

func TestDNSHasADeadline(t *testing.T) {
	start := time.Now()
	reps, _, missing := CollectNetwork(context.Background(), []Endpoint{{Host: "db.internal", Port: "5432", Handshake: PostgresTLS}},
		NetOptions{DNSTimeout: 200 * time.Millisecond, Resolver: blockingResolver{}})
	if d := time.Since(start); d > 200*time.Millisecond+time.Second {
		t.Errorf("took %s", d)
	}
	if reps[0].DNS.Error != "no answer within 200ms" || reps[0].TLS != nil {
		t.Errorf("dns %+v tls %+v", reps[0].DNS, reps[0].TLS)
	}
	if len(missing) != 2 || missing[1].Reason != "not attempted: the host did not resolve" {
		t.Errorf("missing %+v", missing)
	}
}

func TestInterruptStopsCollection(t *testing.T) {
	silent, _ := silentListener(t)
	ctx, cancel := context.WithCancelCause(context.Background())
	go func() {
		time.Sleep(200 * time.Millisecond)
		cancel(checks.ErrInterrupted)
	}()
	var eps []Endpoint
	for range 6 {
		eps = append(eps, Endpoint{Host: "127.0.0.1", Port: silent, Handshake: DirectTLS})
	}
	eps = append(eps, Endpoint{Host: "later.internal", Port: "1", Handshake: DirectTLS})
	start := time.Now()
	_, _, missing := CollectNetwork(ctx, eps, NetOptions{TLSTimeout: time.Minute, Concurrency: 2, Resolver: blockingResolver{}})
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("an interrupt took %s to stop the collection", d)
	}
	for _, m := range missing {
		if !strings.Contains(m.Reason, "interrupted") && m.Reason != "not attempted: the host did not resolve" {
			t.Errorf("%s: %s", m.Item, m.Reason)
		}
	}
	if len(missing) == 0 {
		t.Fatal("nothing reported as not collected")
	}
}

// TestPostgresSSLRequestAgainstRealServers records the chain of the
// harness's TLS PostgreSQL and reports a server without TLS as such.
func TestPostgresSSLRequestAgainstRealServers(t *testing.T) {
	v := testsvc.Require(t, "SPT_PG_TLS_URL", "SPT_PG16_URL")
	tlsURL, _ := url.Parse(v[0])
	plainURL, _ := url.Parse(v[1])
	eps := []Endpoint{
		{Host: tlsURL.Hostname(), Port: tlsURL.Port(), Handshake: PostgresTLS},
		{Host: plainURL.Hostname(), Port: plainURL.Port(), Handshake: PostgresTLS},
	}
	reps, _, _ := CollectNetwork(context.Background(), eps, NetOptions{})
	tr := reps[0].TLS
	if tr == nil || tr.Error != "" || len(tr.Chain) == 0 {
		t.Fatalf("TLS server: %+v", tr)
	}
	if !strings.Contains(strings.Join(tr.Chain[0].DNSNames, ","), "localhost") || tr.ServerName != "localhost" {
		t.Errorf("chain %+v", tr.Chain[0])
	}
	if plain := reps[1].TLS; plain == nil || !strings.Contains(plain.Error, "does not offer TLS") {
		t.Errorf("plain server: %+v", plain)
	}
}

func TestDescribeErrorsSayWhoStopped(t *testing.T) {
	o := NetOptions{}
	o.defaults()
	parent, cancel := context.WithCancelCause(context.Background())
	cancel(checks.ErrInterrupted)
	if got := o.describe(parent, parent, errors.New("x"), time.Second); !strings.Contains(got, "interrupted") {
		t.Errorf("got %q", got)
	}
}
