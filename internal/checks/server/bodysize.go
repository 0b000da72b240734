package server

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
)

// bodyProbeSize is just over ingress-nginx's default client body limit of
// 1 MiB, which the chart lifts with proxy-body-size "0" (spacelift-helm-charts
// #96): a proxy that still has a limit answers 413 before Spacelift sees the
// request.
const bodyProbeSize = 1536 << 10

// largeBody sends one POST with a body of bodyProbeSize to the server's root
// and judges only a 413: any other answer (Spacelift rejects the junk with a
// 4xx) means the proxies let the body through. It changes nothing on the
// server, and it is skipped by --read-only like every other probe.
func largeBody(ctx context.Context, client *http.Client, domain string, res checks.Result) checks.Result {
	url := "https://" + domain + "/"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(strings.Repeat(" ", bodyProbeSize)))
	if err != nil {
		return res.With(checks.KV("large request body", "not tested: "+err.Error()))
	}
	req.Header.Set("Content-Type", "application/octet-stream")
	resp, err := client.Do(req)
	if err != nil {
		return res.With(checks.KV("large request body", "not tested: "+rootCause(err)))
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	size := fmt.Sprintf("POST of %d KiB to %s", bodyProbeSize>>10, url)
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		return res.With(checks.KV("large request body", size+": passed the proxies ("+resp.Status+" from behind them)"))
	}
	res.Status = checks.Worse(res.Status, checks.Fail)
	res.Message = fmt.Sprintf("a proxy in front of Spacelift refuses request bodies over its limit: the %s answered %s; %s", size, resp.Status, res.Message)
	res.Advice = strings.TrimSpace(res.Advice + "\n" + "Lift the request body limit of the ingress or proxy in front of Spacelift: with ingress-nginx, the annotation " +
		"nginx.ingress.kubernetes.io/proxy-body-size: \"0\" on the Ingress (the Helm chart's default; check that your values do not override it); " +
		"with another proxy, its client_max_body_size or equivalent. Large uploads (state files, modules) fail with 413 otherwise.")
	return res.With(checks.KV("large request body", size+": "+resp.Status))
}
