package worker

import (
	"net/url"
	"strings"

	"golang.org/x/net/http/httpproxy"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/configcheck"
	"github.com/spacelift-io/spacectl-preflight/internal/config"
	"github.com/spacelift-io/spacectl-preflight/internal/secret"
)

// proxyConfig is the launcher's proxy configuration, from the inputs only.
func proxyConfig(cfg *config.Config) *httpproxy.Config {
	return &httpproxy.Config{HTTPProxy: cfg.Get(configcheck.HTTPProxy), HTTPSProxy: cfg.Get(configcheck.HTTPSProxy), NoProxy: cfg.Get(configcheck.NoProxy)}
}

// proxyVars are the proxy variables, in the order they are reported.
func proxyVars() []string {
	return []string{configcheck.HTTPProxy, configcheck.HTTPSProxy, configcheck.NoProxy}
}

// proxyCheck is worker.proxy: the proxy URLs parse, NO_PROXY sends what
// must not go through the proxy around it, and the run containers get the
// proxy too (SPACELIFT_WHITELIST_ENVS). The EC2 worker-pool module writes
// the proxy for the launcher and the Docker daemon and means to whitelist
// it for run containers, but may render that list empty
// (terraform-aws-spacelift-workerpool-on-ec2 user_data/selfhosted.tftpl),
// so the check reports what the list holds, never what it should.
func proxyCheck(cfg *config.Config) checks.Result {
	var v checks.Verdict
	proxied := false
	for _, name := range []string{configcheck.HTTPProxy, configcheck.HTTPSProxy} {
		raw := strings.TrimSpace(cfg.Get(name))
		if raw == "" {
			continue
		}
		proxied = true
		p := configcheck.ProxyURLProblem(raw)
		switch {
		case p == nil:
			v.Pass(name, "%s", secret.ShowURL(raw))
		case p.Fatal:
			v.Fail(name, p.Advice+" The launcher and the Docker daemon read the same value.", "%s", p.Message)
		default:
			v.Warn(name, p.Advice, "%s", p.Message)
		}
	}
	if !proxied {
		v.Pass("proxy", "no proxy is configured: the launcher connects directly")
		if cfg.Has(configcheck.NoProxy) {
			v.Detail(configcheck.NoProxy, cfg.Get(configcheck.NoProxy)+" (no effect without a proxy)")
		}
	} else {
		bypass(&v, cfg)
	}
	whitelist(&v, cfg, proxied)
	return v.Result("the proxy settings are well-formed and reach the run containers")
}

// bypass reports how each destination of the worker travels, and warns
// when a name only the cluster resolves would go through the proxy.
func bypass(v *checks.Verdict, cfg *config.Config) {
	pf := proxyConfig(cfg).ProxyFunc()
	for _, dst := range destinations(cfg) {
		p, err := pf(dst.url)
		host := dst.url.Hostname()
		switch {
		case err != nil:
			v.Fail(dst.what, "Fix the proxy URL (see above).", "%s: the proxy URL does not parse", host)
		case p == nil:
			v.Pass(dst.what, "%s: directly (NO_PROXY or loopback)", host)
		case configcheck.InCluster(host):
			v.Warn(dst.what, "Add the cluster's domains to NO_PROXY, e.g. NO_PROXY=.svc,.cluster.local,localhost,127.0.0.1: a proxy outside the cluster cannot resolve "+host+" (Go's proxy rules; unconfirmed by Spacelift).",
				"%s: through the proxy, but only the cluster's DNS resolves it", host)
		default:
			v.Pass(dst.what, "%s: through the proxy %s", host, secret.DisplayURL(p.String()))
		}
	}
}

// destination is one place the worker connects to over HTTP(S).
type destination struct {
	what string
	url  *url.URL
}

// destinations lists where the worker makes HTTP(S) requests.
func destinations(cfg *config.Config) []destination {
	var out []destination
	if host, port, ok := serverAddress(cfg); ok {
		out = append(out, destination{"server", &url.URL{Scheme: "https", Host: joinPort(host, port, "443")}})
	}
	for _, t := range storageTargets(cfg) {
		out = append(out, destination{"object storage", t.url})
	}
	seen := map[string]bool{}
	insecure := insecureRegistries(cfg)
	for _, img := range images(cfg) {
		if img.err != nil || seen[img.ref.registry] {
			continue
		}
		seen[img.ref.registry] = true
		out = append(out, destination{"registry", registryBase(img.ref.registry, insecure)})
	}
	return out
}

// whitelist reports what SPACELIFT_WHITELIST_ENVS passes on to the run
// containers, and whether the proxy is among it.
func whitelist(v *checks.Verdict, cfg *config.Config, proxied bool) {
	list := splitList(cfg.Get(WhitelistEnvs))
	if len(list) == 0 {
		v.Detail(WhitelistEnvs, "empty: run containers get none of the launcher's variables")
	} else {
		v.Detail(WhitelistEnvs, strings.Join(list, ", "))
	}
	both, some := map[string]bool{}, map[string]string{}
	for _, e := range list {
		name, only := e, ""
		switch {
		case strings.HasPrefix(e, "ro_"):
			name, only = e[3:], "read-only"
		case strings.HasPrefix(e, "wo_"):
			name, only = e[3:], "write-only"
		}
		name = strings.ToUpper(name)
		if only == "" {
			both[name] = true
		} else if some[name] == "" {
			some[name] = only
		} else {
			both[name] = true
		}
	}
	if proxied {
		for _, name := range proxyVars() {
			if !cfg.Has(name) {
				continue
			}
			switch {
			case both[name]:
				v.Pass(WhitelistEnvs, "passes %s to run containers", name)
			case some[name] != "":
				v.Warn(WhitelistEnvs, "List "+name+" without the ro_/wo_ prefix to pass it to every run.",
					"passes %s only to %s runs", name, some[name])
			default:
				advice := "Add " + strings.Join(setProxyVars(cfg), ",") + " to SPACELIFT_WHITELIST_ENVS so runs (providers, modules, tools in the runner image) use the proxy too."
				if WorkerType(cfg) != TypeKubernetes {
					advice += " The EC2 worker-pool module means to, but may write an empty list: check /opt/spacelift/run-launcher.sh on the instance."
				}
				v.Warn(WhitelistEnvs, advice, "does not pass %s: run containers will not use the proxy", name)
			}
		}
	}
	for _, m := range splitList(cfg.Get(MaskEnvs)) {
		if !both[strings.ToUpper(m)] && some[strings.ToUpper(m)] == "" {
			v.Warn(MaskEnvs, "List it in SPACELIFT_WHITELIST_ENVS too: only allowlisted variables reach the runs.",
				"masks %s, which SPACELIFT_WHITELIST_ENVS does not pass to runs", m)
		}
	}
}

// setProxyVars are the proxy variables the inputs set.
func setProxyVars(cfg *config.Config) []string {
	var out []string
	for _, n := range proxyVars() {
		if cfg.Has(n) {
			out = append(out, n)
		}
	}
	return out
}

// splitList splits a comma-separated list, dropping blanks; duplicates
// are kept once, in order.
func splitList(s string) []string {
	var out []string
	seen := map[string]bool{}
	for _, e := range strings.Split(s, ",") {
		e = strings.TrimSpace(e)
		if e != "" && !seen[e] {
			seen[e] = true
			out = append(out, e)
		}
	}
	return out
}
