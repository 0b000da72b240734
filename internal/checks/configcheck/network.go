package configcheck

import (
	"fmt"
	"net"
	"net/url"
	"strings"

	"golang.org/x/net/http/httpproxy"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/rootcas"
	"github.com/spacelift-io/spacectl-preflight/internal/config"
)

// Proxy and outbound-TLS variables every Spacelift service reads.
const (
	HTTPProxy  = "HTTP_PROXY"
	HTTPSProxy = "HTTPS_PROXY"
	NoProxy    = "NO_PROXY"
)

func networkVars() []config.Var {
	return []config.Var{
		config.Spacelift(rootcas.Var, "tls.additionalRootCas", `Private CAs the services trust for outbound TLS: base64 of {"caCertificates": ["<base64 PEM>", …]}.`),
		config.Spacelift(rootcas.FileVar, "tls.additionalRootCasFile", "Path of a file holding the same value as ADDITIONAL_ROOT_CAS (documented on the staging docs site only)."),
		// Go, which Spacelift's services are written in, reads the
		// lower-case names too.
		config.Spacelift(HTTPProxy, "proxy.http", "Proxy for outbound HTTP, with its scheme (http://proxy:3128).").Alias("http_proxy"),
		config.Spacelift(HTTPSProxy, "proxy.https", "Proxy for outbound HTTPS, with its scheme (http://proxy:3128).").Alias("https_proxy"),
		config.Spacelift(NoProxy, "proxy.noProxy", "Hosts, domains and CIDRs that bypass the proxy, comma-separated.").Alias("no_proxy"),
	}
}

func reviewNetwork(cfg *config.Config, r *checks.Review) {
	if _, ps, ok := rootcas.FromConfig(cfg); ok {
		name := rootcas.Var
		if !cfg.Has(rootcas.Var) {
			name = rootcas.FileVar
		}
		for _, p := range ps {
			if p.Fatal {
				r.Values.Fail(name, p.Advice, "%s", p.Message)
			} else {
				r.Values.Warn(name, p.Advice, "%s", p.Message)
			}
		}
	}
	proxied := false
	for _, name := range []string{HTTPProxy, HTTPSProxy} {
		v := strings.TrimSpace(cfg.Get(name))
		if v == "" {
			continue
		}
		proxied = true
		if p := ProxyURLProblem(v); p != nil && p.Fatal {
			r.Values.Fail(name, p.Advice, "%s", p.Message)
		} else if p != nil {
			r.Values.Warn(name, p.Advice, "%s", p.Message)
		}
	}
	if proxied {
		reviewNoProxy(cfg, r)
	}
}

// URLProblem is what is wrong with a URL value; Fatal when the services
// cannot use it at all.
type URLProblem struct {
	Fatal   bool
	Message string
	Advice  string
}

// ProxyURLProblem says what is wrong with a proxy URL (HTTP_PROXY,
// HTTPS_PROXY), or nil. Spacelift's services and its launcher are Go
// programs, so Go's proxy rules decide what works.
func ProxyURLProblem(v string) *URLProblem {
	u, err := url.Parse(v)
	switch {
	case err != nil || !strings.Contains(v, "://"):
		return &URLProblem{Fatal: true, Advice: "Write the proxy with its scheme, e.g. http://proxy.example.com:3128 (the self-hosted docs: without it the services fail to start).",
			Message: "has no scheme; Spacelift's services cannot parse a proxy URL without http:// or https://"}
	case u.Scheme != "http" && u.Scheme != "https" && u.Scheme != "socks5":
		return &URLProblem{Advice: "Use an http://, https:// or socks5:// proxy URL.", Message: fmt.Sprintf("uses the scheme %s://, which Go's proxy support does not handle", u.Scheme)}
	case u.Host == "":
		return &URLProblem{Fatal: true, Advice: "Write the proxy as http://HOST:PORT.", Message: "has no host"}
	}
	return nil
}

// inClusterCandidates are the values that name services Spacelift reaches
// over HTTP or gRPC (the clients that honour the proxy variables).
var inClusterCandidates = []string{"OBJECT_STORAGE_MINIO_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT", "DD_AGENT_HOST", "DD_TRACE_AGENT_URL", "VCS_GATEWAY_ENDPOINT"}

// reviewNoProxy warns when a proxy would carry traffic to a service inside
// the cluster: no Spacelift source says NO_PROXY must cover in-cluster
// names, but Go's proxy rules (golang.org/x/net/http/httpproxy, which
// net/http and gRPC follow) send every host NO_PROXY does not match to
// the proxy, and a proxy outside the cluster cannot resolve *.svc names.
func reviewNoProxy(cfg *config.Config, r *checks.Review) {
	pc := httpproxy.Config{HTTPProxy: cfg.Get(HTTPProxy), HTTPSProxy: cfg.Get(HTTPSProxy), NoProxy: cfg.Get(NoProxy)}
	proxyFor := pc.ProxyFunc()
	var through []string
	for _, name := range inClusterCandidates {
		host := HostOf(cfg.Get(name))
		if host == "" || !InCluster(host) {
			continue
		}
		if p, err := proxyFor(&url.URL{Scheme: "https", Host: host}); err == nil && p != nil {
			through = append(through, fmt.Sprintf("%s (%s)", host, name))
		}
	}
	if len(through) > 0 {
		r.Values.Warn(NoProxy, "Add the in-cluster domains to NO_PROXY, e.g. NO_PROXY=.svc,.cluster.local,localhost,127.0.0.1 (unconfirmed by Spacelift: this follows Go's proxy rules).",
			"the proxy would also carry traffic to in-cluster services: %s", strings.Join(through, ", "))
	}
}

// HostOf reads the host of host, host:port or a URL.
func HostOf(v string) string {
	v = strings.TrimSpace(v)
	if v == "" {
		return ""
	}
	if strings.Contains(v, "://") {
		u, err := url.Parse(v)
		if err != nil {
			return ""
		}
		return u.Hostname()
	}
	if h, _, err := net.SplitHostPort(v); err == nil {
		return h
	}
	return v
}

// InCluster reports a name only a cluster's DNS resolves: *.svc,
// *.cluster.local, or a single label (a Service in the same namespace).
func InCluster(host string) bool {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	return strings.HasSuffix(host, ".svc") || strings.HasSuffix(host, ".cluster.local") || strings.Contains(host, ".svc.") ||
		(!strings.Contains(host, ".") && net.ParseIP(host) == nil && host != "localhost")
}
