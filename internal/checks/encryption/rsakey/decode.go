package rsakey

import (
	"bytes"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"strings"
	"unicode"
)

// The documented way to make and encode the key (reference/encryption.md).
const (
	GenerateCommand  = `openssl req -new -newkey rsa:4096 -nodes -keyout spacelift.key -subj "/CN=Spacelift RSA key"`
	EncodeCommand    = `cat spacelift.key | base64 -w 0`
	EncodeCommandMac = `cat spacelift.key | base64 -b 0`
)

// Subject is the variable a value comes from and how its key is made, so
// a diagnosis names the right variable and gives the right advice: the
// same encoding mistakes happen to every base64 PEM key Spacelift reads.
type Subject struct {
	// Var is the variable's name, e.g. ENCRYPTION_RSA_PRIVATE_KEY.
	Var string
	// Generate is the documented command that makes a new key.
	Generate string
	// Replace ends the advice to make a new key: what replacing it takes.
	Replace string
	// WhyRSA ends the message about a key that is not RSA.
	WhyRSA string
}

// EncryptionKey is ENCRYPTION_RSA_PRIVATE_KEY (reference/encryption.md).
func EncryptionKey() Subject {
	return Subject{Var: "ENCRYPTION_RSA_PRIVATE_KEY", Generate: GenerateCommand,
		Replace: " Replace the key only before Spacelift's first start: once it has started, another key makes every stored secret unreadable.",
		WhyRSA:  "Spacelift's RSA mode needs an RSA key"}
}

// WorkerPoolGenerateCommand makes a worker pool's key and CSR
// (spacelift-io/user-documentation, concepts/worker-pools/README.md).
const WorkerPoolGenerateCommand = `openssl req -new -newkey rsa:4096 -nodes -keyout spacelift.key -out spacelift.csr`

// WorkerPoolKey is a private worker pool's SPACELIFT_POOL_PRIVATE_KEY.
func WorkerPoolKey() Subject {
	return Subject{Var: "SPACELIFT_POOL_PRIVATE_KEY", Generate: WorkerPoolGenerateCommand,
		Replace: " A new key needs a new certificate: give Spacelift the new CSR for this worker pool; the token it returns holds the certificate made from it, so replace SPACELIFT_TOKEN too.",
		WhyRSA:  "the worker pool docs generate an RSA key (rsa:4096) and document no other type"}
}

func (s Subject) encodeAdvice() string {
	return "Encode the whole PEM file, -----BEGIN and -----END lines included, on one line: `" +
		EncodeCommand + "` (macOS: `" + EncodeCommandMac + "`), and set " + s.Var + " to exactly that output."
}

func (s Subject) generateAdvice() string {
	return "Generate the key as the Spacelift docs do: `" + s.Generate + "`, then `" +
		EncodeCommand + "` (macOS: `" + EncodeCommandMac + "`)."
}

// replaceAdvice is the advice for a key that must be replaced.
func (s Subject) replaceAdvice() string { return s.generateAdvice() + s.Replace }

// Size thresholds in bits. Spacelift documents no minimum; the docs
// generate 4096-bit keys, so a smaller key warns (it works, but it is not
// what the docs make), and under 2048 bits a key is breakable.
const (
	MinBits         = 2048
	RecommendedBits = 4096
)

// maxShown bounds any text derived from the value that a message quotes
// (PEM block types only), so a hostile value cannot fill a report.
const maxShown = 40

// Decode diagnoses v, the value of ENCRYPTION_RSA_PRIVATE_KEY.
func Decode(v string) Result { return DecodeAs(v, EncryptionKey()) }

