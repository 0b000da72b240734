package configcheck

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"net/url"
	"strings"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/config"
)

// Identity variables: SAML single sign-on and the OIDC federation
// document Spacelift publishes for cloud providers.
const (
	SAMLCert              = "SAML_CERT"
	SAMLKey               = "SAML_KEY"
	FederationIssuer      = "FEDERATION_CUSTOM_ISSUER"
	FederationJWKSURI     = "FEDERATION_CUSTOM_JWKS_URI"
	SpaceliftPublicAPIVar = "SPACELIFT_PUBLIC_API"
)

func identityVars() []config.Var {
	return []config.Var{
		config.Spacelift(SAMLCert, "saml.cert", "SAML service-provider certificate, base64 (server only).").Sensitive(),
		config.Spacelift(SAMLKey, "saml.key", "SAML service-provider signing key, base64 (server only).").Sensitive(),
		config.Spacelift(FederationIssuer, "oidc.customIssuer", "Overrides the issuer of the OIDC discovery document, e.g. https://id.example.com."),
		config.Spacelift(FederationJWKSURI, "oidc.customJwksUri", "Overrides jwks_uri of the OIDC discovery document (derived from the issuer when unset)."),
	}
}

func reviewIdentity(cfg *config.Config, r *checks.Review) {
	// The inner format of the SAML values is undocumented (the v2-to-v3
	// kit says only "base64-encoded"), so a value that is not base64 of a
	// PEM certificate or key is a warning, never a failure.
	if cfg.Has(SAMLCert) != cfg.Has(SAMLKey) {
		r.Values.Warn(SAMLCert, "Set both SAML_CERT and SAML_KEY (server Secret), or neither.", "only one of SAML_CERT and SAML_KEY is set; SAML sign-in needs both")
	}
	for _, name := range []string{SAMLCert, SAMLKey} {
		if !cfg.Has(name) {
			continue
		}
		if what := pemKind(cfg.Secret(name).Reveal()); what == "" {
			r.Values.Warn(name, "Copy the value from the v2 secret spacelift/saml-credentials (keys certificate and key, already base64); its exact format is undocumented, so check with Spacelift if SAML fails.",
				"is not base64 of a PEM certificate or private key")
		} else if (name == SAMLCert) != (what == "certificate") {
			r.Values.Warn(name, "SAML_CERT holds the certificate and SAML_KEY the private key; swap them if they are reversed.", "decodes to a PEM %s", what)
		}
	}
	issuer, jwks := cfg.Get(FederationIssuer), cfg.Get(FederationJWKSURI)
	for _, kv := range [][2]string{{FederationIssuer, issuer}, {FederationJWKSURI, jwks}} {
		if kv[1] == "" {
			continue
		}
		if u, err := url.Parse(kv[1]); err != nil || u.Scheme != "https" || u.Host == "" {
			r.Values.Fail(kv[0], "Use an absolute https:// URL; cloud providers fetch it over HTTPS.", "is not an absolute https:// URL")
		}
	}
	if jwks != "" && issuer == "" {
		r.Values.Warn(FederationJWKSURI, "Set FEDERATION_CUSTOM_ISSUER too: the docs describe the issuer alone or both, not the JWKS URI alone.",
			"is set without FEDERATION_CUSTOM_ISSUER")
	}
	if v := cfg.Get(SpaceliftPublicAPIVar); v != "" {
		if u, err := url.Parse(v); err != nil || u.Scheme != "https" || u.Host == "" {
			r.Values.Fail(SpaceliftPublicAPIVar, "Set it to https://app.spacelift.io, or leave it empty to turn usage reporting off.", "is not an absolute https:// URL")
		}
	}
}

// pemKind returns "certificate" or "private key" for base64 of a PEM of
// that kind, "" otherwise.
func pemKind(b64 string) string {
	data, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(b64), ""))
	if err != nil {
		return ""
	}
	blk, _ := pem.Decode(data)
	switch {
	case blk == nil:
		return ""
	case blk.Type == "CERTIFICATE":
		if _, err := x509.ParseCertificate(blk.Bytes); err == nil {
			return "certificate"
		}
	case strings.HasSuffix(blk.Type, "PRIVATE KEY"):
		return "private key"
	}
	return ""
}
