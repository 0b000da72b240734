package storage

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"strings"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/configcheck"
	"github.com/spacelift-io/spacectl-preflight/internal/secret"
)

const corsProbeKey = probePrefix + "cors-probe"

// corsCheck sends the preflight a browser sends before uploading to the
// uploads bucket from the Spacelift UI, and judges the answer as the
// browser would.
func (s *suite) corsCheck(ctx context.Context) checks.Result {
	be, err := s.backend(ctx)
	if err != nil {
		return s.clientFailure(err)
	}
	origin := "https://" + s.cfg.Get(configcheck.ServerDomain)
	bucket := s.cfg.Get("OBJECT_STORAGE_BUCKET_UPLOADS")
	target := be.objectURL(bucket, corsProbeKey)
	if raw := s.cfg.Get(UploadsURL); raw != "" {
		t, err := corsTarget(raw, bucket, corsProbeKey)
		if err != nil {
			return checks.Failf("Set "+UploadsURL+" to the absolute https:// URL browsers upload to.", "%s is not an absolute URL: %v", UploadsURL, err)
		}
		target = t
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodOptions, target, nil)
	if err != nil {
		return checks.Errorf("", "cannot build the preflight request: %s", sanitize(err.Error()))
	}
	req.Header.Set("Origin", origin)
	req.Header.Set("Access-Control-Request-Method", http.MethodPut)
	details := []checks.Detail{checks.KV("url", target), checks.KV("origin", origin)}
	resp, err := be.httpClient().Do(req)
	if err != nil {
		e := classifyTransport(err)
		return checks.Result{Status: statusOf(e.Kind), Message: "CORS preflight to " + hostOf(target) + " failed: " + describe(e),
			Advice: s.advice(opFetch, bucket, e)}.With(details...)
	}
	defer resp.Body.Close()
	allowOrigin := resp.Header.Get("Access-Control-Allow-Origin")
	allowMethods := resp.Header.Get("Access-Control-Allow-Methods")
	details = append(details, checks.KV("status", resp.Status), checks.KV("Access-Control-Allow-Origin", allowOrigin),
		checks.KV("Access-Control-Allow-Methods", allowMethods))
	var why string
	switch {
	case resp.StatusCode/100 != 2:
		why = fmt.Sprintf("the preflight was answered %s", resp.Status)
	case allowOrigin != origin && allowOrigin != "*":
		why = fmt.Sprintf("Access-Control-Allow-Origin is %q, not %s", allowOrigin, origin)
	case !listHas(allowMethods, http.MethodPut):
		why = fmt.Sprintf("Access-Control-Allow-Methods %q does not include PUT", allowMethods)
	}
	if why != "" {
		return checks.Failf(s.corsAdvice(bucket, origin),
			"a browser on %s would be refused uploads to the uploads %s %s: %s", origin, s.bucketWord(), bucket, why).With(details...)
	}
	return checks.Passf("the uploads %s %s allows PUT from %s", s.bucketWord(), bucket, origin).With(details...)
}

// corsTarget builds the object URL under OBJECT_STORAGE_BUCKET_UPLOADS_URL:
// /<key> when the URL already names the bucket (S3 virtual-hosted style,
// or a path ending in the bucket), /<bucket>/<key> otherwise (GCS, Azure,
// MinIO).
func corsTarget(raw, bucket, key string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return "", fmt.Errorf("%s", secret.ParseErrorText(err))
	}
	if u.Scheme == "" || u.Host == "" {
		return "", fmt.Errorf("no scheme or host")
	}
	p := strings.TrimRight(u.Path, "/")
	if strings.HasPrefix(u.Hostname(), bucket+".") || path.Base(p) == bucket {
		u.Path = p + "/" + key
	} else {
		u.Path = p + "/" + bucket + "/" + key
	}
	u.RawQuery = ""
	return u.String(), nil
}

func listHas(list, item string) bool {
	for _, v := range strings.Split(list, ",") {
		v = strings.TrimSpace(v)
		if strings.EqualFold(v, item) || v == "*" {
			return true
		}
	}
	return false
}

// hostOf is the host of a URL, for messages that must not show its query
// (a pre-signed URL's query carries its signature).
func hostOf(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return ""
	}
	return p.Host
}
