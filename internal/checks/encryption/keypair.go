package encryption

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/encryption/rsakey"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/jwt/jws"
	"github.com/spacelift-io/spacectl-preflight/internal/config"
)

// SigningKey is the key Spacelift signs its JWTs with: the RSA encryption
// key in RSA mode, the KMS signing key in KMS mode. jwt.keypair signs test
// tokens with it through this type, sharing the run's decoded key and KMS
// client with the encryption checks.
type SigningKey struct {
	b *backend
}

// SigningKeyOf returns the run's signing key.
func SigningKeyOf(p *checks.Plan, cfg *config.Config) SigningKey { return SigningKey{b: state(p, cfg)} }

// Readiness says which check must pass before the key can sign (the key's
// own check), or why no signing is possible with this configuration.
func (k SigningKey) Readiness() (needs []string, disabled string) {
	m := modeOf(k.b.cfg)
	return m.jwtNeeds, m.jwtOff
}

// Signed is what signing test tokens produced.
type Signed struct {
	Public *rsa.PublicKey
	// Source names the key without secrets: the variable, or the KMS ARN.
	Source string
	// Algs are the JWS algorithms signed with, in order; Inputs and Sigs
	// hold each one's signing input and signature.
	Algs   []string
	Inputs map[string][]byte
	Sigs   map[string][]byte
}

// Sign signs a test token made by input with every algorithm Spacelift
// may use with this key. Problems are recorded in v as steps; nil means
// signing was not possible.
func (k SigningKey) Sign(ctx context.Context, v *checks.Verdict, input func(alg string) []byte) *Signed {
	b := k.b
	out := &Signed{Inputs: map[string][]byte{}, Sigs: map[string][]byte{}}
	add := func(alg string, in, sig []byte) {
		out.Algs = append(out.Algs, alg)
		out.Inputs[alg], out.Sigs[alg] = in, sig
	}
	switch Type(b.cfg) {
	case "rsa":
		d := b.rsa()
		if !d.Usable() {
			v.Fail("", "Fix ENCRYPTION_RSA_PRIVATE_KEY first; see encryption.rsa-key.", "ENCRYPTION_RSA_PRIVATE_KEY holds no usable RSA key")
			return nil
		}
		out.Public, out.Source = &d.Key.PublicKey, RSAPrivateKey
		v.Detail("signing key", RSAPrivateKey+" (in RSA mode Spacelift signs JWTs with its encryption key)")
		in := input(jws.RS256)
		sig, err := rsa.SignPKCS1v15(rand.Reader, d.Key, crypto.SHA256, jws.Digest(in))
		if err != nil {
			v.Fail("", "Generate a new key as documented: `"+rsakey.GenerateCommand+"` (only before Spacelift's first start).",
				"RS256 signing with %s failed: %v", RSAPrivateKey, err)
			return nil
		}
		add(jws.RS256, in, sig)
	case "kms":
		t := b.prepare(ctx, KMSSigningKeyID, grantsSigning, v)
		if t == nil {
			return nil
		}
		if out.Public = t.publicKey(ctx, v); out.Public == nil || v.Stopped() {
			return nil
		}
		out.Source = "KMS key " + t.arn
		// Which of the two Spacelift uses is unconfirmed; prove both.
		for _, alg := range []string{jws.RS256, jws.PS256} {
			in := input(alg)
			sig := t.sign(ctx, alg, in, v)
			if sig == nil {
				return nil
			}
			add(alg, in, sig)
		}
	default:
		v.Add(checks.Step{Status: checks.Skip, Message: "ENCRYPTION_TYPE is neither kms nor rsa"})
		return nil
	}
	return out
}
