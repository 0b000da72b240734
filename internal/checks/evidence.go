package checks

import "time"

// Evidence keys: details whose values have a fixed, machine-readable form,
// so `serve` and `check -o prometheus` turn them into metrics without
// parsing prose (docs/serve.md lists the metrics each one feeds). Like
// check IDs they are a contract: change a key or its format only with a
// note there.
const (
	// EvidenceTLSEndpoint is the host:port whose certificate the check
	// saw, as the configuration names it (never a resolved address).
	EvidenceTLSEndpoint = "tls endpoint"
	// EvidenceCertNotAfter is that certificate's expiry (its notAfter),
	// RFC 3339 in UTC.
	EvidenceCertNotAfter = "certificate not after"
	// EvidenceLicenseNotAfter is the licence token's expiry (its exp
	// claim), RFC 3339 in UTC.
	EvidenceLicenseNotAfter = "license not after"
	// EvidenceQueueMessages is how many messages a queue holds (visible,
	// in flight and delayed), a whole number.
	EvidenceQueueMessages = "messages in queue"
)

// CertificateEvidence records the certificate a TLS endpoint served: the
// endpoint as configured (host:port) and the certificate's expiry.
func CertificateEvidence(endpoint string, notAfter time.Time) []Detail {
	return []Detail{KV(EvidenceTLSEndpoint, endpoint), KV(EvidenceCertNotAfter, notAfter.UTC().Format(time.RFC3339))}
}
