package worker

import (
	"strings"
	"testing"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/configcheck"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/mqtt"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/storage"
)

func TestEndpoints(t *testing.T) {
	cfg := testConfig(t, vars(configcheck.ServerDomain, "spacelift.example.com", mqtt.BrokerType, "builtin", mqtt.BrokerEndpoint, "tls://mqtt.example.com:1984",
		storage.TypeVar, "minio", storage.MinioEndpoint, "minio.example.com:9000", configcheck.HTTPSProxy, "http://u:pw@proxy.example.com:3128",
		DefaultRunnerImage, "registry.example.com/runner:1", InsecureRegistries, "registry.example.com", DockerHost, "tcp://localhost:2375"))
	got := map[string]string{}
	eps, gaps := checks.EndpointsOf([]checks.Backend{Backend{}}, cfg)
	for _, ep := range eps {
		got[ep.Address()] = strings.Join(ep.Vars, ",") + " " + string(ep.Handshake)
	}
	for addr, want := range map[string]string{
		"spacelift.example.com:443": "SERVER_DOMAIN tls",
		"mqtt.example.com:1984":     "MQTT_BROKER_ENDPOINT tls",
		"minio.example.com:9000":    "OBJECT_STORAGE_MINIO_ENDPOINT ",
		"registry.example.com:80":   "SPACELIFT_DEFAULT_RUNNER_IMAGE ",
		"proxy.example.com:3128":    "HTTPS_PROXY ",
		"localhost:2375":            "DOCKER_HOST ",
	} {
		if got[addr] != want {
			t.Errorf("%s: %q, want %q (all: %v, gaps %v)", addr, got[addr], want, got, gaps)
		}
	}
	for addr := range got {
		if strings.Contains(addr, "pw") {
			t.Errorf("an endpoint holds the proxy password: %s", addr)
		}
	}
}

func TestVarsAndRequirements(t *testing.T) {
	var token, key bool
	for _, v := range (Backend{}).Vars() {
		switch v.Name {
		case Token:
			token = v.Secret && len(v.SecretKeys) == 1 && v.SecretKeys[0] == SecretKeyToken
		case PrivateKey:
			key = v.Secret && len(v.SecretKeys) == 1 && v.SecretKeys[0] == SecretKeyPrivateKey
		}
	}
	if !token || !key {
		t.Error("the token and the private key must be secrets, read from the worker pool Secret's token and privateKey keys")
	}
	names := func(rs []checks.Requirement) string {
		var out []string
		for _, r := range rs {
			out = append(out, r.Var)
		}
		return strings.Join(out, " ")
	}
	if got := names(Backend{}.Required(testConfig(t, vars()))); got != "SERVER_DOMAIN MQTT_BROKER_ENDPOINT SPACELIFT_TOKEN SPACELIFT_POOL_PRIVATE_KEY" {
		t.Errorf("docker worker requires %s", got)
	}
	if got := names(Backend{}.Required(testConfig(t, vars(Type, TypeKubernetes)))); strings.Contains(got, Token) {
		t.Errorf("a Kubernetes WorkerPool may leave the token unset (auto-registration): %s", got)
	}
	p := checks.Build([]checks.Backend{Backend{}}, testConfig(t, vars()), checks.Options{})
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
}
