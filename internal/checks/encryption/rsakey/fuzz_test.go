package rsakey_test

import (
	"strings"
	"testing"

	"github.com/spacelift-io/spacectl-preflight/internal/checks/encryption/rsakey"
	kt "github.com/spacelift-io/spacectl-preflight/internal/checks/encryption/rsakey/rsakeytest"
	"github.com/spacelift-io/spacectl-preflight/internal/secret"
)

// FuzzDecode: no input panics the decoder, every finding explains itself,
// a usable result carries a valid key, and nothing reported quotes the
// value. Besides the committed corpus (testdata/fuzz/FuzzDecode, no private
// keys in it), it is seeded at run time with every fixture shape built
// from freshly generated keys.
func FuzzDecode(f *testing.F) {
	k := kt.GenerateRSA(f, 1024)
	for _, pemText := range []string{
		kt.PKCS8PEM(f, k), kt.PKCS1PEM(k), kt.EncryptedPKCS1PEM(f, k), kt.EncryptedPKCS8PEM(f, k),
		kt.RSAPSSPEM(f, k), kt.ECPKCS8PEM(f), kt.ECSEC1PEM(f), kt.Ed25519PEM(f),
		kt.PublicPEM(f, k), kt.PublicPKCS1PEM(k), kt.CertificatePEM(f, k), kt.CSRPEM(f, k),
	} {
		f.Add(pemText)
		f.Add(kt.B64(pemText))
		f.Add(kt.Wrapped(pemText))
		f.Add(kt.B64(kt.B64(pemText)))
		f.Add(kt.B64(kt.CRLF(pemText)))
	}
	f.Fuzz(func(t *testing.T, v string) {
		r := rsakey.Decode(v)
		if r.Usable() {
			if err := r.Key.Validate(); err != nil {
				t.Fatalf("usable result with an invalid key: %v", err)
			}
			if r.Bits() < rsakey.MinBits {
				t.Fatalf("usable result with a %d-bit key", r.Bits())
			}
		}
		var text strings.Builder
		for _, fd := range r.Findings {
			if fd.Message == "" || fd.Advice == "" || fd.Severity == 0 || fd.Kind == "" {
				t.Fatalf("incomplete finding %+v", fd)
			}
			text.WriteString(fd.Message + "\n" + fd.Advice + "\n")
		}
		text.WriteString(strings.Join(r.Notes, "\n"))
		if len(r.Findings) == 0 && !r.Usable() {
			t.Fatal("no finding, yet no usable key")
		}
		out := text.String()
		// Messages may quote a PEM block type (at most 40 characters), never
		// anything longer taken from the value.
		for _, variant := range secret.Variants(v) {
			if len(variant) > 48 && strings.Contains(out, variant) {
				t.Fatalf("report quotes %d characters of the value", len(variant))
			}
		}
	})
}