// DecodeAs diagnoses v, the value of the variable s names.
func DecodeAs(v string, s Subject) Result {
	r := Result{subj: s}
	if strings.TrimSpace(v) == "" {
		r.fail(Empty, s.Var+" is empty", s.generateAdvice())
		return r
	}
	if strings.Contains(v, "-----BEGIN") {
		r.fail(RawPEM, s.Var+" holds the PEM text itself; Spacelift expects the PEM file encoded with base64 on one line",
			s.encodeAdvice())
		// Diagnose the PEM too, so both mistakes are fixed in one go.
		inner := Result{subj: s}
		inner.pemFile([]byte(unescapeNewlines(v)))
		r.absorb(inner)
		return r
	}

	compact, ws := stripSpace(v)
	if ws != "" {
		r.warn(Whitespace, "the base64 value contains "+ws+"; Spacelift may read only an unbroken single line",
			"Re-encode without line wrapping: `"+EncodeCommand+"` (macOS: `"+EncodeCommandMac+"`). Plain `base64` wraps every 76 characters.")
	}

	data, err := base64.StdEncoding.DecodeString(compact)
	if err != nil {
		alt, name := decodeNonStandard(compact)
		if alt == nil {
			r.fail(NotBase64, notBase64Message(compact), s.encodeAdvice())
			return r
		}
		r.warn(NonStdBase64, "the value is "+name+", not the standard base64 that `base64 -w 0` prints",
			s.encodeAdvice())
		data = alt
	}

	if bytes.Contains(data, []byte("-----BEGIN")) {
		r.pemFile(data)
		return r
	}
	if inner, ok := decodeAnyBase64(data); ok && bytes.Contains(inner, []byte("-----BEGIN")) {
		r.fail(DoubleBase64, "the value is base64-encoded twice: decoding it once gives more base64, not the PEM file",
			"Encode the key file once: `"+EncodeCommand+"`. (Decoding the current value once, `echo \"$"+s.Var+"\" | base64 -d`, gives the right value.)")
		in := Result{subj: s}
		in.pemFile(inner)
		r.absorb(in)
		return r
	}
	if what := derKind(data); what != "" {
		r.fail(DER, "the value decodes to a binary (DER) "+what+", not to a PEM file: the -----BEGIN/-----END armour is missing",
			"If you have the PEM file, encode it whole: `"+EncodeCommand+"`. From a DER file: `openssl pkey -inform DER -in spacelift.der -out spacelift.key`, then `"+EncodeCommand+"`.")
		return r
	}
	r.fail(NoPEM, fmt.Sprintf("the value is valid base64, but the %d bytes it decodes to are not a PEM file (no -----BEGIN line)", len(data)),
		s.generateAdvice())
	return r
}

