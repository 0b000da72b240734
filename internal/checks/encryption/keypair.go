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
	var rep report
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
		rep.detail("signing key", RSAPrivateKey+" (in RSA mode Spacelift signs JWTs with its encryption key)")
		in := input(jws.RS256)
		sig, err := rsa.SignPKCS1v15(rand.Reader, d.Key, crypto.SHA256, jws.Digest(in))
		if err != nil {
			rep.fail(fmt.Sprintf("RS256 signing with %s failed: %v", RSAPrivateKey, err), "Generate a new key as documented: `"+rsakey.GenerateCommand+"` (only before Spacelift's first start).")
			return rep.result("")
		}
		sigs[jws.RS256] = [2][]byte{in, sig}
		algs = []string{jws.RS256}
	case "kms":
		t := b.prepare(ctx, KMSSigningKeyID, grantsSigning, &rep)
		if t == nil {
			return rep.result("")
		}
		if pub = t.publicKey(ctx, &rep); pub == nil || rep.stopped() {
			return rep.result("")
		}
		source = "KMS key " + t.arn
		// Which of the two Spacelift uses is unconfirmed; prove both.
		for _, alg := range []string{jws.RS256, jws.PS256} {
			in := input(alg)
			sig := t.sign(ctx, alg, in, &rep)
			if sig == nil {
				return rep.result("")
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
			rep.fail(fmt.Sprintf("a %s JWT signed with %s does not verify with its own public key: %v", alg, source, err),
				"The key pair is broken; replace the signing key (only before Spacelift's first start).")
			return rep.result("")
		}
	}
	fp, err := rsakey.Fingerprint(pub)
	if err != nil {
		rep.merge(checks.Errorf("Report this as a bug.", "cannot fingerprint the public key: %v", err))
		return rep.result("")
	}
	rep.detail("signing public key SHA-256", fp)
	rep.detail("verified", strings.Join(algs, ", ")+" JWT signed with "+source+", verified locally with its public key")

	match := b.expectedKey(fp, pub, algs, sigs, &rep)
	if rep.stopped() {
		return rep.result("")
	}
	msg := fmt.Sprintf("%s JWTs signed with %s verify with its public key (SHA-256 %s)", strings.Join(algs, " and "), source, fp)
	if match != "" {
		msg += ", which matches " + match
	}
	return rep.result(msg)
}

// expectedKey compares the signing key with SPACECTL_PREFLIGHT_JWT_PUBLIC_KEY
// when it is set, and returns the label of the matching key.
func (b *backend) expectedKey(fp string, pub *rsa.PublicKey, algs []string, sigs map[string][2][]byte, rep *report) string {
	if !b.cfg.Has(jwtPublicKeyVar) {
		rep.detail("expected public key", "not given; set jwt.publicKey or jwt.publicKeyFile ("+jwtPublicKeyVar+") to compare with the key other environments or the DR site use")
		return ""
	}
	where := jwtPublicKeyVar
	if src, ok := b.cfg.Source(jwtPublicKeyVar); ok {
		where += " (" + src.String() + ")"
	}
	exp, err := jws.ParseExpected(b.cfg.Get(jwtPublicKeyVar))
	if err != nil {
		rep.fail(fmt.Sprintf("the expected public key in %s cannot be read: %v", where, err),
			"Give the public key as PEM (`openssl pkey -in spacelift.key -pubout`, or for KMS `aws kms get-public-key --key-id KEY_ARN --query PublicKey --output text | base64 -d | openssl pkey -pubin -inform DER`), or as a JWK or JWKS.")
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
				rep.fail(fmt.Sprintf("the expected public key (%s) does not verify the %s test JWT: %v", e.Label, alg, err), fingerprintHowTo)
				return ""
			}
		}
		rep.detail("expected public key", e.Label+" in "+where+": matches")
		return jwtPublicKeyVar + " (" + e.Label + ")"
	}
	rep.detail("expected public key SHA-256", strings.Join(others, "; "))
	rep.fail(fmt.Sprintf("keypair mismatch: the signing key's public key has SHA-256 %s, but the expected public key in %s has %s", fp, where, strings.Join(others, "; ")),
		"The signing key is not the one the expected public key belongs to: either the key differs from the one your other environments or DR site use, or the expected public key is stale. "+fingerprintHowTo)
	return ""
}

// jwtPublicKeyVar is the jwt backend's variable (jwt.PublicKeyVar), named
// here because jwt imports this package.
const jwtPublicKeyVar = "SPACECTL_PREFLIGHT_JWT_PUBLIC_KEY"
