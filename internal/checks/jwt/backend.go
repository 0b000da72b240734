// Package jwt is the JWT signing backend: jwt.keypair proves that JWTs
// signed with the key Spacelift signs with (the RSA key, or the KMS signing
// key) verify with the public key the operator expects.
package jwt

import (
	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/encryption"
	"github.com/spacelift-io/spacectl-preflight/internal/config"
)

// PublicKeyVar names the expected public key.
const PublicKeyVar = "SPACECTL_PREFLIGHT_JWT_PUBLIC_KEY"

// Backend is JWT signing.
type Backend struct{}

var _ checks.Backend = Backend{}

// Group implements checks.Backend.
func (Backend) Group() checks.Group { return checks.Group{ID: "jwt", Title: "JWT signing"} }

// Vars implements checks.Backend.
func (Backend) Vars() []config.Var {
	return []config.Var{
		config.Tool(PublicKeyVar, "jwt.publicKey", "Expected JWT public key (PEM, JWK or JWKS) to compare with the signing key.").FromFile(),
	}
}

// Required implements checks.Backend: the signing key is encryption's.
func (Backend) Required(*config.Config) []checks.Requirement { return nil }

// Review implements checks.Backend.
func (Backend) Review(*config.Config, *checks.Review) {}

// Endpoints implements checks.Backend.
func (Backend) Endpoints(*config.Config, *checks.EndpointSet) {}

// KeypairID is the check's ID.
const KeypairID = "jwt.keypair"

// Register implements checks.Backend: jwt.keypair, which signs with
// encryption's key (the RSA key, or the KMS signing key).
func (Backend) Register(p *checks.Plan, cfg *config.Config, _ checks.Options) {
	k := keypair{cfg: cfg, key: encryption.SigningKeyOf(p, cfg)}
	needs, disabled := k.key.Readiness()
	p.Add(checks.Check{ID: KeypairID, Title: "JWTs signed with the signing key verify with the expected public key",
		Needs: needs, Disabled: disabled, Run: k.run})
}
