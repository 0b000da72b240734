package encryption

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/encryption/rsakey"
)

// rsaKey is encryption.rsa-key: ENCRYPTION_RSA_PRIVATE_KEY is encoded the
// way Spacelift reads it and the key inside wraps keys, encrypts and signs.
func (b *backend) rsaKey(ctx context.Context) checks.Result {
	d := b.rsa()
	var rep report
	for _, f := range d.Findings {
		if f.Severity == rsakey.Fail {
			rep.fail(f.Message, f.Advice)
		} else {
			rep.warn(f.Message, f.Advice)
		}
	}
	if d.Key != nil {
		rep.detail("format", d.Format)
		rep.detail("bits", d.Bits())
		if fp, err := rsakey.Fingerprint(&d.Key.PublicKey); err == nil {
			rep.detail("public key SHA-256", fp)
		}
	}
	for _, n := range d.Notes {
		rep.detail("note", n)
	}
	if !d.Usable() {
		return rep.result("")
	}
	if err := ctx.Err(); err != nil {
		return checks.Errorf("Run the check again with a longer --check-timeout.", "stopped before the self-test: %v", err)
	}
	step, err := rsaSelfTest(d.Key, time.Now())
	if err != nil {
		rep.fail(fmt.Sprintf("the key parses but fails the self-test at %s: %v", step, err),
			"Generate a new key as documented: `"+rsakey.GenerateCommand+"`, then `"+rsakey.EncodeCommand+"` (only before Spacelift's first start).")
		return rep.result("")
	}
	rep.detail("self-test", "RSA-OAEP wrap/unwrap of an AES-256 key, AES-256-GCM encrypt/decrypt, RS256 sign/verify")
	return rep.result(fmt.Sprintf("%s RSA %d-bit private key, unencrypted; RSA-OAEP key wrap, AES-256-GCM and RS256 signing all work",
		strings.TrimSpace(d.Format.String()), d.Bits()))
}
