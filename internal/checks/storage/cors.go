package storage

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/configcheck"
)

const corsProbeKey = probePrefix + "cors-probe"

// corsRequestHeader is the header a browser asks to send with an upload;
// the docs' rule allows every header (AllowedHeaders ["*"]).
const corsRequestHeader = "content-type"

// corsCheck sends the preflights a browser sends before uploading to the
// uploads bucket from the Spacelift UI, PUT and POST with a Content-Type,
// to the host the pre-signed URLs point at, and judges the answers as the
// browser would. It also compares OBJECT_STORAGE_BUCKET_UPLOADS_URL, which
// Spacelift puts in the frontend's Content-Security-Policy, with that host.
func (s *suite) corsCheck(ctx context.Context) checks.Result {
	be, err := s.backend(ctx)
	if err != nil {
		return s.clientFailure(err)
	}
	origin := "https://" + s.cfg.Get(configcheck.ServerDomain)
	bucket := s.cfg.Get("OBJECT_STORAGE_BUCKET_UPLOADS")
	nb := namedBucket{Name: bucket, Purposes: []string{"uploads"}}
	target, note := s.uploadTarget(ctx, be, bucket)

	var v checks.Verdict
	v.Detail("url", target)
	v.Detail("origin", origin)
	if note != "" {
		v.Detail("url from", note)
	}
	for _, d := range s.whereDetails(ctx, be) {
		v.Detail(d.Key, d.Value)
	}
	s.uploadsURLStep(&v, be, bucket, hostOf(target))

	var steps []checks.Step
	refused := false
	for _, method := range []string{http.MethodPut, http.MethodPost} {
		st := s.preflight(ctx, be, target, origin, method, bucket)
		refused = refused || st.Status == checks.Fail
		steps = append(steps, st)
	}
	passMsg := fmt.Sprintf("a browser on %s may upload to the uploads %s %s: PUT and POST with a Content-Type are allowed", origin, s.bucketWord(), bucket)
	if refused {
		// A store refuses a preflight to a bucket that does not exist;
		// storage.bucket.uploads reports that, once.
		if msg, ok := s.missing(ctx, be, nb); ok {
			steps = []checks.Step{{Name: "CORS preflight", Status: checks.Skip, Message: msg}}
			passMsg = UploadsURL + " names the host browsers upload to"
		}
	}
	for _, st := range steps {
		v.Add(st)
	}
	return v.Result(passMsg)
}

// uploadTarget is the URL a browser uploads to: a pre-signed PUT URL for
// the uploads bucket, without its query (the preflight carries none of the
// signature), or the object URL when signing fails here (GCS without a key
// file and no signBlob permission, say); note says which.
func (s *suite) uploadTarget(ctx context.Context, be backend, bucket string) (target, note string) {
	sp, err := be.presignPut(ctx, bucket, corsProbeKey, presignTTL)
	if err != nil {
		return be.objectURL(bucket, corsProbeKey), "the object URL: pre-signing failed here (" + describe(asOpError(err)) + "; storage.bucket.uploads reports it)"
	}
	u, err := url.Parse(sp.URL)
	if err != nil {
		return be.objectURL(bucket, corsProbeKey), "the object URL: the pre-signed URL does not parse"
	}
	u.RawQuery, u.Fragment = "", ""
	return u.String(), "a pre-signed PUT URL for the uploads " + s.bucketWord() + ", without its query"
}

// uploadsURLStep compares OBJECT_STORAGE_BUCKET_UPLOADS_URL's host with the
// host browsers really upload to, and with the official modules' form.
func (s *suite) uploadsURLStep(v *checks.Verdict, be backend, bucket, realHost string) {
	raw := strings.TrimSpace(s.cfg.Get(UploadsURL))
	if raw == "" {
		v.Detail(UploadsURL, "not set (config.required reports it)")
		return
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		v.Skip(UploadsURL, "not compared: it is not an absolute http(s) URL (config.values reports it)")
		return
	}
	host := canonicalHost(u.Scheme, u.Host)
	official := be.officialUploadsHost(bucket)
	switch {
	case host == canonicalHost("https", realHost) || host == canonicalHost("http", realHost):
		v.Pass(UploadsURL, "host %s is the host of the pre-signed URLs for the uploads %s", u.Host, s.bucketWord())
	case official != "" && host == canonicalHost("https", official):
		v.Pass(UploadsURL, "host %s is the official form for the uploads %s (pre-signed URLs from here use %s)", u.Host, s.bucketWord(), realHost)
	default:
		want := realHost
		if official != "" {
			want = official
		}
		v.Warn(UploadsURL, fmt.Sprintf("Set %s=https://%s: Spacelift builds the frontend's Content-Security-Policy from it, so it must name the host the pre-signed upload URLs point at (%s).", UploadsURL, want, uploadsURLAdvice(Type(s.cfg))),
			"host %s is not %s, the host of the pre-signed URLs for the uploads %s: the frontend's Content-Security-Policy would block browser uploads", u.Host, realHost, s.bucketWord())
	}
}

