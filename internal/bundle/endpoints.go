package bundle

import (
	"net"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/spacelift-io/spacectl-preflight/internal/config"
)

// Handshake says how a TLS certificate chain can be recorded at an endpoint.
type Handshake string

// Handshakes.
const (
	NoTLS       Handshake = ""         // plain TCP/UDP, or unknown: DNS only
	DirectTLS   Handshake = "tls"      // TLS from the first byte
	PostgresTLS Handshake = "postgres" // PostgreSQL SSLRequest, then TLS
)

// Endpoint is one host:port the configuration points at.
type Endpoint struct {
	Vars      []string  `json:"vars"`
	Host      string    `json:"host"`
	Port      string    `json:"port,omitempty"`
	Handshake Handshake `json:"tls,omitempty"`
}

// Address is host:port, or the host alone when the port is unknown.
func (e Endpoint) Address() string {
	if e.Port == "" {
		return e.Host
	}
	return net.JoinHostPort(e.Host, e.Port)
}

// Endpoints extracts every endpoint from the configuration. It reads only
// the displayable form of each value (secrets redacted, URL passwords
// masked), so it never handles a credential; a value whose host cannot be
// told from that form is returned as not collected, with the reason.
// Endpoints with the same host, port and handshake are merged.
func Endpoints(cfg *config.Config) ([]Endpoint, []Item) {
	var eps []Endpoint
	var missing []Item
	display := func(name string) (string, bool) {
		v, ok := cfg.Lookup(name)
		if !ok || !cfg.Has(name) {
			return "", false
		}
		return strings.TrimSpace(v.Display()), true
	}
	addURL := func(name, raw string, defPort string, tlsSchemes, plainSchemes []string) {
		u, err := url.Parse(raw)
		if err != nil || u.Host == "" {
			missing = append(missing, Item{Item: "endpoint " + name, Reason: name + " is not a URL with a host"})
			return
		}
		hs := NoTLS
		switch {
		case slices.Contains(tlsSchemes, strings.ToLower(u.Scheme)):
			hs = DirectTLS
		case slices.Contains(plainSchemes, strings.ToLower(u.Scheme)):
		default:
			missing = append(missing, Item{Item: "TLS chain of " + name, Reason: "scheme " + strconv.Quote(u.Scheme) + " does not say whether it uses TLS; DNS only"})
		}
		port := u.Port()
		if port == "" {
			switch {
			case hs == DirectTLS && defPort == "":
				port = "443"
			case defPort != "":
				port = defPort
			case strings.EqualFold(u.Scheme, "http"):
				port = "80"
			}
		}
		eps = append(eps, Endpoint{Vars: []string{name}, Host: u.Hostname(), Port: port, Handshake: hs})
	}
	web := []string{"https"}
	plainWeb := []string{"http"}

	if v, ok := display(config.ServerDomain); ok {
		host := v
		if strings.Contains(v, "://") {
			if u, err := url.Parse(v); err == nil {
				host = u.Hostname()
			}
		}
		host = strings.TrimSuffix(strings.Split(host, "/")[0], ".")
		if h, p, err := net.SplitHostPort(host); err == nil {
			eps = append(eps, Endpoint{Vars: []string{config.ServerDomain}, Host: h, Port: p, Handshake: DirectTLS})
		} else if host != "" {
			eps = append(eps, Endpoint{Vars: []string{config.ServerDomain}, Host: host, Port: "443", Handshake: DirectTLS})
		}
	}
	if v, ok := display(config.WebhooksEndpoint); ok {
		addURL(config.WebhooksEndpoint, v, "", web, plainWeb)
	}
	for _, name := range []string{config.DatabaseURL, config.DatabaseReadOnlyURL} {
		v, ok := display(name)
		if !ok {
			continue
		}
		e, why := postgresEndpoints(name, v)
		if why != "" {
			missing = append(missing, Item{Item: "endpoint " + name, Reason: why})
		}
		eps = append(eps, e...)
	}
	if v, ok := display(config.MinioEndpoint); ok {
		hs, port := NoTLS, "80"
		if cfg.Bool(config.MinioUseSSL) {
			hs, port = DirectTLS, "443"
		}
		if strings.Contains(v, "://") {
			addURL(config.MinioEndpoint, v, "", web, plainWeb)
		} else if h, p, err := net.SplitHostPort(v); err == nil {
			eps = append(eps, Endpoint{Vars: []string{config.MinioEndpoint}, Host: h, Port: p, Handshake: hs})
		} else {
			eps = append(eps, Endpoint{Vars: []string{config.MinioEndpoint}, Host: v, Port: port, Handshake: hs})
		}
	}
	for _, name := range []string{config.ObjectStorageAzureURL, config.UploadsURL} {
		if v, ok := display(name); ok {
			addURL(name, v, "", web, plainWeb)
		}
	}
	for _, q := range config.Queues() {
		if v, ok := display(q.Var); ok {
			addURL(q.Var, v, "", web, plainWeb)
		}
	}
	if v, ok := display(config.MQTTBrokerEndpoint); ok {
		if strings.Contains(v, "://") {
			addURL(config.MQTTBrokerEndpoint, v, "", []string{"tls", "ssl", "mqtts", "wss", "https"}, []string{"tcp", "mqtt", "ws", "http"})
		} else {
			h, p, err := net.SplitHostPort(v)
			if err != nil {
				h, p = v, ""
			}
			hs := NoTLS
			// IoT Core only speaks TLS; a bare builtin endpoint says nothing.
			if cfg.MQTTBroker() == "iotcore" {
				hs = DirectTLS
				if p == "" {
					p = "8883"
				}
			}
			eps = append(eps, Endpoint{Vars: []string{config.MQTTBrokerEndpoint}, Host: h, Port: p, Handshake: hs})
		}
	}
	if v, ok := display(config.OTLPEndpoint); ok {
		addURL(config.OTLPEndpoint, v, "4317", web, plainWeb)
	}
	if v, ok := display(config.DDAgentHost); ok {
		port := cfg.Get(config.DDTraceAgentPort)
		if port == "" {
			port = "8126"
		}
		eps = append(eps, Endpoint{Vars: []string{config.DDAgentHost}, Host: v, Port: port})
	}
	if v, ok := display(config.DDTraceAgentURL); ok {
		if strings.HasPrefix(v, "unix://") {
			missing = append(missing, Item{Item: "endpoint " + config.DDTraceAgentURL, Reason: "a Unix socket has no DNS or TLS to record"})
		} else {
			addURL(config.DDTraceAgentURL, v, "", web, plainWeb)
		}
	}
	if v, ok := display(config.XRayDaemonAddress); ok {
		// "host:port", or "tcp:host:port udp:host:port".
		for _, f := range strings.Fields(v) {
			f = strings.TrimPrefix(strings.TrimPrefix(f, "tcp:"), "udp:")
			if h, p, err := net.SplitHostPort(f); err == nil {
				eps = append(eps, Endpoint{Vars: []string{config.XRayDaemonAddress}, Host: h, Port: p})
			}
		}
	}
	return merge(eps), missing
}

