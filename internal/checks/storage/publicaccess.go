package storage

import (
	"context"
	"fmt"
	"net/http"
	"sync"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
)

// publicAccessCheck makes unsigned requests, as anyone on the internet
// could: list each bucket, and (unless read-only, or the bucket is spared:
// spared.go) read a probe object written for the purpose. Both must be
// refused; no bucket needs public access because workers and browsers use
// pre-signed URLs. It also reads, where the API has one, the bucket's own
// setting that blocks public access (publicsettings.go): one that leaves
// the bucket open warns even when the requests were refused, and one that
// cannot be read is noted without changing the verdict.
func (s *suite) publicAccessCheck(ctx context.Context) checks.Result {
	be, err := s.backend(ctx)
	if err != nil {
		return s.clientFailure(err)
	}
	// The buckets are independent: probe them at once, so the check takes
	// one bucket's four round trips, not ten buckets' forty.
	nbs := s.bucketsFor(purposes()...)
	outs := make([]checks.Step, len(nbs))
	var wg sync.WaitGroup
	for i, nb := range nbs {
		wg.Go(func() {
			st, msg := s.anonymousProbe(ctx, be, nb)
			outs[i] = checks.Step{Name: nb.label(), Status: st, Message: msg}
			if st != checks.Skip {
				s.publicSettingStep(ctx, be, nb, &outs[i])
			}
		})
	}
	wg.Wait()
	var v checks.Verdict
	v.NotChecked(s.bucketWord(), notCheckedWhy)
	for _, d := range s.whereDetails(ctx, be) {
		v.Detail(d.Key, d.Value)
	}
	for i, nb := range nbs {
		if outs[i].Status == checks.Warn {
			outs[i].Advice = s.publicAdvice(nb.Name)
		}
		v.Add(outs[i])
	}
	res := v.Result("anonymous list and read are refused on every bucket")
	if s.opts.ReadOnly {
		res = res.With(checks.KV("anonymous read", "not tested: --read-only forbids writing the probe object it reads"))
	}
	return res
}

func (s *suite) anonymousProbe(ctx context.Context, be backend, nb namedBucket) (st checks.Status, msg string) {
	listCode, err := anonymousGet(ctx, be.httpClient(), be.listURL(nb.Name))
	if err != nil {
		return checks.Error, "anonymous list request failed: " + describe(asOpError(err))
	}
	if listCode/100 == 2 {
		return checks.Warn, fmt.Sprintf("anyone can list the bucket without credentials (HTTP %d)", listCode)
	}
	why := s.spared(nb)
	if s.opts.ReadOnly || why != "" {
		// A refusal may only mean there is no such bucket.
		if msg, ok := s.missing(ctx, be, nb); ok {
			return checks.Skip, msg
		}
		if why != "" && !s.opts.ReadOnly {
			return checks.Pass, fmt.Sprintf("anonymous list refused (HTTP %d); anonymous read not tested: no probe object written (%s; %s writes one)", listCode, why, sparedFlag)
		}
		return checks.Pass, fmt.Sprintf("anonymous list refused (HTTP %d)", listCode)
	}
	key, body := probeKey(), probeBody()
	version, err := be.put(ctx, nb.Name, key, body)
	if err != nil {
		if msg, ok := s.missing(ctx, be, nb); ok {
			return checks.Skip, msg
		}
		return checks.Pass, fmt.Sprintf("anonymous list refused (HTTP %d); anonymous read not tested: writing the probe object failed (%s; see storage.bucket.*)", listCode, asOpError(err))
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
		defer cancel()
		note, err := removeProbe(cctx, be, nb.Name, key, version)
		switch {
		case err != nil:
			st = checks.Worse(st, checks.Warn)
			msg += "; probe object " + key + " was left: could not delete it: " + describe(asOpError(err))
		case note != "":
			msg += "; " + note
		}
	}()
	getCode, err := anonymousGet(ctx, be.httpClient(), be.objectURL(nb.Name, key))
	if err != nil {
		return checks.Error, "anonymous read request failed: " + describe(asOpError(err))
	}
	if getCode/100 == 2 {
		return checks.Warn, fmt.Sprintf("anyone can read objects without credentials (HTTP %d for the probe object)", getCode)
	}
	return checks.Pass, fmt.Sprintf("anonymous list (HTTP %d) and read (HTTP %d) refused", listCode, getCode)
}

// publicSettingStep adds the bucket's own public-access setting to its
// step: as evidence, and as a warning when it leaves the bucket open. A
// setting that cannot be read (denied, or a server without the API) is
// noted in the evidence only: the anonymous requests still decide.
func (s *suite) publicSettingStep(ctx context.Context, be backend, nb namedBucket, st *checks.Step) {
	ps, err := be.publicAccess(ctx, nb.Name)
	switch {
	case ps.Name == "":
		return
	case err != nil:
		st.Evidence.Add(ps.Name, "could not be read: "+describe(asOpError(err)))
		return
	}
	st.Evidence.Add(ps.Name, ps.Value)
	if ps.Open != "" {
		st.Status = checks.Worse(st.Status, checks.Warn)
		st.Message += "; but " + ps.Open
	}
}

// anonymousGet returns the status of an unsigned GET.
func anonymousGet(ctx context.Context, hc *http.Client, u string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, &opError{Kind: kindOther, Text: sanitize(err.Error())}
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, classifyTransport(err)
	}
	_ = resp.Body.Close()
	return resp.StatusCode, nil
}
