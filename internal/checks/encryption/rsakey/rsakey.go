// Package rsakey diagnoses the value of ENCRYPTION_RSA_PRIVATE_KEY (and of
// a worker pool's SPACELIFT_POOL_PRIVATE_KEY, encoded the same way: see
// Subject): the base64 (one line) of an unencrypted PEM RSA private key. It names the one
// mistake an operator made (raw PEM, wrapped or double base64, an encrypted,
// non-RSA or public key, a certificate, ...) and never repeats any part of
// the value in what it reports.
//
// It has no dependency beyond the standard library, so it can be fuzzed.
package rsakey

import (
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"fmt"
)

// Format is the encoding of the private key inside the PEM file.
type Format int

// Formats.
const (
	FormatUnknown Format = iota
	PKCS8                // -----BEGIN PRIVATE KEY-----
	PKCS1                // -----BEGIN RSA PRIVATE KEY-----
)

func (f Format) String() string {
	switch f {
	case PKCS8:
		return "PKCS#8"
	case PKCS1:
		return "PKCS#1"
	}
	return "unknown"
}

// Severity of a finding.
type Severity int

// Severities.
const (
	Warn Severity = iota + 1
	Fail
)

// Kind names a diagnosis; tests and callers switch on it.
type Kind string

// Diagnoses, in the order an operator meets them.
const (
	Empty          Kind = "empty"
	RawPEM         Kind = "raw-pem"            // PEM pasted without base64
	Whitespace     Kind = "base64-whitespace"  // base64 wrapped over lines or with spaces
	NonStdBase64   Kind = "base64-nonstandard" // URL-safe alphabet or no padding
	NotBase64      Kind = "not-base64"
	DoubleBase64   Kind = "double-base64"
	DER            Kind = "der-not-pem" // base64 of DER (or of the PEM body without its armour)
	NoPEM          Kind = "no-pem"
	DamagedPEM     Kind = "damaged-pem" // BEGIN line present, but no decodable block
	Encrypted      Kind = "encrypted"
	NotRSA         Kind = "not-rsa"
	PublicKey      Kind = "public-key"
	Certificate    Kind = "certificate"
	CertRequest    Kind = "certificate-request"
	OpenSSH        Kind = "openssh"
	UnknownBlock   Kind = "unknown-pem-block"
	ParseError     Kind = "parse-error"
	InvalidKey     Kind = "invalid-key" // parses, but (*rsa.PrivateKey).Validate fails
	PKCS1Format    Kind = "pkcs1"
	ExtraBlocks    Kind = "extra-pem-blocks"
	KeyTooSmall    Kind = "key-too-small"
	KeySmallerThan Kind = "key-below-recommended"
	RSAPSSRestrict Kind = "rsa-pss-key"
)

// Finding is one diagnosis. Message and Advice never contain any part of
// the value.
type Finding struct {
	Kind     Kind
	Severity Severity
	Message  string
	Advice   string
}

// Result is everything Decode learned.
type Result struct {
	// Key is the parsed key, when one could be parsed (even if a failing
	// finding such as RawPEM means Spacelift would not read it).
	Key    *rsa.PrivateKey
	Format Format
	// Findings in the order they were made; the first Fail is the verdict.
	Findings []Finding
	// Notes are harmless facts worth showing (e.g. CRLF line endings).
	Notes []string
	// subj is the variable being diagnosed, for messages and advice.
	subj Subject
}

// Worst returns the most severe finding, the first of equal severity, and
// false when there is none.
func (r Result) Worst() (Finding, bool) {
	var best Finding
	found := false
	for _, f := range r.Findings {
		if !found || f.Severity > best.Severity {
			best, found = f, true
		}
	}
	return best, found
}

// Has reports whether a finding of kind k was made.
func (r Result) Has(k Kind) bool {
	for _, f := range r.Findings {
		if f.Kind == k {
			return true
		}
	}
	return false
}

// Usable reports whether the key was parsed and no finding fails.
func (r Result) Usable() bool {
	if r.Key == nil {
		return false
	}
	w, ok := r.Worst()
	return !ok || w.Severity < Fail
}

// Bits is the modulus size, or 0 without a key.
func (r Result) Bits() int {
	if r.Key == nil || r.Key.N == nil {
		return 0
	}
	return r.Key.N.BitLen()
}

// Fingerprint returns the lowercase hex SHA-256 of the public key's DER
// SubjectPublicKeyInfo, the same digest as
// `openssl pkey -in spacelift.key -pubout -outform DER | openssl dgst -sha256`.
// It identifies the key without revealing anything secret.
func Fingerprint(pub any) (string, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "", fmt.Errorf("cannot encode the public key: %w", err)
	}
	sum := sha256.Sum256(der)
	return hex.EncodeToString(sum[:]), nil
}
