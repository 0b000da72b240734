package jwt

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"strings"
	"time"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/encryption"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/encryption/rsakey"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/jwt/jws"
	"github.com/spacelift-io/spacectl-preflight/internal/config"
)

const fingerprintHowTo = "Compare fingerprints: for an RSA key `openssl pkey -in spacelift.key -pubout -outform DER | openssl dgst -sha256`; for a KMS key `aws kms get-public-key --key-id KEY_ARN --query PublicKey --output text | base64 -d | openssl dgst -sha256`; for a PEM public key `openssl pkey -pubin -in public.pem -outform DER | openssl dgst -sha256`."

// keypair is jwt.keypair: a JWT signed with the key Spacelift signs with
// verifies with that key's public half, and that public half is the one
// the operator expects (other environments, the DR site, token consumers).
type keypair struct {
	cfg *config.Config
	key encryption.SigningKey
}

func (k keypair) run(ctx context.Context) checks.Result {
	var rep checks.Verdict
	input := func(alg string) []byte { return jws.SigningInput(alg, time.Now(), rand.Text()) }
	signed := k.key.Sign(ctx, &rep, input)
	if signed == nil {
		if rep.Status() == checks.Pass {
			return checks.Skipf("ENCRYPTION_TYPE is neither kms nor rsa")
		}
		return rep.Result("")
	}
	pub, source, algs := signed.Public, signed.Source, signed.Algs
	sigs := map[string][2][]byte{}
	for _, alg := range algs {
		sigs[alg] = [2][]byte{signed.Inputs[alg], signed.Sigs[alg]}
	}

	for _, alg := range algs {
		s := sigs[alg]
		if err := jws.Verify(pub, alg, s[0], s[1]); err != nil {
			rep.Fail("", "The key pair is broken; replace the signing key (only before Spacelift's first start).",
				"a %s JWT signed with %s does not verify with its own public key: %v", alg, source, err)
			return rep.Result("")
		}
	}
	fp, err := rsakey.Fingerprint(pub)
	if err != nil {
		rep.Merge("", checks.Errorf("Report this as a bug.", "cannot fingerprint the public key: %v", err))
		return rep.Result("")
	}
	rep.Detail("signing public key SHA-256", fp)
	rep.Detail("verified", strings.Join(algs, ", ")+" JWT signed with "+source+", verified locally with its public key")

	match := k.expectedKey(fp, pub, algs, sigs, &rep)
	if rep.Stopped() {
		return rep.Result("")
	}
	msg := fmt.Sprintf("%s JWTs signed with %s verify with its public key (SHA-256 %s)", strings.Join(algs, " and "), source, fp)
	if match != "" {
		msg += ", which matches " + match
	}
	return rep.Result(msg)
}

// expectedKey compares the signing key with SPACECTL_PREFLIGHT_JWT_PUBLIC_KEY
// when it is set, and returns the label of the matching key.
func (k keypair) expectedKey(fp string, pub *rsa.PublicKey, algs []string, sigs map[string][2][]byte, rep *checks.Verdict) string {
	if !k.cfg.Has(PublicKeyVar) {
		rep.Detail("expected public key", "not given; set jws.publicKey or jws.publicKeyFile ("+PublicKeyVar+") to compare with the key other environments or the DR site use")
		return ""
	}
	where := PublicKeyVar
	if src, ok := k.cfg.Source(PublicKeyVar); ok {
		where += " (" + src.String() + ")"
	}
	exp, err := jws.ParseExpected(k.cfg.Get(PublicKeyVar))
	if err != nil {
		rep.Fail("", "Give the public key as PEM (`openssl pkey -in spacelift.key -pubout`, or for KMS `aws kms get-public-key --key-id KEY_ARN --query PublicKey --output text | base64 -d | openssl pkey -pubin -inform DER`), or as a JWK or JWKS.",
			"the expected public key in %s cannot be read: %v", where, err)
		return ""
	}
	var others []string
	for _, e := range exp {
		efp, err := rsakey.Fingerprint(e.Key)
		if err != nil {
			others = append(others, e.Label+": unreadable")
			continue
		}
		if efp != fp {
			others = append(others, e.Label+": "+efp)
			continue
		}
		epub, ok := e.Key.(*rsa.PublicKey)
		if !ok || epub.N.Cmp(pub.N) != 0 || epub.E != pub.E {
			others = append(others, e.Label+": "+efp)
			continue
		}
		for _, alg := range algs {
			s := sigs[alg]
			if err := jws.Verify(epub, alg, s[0], s[1]); err != nil {
				rep.Fail("", fingerprintHowTo, "the expected public key (%s) does not verify the %s test JWT: %v", e.Label, alg, err)
				return ""
			}
		}
		rep.Detail("expected public key", e.Label+" in "+where+": matches")
		return PublicKeyVar + " (" + e.Label + ")"
	}
	rep.Detail("expected public key SHA-256", strings.Join(others, "; "))
	rep.Fail("", "The signing key is not the one the expected public key belongs to: either the key differs from the one your other environments or DR site use, or the expected public key is stale. "+fingerprintHowTo,
		"keypair mismatch: the signing key's public key has SHA-256 %s, but the expected public key in %s has %s", fp, where, strings.Join(others, "; "))
	return ""
}
