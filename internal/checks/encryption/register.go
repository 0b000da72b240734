// Package encryption holds the checks of Spacelift's encryption keys: the
// RSA private key of RSA mode and the two KMS keys of KMS mode. It also
// offers the key Spacelift signs JWTs with (SigningKey) to jwt.keypair.
package encryption

import (
	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/awsenv"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/encryption/rsakey"
	"github.com/spacelift-io/spacectl-preflight/internal/config"
)

// Check IDs.
const (
	IDRSAKey        = "encryption.rsa-key"
	IDKMSKey        = "encryption.kms-key"
	IDKMSSigningKey = "encryption.kms-signing-key"
)

// backend is the state the checks of one run share: the RSA key, decoded
// once, and the KMS client, created on first use (see state).
type backend struct {
	cfg *config.Config
	rsa func() rsakey.Result
	kms *kmsClient
}

// Register implements checks.Backend: the encryption.* checks.
func (Backend) Register(p *checks.Plan, cfg *config.Config, _ checks.Options) {
	b := state(p, cfg)
	m := modeOf(cfg)
	p.Add(
		checks.Check{ID: IDRSAKey, Title: "ENCRYPTION_RSA_PRIVATE_KEY is a usable, correctly encoded RSA key",
			Disabled: m.rsaOff, Run: b.rsaKey},
		checks.Check{ID: IDKMSKey, Title: "The KMS encryption key is enabled, symmetric and usable",
			Disabled: m.kmsOff, Run: b.kmsKey},
		checks.Check{ID: IDKMSSigningKey, Title: "The KMS signing key is an enabled RSA key that signs and verifies",
			Disabled: m.signOff, Run: b.kmsSigningKey},
		checks.Check{ID: IDSSEKeys, Title: "The KMS keys that encrypt the buckets and queues are usable",
			Disabled: sseOff(p, cfg), Run: (&sseKeys{b: b, env: awsenv.Of(p, cfg), backends: p.Backends()}).run},
	)
}

// mode says which checks the configuration's ENCRYPTION_TYPE enables.
type mode struct {
	rsaOff, kmsOff, signOff, jwtOff string
	jwtNeeds                        []string
}

func modeOf(cfg *config.Config) mode {
	enc, implied := cfg.TypeOf(TypeVar)
	why := "ENCRYPTION_TYPE is " + enc
	if implied {
		why = "ENCRYPTION_TYPE is unset, which means " + enc
	}
	unset := func(name string) string { return name + " is not set (config.required reports it)" }
	var m mode
	switch enc {
	case "rsa":
		m.kmsOff, m.signOff = why, why
		if !cfg.Has(RSAPrivateKey) {
			m.rsaOff, m.jwtOff = unset(RSAPrivateKey), unset(RSAPrivateKey)
		}
		m.jwtNeeds = []string{IDRSAKey}
	case "kms":
		m.rsaOff = why
		if !cfg.Has(KMSEncryptionKeyID) {
			m.kmsOff = unset(KMSEncryptionKeyID)
		}
		if !cfg.Has(KMSSigningKeyID) {
			m.signOff, m.jwtOff = unset(KMSSigningKeyID), unset(KMSSigningKeyID)
		}
		m.jwtNeeds = []string{IDKMSSigningKey}
	default:
		m.rsaOff, m.kmsOff, m.signOff, m.jwtOff = why, why, why, why
	}
	return m
}

// sseOff says why encryption.sse-keys does not run: no component uses AWS
// (whether a bucket or queue is in AWS is known only at run time, which
// then skips).
func sseOff(p *checks.Plan, cfg *config.Config) string {
	if !awsenv.UsesAWS(p.Backends(), cfg) {
		return "no component of this configuration uses AWS"
	}
	return ""
}
