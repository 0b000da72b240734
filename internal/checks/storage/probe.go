package storage

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
)

// presignTTL is how long the probe's pre-signed URL is valid; it is fetched
// at once.
const presignTTL = 5 * time.Minute

// noDelete reports the buckets where the official least-privilege AWS
// policy grants no s3:DeleteObject, so a probe object there cannot be
// removed with Spacelift's own identity (spacelift-requirements §7.4).
func noDelete(purpose string) bool {
	switch purpose {
	case "deliveries", "large-queue-messages", "policy-inputs", "run-logs":
		return true
	}
	return false
}

// listGranted reports the buckets where that policy grants s3:ListBucket,
// which S3's HeadBucket needs.
func listGranted(purpose string) bool {
	switch purpose {
	case "deliveries", "modules", "policy-inputs", "run-logs", "states":
		return true
	}
	return false
}

// needsList reports whether that policy grants s3:ListBucket for one of
// the bucket's purposes: then a denied listing is a problem of its own.
func needsList(nb namedBucket) bool {
	for _, p := range nb.Purposes {
		if listGranted(p) {
			return true
		}
	}
	return false
}

// listAdvice is the advice for a denied listing where Spacelift lists.
func (s *suite) listAdvice(bucket string) string {
	action, arn, _ := s.listPermission(bucket)
	return fmt.Sprintf("Allow %s on %s: Spacelift's least-privilege policy grants it for this bucket (it lists objects there).", action, arn)
}

// probeSlot holds one bucket's probe result so a bucket shared by several
// purposes is probed once. sem is a one-slot semaphore that, unlike a
// mutex, can be waited on with a deadline.
type probeSlot struct {
	sem   chan struct{}
	done  bool
	owner string
	res   checks.Result
}

func (s *suite) slot(bucket string) *probeSlot {
	s.probeMu.Lock()
	defer s.probeMu.Unlock()
	sl, ok := s.probes[bucket]
	if !ok {
		sl = &probeSlot{sem: make(chan struct{}, 1)}
		s.probes[bucket] = sl
	}
	return sl
}

func (s *suite) bucketCheck(ctx context.Context, b Bucket) checks.Result {
	name := s.cfg.Get(b.Var)
	sl := s.slot(name)
	select {
	case sl.sem <- struct{}{}:
	case <-ctx.Done():
		return checks.Errorf("", "interrupted while another check probed the same bucket %s", name)
	}
	defer func() { <-sl.sem }()
	if sl.done {
		res := sl.res
		res.Details = append(checks.Details(nil), res.Details...)
		res.Message += " (same bucket as storage.bucket." + sl.owner + ", probed once)"
		return res.With(checks.KV("shared with", "storage.bucket."+sl.owner))
	}
	nb := namedBucket{Name: name}
	for _, o := range s.bucketsFor(purposes()...) {
		if o.Name == name {
			nb = o
		}
	}
	res := s.probe(ctx, nb).With(checks.KV("variable", b.Var))
	if ctx.Err() == nil {
		// A copy: the runner rewrites the returned Details in place when it
		// scrubs them, while the other check sharing the bucket reads these.
		sl.done, sl.owner, sl.res = true, b.Purpose, res
		sl.res.Details = append(checks.Details(nil), res.Details...)
	}
	return res
}