// canonicalHost lowercases a URL's host and drops the scheme's default
// port, so that https://Host:443 and https://host compare equal.
func canonicalHost(scheme, host string) string {
	host = strings.ToLower(host)
	switch {
	case scheme == "https" && strings.HasSuffix(host, ":443"):
		return strings.TrimSuffix(host, ":443")
	case scheme == "http" && strings.HasSuffix(host, ":80"):
		return strings.TrimSuffix(host, ":80")
	}
	return host
}

// preflight sends one CORS preflight and judges the answer.
func (s *suite) preflight(ctx context.Context, be backend, target, origin, method, bucket string) checks.Step {
	name := method + " preflight"
	req, err := http.NewRequestWithContext(ctx, http.MethodOptions, target, nil)
	if err != nil {
		return checks.Step{Name: name, Status: checks.Error, Message: "cannot build the preflight request: " + sanitize(err.Error())}
	}
	req.Header.Set("Origin", origin)
	req.Header.Set("Access-Control-Request-Method", method)
	req.Header.Set("Access-Control-Request-Headers", corsRequestHeader)
	resp, err := be.httpClient().Do(req)
	if err != nil {
		e := classifyTransport(err)
		return checks.Step{Name: name, Status: statusOf(e.Kind), Message: "the preflight to " + hostOf(target) + " failed: " + describe(e), Advice: s.advice(opFetch, bucket, e)}
	}
	_ = resp.Body.Close()
	ev := checks.Details{checks.KV("status", resp.Status)}
	for _, h := range []string{"Access-Control-Allow-Origin", "Access-Control-Allow-Methods", "Access-Control-Allow-Headers"} {
		ev.Add(h, resp.Header.Get(h))
	}
	if why := corsRefusal(resp, origin, method); why != "" {
		return checks.Step{Name: name, Status: checks.Fail, Evidence: ev, Advice: s.corsAdvice(bucket, origin),
			Message: fmt.Sprintf("a browser on %s would be refused a %s upload to the uploads %s %s: %s", origin, method, s.bucketWord(), bucket, why)}
	}
	return checks.Step{Name: name, Status: checks.Pass, Evidence: ev, Message: method + " with Content-Type allowed from " + origin}
}

// corsRefusal judges a preflight answer as the Fetch standard's CORS check
// does for a request without credentials, returning why a browser would
// refuse it ("" when it would not): an ok status, the origin or * allowed,
// the method listed (or *, or safelisted, as POST is), and the requested
// header listed (or *).
func corsRefusal(resp *http.Response, origin, method string) string {
	allowOrigin := resp.Header.Get("Access-Control-Allow-Origin")
	allowMethods := resp.Header.Get("Access-Control-Allow-Methods")
	allowHeaders := resp.Header.Get("Access-Control-Allow-Headers")
	switch {
	case resp.StatusCode/100 != 2:
		return fmt.Sprintf("the preflight was answered %s", resp.Status)
	case allowOrigin != origin && allowOrigin != "*":
		return fmt.Sprintf("Access-Control-Allow-Origin is %q, not %s", allowOrigin, origin)
	case !listHas(allowMethods, method) && !safelistedMethod(method):
		return fmt.Sprintf("Access-Control-Allow-Methods %q does not include %s", allowMethods, method)
	case !listHas(allowHeaders, corsRequestHeader):
		return fmt.Sprintf("Access-Control-Allow-Headers %q does not include Content-Type", allowHeaders)
	}
	return ""
}

// safelistedMethod reports the methods a browser allows without listing
// them in Access-Control-Allow-Methods.
func safelistedMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodPost
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
