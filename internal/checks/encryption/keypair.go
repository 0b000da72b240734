package encryption

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"strings"
	"time"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/encryption/rsakey"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/jwt/jws"
)

const fingerprintHowTo = "Compare fingerprints: for an RSA key `openssl pkey -in spacelift.key -pubout -outform DER | openssl dgst -sha256`; for a KMS key `aws kms get-public-key --key-id KEY_ARN --query PublicKey --output text | base64 -d | openssl dgst -sha256`; for a PEM public key `openssl pkey -pubin -in public.pem -outform DER | openssl dgst -sha256`."

// jwtKeypair is jwt.keypair: a JWT signed with the key Spacelift signs with
// verifies with that key's public half, and that public half is the one
// the operator expects (other environments, the DR site, token consumers).
func (b *backend) jwtKeypair(ctx context.Context) checks.Result {
	var rep checks.Verdict
	input := func(alg string) []byte { return jws.SigningInput(alg, time.Now(), rand.Text()) }
	var pub *rsa.PublicKey
	var source string
	sigs := map[string][2][]byte{} // alg -> {input, signature}
	var algs []string

	switch Type(b.cfg) {
	case "rsa":
		d := b.rsa()
		if !d.Usable() {
			return checks.Failf("Fix ENCRYPTION_RSA_PRIVATE_KEY first; see encryption.rsa-key.", "ENCRYPTION_RSA_PRIVATE_KEY holds no usable RSA key")
		}
		pub, source = &d.Key.PublicKey, RSAPrivateKey
		rep.Detail("signing key", RSAPrivateKey+" (in RSA mode Spacelift signs JWTs with its encryption key)")
		in := input(jws.RS256)
		sig, err := rsa.SignPKCS1v15(rand.Reader, d.Key, crypto.SHA256, jws.Digest(in))
		if err != nil {
			rep.Fail("", "Generate a new key as documented: `"+rsakey.GenerateCommand+"` (only before Spacelift's first start).",
				"RS256 signing with %s failed: %v", RSAPrivateKey, err)
			return rep.Result("")
		}
		sigs[jws.RS256] = [2][]byte{in, sig}
		algs = []string{jws.RS256}
	case "kms":
		t := b.prepare(ctx, KMSSigningKeyID, grantsSigning, &rep)
		if t == nil {
			return rep.Result("")
		}
		if pub = t.publicKey(ctx, &rep); pub == nil || rep.Stopped() {
			return rep.Result("")
		}
		source = "KMS key " + t.arn
		// Which of the two Spacelift uses is unconfirmed; prove both.
		for _, alg := range []string{jws.RS256, jws.PS256} {
			in := input(alg)
			sig := t.sign(ctx, alg, in, &rep)
			if sig == nil {
				return rep.Result("")
			}
			sigs[alg] = [2][]byte{in, sig}
			algs = append(algs, alg)
		}
	default:
		return checks.Skipf("ENCRYPTION_TYPE is neither kms nor rsa")
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

	match := b.expectedKey(fp, pub, algs, sigs, &rep)
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
func (b *backend) expectedKey(fp string, pub *rsa.PublicKey, algs []string, sigs map[string][2][]byte, rep *checks.Verdict) string {
	if !b.cfg.Has(jwtPublicKeyVar) {
		rep.Detail("expected public key", "not given; set jws.publicKey or jws.publicKeyFile ("+jwtPublicKeyVar+") to compare with the key other environments or the DR site use")
		return ""
	}
	where := jwtPublicKeyVar
	if src, ok := b.cfg.Source(jwtPublicKeyVar); ok {
		where += " (" + src.String() + ")"
	}
	exp, err := jws.ParseExpected(b.cfg.Get(jwtPublicKeyVar))
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
		return jwtPublicKeyVar + " (" + e.Label + ")"
	}
	rep.Detail("expected public key SHA-256", strings.Join(others, "; "))
	rep.Fail("", "The signing key is not the one the expected public key belongs to: either the key differs from the one your other environments or DR site use, or the expected public key is stale. "+fingerprintHowTo,
		"keypair mismatch: the signing key's public key has SHA-256 %s, but the expected public key in %s has %s", fp, where, strings.Join(others, "; "))
	return ""
}

// jwtPublicKeyVar is the jwt backend's variable (jws.PublicKeyVar), named
// here because jwt imports this package.
const jwtPublicKeyVar = "SPACECTL_PREFLIGHT_JWT_PUBLIC_KEY"