// probe runs the bucket steps: exists, then put, get, pre-signed GET,
// delete; or, when no probe object may be written (read-only, or the bucket
// is spared: spared.go), the read check (readcheck.go).
func (s *suite) probe(ctx context.Context, nb namedBucket) checks.Result {
	be, err := s.backend(ctx)
	if err != nil {
		return s.clientFailure(err)
	}
	bucket := nb.Name
	// The details say where the requests went and with which credentials,
	// whatever the outcome; a cleanup-deadline context, so they are found
	// even when ctx has run out.
	base := func() []checks.Detail {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
		defer cancel()
		return append([]checks.Detail{checks.KV("bucket", bucket)}, s.whereDetails(cctx, be)...)
	}
	var notes checks.Details
	listDenied := false
	if err := be.exists(ctx, bucket); err != nil {
		e := asOpError(err)
		// HeadBucket needs s3:ListBucket, which Spacelift's least-privilege
		// policy does not grant on every bucket: a denial there says the
		// bucket exists but not that it is ours, so the write probe (or,
		// where nothing is written, the read check) decides.
		_, arn, inconclusive := s.listPermission(bucket)
		if e.Kind != kindDenied || !inconclusive {
			return s.failure(opExists, bucket, e).With(base()...)
		}
		listDenied = true
		// The bare 403 does not say why: a wrong secret gets the same.
		notes.Add("exists check", "HeadBucket denied ("+e.Error()+"); it needs s3:ListBucket on "+arn)
	}
	if nw := s.noWrite(nb); nw != nil {
		return s.readCheck(ctx, be, nb, nw, listDenied).With(notes...).With(base()...)
	}
	res := s.writeProbe(ctx, be, nb)
	res = res.With(base()...).With(notes...)
	if listDenied && res.Status == checks.Pass && needsList(nb) {
		res.Status = checks.Warn
		res.Message += "; but listing it is denied"
		res.Advice = s.listAdvice(bucket)
	}
	return res
}

// probeObject is one object a probe writes, removed when the probe ends.
// written is false only when the write was refused: then there is nothing
// to remove. After a timeout the object may exist, and unanswered says
// that its version is unknown.
type probeObject struct {
	key, version        string
	written, unanswered bool
}

// writeProbe writes, reads, fetches through a pre-signed URL, uploads
// through a pre-signed URL (as workers upload run logs) and deletes unique
// objects. The deletes always run, on their own deadline.
func (s *suite) writeProbe(ctx context.Context, be backend, nb namedBucket) (res checks.Result) {
	bucket := nb.Name
	obj, uploaded := &probeObject{key: probeKey(), written: true}, &probeObject{key: probeKey()}
	defer func() { res = s.removeAll(ctx, be, nb, res, obj, uploaded) }()
	key, body := obj.key, probeBody()
	version, err := be.put(ctx, bucket, key, body)
	if err != nil {
		obj.written = statusOf(asOpError(err).Kind) == checks.Error
		obj.unanswered = obj.written
		return s.failure(opPut, bucket, err).With(checks.KV("key", key))
	}
	obj.version = version
	got, _, err := be.get(ctx, bucket, key)
	if err != nil {
		return s.failure(opGet, bucket, err).With(checks.KV("key", key))
	}
	if !bytes.Equal(got, body) {
		return checks.Failf("Something between here and the store changes object bodies (a proxy or gateway rewriting content); Spacelift stores state files here and needs them back byte for byte.",
			"bucket %s: the probe object read back differs from what was written (%d bytes written, %d read)", bucket, len(body), len(got)).With(checks.KV("key", key))
	}
	u, err := be.presignGet(ctx, bucket, key, presignTTL)
	if err != nil {
		return s.failure(opPresign, bucket, err).With(checks.KV("key", key))
	}
	got, err = fetch(ctx, be.httpClient(), u)
	if err != nil {
		return s.failure(opFetch, bucket, err).With(checks.KV("key", key), checks.KV("pre-signed URL host", hostOf(u)))
	}
	if !bytes.Equal(got, body) {
		return checks.Failf("Workers and browsers download objects through pre-signed URLs; make sure nothing between them and the store rewrites responses.",
			"bucket %s: the object fetched through the pre-signed URL differs from the probe (%d bytes written, %d fetched)", bucket, len(body), len(got)).With(checks.KV("key", key))
	}
	if res, ok := s.uploadProbe(ctx, be, bucket, uploaded); !ok {
		return res
	}
	return checks.Passf("bucket %s: wrote, read back, fetched through a pre-signed URL, uploaded through a pre-signed PUT URL and deleted the probe objects", bucket).
		With(checks.KV("pre-signed URL host", hostOf(u)))
}

