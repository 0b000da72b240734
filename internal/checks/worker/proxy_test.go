package worker

import (
	"strings"
	"testing"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/configcheck"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/messaging/msgtest"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/mqtt"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/storage"
)

func TestProxy(t *testing.T) {
	const p = "http://proxy.example.com:3128"
	all := "HTTP_PROXY,HTTPS_PROXY,NO_PROXY"
	for _, tc := range []struct {
		name   string
		vars   map[string]string
		status checks.Status
		wants  []string
	}{
		{"no proxy", vars(configcheck.ServerDomain, "spacelift.example.com"),
			checks.Pass, []string{"no proxy is configured", WhitelistEnvs + ": empty"}},
		{"a proxy, bypassed where it must be and passed to runs",
			vars(configcheck.HTTPSProxy, p, configcheck.HTTPProxy, p, configcheck.NoProxy, ".svc,.cluster.local,minio.internal", WhitelistEnvs, all,
				configcheck.ServerDomain, "spacelift.example.com", storage.TypeVar, "minio", storage.MinioEndpoint, "minio.internal:9000"),
			checks.Pass, []string{"spacelift.example.com: through the proxy " + p, "minio.internal: directly", "passes HTTPS_PROXY to run containers",
				"public.ecr.aws: through the proxy"}},
		{"a proxy without its scheme", vars(configcheck.HTTPSProxy, "proxy.example.com:3128", WhitelistEnvs, "HTTPS_PROXY"),
			checks.Fail, []string{"HTTPS_PROXY: has no scheme"}},
		{"an in-cluster MinIO sent to the proxy", vars(configcheck.HTTPSProxy, p, configcheck.HTTPProxy, p, WhitelistEnvs, "HTTP_PROXY,HTTPS_PROXY",
			storage.TypeVar, "minio", storage.MinioEndpoint, "minio.spacelift.svc.cluster.local:9000"),
			checks.Warn, []string{"minio.spacelift.svc.cluster.local: through the proxy, but only the cluster's DNS resolves it", "NO_PROXY=.svc"}},
		{"the proxy is not whitelisted for runs (the EC2 module may write an empty list)", vars(configcheck.HTTPSProxy, p),
			checks.Warn, []string{"does not pass HTTPS_PROXY: run containers will not use the proxy", "run-launcher.sh", WhitelistEnvs + ": empty"}},
		{"Kubernetes: the same, without the EC2 module's hint", vars(configcheck.HTTPSProxy, p, Type, TypeKubernetes),
			checks.Warn, []string{"does not pass HTTPS_PROXY: run containers will not use the proxy"}},
		{"the proxy only for read-only runs", vars(configcheck.HTTPSProxy, p, WhitelistEnvs, "ro_HTTPS_PROXY"),
			checks.Warn, []string{"passes HTTPS_PROXY only to read-only runs"}},
		{"a masked variable that is not whitelisted", vars(WhitelistEnvs, "TF_VAR_a", MaskEnvs, "TF_VAR_a,TF_VAR_secret"),
			checks.Warn, []string{"masks TF_VAR_secret, which SPACELIFT_WHITELIST_ENVS does not pass"}},
		{"the MQTT broker is not an HTTP destination", vars(configcheck.HTTPSProxy, p, WhitelistEnvs, "HTTPS_PROXY", mqtt.BrokerEndpoint, "tls://mqtt.svc:1984"),
			checks.Pass, []string{"passes HTTPS_PROXY"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := run(t, ProxyID, tc.vars, defaultDeps())
			msgtest.Expect(t, ProxyID, o, tc.status, tc.wants...)
			if kube := tc.vars[Type] == TypeKubernetes; kube && strings.Contains(msgtest.Text(o.Result), "run-launcher.sh") {
				t.Errorf("a Kubernetes worker is told about the EC2 module's run-launcher.sh:\n%s", msgtest.Text(o.Result))
			}
		})
	}
}

func TestProxyPasswordIsNeverShown(t *testing.T) {
	o := run(t, ProxyID, vars(configcheck.HTTPSProxy, "http://user:s3cr3t-pw@proxy.example.com:3128", configcheck.ServerDomain, "spacelift.example.com"), defaultDeps())
	msgtest.NoSecret(t, ProxyID, o.Result, "s3cr3t-pw")
	msgtest.Expect(t, ProxyID, o, checks.Warn, "proxy.example.com:3128")
}