// pemFile diagnoses the decoded PEM text.
func (r *Result) pemFile(data []byte) {
	if bytes.Contains(data, []byte("\r\n")) {
		r.Notes = append(r.Notes, "the PEM file has Windows (CRLF) line endings; Go's PEM decoder accepts them")
	}
	block, rest := pem.Decode(data)
	if block == nil {
		r.fail(DamagedPEM, "the PEM text has a -----BEGIN line but no decodable block: the -----END line is missing, or line breaks were replaced by spaces or literal \\n",
			"Encode the original key file, unedited: `"+EncodeCommand+"`.")
		return
	}
	// openssl ecparam -genkey writes EC PARAMETERS before the key.
	if block.Type == "EC PARAMETERS" {
		if next, more := pem.Decode(rest); next != nil {
			block, rest = next, more
		}
	}
	later := blockTypes(rest)
	switch block.Type {
	case "PRIVATE KEY":
		r.Format = PKCS8
		r.pkcs8(block)
	case "RSA PRIVATE KEY":
		r.Format = PKCS1
		if encryptedHeaders(block) {
			r.encrypted("legacy PEM encryption (Proc-Type: 4,ENCRYPTED)")
			return
		}
		k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
		if err != nil {
			r.fail(ParseError, "the RSA PRIVATE KEY block does not parse as a PKCS#1 key ("+short(err)+")", r.subj.replaceAdvice())
			return
		}
		r.Key = k
		r.warn(PKCS1Format, "the key is in PKCS#1 format (-----BEGIN RSA PRIVATE KEY-----); the documented command writes PKCS#8 (-----BEGIN PRIVATE KEY-----) and whether Spacelift accepts PKCS#1 is unconfirmed",
			"Convert the same key to PKCS#8, which keeps the key itself: `openssl pkey -in spacelift.key -out spacelift-pkcs8.key`, then `cat spacelift-pkcs8.key | base64 -w 0`.")
	case "ENCRYPTED PRIVATE KEY":
		r.Format = PKCS8
		r.encrypted("PKCS#8 encryption (-----BEGIN ENCRYPTED PRIVATE KEY-----)")
		return
	case "EC PRIVATE KEY":
		r.notRSA("an EC key (-----BEGIN EC PRIVATE KEY-----)")
		return
	case "DSA PRIVATE KEY":
		r.notRSA("a DSA key")
		return
	case "OPENSSH PRIVATE KEY":
		r.fail(OpenSSH, "the PEM block is an OpenSSH private key (-----BEGIN OPENSSH PRIVATE KEY-----), which Spacelift cannot read",
			"If it is an RSA key, convert it in place to PKCS#8: `ssh-keygen -p -N \"\" -m PKCS8 -f spacelift.key`, then `"+EncodeCommand+"`. Otherwise: "+r.subj.generateAdvice())
		return
	case "PUBLIC KEY", "RSA PUBLIC KEY":
		r.fail(PublicKey, "the PEM block is a public key (-----BEGIN "+block.Type+"-----); Spacelift needs the private key",
			"Encode the private key file that openssl wrote with -keyout, not the public key: `"+EncodeCommand+"`.")
		return
	case "CERTIFICATE", "TRUSTED CERTIFICATE", "X509 CERTIFICATE":
		msg := "the PEM block is a certificate; Spacelift needs the private key"
		if i := indexPrivate(later); i >= 0 {
			msg += fmt.Sprintf(" (a %s block follows the certificate as block %d; encode only the key)", later[i], i+2)
		}
		r.fail(Certificate, msg, "Encode the private key file (the one written by -keyout), not the certificate: `"+EncodeCommand+"`.")
		return
	case "CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST":
		r.fail(CertRequest, "the PEM block is a certificate signing request: the documented openssl req command prints one on its output, while the key goes to the -keyout file",
			"Encode the -keyout file, spacelift.key, not the command's output: `"+EncodeCommand+"`.")
		return
	default:
		r.fail(UnknownBlock, fmt.Sprintf("the PEM block is of type %q, not a private key", shown(block.Type)), r.subj.generateAdvice())
		return
	}
	if r.Key == nil {
		return
	}
	if len(later) > 0 {
		r.warn(ExtraBlocks, fmt.Sprintf("the PEM file holds %d more block(s) after the key (%s); whether Spacelift ignores them is unconfirmed", len(later), strings.Join(later, ", ")),
			"Encode a file that holds only the private key: `openssl pkey -in spacelift.key -out spacelift-only.key`, then `cat spacelift-only.key | base64 -w 0`.")
	}
	r.checkKey()
}

func (r *Result) pkcs8(block *pem.Block) {
	if encryptedHeaders(block) {
		r.encrypted("legacy PEM encryption (Proc-Type: 4,ENCRYPTED)")
		return
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		switch alg := pkcs8Algorithm(block.Bytes); alg {
		case "RSA-PSS":
			r.fail(RSAPSSRestrict, "the key is an RSA-PSS key (restricted to PSS signatures, e.g. from `openssl genpkey -algorithm RSA-PSS`); Spacelift needs a plain RSA key that can also encrypt",
				r.subj.replaceAdvice())
		case "":
			r.fail(ParseError, "the PRIVATE KEY block does not parse as a PKCS#8 key ("+short(err)+")", r.subj.replaceAdvice())
		default:
			r.notRSA("a " + alg + " key")
		}
		return
	}
	switch k := k.(type) {
	case *rsa.PrivateKey:
		r.Key = k
	case *ecdsa.PrivateKey:
		r.notRSA("an EC key (" + k.Curve.Params().Name + ")")
	case ed25519.PrivateKey:
		r.notRSA("an Ed25519 key")
	case *ecdh.PrivateKey:
		r.notRSA("an X25519 key")
	default:
		r.notRSA(fmt.Sprintf("a %T key", k))
	}
}

