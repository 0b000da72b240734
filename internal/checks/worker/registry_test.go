package worker

import (
	"testing"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/configcheck"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/messaging/msgtest"
	"github.com/spacelift-io/spacectl-preflight/internal/testsvc"
)

// The harness's distribution registries (anonymous, htpasswd, token auth)
// hold a small image each test run pushes.
func TestRegistry(t *testing.T) {
	v := testsvc.RequireMap(t, "SPT_REGISTRY_ADDR", "SPT_REGISTRY_AUTH_ADDR", "SPT_REGISTRY_USER", "SPT_REGISTRY_PASS",
		"SPT_REGISTRY_TOKEN_ADDR", "SPT_REGISTRY_TOKEN_REALM", "SPT_REGISTRY_TOKEN_SERVICE", "SPT_REGISTRY_TOKEN_ISSUER",
		"SPT_REGISTRY_TOKEN_KEY", "SPT_REGISTRY_TOKEN_CERT")
	anon, auth, tokenReg := v["SPT_REGISTRY_ADDR"], v["SPT_REGISTRY_AUTH_ADDR"], v["SPT_REGISTRY_TOKEN_ADDR"]
	user, pass := v["SPT_REGISTRY_USER"], v["SPT_REGISTRY_PASS"]
	issuer := serveTokens(t, v)
	digest := pushImage(t, "http://"+anon, "spt/runner", "v1", nil)
	pushImage(t, "http://"+anon, "spt/launcher", "v3.0.0", nil)
	pushImage(t, "http://"+auth, "spt/runner", "v1", basic(user, pass))
	pushImage(t, "http://"+tokenReg, "spt/runner", "v1", issuer.pushAuth("spt/runner"))
	proxy := testsvc.ForwardProxy(t, map[string]string{"registry.test": "127.0.0.1"})
	login := dockerConfigDir(t, loginConfig(auth, user, pass))
	tokenLogin := dockerConfigDir(t, loginConfig(tokenReg, user, pass))
	wrongLogin := dockerConfigDir(t, loginConfig("http://"+auth+"/v1/", user, "wrong-password"))
	helper := dockerConfigDir(t, map[string]any{"credHelpers": map[string]any{auth: "ecr-login"}})
	closed := testsvc.ClosedAddr(t)
	for _, tc := range []struct {
		name      string
		vars      map[string]string
		anonToken bool
		status    checks.Status
		wants     []string
	}{
		{"an anonymous registry serves the runner image",
			vars(DefaultRunnerImage, anon+"/spt/runner:v1"), false,
			checks.Pass, []string{"runner image " + anon + "/spt/runner:v1 resolves (" + digest, "application/vnd.oci.image.manifest.v1+json; anonymous", "answers 200 (anonymous access)"}},
		{"a missing image", vars(DefaultRunnerImage, anon+"/spt/runner:nope"), false,
			checks.Fail, []string{"does not exist in the registry (404, anonymous)"}},
		{"Basic auth without credentials", vars(DefaultRunnerImage, auth+"/spt/runner:v1"), false,
			checks.Fail, []string{"answers 401 with a basic challenge", "asks for a user name and password (Basic) and none is configured", "docker login"}},
		{"Basic auth with docker login's credentials", vars(DefaultRunnerImage, auth+"/spt/runner:v1", DockerConfigDir, login), false,
			checks.Pass, []string{"resolves", "as " + user + " from " + login + "/config.json"}},
		{"Basic auth with a wrong password", vars(DefaultRunnerImage, auth+"/spt/runner:v1", DockerConfigDir, wrongLogin), false,
			checks.Fail, []string{"the registry refuses to serve it (401 Unauthorized", "run `docker login"}},
		{"a credential helper is named, not run", vars(DefaultRunnerImage, auth+"/spt/runner:v1", DockerConfigDir, helper), false,
			checks.Warn, []string{`credential helper "ecr-login"`, "the pull is not verified"}},
		{"a Bearer challenge: an anonymous pull token, as ECR Public gives", vars(DefaultRunnerImage, tokenReg+"/spt/runner:v1"), true,
			checks.Pass, []string{"answers 401 with a bearer challenge", "anonymous (token from " + v["SPT_REGISTRY_TOKEN_REALM"] + ")"}},
		{"a Bearer challenge with docker login's credentials", vars(DefaultRunnerImage, tokenReg+"/spt/runner:v1", DockerConfigDir, tokenLogin), false,
			checks.Pass, []string{"as " + user + " from"}},
		{"a token service that refuses anonymous pulls", vars(DefaultRunnerImage, tokenReg+"/spt/runner:v1"), false,
			checks.Fail, []string{"refuses anonymous pull tokens (401 Unauthorized) and none is configured"}},
		{"Kubernetes: a registry that wants credentials the kubelet may have", vars(DefaultRunnerImage, auth+"/spt/runner:v1", Type, TypeKubernetes,
			configcheck.LauncherImage, anon+"/spt/launcher", configcheck.LauncherImageTag, "v3.0.0"), false,
			checks.Warn, []string{"none is configured here, so the pull is not verified", "imagePullSecret"}},
		{"an unreachable registry", vars(DefaultRunnerImage, closed+"/spt/runner:v1"), false,
			checks.Fail, []string{"refused the connection"}},
		{"through the proxy to an insecure registry", vars(DefaultRunnerImage, "registry.test:"+port(anon)+"/spt/runner:v1",
			InsecureRegistries, "registry.test:"+port(anon), configcheck.HTTPProxy, proxy.URL()), false,
			checks.Pass, []string{"resolves", "through the proxy " + proxy.URL()}},
		{"Kubernetes: the launcher image too", vars(DefaultRunnerImage, anon+"/spt/runner:v1", Type, TypeKubernetes,
			configcheck.LauncherImage, anon+"/spt/launcher", configcheck.LauncherImageTag, "v3.0.0"), false,
			checks.Pass, []string{"launcher image " + anon + "/spt/launcher:v3.0.0 resolves"}},
		{"Kubernetes without the drain's LAUNCHER_IMAGE", vars(DefaultRunnerImage, anon+"/spt/runner:v1", Type, TypeKubernetes), false,
			checks.Warn, []string{"LAUNCHER_IMAGE: is not set"}},
		{"a malformed image reference", vars(DefaultRunnerImage, "https://"+anon+"/Spt/runner"), false,
			checks.Fail, []string{"has a scheme"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			issuer.anonymous.Store(tc.anonToken)
			o := run(t, RegistryID, tc.vars, testDeps(nil))
			msgtest.Expect(t, RegistryID, o, tc.status, tc.wants...)
			msgtest.NoSecret(t, RegistryID, o.Result, pass, "wrong-password")
		})
	}
	if !proxy.Saw("http://registry.test:" + port(anon) + "/v2/") {
		t.Errorf("the proxied case did not go through the proxy: %q", proxy.Requests())
	}
	if issuer.issued.Load() == 0 || issuer.refusals.Load() == 0 {
		t.Errorf("the token service issued %d tokens and refused %d requests: both paths must run", issuer.issued.Load(), issuer.refusals.Load())
	}
}

