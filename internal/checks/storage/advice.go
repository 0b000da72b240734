package storage

import (
	"fmt"
	"strings"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
)

// op is one step of a check; its text completes "could not ...".
type op string

const (
	opExists     op = "reach the bucket"
	opPut        op = "write the probe object"
	opGet        op = "read the probe object back"
	opPresign    op = "create a pre-signed GET URL"
	opFetch      op = "fetch the pre-signed URL over plain HTTP"
	opPresignPut op = "create a pre-signed PUT URL"
	opUpload     op = "upload through the pre-signed PUT URL over plain HTTP"
	opDelete     op = "delete the probe object"
	opRead       op = "read a key that does not exist (the check that proves the credentials without writing)"
	opVersioning op = "read the versioning setting"
	opLifecycle  op = "read the lifecycle rules"
)

// statusOf says whether a failure is a verdict on the infrastructure (fail)
// or means we could not reach one (error).
func statusOf(k kind) checks.Status {
	switch k {
	case kindNetwork, kindTimeout, kindOther:
		return checks.Error
	}
	return checks.Fail
}

// failure turns a classified error into a Result that names the bucket,
// the step, and the exact permission or setting to fix (the caller adds
// whereDetails).
func (s *suite) failure(o op, bucket string, err error) checks.Result {
	e := asOpError(err)
	if s.opts.Logger != nil {
		// The result carries a short, classified text; the SDK's whole
		// error goes to the debug log, which -v prints and the runner's
		// scrubber cleans.
		s.opts.Logger.Debug("storage: the SDK's full error", "backend", s.flavour.name(), "bucket", bucket, "step", string(o), "error", e.fullText())
	}
	msg := fmt.Sprintf("%s %s: could not %s: %s", s.bucketWord(), bucket, o, describe(e))
	return checks.Result{Status: statusOf(e.Kind), Message: msg, Advice: s.advice(o, bucket, e)}
}

func describe(e *opError) string {
	switch e.Kind {
	case kindNoBucket:
		return "the bucket does not exist (" + e.Error() + ")"
	case kindNoObject:
		return "the object does not exist (" + e.Error() + ")"
	case kindDenied:
		return "access denied (" + e.Error() + ")"
	case kindSignature:
		return "the request signature was rejected (" + e.Error() + ")"
	case kindSkew:
		return "the server says this machine's clock is wrong (" + e.Error() + ")"
	case kindRegion:
		if e.Region != "" {
			return "the bucket is in region " + e.Region + ", not the configured one (" + e.Error() + ")"
		}
		return "wrong region (" + e.Error() + ")"
	case kindTLS:
		return "TLS failure: " + e.Error()
	case kindNoCredentials:
		return "no credentials: " + e.Error()
	case kindExpiredCredentials:
		return "the credentials have expired (" + e.Error() + ")"
	case kindUnsupported:
		return "the server does not implement this API (" + e.Error() + ")"
	}
	return e.Error()
}

func (s *suite) advice(o op, bucket string, e *opError) string {
	if e.Hint != "" {
		return e.Hint
	}
	switch e.Kind {
	case kindNoBucket:
		return strings.TrimSpace(fmt.Sprintf("Create the %s %q (or fix the variable that names it: names must match exactly, without prefix, suffix or trailing slash). %s", s.bucketWord(), bucket, s.whoAmI()))
	case kindDenied:
		return s.permissionAdvice(o, bucket)
	case kindSignature:
		return s.signatureAdvice()
	case kindSkew:
		return "Synchronise this machine's clock (and the Spacelift hosts') with NTP: signed requests are refused when the clock is more than 15 minutes off (RequestTimeTooSkewed)."
	case kindRegion:
		if e.Region != "" {
			return fmt.Sprintf("Set AWS_REGION (and AWS_DEFAULT_REGION) to %s, the bucket's region, or use a bucket in the configured region.", e.Region)
		}
		return "Set AWS_REGION (and AWS_DEFAULT_REGION) to the bucket's region (aws s3api get-bucket-location --bucket " + bucket + ")."
	case kindTLS:
		return s.tlsAdvice()
	case kindNoCredentials:
		return s.credentialAdvice(o)
	case kindExpiredCredentials:
		return "Refresh the credentials (a new session token, or let the role/instance profile issue fresh ones)."
	case kindUnsupported:
		return "This storage server does not implement the call; verify the setting on the server by other means."
	case kindNetwork, kindTimeout:
		return fmt.Sprintf("Check that %s is reachable from here (DNS, firewall, security group, proxy); the Spacelift server, drain and workers need the same path.", s.endpointText())
	}
	return "Run again with -v for the SDK's full error; the details show the endpoint used."
}
