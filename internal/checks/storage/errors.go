package storage

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/xml"
	"errors"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
)

// kind is what went wrong, independent of the SDK that reported it; the
// advice is chosen from it.
type kind int

const (
	kindOther kind = iota
	kindNoBucket
	// kindNoObject is the answer to a read of a key that does not exist
	// (S3 NoSuchKey, GCS 404, Azure BlobNotFound): the store found the
	// bucket and accepted the credentials before it looked for the key.
	kindNoObject
	kindDenied
	kindSignature
	kindSkew
	kindRegion
	kindTLS
	kindNetwork
	kindTimeout
	kindNoCredentials
	kindExpiredCredentials
	kindUnsupported
)

// opError is a classified failure. Its text is built from safe parts only:
// the provider's error code, the HTTP status and a short description.
type opError struct {
	Kind   kind
	Code   string // provider error code, e.g. AccessDenied
	Status int    // HTTP status, 0 when no response
	Region string // the bucket's real region, when the API revealed it
	Text   string // safe, short description of the cause
	// Hint, when set, is the advice: the backend knows better than the
	// kind (which resource to look for, say).
	Hint string
	// cause is the SDK's own error, in full: only the debug log (-v) shows
	// it, scrubbed, as the advice promises.
	cause error
}

// withCause records the SDK error an opError was classified from; other
// errors are returned as they are.
func withCause(classified, cause error) error {
	var oe *opError
	if errors.As(classified, &oe) && oe.cause == nil && cause != nil {
		oe.cause = cause
	}
	return classified
}

// fullText is the SDK error for the debug log: not shortened, but still
// without query strings and key=value credentials.
func (e *opError) fullText() string {
	if e.cause == nil {
		return e.Error()
	}
	s := queryRe.ReplaceAllString(e.cause.Error(), "$1?[query removed]")
	return keyRe.ReplaceAllString(s, "$1=[redacted]")
}

func (e *opError) Error() string {
	var parts []string
	if e.Code != "" {
		parts = append(parts, e.Code)
	}
	if e.Status != 0 {
		parts = append(parts, "HTTP "+itoa(e.Status))
	}
	s := strings.Join(parts, ", ")
	if e.Text != "" {
		if s != "" {
			s += ": "
		}
		s += e.Text
	}
	if s == "" {
		s = "unknown error"
	}
	return s
}

// asOpError returns err as an *opError, classifying it generically if a
// backend did not.
func asOpError(err error) *opError {
	var oe *opError
	if errors.As(err, &oe) {
		return oe
	}
	return classifyTransport(err)
}

// classifyTransport recognises failures below the storage API: timeouts,
// TLS, DNS and refused connections. It returns kindOther with a sanitized
// text when it recognises nothing.
func classifyTransport(err error) (classified *opError) {
	if err == nil {
		return nil
	}
	defer func() { classified.cause = err }()
	var (
		unknownCA  x509.UnknownAuthorityError
		hostErr    x509.HostnameError
		certInv    x509.CertificateInvalidError
		verifyErr  *tls.CertificateVerificationError
		recordErr  tls.RecordHeaderError
		dnsErr     *net.DNSError
		opErr      *net.OpError
		netTimeout net.Error
	)
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return &opError{Kind: kindTimeout, Text: "no answer before the deadline"}
	case errors.As(err, &unknownCA), errors.As(err, &verifyErr) && errors.As(verifyErr.Err, &unknownCA):
		return &opError{Kind: kindTLS, Text: "the server's TLS certificate is signed by an unknown authority"}
	case errors.As(err, &hostErr):
		return &opError{Kind: kindTLS, Text: "the server's TLS certificate does not match its host name"}
	case errors.As(err, &certInv):
		return &opError{Kind: kindTLS, Text: "the server's TLS certificate is invalid (expired or not yet valid)"}
	case errors.As(err, &verifyErr):
		return &opError{Kind: kindTLS, Text: "the server's TLS certificate could not be verified"}
	case errors.As(err, &recordErr):
		return &opError{Kind: kindTLS, Text: "TLS handshake with a server that does not speak TLS (is USE_SSL/the URL scheme right?)"}
	case errors.As(err, &dnsErr):
		return &opError{Kind: kindNetwork, Text: "DNS lookup of " + dnsErr.Name + " failed"}
	case errors.As(err, &netTimeout) && netTimeout.Timeout():
		return &opError{Kind: kindTimeout, Text: "network timeout"}
	case errors.As(err, &opErr):
		return &opError{Kind: kindNetwork, Text: opErr.Op + " " + addrOf(opErr) + ": " + rootText(opErr.Err)}
	}
	msg := err.Error()
	switch {
	case strings.Contains(msg, "x509:") || strings.Contains(msg, "tls: "):
		return &opError{Kind: kindTLS, Text: sanitize(msg)}
	case strings.Contains(msg, "server gave HTTP response to HTTPS client"):
		return &opError{Kind: kindTLS, Text: "the server answered plain HTTP to an HTTPS request (is USE_SSL/the URL scheme right?)"}
	case strings.Contains(msg, "connection refused"), strings.Contains(msg, "no such host"), strings.Contains(msg, "connection reset"), strings.Contains(msg, "EOF"):
		return &opError{Kind: kindNetwork, Text: sanitize(msg)}
	}
	return &opError{Kind: kindOther, Text: sanitize(msg)}
}

