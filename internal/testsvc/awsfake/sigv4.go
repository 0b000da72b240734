// Package awsfake holds test doubles for the AWS APIs no local server
// emulates (STS, IAM's policy simulator, IoT Core's control plane, S3
// bucket encryption): each verifies every request's SigV4 signature with
// the secret it knows, so a test proves the client signs as AWS requires,
// and a wrong secret fails as it would against AWS. Tests only.
package awsfake

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// Scope is the credential scope of a SigV4 Authorization header.
type Scope struct {
	KeyID, Region, Service string
}

// ParseScope reads the access key, region and service a request was
// signed for; ok is false when it carries no SigV4 Authorization header.
func ParseScope(r *http.Request) (Scope, bool) {
	parts, ok := authParts(r)
	if !ok {
		return Scope{}, false
	}
	s := strings.Split(parts["Credential"], "/")
	if len(s) != 5 || s[4] != "aws4_request" {
		return Scope{}, false
	}
	return Scope{KeyID: s[0], Region: s[2], Service: s[3]}, true
}

func authParts(r *http.Request) (map[string]string, bool) {
	const algo = "AWS4-HMAC-SHA256 "
	auth := r.Header.Get("Authorization")
	if !strings.HasPrefix(auth, algo) {
		return nil, false
	}
	parts := map[string]string{}
	for _, kv := range strings.Split(strings.TrimPrefix(auth, algo), ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(kv), "=")
		parts[k] = v
	}
	return parts, true
}

// Verify recomputes the request's SigV4 signature (over body, which the
// caller has read from r) with the SDK's own signer and the secret the
// fake knows, from the headers the request says it signed. It returns ""
// when the signature holds, and otherwise what AWS would say.
func Verify(r *http.Request, body []byte, keyID, secret, region, service string) string {
	parts, ok := authParts(r)
	if !ok {
		return "missing SigV4 Authorization header"
	}
	scope := strings.Split(parts["Credential"], "/")
	if len(scope) != 5 || scope[0] != keyID || scope[2] != region || scope[3] != service || scope[4] != "aws4_request" {
		return "bad credential scope " + parts["Credential"]
	}
	when, err := time.Parse("20060102T150405Z", r.Header.Get("X-Amz-Date"))
	if err != nil {
		return "bad X-Amz-Date"
	}
	check := r.Clone(r.Context())
	check.Header = http.Header{}
	for _, h := range strings.Split(parts["SignedHeaders"], ";") {
		if h != "host" {
			check.Header[http.CanonicalHeaderKey(h)] = r.Header.Values(h)
		}
	}
	sum := sha256.Sum256(body)
	err = v4.NewSigner().SignHTTP(r.Context(), aws.Credentials{AccessKeyID: keyID, SecretAccessKey: secret},
		check, hex.EncodeToString(sum[:]), service, region, when)
	if err != nil {
		return "cannot recompute the signature: " + err.Error()
	}
	if !strings.HasSuffix(check.Header.Get("Authorization"), "Signature="+parts["Signature"]) {
		return "The request signature we calculated does not match the signature you provided."
	}
	return ""
}
