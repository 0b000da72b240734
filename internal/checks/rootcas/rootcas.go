// Package rootcas reads ADDITIONAL_ROOT_CAS, the private CAs Spacelift's
// services trust for outbound TLS besides the system roots, and builds the
// root pool the checks verify Spacelift-side endpoints against (the server,
// the MQTT broker, the telemetry collector), so a private CA the operator
// configured is trusted here exactly as it will be there.
//
// The format (spacelift-io/self-hosted-v2-to-v3-kit, docs/cloudformation_to_eks.md):
// base64 of the JSON object {"caCertificates": ["<base64 of a PEM>", …]},
// each entry holding one or more PEM CERTIFICATE blocks.
package rootcas

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spacelift-io/spacectl-preflight/internal/config"
)

// Variable names.
const (
	Var     = "ADDITIONAL_ROOT_CAS"
	FileVar = "ADDITIONAL_ROOT_CAS_FILE"
)

// maxFile bounds ADDITIONAL_ROOT_CAS_FILE: a CA bundle is kilobytes.
const maxFile = 10 << 20

// Problem is one thing wrong with the value, never quoting it (it is not
// secret, but it may be large and it is base64 of base64).
type Problem struct {
	// Entry is the 1-based index in caCertificates, or 0 for the whole value.
	Entry int
	// Fatal problems make the value unusable: the services that read it
	// refuse to start (advanced-configuration page of the self-hosted docs).
	Fatal   bool
	Message string
	Advice  string
}

// Bundle is the parsed value.
type Bundle struct {
	Certs []*x509.Certificate
	// Source names where it came from: the variable, or the file.
	Source string
}

// FromConfig reads ADDITIONAL_ROOT_CAS, or the file ADDITIONAL_ROOT_CAS_FILE
// names, and reports whether either is set.
func FromConfig(cfg *config.Config) (Bundle, []Problem, bool) {
	switch {
	case cfg.Has(Var):
		b, ps := Parse(cfg.Get(Var))
		b.Source = Var
		return b, ps, true
	case cfg.Has(FileVar):
		path := cfg.Get(FileVar)
		data, err := readBounded(path)
		if err != nil {
			return Bundle{Source: FileVar}, []Problem{{Fatal: true, Message: fmt.Sprintf("%s cannot be read: %v", FileVar, err),
				Advice: "Point " + FileVar + " at a readable file holding the same value as " + Var + "."}}, true
		}
		b, ps := Parse(string(data))
		b.Source = FileVar + " (" + path + ")"
		return b, ps, true
	}
	return Bundle{}, nil, false
}

func readBounded(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, errors.Unwrap(err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFile+1))
	if err == nil && len(data) > maxFile {
		err = fmt.Errorf("larger than %d MiB", maxFile>>20)
	}
	return data, err
}

// Parse decodes the value and checks every certificate in it. now is used
// for expiry; pass time.Now.
func Parse(value string) (Bundle, []Problem) { return ParseAt(value, time.Now()) }

const encodeHint = `Build it as Spacelift documents: {"caCertificates": ["<base64 of each CA's PEM>", …]}, then base64 the whole JSON on one line (base64 -w0 < ca-certs.json).`

