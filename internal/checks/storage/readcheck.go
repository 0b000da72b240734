package storage

import (
	"context"
	"fmt"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
)

// noWrite says why no probe object is written in a bucket: --read-only,
// or the bucket is spared (spared.go).
type noWrite struct {
	readOnly bool
	why      string // spared's reason, when not read-only
}

// noWrite returns why the bucket gets the read check instead of the write
// probe, or nil when the write probe runs.
func (s *suite) noWrite(nb namedBucket) *noWrite {
	if s.opts.ReadOnly {
		return &noWrite{readOnly: true}
	}
	if why := s.spared(nb); why != "" {
		return &noWrite{why: why}
	}
	return nil
}

// paren is what a result's message says, in parentheses, about the probe
// object it did not write.
func (n *noWrite) paren() string {
	if n.readOnly {
		return "read-only: no probe object written"
	}
	return "no probe object written: " + n.why + "; " + sparedFlag + " writes one"
}

// readCheck is what a bucket gets instead of the write probe: a GET of a
// random key under the probe prefix, which does not exist. A store answers
// it only after it has found the bucket and verified the signature, and
// with an error body, unlike HeadBucket, whose bare 403 a wrong secret and
// a missing s3:ListBucket share. "No such object" (S3 NoSuchKey, GCS 404,
// Azure BlobNotFound) proves the bucket and the credentials; a rejected
// signature, a denial or a missing bucket is reported as the write probe
// would report it. It writes nothing.
func (s *suite) readCheck(ctx context.Context, be backend, nb namedBucket, nw *noWrite, listDenied bool) checks.Result {
	key := probeKey()
	var e *opError
	answer := "the key exists"
	if _, _, err := be.get(ctx, nb.Name, key); err != nil {
		e = asOpError(err)
		answer = e.Error()
	}
	res := s.readVerdict(nb, nw, listDenied, e)
	if res.Status == checks.Pass {
		answer += ": the " + s.bucketWord() + " exists and the credentials are accepted"
	}
	res = res.With(checks.KV("read check", "GET of the missing key "+key+": "+answer))
	if !nw.readOnly {
		res = res.With(checks.KV(sparedDetail()))
	}
	return res
}

// readVerdict judges the read check's answer e (nil: the key exists).
// listDenied says HeadBucket was denied before (S3 APIs only).
func (s *suite) readVerdict(nb namedBucket, nw *noWrite, listDenied bool, e *opError) checks.Result {
	bucket := nb.Name
	switch {
	case e == nil || e.Kind == kindNoObject:
		if listDenied && needsList(nb) {
			return checks.Warnf(s.listAdvice(bucket), "bucket %s exists and accepts the credentials, but listing it is denied (%s)", bucket, nw.paren())
		}
		return checks.Passf("bucket %s exists and is reachable (%s)", bucket, nw.paren())
	case listDenied && e.Kind == kindDenied:
		// S3 answers a read of a missing key with AccessDenied, not
		// NoSuchKey, to an identity without s3:ListBucket: the bucket is
		// still unconfirmed, but a denial with an error code comes after
		// the signature was verified.
		read := "a read of a key that does not exist was refused too (" + e.Error()
		if e.Code != "" {
			read += ": the credentials are accepted, and S3 refuses such a read without s3:ListBucket"
		}
		read += ")"
		action, arn, _ := s.listPermission(bucket)
		if nw.readOnly {
			return checks.Warnf(fmt.Sprintf("Allow %s on %s to let this check confirm the bucket, or run without --read-only so the write probe confirms it.", action, arn),
				"bucket %s: could not confirm it exists: HeadBucket was denied, %s, and --read-only forbids the write probe", bucket, read)
		}
		return checks.Warnf(fmt.Sprintf("Allow %s on %s and s3:GetObject on %s/*: Spacelift's least-privilege policy grants both for this bucket (it lists and reads objects there), and they let this check confirm the bucket.", action, arn, arn),
			"bucket %s: could not confirm it exists: HeadBucket was denied, %s; no probe object is written here (%s; %s writes one)", bucket, read, nw.why, sparedFlag)
	}
	return s.failure(opRead, bucket, e)
}