// checkKey validates the parsed key and its size.
func (r *Result) checkKey() {
	if err := r.Key.Validate(); err != nil {
		r.fail(InvalidKey, "the RSA key is corrupt: its numbers are inconsistent ("+short(err)+")", r.subj.replaceAdvice())
		return
	}
	r.Key.Precompute()
	bits := r.Bits()
	switch {
	case bits < MinBits:
		r.fail(KeyTooSmall, fmt.Sprintf("the key has %d bits; less than %d bits is breakable", bits, MinBits), r.subj.replaceAdvice())
	case bits < RecommendedBits:
		r.warn(KeySmallerThan, fmt.Sprintf("the key has %d bits; the Spacelift docs generate %d-bit keys", bits, RecommendedBits),
			r.subj.replaceAdvice())
	}
}

func (r *Result) encrypted(how string) {
	r.fail(Encrypted, "the private key is passphrase-protected ("+how+"); Spacelift needs an unencrypted key and has no passphrase setting",
		"Remove the passphrase, which keeps the key itself: `openssl pkey -in spacelift.key -out spacelift-plain.key` (enter the passphrase), then `cat spacelift-plain.key | base64 -w 0`. New keys: use -nodes as in `"+r.subj.Generate+"`.")
}

func (r *Result) notRSA(what string) {
	r.fail(NotRSA, "the private key is "+what+", not an RSA key; "+r.subj.WhyRSA, r.subj.replaceAdvice())
}

func (r *Result) fail(k Kind, msg, advice string) {
	r.Findings = append(r.Findings, Finding{Kind: k, Severity: Fail, Message: msg, Advice: advice})
}

func (r *Result) warn(k Kind, msg, advice string) {
	r.Findings = append(r.Findings, Finding{Kind: k, Severity: Warn, Message: msg, Advice: advice})
}

// absorb adds what an inner decode learned about the PEM underneath a
// mis-encoded value, prefixing its findings so the operator sees both.
func (r *Result) absorb(in Result) {
	r.Key, r.Format = in.Key, in.Format
	r.Notes = append(r.Notes, in.Notes...)
	for _, f := range in.Findings {
		f.Message = "also: " + f.Message
		r.Findings = append(r.Findings, f)
	}
}

// stripSpace removes all whitespace and says what kind there was.
func stripSpace(v string) (string, string) {
	var b strings.Builder
	var newlines, spaces bool
	for _, c := range v {
		switch {
		case c == '\n' || c == '\r':
			newlines = true
		case unicode.IsSpace(c):
			spaces = true
		default:
			b.WriteRune(c)
			continue
		}
	}
	switch {
	case newlines && spaces:
		return b.String(), "line breaks and spaces"
	case newlines:
		return b.String(), "line breaks"
	case spaces:
		return b.String(), "spaces or tabs"
	}
	return b.String(), ""
}

func decodeNonStandard(s string) ([]byte, string) {
	for _, e := range []struct {
		enc  *base64.Encoding
		name string
	}{
		{base64.RawStdEncoding, "base64 without its = padding"},
		{base64.URLEncoding, "URL-safe base64 (- and _ instead of + and /)"},
		{base64.RawURLEncoding, "URL-safe base64 (- and _ instead of + and /) without padding"},
	} {
		if d, err := e.enc.DecodeString(s); err == nil {
			return d, e.name
		}
	}
	return nil, ""
}

// decodeAnyBase64 decodes data when it is base64 text in any common form.
func decodeAnyBase64(data []byte) ([]byte, bool) {
	s, _ := stripSpace(string(data))
	if s == "" {
		return nil, false
	}
	if d, err := base64.StdEncoding.DecodeString(s); err == nil {
		return d, true
	}
	d, _ := decodeNonStandard(s)
	return d, d != nil
}

// base64Chars is every character of the standard and URL-safe alphabets.
const base64Chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_="