// ParseAt is Parse with an injected clock.
func ParseAt(value string, now time.Time) (Bundle, []Problem) {
	var b Bundle
	var ps []Problem
	fatal := func(entry int, advice, format string, args ...any) {
		ps = append(ps, Problem{Entry: entry, Fatal: true, Message: fmt.Sprintf(format, args...), Advice: advice})
	}
	raw, err := decodeBase64(value)
	if err != nil {
		fatal(0, encodeHint, "the value is not base64 (Spacelift decodes it as base64 of a JSON object)")
		return b, ps
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(raw, &doc); err != nil {
		fatal(0, encodeHint, "the value decodes from base64, but not to a JSON object")
		return b, ps
	}
	var entries []string
	if err := json.Unmarshal(doc["caCertificates"], &entries); err != nil || doc["caCertificates"] == nil {
		fatal(0, encodeHint, "the JSON has no caCertificates list of strings")
		return b, ps
	}
	for k := range doc {
		if k != "caCertificates" {
			ps = append(ps, Problem{Message: fmt.Sprintf("the JSON has the key %q, which Spacelift does not read", k), Advice: "Remove it; only caCertificates is read."})
		}
	}
	if len(entries) == 0 {
		ps = append(ps, Problem{Message: "caCertificates is empty: no CA is added", Advice: "Add the base64 PEM of each private CA, or unset " + Var + "."})
	}
	for i, e := range entries {
		n := i + 1
		pemData, err := decodeBase64(e)
		if err != nil {
			fatal(n, "Each entry is the base64 of a PEM file (base64 -w0 < ca.pem).", "entry %d is not base64", n)
			continue
		}
		certs, bad := parsePEM(pemData)
		switch {
		case bad != "":
			fatal(n, "Each entry is the base64 of one or more PEM CERTIFICATE blocks of a CA.", "entry %d %s", n, bad)
			continue
		case len(certs) == 0:
			fatal(n, "Each entry is the base64 of one or more PEM CERTIFICATE blocks of a CA.", "entry %d holds no PEM CERTIFICATE block", n)
			continue
		}
		for _, c := range certs {
			b.Certs = append(b.Certs, c)
			name := c.Subject.String()
			switch {
			case now.After(c.NotAfter):
				fatal(n, "Replace it with the CA's current certificate: an expired CA verifies nothing.", "entry %d: %s expired on %s", n, name, c.NotAfter.UTC().Format("2006-01-02"))
			case now.Before(c.NotBefore):
				fatal(n, "Check the certificate (or this machine's clock).", "entry %d: %s is not valid before %s", n, name, c.NotBefore.UTC().Format("2006-01-02"))
			case c.NotAfter.Sub(now) < 30*24*time.Hour:
				ps = append(ps, Problem{Entry: n, Message: fmt.Sprintf("entry %d: %s expires on %s, within 30 days", n, name, c.NotAfter.UTC().Format("2006-01-02")),
					Advice: "Renew the CA and update " + Var + " before it expires."})
			}
			if !c.IsCA {
				ps = append(ps, Problem{Entry: n, Message: fmt.Sprintf("entry %d: %s is not a CA certificate (basicConstraints CA:FALSE or absent)", n, name),
					Advice: "Add the certificate of the CA that signed the server certificates, not a server (leaf) certificate."})
			}
		}
	}
	return b, ps
}

// decodeBase64 accepts standard base64, with or without padding, ignoring
// line breaks and surrounding whitespace (a file written by base64 without
// -w0 wraps at 76 columns).
func decodeBase64(s string) ([]byte, error) {
	s = strings.Join(strings.Fields(s), "")
	if s == "" {
		return nil, errors.New("empty")
	}
	if out, err := base64.StdEncoding.DecodeString(s); err == nil {
		return out, nil
	}
	return base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "="))
}

// parsePEM returns the certificates in data, or what is wrong with it.
func parsePEM(data []byte) ([]*x509.Certificate, string) {
	var out []*x509.Certificate
	for {
		var blk *pem.Block
		blk, data = pem.Decode(data)
		if blk == nil {
			break
		}
		if blk.Type != "CERTIFICATE" {
			return nil, fmt.Sprintf("holds a PEM %s block, not a CERTIFICATE", strings.ToLower(blk.Type))
		}
		c, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			return nil, "holds a CERTIFICATE block that does not parse"
		}
		out = append(out, c)
	}
	return out, ""
}

// Pool returns the system roots (SSL_CERT_FILE and SSL_CERT_DIR honoured)
// plus the bundle's certificates, as Spacelift's services trust them.
func (b Bundle) Pool() *x509.CertPool {
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	for _, c := range b.Certs {
		pool.AddCert(c)
	}
	return pool
}

// Describe says, for a check's details, which roots a verification used.
func (b Bundle) Describe() string {
	if len(b.Certs) == 0 {
		return "system roots (SSL_CERT_FILE/SSL_CERT_DIR honoured)"
	}
	return fmt.Sprintf("system roots plus %d CA certificate(s) from %s", len(b.Certs), b.Source)
}

// Roots returns the pool and its description for cfg: the system roots
// plus ADDITIONAL_ROOT_CAS when it is set and usable. A value with fatal
// problems adds nothing (config.values reports it).
func Roots(cfg *config.Config) (*x509.CertPool, string) {
	b, ps, ok := FromConfig(cfg)
	if ok {
		for _, p := range ps {
			if p.Fatal && len(b.Certs) == 0 {
				return Bundle{}.Pool(), Bundle{}.Describe() + "; " + b.Source + " is unusable (config.values reports why)"
			}
		}
	}
	return b.Pool(), b.Describe()
}

// Encode builds an ADDITIONAL_ROOT_CAS value from PEM files' contents, the
// way Spacelift documents it (base64 of the JSON of base64 PEMs).
func Encode(pems ...[]byte) string {
	entries := make([]string, len(pems))
	for i, p := range pems {
		entries[i] = base64.StdEncoding.EncodeToString(p)
	}
	doc, _ := json.Marshal(map[string][]string{"caCertificates": entries})
	return base64.StdEncoding.EncodeToString(doc)
}
