package storage

import (
	"bytes"
	"context"
	"net/http"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
)

// uploadProbe uploads obj through a pre-signed PUT URL, without any other
// credentials, as a worker uploads a run log or a browser an upload, then
// reads it back with the client's credentials. It returns false with the
// failure when a step failed.
func (s *suite) uploadProbe(ctx context.Context, be backend, bucket string, obj *probeObject) (checks.Result, bool) {
	sp, err := be.presignPut(ctx, bucket, obj.key, presignTTL)
	if err != nil {
		return s.failure(opPresignPut, bucket, err).With(checks.KV("key", obj.key)), false
	}
	body := probeBody()
	version, err := upload(ctx, be.httpClient(), sp, body)
	obj.version = version
	if err != nil {
		// A refused upload wrote nothing; one without an answer may have.
		obj.written = statusOf(asOpError(err).Kind) == checks.Error
		obj.unanswered = obj.written
	} else {
		obj.written = true
	}
	if err != nil {
		return s.failure(opUpload, bucket, err).With(checks.KV("key", obj.key), checks.KV("pre-signed PUT URL host", hostOf(sp.URL))), false
	}
	got, readVersion, err := be.get(ctx, bucket, obj.key)
	if err != nil {
		return s.failure(opGet, bucket, err).With(checks.KV("key", obj.key)), false
	}
	if obj.version == "" {
		// Not every store names the new version in the upload's answer
		// (fake-gcs-server does not); the read does.
		obj.version = readVersion
	}
	if !bytes.Equal(got, body) {
		return checks.Failf("Workers upload run logs through pre-signed URLs; make sure nothing between them and the store rewrites requests.",
			"bucket %s: the object uploaded through the pre-signed PUT URL reads back different (%d bytes uploaded, %d read)", bucket, len(body), len(got)).With(checks.KV("key", obj.key)), false
	}
	return checks.Result{}, true
}

// upload PUTs body to a pre-signed URL with only the headers the signature
// asks for, and returns the new version's ID when the store reports one.
func upload(ctx context.Context, hc *http.Client, sp signedPut, body []byte) (version string, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, sp.URL, bytes.NewReader(body))
	if err != nil {
		return "", &opError{Kind: kindOther, Text: "unusable URL: " + sanitize(err.Error())}
	}
	for k, vs := range sp.Header {
		req.Header[k] = append([]string(nil), vs...)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return "", classifyTransport(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return "", fromHTTPResponse(resp)
	}
	return resp.Header.Get(sp.VersionHeader), nil
}
