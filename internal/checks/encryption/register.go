// Package encryption holds the checks of Spacelift's encryption and JWT
// signing keys: the RSA private key of RSA mode, the two KMS keys of KMS
// mode, and the JWT key pair either mode signs with.
package encryption

import (
	"sync"

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
	IDJWTKeypair    = "jwt.keypair"
)

// backend is the state the checks of one run share: the RSA key, decoded
// once, and the KMS client, created on first use.
type backend struct {
	cfg *config.Config
	rsa func() rsakey.Result
	kms *kmsClient
}

// Register adds the encryption.* checks and jwt.keypair.
func Register(p *checks.Plan, cfg *config.Config, _ checks.Options, aws *awsenv.Env) {
	b := &backend{cfg: cfg, kms: newKMSClient(aws)}
	b.rsa = sync.OnceValue(func() rsakey.Result {
		return rsakey.Decode(cfg.Secret(config.RSAPrivateKey).Reveal())
	})

	enc, implied := cfg.TypeOf(config.EncryptionType)
	mode := "ENCRYPTION_TYPE is " + enc
	if implied {
		mode = "ENCRYPTION_TYPE is unset, which means " + enc
	}
	unset := func(name string) string { return name + " is not set (config.required reports it)" }
	var rsaOff, kmsOff, signOff, jwtOff string
	var jwtNeeds []string
	switch enc {
	case "rsa":
		kmsOff, signOff = mode, mode
		if !cfg.Has(config.RSAPrivateKey) {
			rsaOff, jwtOff = unset(config.RSAPrivateKey), unset(config.RSAPrivateKey)
		}
		jwtNeeds = []string{IDRSAKey}
	case "kms":
		rsaOff = mode
		if !cfg.Has(config.KMSEncryptionKeyID) {
			kmsOff = unset(config.KMSEncryptionKeyID)
		}
		if !cfg.Has(config.KMSSigningKeyID) {
			signOff, jwtOff = unset(config.KMSSigningKeyID), unset(config.KMSSigningKeyID)
		}
		jwtNeeds = []string{IDKMSSigningKey}
	default:
		rsaOff, kmsOff, signOff, jwtOff = mode, mode, mode, mode
	}

	p.Add(
		checks.Check{ID: IDRSAKey, Group: "encryption", Title: "ENCRYPTION_RSA_PRIVATE_KEY is a usable, correctly encoded RSA key",
			Disabled: rsaOff, Run: b.rsaKey},
		checks.Check{ID: IDKMSKey, Group: "encryption", Title: "The KMS encryption key is enabled, symmetric and usable",
			Disabled: kmsOff, Run: b.kmsKey},
		checks.Check{ID: IDKMSSigningKey, Group: "encryption", Title: "The KMS signing key is an enabled RSA key that signs and verifies",
			Disabled: signOff, Run: b.kmsSigningKey},
		checks.Check{ID: IDJWTKeypair, Group: "jwt", Title: "JWTs signed with the signing key verify with the expected public key",
			Needs: jwtNeeds, Disabled: jwtOff, Run: b.jwtKeypair},
	)
}