// postgresEndpoints reads the host of a PostgreSQL URL's display form. The
// key/value form, and URLs that do not parse (including pgx's several
// comma-separated hosts), arrive fully redacted and are reported as not
// collected.
func postgresEndpoints(name, v string) ([]Endpoint, string) {
	if !strings.Contains(v, "://") {
		return nil, "the displayable form of " + name + " is fully redacted (key/value form, or a URL that does not parse), so its host is not extracted"
	}
	// Take the authority by hand, so an IPv6 literal or a host= query
	// parameter is read as pgx reads it.
	rest := v[strings.Index(v, "://")+3:]
	query := ""
	if i := strings.IndexByte(rest, '?'); i >= 0 {
		query = rest[i+1:]
		rest = rest[:i]
	}
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		rest = rest[:i]
	}
	if i := strings.LastIndexByte(rest, '@'); i >= 0 {
		rest = rest[i+1:]
	}
	q, _ := url.ParseQuery(query)
	hs := PostgresTLS
	switch strings.ToLower(q.Get("sslmode")) {
	case "disable":
		hs = NoTLS
	}
	if strings.EqualFold(q.Get("sslnegotiation"), "direct") && hs != NoTLS {
		hs = DirectTLS
	}
	hosts := strings.Split(rest, ",")
	if h := q.Get("host"); rest == "" && h != "" {
		hosts = strings.Split(h, ",")
	}
	var out []Endpoint
	for _, h := range hosts {
		h = strings.TrimSpace(h)
		if h == "" {
			continue
		}
		if strings.HasPrefix(h, "/") || strings.HasPrefix(h, "%2F") {
			continue // a Unix socket directory
		}
		host, port, err := net.SplitHostPort(h)
		if err != nil {
			host, port = strings.Trim(h, "[]"), "5432"
		}
		if uh, err := url.PathUnescape(host); err == nil {
			host = uh
		}
		out = append(out, Endpoint{Vars: []string{name}, Host: host, Port: port, Handshake: hs})
	}
	if len(out) == 0 {
		return nil, name + " names no TCP host"
	}
	return out, ""
}

func merge(eps []Endpoint) []Endpoint {
	idx := map[string]int{}
	var out []Endpoint
	for _, e := range eps {
		if e.Host == "" {
			continue
		}
		key := strings.ToLower(e.Host) + "|" + e.Port + "|" + string(e.Handshake)
		if i, ok := idx[key]; ok {
			if !slices.Contains(out[i].Vars, e.Vars[0]) {
				out[i].Vars = append(out[i].Vars, e.Vars...)
			}
			continue
		}
		idx[key] = len(out)
		out = append(out, e)
	}
	for i := range out {
		sort.Strings(out[i].Vars)
	}
	return out
}
