package worker

import (
	"fmt"
	"strings"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/encryption/rsakey"
	"github.com/spacelift-io/spacectl-preflight/internal/config"
)

const credentialsAdvice = "Set SPACELIFT_TOKEN to the content of the worker pool's .config file Spacelift gave you, as is, and SPACELIFT_POOL_PRIVATE_KEY to `cat spacelift.key | base64 -w 0` " +
	"(Kubernetes: the keys token and privateKey of the worker pool's Secret)."

// credentials is worker.credentials: the token and the private key are
// both set (or, for a Kubernetes WorkerPool, both unset) and each is
// encoded as documented. Neither value is ever shown.
func credentials(cfg *config.Config) checks.Result {
	hasToken, hasKey := cfg.Has(Token), cfg.Has(PrivateKey)
	kube := WorkerType(cfg) == TypeKubernetes
	switch {
	case !hasToken && !hasKey && kube:
		// The WorkerPool CRD: "token and privateKey must both be set or
		// both be unset"; unset means auto-registration.
		return checks.Skipf("neither the token nor the private key is set: the controller then registers the pool itself with the Secret spacelift-api-credentials (keyId, keySecret, endpoint), which this check does not verify")
	case !hasToken && !hasKey:
		return checks.Failf(credentialsAdvice, "%s and %s are not set: the launcher cannot authenticate to Spacelift", Token, PrivateKey)
	}
	var v checks.Verdict
	if hasToken != hasKey {
		set, unset := label(Token, kube), label(PrivateKey, kube)
		if hasKey {
			set, unset = unset, set
		}
		v.Fail(unset, credentialsAdvice+" Both come from the same worker pool: the token holds the certificate Spacelift made from the key's CSR.",
			"not set, while %s is: the token and the private key must be set together (the WorkerPool resource refuses one without the other)", set)
	}
	if hasToken {
		tokenSteps(&v, label(Token, kube), cfg.Secret(Token).Reveal())
		where(&v, cfg, Token)
	}
	if hasKey {
		keySteps(&v, label(PrivateKey, kube), cfg.Secret(PrivateKey).Reveal())
		where(&v, cfg, PrivateKey)
	}
	v.Detail("certificate in the token", "not compared with the private key: the token's layout is not documented")
	return v.Result("the token decodes as documented and the private key is an unencrypted RSA key, base64-encoded on one line")
}

// label names a credential as the operator set it: a Kubernetes worker
// pool's Secret calls them token and privateKey.
func label(name string, kube bool) string {
	if !kube {
		return name
	}
	if name == Token {
		return SecretKeyToken + " (" + Token + ")"
	}
	return SecretKeyPrivateKey + " (" + PrivateKey + ")"
}

// where records where a credential was set, never its value.
func where(v *checks.Verdict, cfg *config.Config, name string) {
	if src, ok := cfg.Source(name); ok {
		v.Detail(name+" set at", src.String())
	}
}

// keySteps diagnoses the private key with the RSA key decoder.
func keySteps(v *checks.Verdict, name, raw string) {
	d := rsakey.DecodeAs(raw, rsakey.WorkerPoolKey())
	for _, f := range d.Findings {
		st := checks.Warn
		if f.Severity == rsakey.Fail {
			st = checks.Fail
		}
		v.Add(checks.Step{Name: name, Status: st, Message: f.Message, Advice: f.Advice})
	}
	for _, n := range d.Notes {
		v.Detail("private key note", n)
	}
	if d.Key == nil {
		return
	}
	if fp, err := rsakey.Fingerprint(&d.Key.PublicKey); err == nil {
		v.Detail("public key SHA-256", fp)
	}
	if d.Usable() {
		v.Pass(name, "%s RSA %d-bit private key, unencrypted, base64 on one line", strings.TrimSpace(d.Format.String()), d.Bits())
		return
	}
	v.Detail("private key", fmt.Sprintf("%s RSA %d-bit", d.Format, d.Bits()))
}
