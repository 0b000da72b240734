package encryption

import (
	"sync"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/awsenv"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/encryption/rsakey"
	"github.com/spacelift-io/spacectl-preflight/internal/config"
)

// Variable names.
const (
	TypeVar            = "ENCRYPTION_TYPE"
	KMSEncryptionKeyID = "ENCRYPTION_KMS_ENCRYPTION_KEY_ID"
	KMSSigningKeyID    = "ENCRYPTION_KMS_SIGNING_KEY_ID"
	RSAPrivateKey      = "ENCRYPTION_RSA_PRIVATE_KEY"
)

// Type is the effective ENCRYPTION_TYPE.
func Type(cfg *config.Config) string { v, _ := cfg.TypeOf(TypeVar); return v }

// Backend is encryption: the RSA private key of RSA mode, or the two KMS
// keys of KMS mode.
type Backend struct{}

var _ checks.Backend = Backend{}

// Group implements checks.Backend.
func (Backend) Group() checks.Group { return checks.Group{ID: "encryption", Title: "Encryption"} }

// Vars implements checks.Backend.
func (Backend) Vars() []config.Var {
	return []config.Var{
		config.Spacelift(TypeVar, "encryption.type", "Encryption backend; cannot be changed after install.").OneOf("kms", "kms", "rsa"),
		config.Spacelift(KMSEncryptionKeyID, "encryption.kms.encryptionKeyId", "KMS key (ID, ARN or alias) for encryption."),
		config.Spacelift(KMSSigningKeyID, "encryption.kms.signingKeyId", "KMS key (ID, ARN or alias) for JWT signing."),
		config.Spacelift(RSAPrivateKey, "encryption.rsa.privateKey", "Base64 (one line) of an unencrypted PEM RSA private key.").Sensitive().FromFile(),
	}
}

// Required implements checks.Backend.
func (Backend) Required(cfg *config.Config) []checks.Requirement {
	switch Type(cfg) {
	case "kms":
		return append([]checks.Requirement{
			{Var: KMSEncryptionKeyID, Why: "ENCRYPTION_TYPE=kms"},
			{Var: KMSSigningKeyID, Why: "ENCRYPTION_TYPE=kms: signs the JWTs Spacelift issues"},
		}, awsenv.Requirements()...)
	case "rsa":
		return []checks.Requirement{{Var: RSAPrivateKey, Why: "ENCRYPTION_TYPE=rsa"}}
	}
	return nil
}

// Review implements checks.Backend.
func (Backend) Review(cfg *config.Config, r *checks.Review) {
	r.Implied(cfg, TypeVar, "set it explicitly (kms or rsa); the encryption type can never be changed after install, so decide now")
	r.Compat.Detail("encryption", Type(cfg)+" (permanent: it cannot be changed after install)")
	reviewDistinctKeys(cfg, r)
}

// reviewDistinctKeys is KMS-001 offline: the two variables must not name
// the same key (encryption.kms-signing-key also asks KMS, which tells an
// alias and a key ARN of one key apart).
func reviewDistinctKeys(cfg *config.Config, r *checks.Review) {
	if Type(cfg) != "kms" {
		return
	}
	enc, err1 := parseKeyRef(cfg.Get(KMSEncryptionKeyID))
	sign, err2 := parseKeyRef(cfg.Get(KMSSigningKeyID))
	if err1 != nil || err2 != nil || !enc.sameKeyAs(sign) {
		return
	}
	r.Values.Fail(KMSSigningKeyID, sameKeyAdvice, "names the same key as %s (%q): Spacelift needs two keys", KMSEncryptionKeyID, enc.raw)
}

const sameKeyAdvice = "Use two keys, as the official module creates them: a symmetric ENCRYPT_DECRYPT key for ENCRYPTION_KMS_ENCRYPTION_KEY_ID (`aws kms create-key --key-spec SYMMETRIC_DEFAULT --key-usage ENCRYPT_DECRYPT`) and an RSA_4096 SIGN_VERIFY key for ENCRYPTION_KMS_SIGNING_KEY_ID (`aws kms create-key --key-spec RSA_4096 --key-usage SIGN_VERIFY`). No single KMS key can both encrypt and sign."

// Endpoints implements checks.Backend: KMS is reached through the AWS SDK's
// own endpoints.
func (Backend) Endpoints(*config.Config, *checks.EndpointSet) {}

type stateKey struct{}

// state returns the run's shared encryption state, so the encryption checks
// and jwt.keypair decode the RSA key once and share one KMS client.
func state(p *checks.Plan, cfg *config.Config) *backend {
	return checks.Shared(p, stateKey{}, func() *backend {
		b := &backend{cfg: cfg, kms: newKMSClient(awsenv.Of(p, cfg))}
		b.rsa = sync.OnceValue(func() rsakey.Result {
			return rsakey.Decode(cfg.Secret(RSAPrivateKey).Reveal())
		})
		return b
	})
}