// removeAll removes the probe objects that may exist, on its own deadline
// so it survives the check's timeout and Ctrl-C, and folds what it could
// not remove into res.
func (s *suite) removeAll(ctx context.Context, be backend, nb namedBucket, res checks.Result, objs ...*probeObject) checks.Result {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	var left []string
	var firstErr error
	for _, o := range objs {
		if !o.written {
			continue
		}
		if o.unanswered {
			// The write's answer never came (a timeout): on a versioned
			// bucket a plain delete would only hide the object, so learn
			// which version it created, on half the cleanup's time. A
			// missing object is an error here, and the plain delete below
			// then finds nothing to do.
			gctx, gcancel := context.WithTimeout(cctx, cleanupTimeout/2)
			if _, v, err := be.get(gctx, nb.Name, o.key); err == nil {
				o.version = v
			}
			gcancel()
		}
		note, err := removeProbe(cctx, be, nb.Name, o.key, o.version)
		switch {
		case err != nil:
			left = append(left, o.key)
			if firstErr == nil {
				firstErr = err
			}
		case note != "":
			res.Message += "; " + note
			res = res.With(checks.KV("left behind", o.key+" version "+o.version))
		}
	}
	if len(left) > 0 {
		res = s.cleanupFailed(res, nb, strings.Join(left, " and "), firstErr)
	}
	return res
}

// removeProbe removes a probe object for good. On a versioned bucket a
// plain delete only hides the data (S3 delete marker, GCS noncurrent
// generation, Azure previous version), so it first deletes the version the
// put created. That needs s3:DeleteObjectVersion on S3, which Spacelift's
// least-privilege policy does not grant: then the plain delete still hides
// the object and the note says which version remains.
func removeProbe(ctx context.Context, be backend, bucket, key, version string) (note string, err error) {
	if version != "" && be.remove(ctx, bucket, key, version) == nil {
		return "", nil
	}
	if err := be.remove(ctx, bucket, key, ""); err != nil {
		return "", err
	}
	if version == "" {
		return "", nil
	}
	// Azure refuses to delete the current version by ID; after the plain
	// delete it is a previous version and may be deleted.
	if err := be.remove(ctx, bucket, key, version); err != nil {
		return fmt.Sprintf("the probe object is deleted, but its version %s remains as a noncurrent version (deleting versions was refused: %s; on S3 it needs s3:DeleteObjectVersion, which Spacelift does not need)", version, asOpError(err)), nil
	}
	return "", nil
}

// cleanupFailed folds a failed probe removal into the result, naming the
// key left behind.
func (s *suite) cleanupFailed(res checks.Result, nb namedBucket, key string, err error) checks.Result {
	e := asOpError(err)
	expected := false
	for _, p := range nb.Purposes {
		expected = expected || noDelete(p)
	}
	st := checks.Fail
	adv := s.advice(opDelete, nb.Name, e)
	if leftover, ok := s.expectedDeleteDenial(nb.Name, key); ok && e.Kind == kindDenied && expected {
		// The official least-privilege policy grants no delete here: the
		// leftover is expected and the bucket's expiry rule removes it.
		st, adv = checks.Warn, leftover
	}
	if statusOf(e.Kind) == checks.Error && st == checks.Fail {
		st = checks.Error
	}
	msg := fmt.Sprintf("probe object %s was left in bucket %s: could not %s: %s", key, nb.Name, opDelete, describe(e))
	out := res
	out.Status = checks.Worse(res.Status, st)
	if res.Status == checks.Pass {
		out.Message, out.Advice = msg, adv
	} else {
		out.Message += "; " + msg
		out.Advice = strings.TrimSpace(res.Advice + " " + adv)
	}
	return out.With(checks.KV("left behind", key))
}

func probeKey() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return probePrefix + time.Now().UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:])
}

func probeBody() []byte {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return []byte("spacectl-preflight probe " + hex.EncodeToString(b[:]) + "\n")
}

// fetch GETs a URL without any credentials other than what the URL
// carries, as a worker or browser would.
func fetch(ctx context.Context, hc *http.Client, u string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, &opError{Kind: kindOther, Text: "unusable URL: " + sanitize(err.Error())}
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, classifyTransport(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return nil, fromHTTPResponse(resp)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, classifyTransport(err)
	}
	return b, nil
}