func notBase64Message(compact string) string {
	if len(compact) >= 2 && strings.ContainsRune(`"'`, rune(compact[0])) && compact[0] == compact[len(compact)-1] {
		return "the value is wrapped in quotes, which are not part of base64: remove them where the variable is set"
	}
	for i, c := range compact {
		if !strings.ContainsRune(base64Chars, c) {
			return fmt.Sprintf("the value is not base64: it has a character outside the base64 alphabet at position %d (whitespace ignored)", i+1)
		}
	}
	if i := strings.IndexByte(compact, '='); i >= 0 && i < len(compact)-2 {
		return fmt.Sprintf("the value is not base64: it has padding (=) in the middle, at position %d (whitespace ignored); two values may have been joined", i+1)
	}
	return fmt.Sprintf("the value is not base64: its length (%d characters, whitespace ignored) is impossible for base64, so it was probably cut short", len(compact))
}

// derKind names the DER structure data holds, or "" if none.
func derKind(data []byte) string {
	if k, err := x509.ParsePKCS8PrivateKey(data); err == nil {
		if _, ok := k.(*rsa.PrivateKey); ok {
			return "PKCS#8 RSA private key"
		}
		return "PKCS#8 non-RSA private key"
	}
	if _, err := x509.ParsePKCS1PrivateKey(data); err == nil {
		return "PKCS#1 RSA private key"
	}
	if _, err := x509.ParseECPrivateKey(data); err == nil {
		return "EC private key"
	}
	if _, err := x509.ParsePKIXPublicKey(data); err == nil {
		return "public key"
	}
	if _, err := x509.ParseCertificate(data); err == nil {
		return "certificate"
	}
	return ""
}

// Algorithm OIDs that x509.ParsePKCS8PrivateKey rejects but an operator
// may well have.
var (
	oidRSAPSS = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 10}
	oidDSA    = asn1.ObjectIdentifier{1, 2, 840, 10040, 4, 1}
	oidEd448  = asn1.ObjectIdentifier{1, 3, 101, 113}
	oidX448   = asn1.ObjectIdentifier{1, 3, 101, 111}
)

func pkcs8Algorithm(der []byte) string {
	var p struct {
		Version    int
		Algo       pkix.AlgorithmIdentifier
		PrivateKey []byte
	}
	if _, err := asn1.Unmarshal(der, &p); err != nil {
		return ""
	}
	switch {
	case p.Algo.Algorithm.Equal(oidRSAPSS):
		return "RSA-PSS"
	case p.Algo.Algorithm.Equal(oidDSA):
		return "DSA"
	case p.Algo.Algorithm.Equal(oidEd448):
		return "Ed448"
	case p.Algo.Algorithm.Equal(oidX448):
		return "X448"
	}
	return ""
}

func encryptedHeaders(b *pem.Block) bool {
	return strings.Contains(b.Headers["Proc-Type"], "ENCRYPTED") || b.Headers["DEK-Info"] != ""
}

func blockTypes(rest []byte) []string {
	var out []string
	for len(out) < 10 {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		out = append(out, shown(b.Type))
	}
	return out
}

func indexPrivate(types []string) int {
	for i, t := range types {
		if strings.HasSuffix(t, "PRIVATE KEY") {
			return i
		}
	}
	return -1
}

// unescapeNewlines turns literal \n sequences (a PEM squeezed into one
// dotenv line) back into line breaks so the inner diagnosis still works.
func unescapeNewlines(v string) string {
	if strings.Contains(v, "\n") {
		return v
	}
	return strings.ReplaceAll(v, `\n`, "\n")
}

// shown sanitises a PEM block type for display.
func shown(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e {
			return '?'
		}
		return r
	}, s)
	if len(s) > maxShown {
		s = s[:maxShown] + "..."
	}
	return s
}

// short keeps a parse error to its first line; the x509 and rsa errors
// never quote key material.
func short(err error) string {
	s := err.Error()
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 120 {
		s = s[:120] + "..."
	}
	return s
}