func TestParseImage(t *testing.T) {
	for in, want := range map[string]string{
		DefaultRunner:             "public.ecr.aws/spacelift/runner-terraform:latest",
		"ubuntu":                  "docker.io/library/ubuntu:latest",
		"hashicorp/terraform:1.9": "docker.io/hashicorp/terraform:1.9",
		"localhost:5000/a/b":      "localhost:5000/a/b:latest",
		"reg.example.com:8443/x/y:v1@sha256:" + sha64: "reg.example.com:8443/x/y@sha256:" + sha64,
	} {
		r, err := parseImage(in)
		if err != nil || r.String() != want {
			t.Errorf("parseImage(%q) = %q, %v; want %q", in, r.String(), err, want)
		}
	}
	for _, bad := range []string{"", "https://x/y", "Reg.example.com/UPPER:1", "x/y@sha256:short"} {
		if _, err := parseImage(bad); err == nil {
			t.Errorf("parseImage(%q) accepted", bad)
		}
	}
	if r, _ := parseImage("ubuntu"); r.apiHost() != "registry-1.docker.io" {
		t.Errorf("Docker Hub's API host: %s", r.apiHost())
	}
}

const sha64 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

func TestParseChallenge(t *testing.T) {
	scheme, p := parseChallenge(`Bearer realm="https://public.ecr.aws/token/",service="public.ecr.aws",scope="aws"`)
	if scheme != "bearer" || p["realm"] != "https://public.ecr.aws/token/" || p["service"] != "public.ecr.aws" || p["scope"] != "aws" {
		t.Errorf("got %q %v", scheme, p)
	}
	if scheme, p := parseChallenge(`Basic realm="Registry Realm"`); scheme != "basic" || p["realm"] != "Registry Realm" {
		t.Errorf("got %q %v", scheme, p)
	}
}
