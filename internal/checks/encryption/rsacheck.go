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
	var rep checks.Verdict
	for _, f := range d.Findings {
		st := checks.Warn
		if f.Severity == rsakey.Fail {
			st = checks.Fail
		}
		rep.Add(checks.Step{Status: st, Message: f.Message, Advice: f.Advice})
	}
	if d.Key != nil {
		rep.Detail("format", d.Format)
		rep.Detail("bits", d.Bits())
		if fp, err := rsakey.Fingerprint(&d.Key.PublicKey); err == nil {
			rep.Detail("public key SHA-256", fp)
		}
	}
	for _, n := range d.Notes {
		rep.Detail("note", n)
	}
	if !d.Usable() {
		return rep.Result("")
	}
	if err := ctx.Err(); err != nil {
		return checks.Errorf("Run the check again with a longer --check-timeout.", "stopped before the self-test: %v", err)
	}
	step, err := rsaSelfTest(d.Key, time.Now())
	if err != nil {
		rep.Fail("", "Generate a new key as documented: `"+rsakey.GenerateCommand+"`, then `"+rsakey.EncodeCommand+"` (only before Spacelift's first start).",
			"the key parses but fails the self-test at %s: %v", step, err)
		return rep.Result("")
	}
	rep.Detail("self-test", "RSA-OAEP wrap/unwrap of an AES-256 key, AES-256-GCM encrypt/decrypt, RS256 sign/verify")
	return rep.Result(fmt.Sprintf("%s RSA %d-bit private key, unencrypted; RSA-OAEP key wrap, AES-256-GCM and RS256 signing all work",
		strings.TrimSpace(d.Format.String()), d.Bits()))
}