func addrOf(e *net.OpError) string {
	if e.Addr != nil {
		return e.Addr.String()
	}
	return ""
}

func rootText(err error) string {
	for {
		u := errors.Unwrap(err)
		if u == nil {
			return err.Error()
		}
		err = u
	}
}

// s3Kind maps S3-style error codes (also used by MinIO, GCS's XML API and
// Azure Blob) to kinds.
func s3Kind(code string) (kind, bool) {
	switch code {
	case "NoSuchBucket", "NotFound", "ContainerNotFound":
		return kindNoBucket, true
	case "NoSuchKey", "BlobNotFound":
		return kindNoObject, true
	case "AccessDenied", "Forbidden", "AllAccessDisabled", "AccountProblem",
		"AuthorizationFailure", "AuthorizationPermissionMismatch", "AuthorizationResourceTypeMismatch",
		"PublicAccessNotPermitted", "NoAuthenticationInformation":
		return kindDenied, true
	case "SignatureDoesNotMatch", "InvalidAccessKeyId", "InvalidSecurity", "AuthenticationFailed", "InvalidAuthenticationInfo":
		return kindSignature, true
	case "RequestTimeTooSkewed":
		return kindSkew, true
	case "AuthorizationHeaderMalformed", "AuthorizationQueryParametersError", "PermanentRedirect", "MovedPermanently",
		"IllegalLocationConstraintException":
		return kindRegion, true
	case "NotImplemented":
		return kindUnsupported, true
	case "ExpiredToken", "TokenRefreshRequired", "InvalidToken":
		return kindExpiredCredentials, true
	}
	return kindOther, false
}

// regionRe finds the region S3 says it expects in an
// AuthorizationHeaderMalformed message.
var regionRe = regexp.MustCompile(`expecting ['"]([a-z0-9-]+)['"]`)

// fromCode builds an opError from a provider code and status.
func fromCode(code string, status int, message string) *opError {
	e := &opError{Kind: kindOther, Code: code, Status: status}
	if k, ok := s3Kind(code); ok {
		e.Kind = k
	} else {
		switch status {
		case http.StatusNotFound:
			e.Kind = kindNoBucket
		case http.StatusForbidden, http.StatusUnauthorized:
			e.Kind = kindDenied
		case http.StatusMovedPermanently:
			e.Kind = kindRegion
		case http.StatusNotImplemented:
			e.Kind = kindUnsupported
		}
	}
	if m := regionRe.FindStringSubmatch(message); m != nil {
		e.Region = m[1]
	}
	if e.Kind == kindSkew || e.Kind == kindOther {
		e.Text = sanitize(message)
	}
	return e
}

// xmlError is the error body of S3, GCS's XML API, MinIO and Azure Blob.
type xmlError struct {
	Code    string `xml:"Code"`
	Message string `xml:"Message"`
	Region  string `xml:"Region"`
}

// fromHTTPResponse classifies a non-2xx answer to a plain HTTP request
// (pre-signed or anonymous URL) from its status and XML error body.
func fromHTTPResponse(resp *http.Response) *opError {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var xe xmlError
	_ = xml.Unmarshal(body, &xe)
	if xe.Code == "" {
		xe.Code = resp.Header.Get("x-ms-error-code")
	}
	e := fromCode(xe.Code, resp.StatusCode, xe.Message)
	if xe.Region != "" {
		e.Region = xe.Region
	}
	if r := resp.Header.Get("X-Amz-Bucket-Region"); r != "" && e.Region == "" && e.Kind == kindRegion {
		e.Region = r
	}
	return e
}

var (
	queryRe = regexp.MustCompile(`(https?://[^\s?"']+)\?[^\s"']*`)
	keyRe   = regexp.MustCompile(`(?i)(AccountKey|SharedAccessSignature|sig|X-Amz-Signature|X-Goog-Signature|X-Amz-Credential|X-Amz-Security-Token)=[^;&\s"']+`)
)

// sanitize shortens an SDK error text and removes query strings (which
// carry SAS tokens and pre-signed signatures) and key=value credentials.
func sanitize(s string) string {
	s = queryRe.ReplaceAllString(s, "$1?[query removed]")
	s = keyRe.ReplaceAllString(s, "$1=[redacted]")
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 400 {
		s = s[:400] + "…"
	}
	return s
}

func ctxErr(err error) bool {
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)
}
