package server

import (
	"crypto/x509"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/configcheck"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/messaging/msgtest"
	"github.com/spacelift-io/spacectl-preflight/internal/testsvc"
)

// TestLargeBodyBehindNginx puts real nginx where the Ingress would be: with
// ingress-nginx's default 1 MiB body limit the large POST gets 413 and the
// check fails; with the chart's proxy-body-size "0" it passes; a read-only
// run does not send it.
func TestLargeBodyBehindNginx(t *testing.T) {
	v := testsvc.RequireMap(t, "SPT_NGINX_LIMITED_ADDR", "SPT_NGINX_UNLIMITED_ADDR", "SPT_CA_FILE")
	caPEM, err := os.ReadFile(v["SPT_CA_FILE"])
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	d := deps{rootCAs: pool, now: time.Now}
	domain := func(addr string) string { return "localhost:" + addr[strings.LastIndex(addr, ":")+1:] }

	limited := run(t, domain(v["SPT_NGINX_LIMITED_ADDR"]), checks.PostInstall, d, 10*time.Second)
	msgtest.Expect(t, HealthID, limited, checks.Fail, "refuses request bodies over its limit", "413 Request Entity Too Large",
		"answers 200", "proxy-body-size: \"0\"")
	unlimited := run(t, domain(v["SPT_NGINX_UNLIMITED_ADDR"]), checks.PostInstall, d, 10*time.Second)
	msgtest.Expect(t, HealthID, unlimited, checks.Pass, "large request body: POST of 1536 KiB", "passed the proxies (404 Not Found")

	cfg := msgtest.Config(t, map[string]string{configcheck.ServerDomain: domain(v["SPT_NGINX_LIMITED_ADDR"])}, Backend{}, configcheck.Backend{})
	p := &checks.Plan{}
	register(p, cfg, checks.Options{Stage: checks.PostInstall, ReadOnly: true}, d)
	ro := msgtest.Run(t, p, 10*time.Second, HealthID)[HealthID]
	msgtest.Expect(t, HealthID, ro, checks.Pass, "answers 200")
	if _, ok := ro.Result.Details.Get("large request body"); ok {
		t.Errorf("a read-only run sent the large POST:\n%s", msgtest.Text(ro.Result))
	}
}
