package checks

import (
	"net"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Handshake says how a TLS certificate chain can be recorded at an endpoint.
type Handshake string

// Handshakes.
const (
	NoTLS       Handshake = ""         // plain TCP/UDP, or unknown: DNS only
	DirectTLS   Handshake = "tls"      // TLS from the first byte
	PostgresTLS Handshake = "postgres" // PostgreSQL SSLRequest, then TLS
)

// Endpoint is one host:port the configuration points at. The JSON form is
// part of the support bundle's network.json.
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

// EndpointGap is something about an endpoint that cannot be recorded, and
// why (e.g. a value whose display form is fully redacted).
type EndpointGap struct {
	Item   string
	Reason string
}

// EndpointSet collects the endpoints of every backend.
type EndpointSet struct {
	list []Endpoint
	gaps []EndpointGap
}

// Add records an endpoint of variable name.
func (s *EndpointSet) Add(name, host, port string, hs Handshake) {
	s.list = append(s.list, Endpoint{Vars: []string{name}, Host: host, Port: port, Handshake: hs})
}

// Gap records what could not be collected.
func (s *EndpointSet) Gap(item, reason string) {
	s.gaps = append(s.gaps, EndpointGap{Item: item, Reason: reason})
}

// Web schemes for URL.
var (
	HTTPS = []string{"https"}
	HTTP  = []string{"http"}
)

// URL records the endpoint of a URL value. The scheme says whether it
// speaks TLS (tlsSchemes) or not (plainSchemes); another scheme records
// the host for DNS only. defPort is used when the URL has no port; without
// one, TLS means 443 and http 80.
func (s *EndpointSet) URL(name, raw, defPort string, tlsSchemes, plainSchemes []string) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		s.Gap("endpoint "+name, name+" is not a URL with a host")
		return
	}
	hs := NoTLS
	switch {
	case slices.Contains(tlsSchemes, strings.ToLower(u.Scheme)):
		hs = DirectTLS
	case slices.Contains(plainSchemes, strings.ToLower(u.Scheme)):
	default:
		s.Gap("TLS chain of "+name, "scheme "+strconv.Quote(u.Scheme)+" does not say whether it uses TLS; DNS only")
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
	s.Add(name, u.Hostname(), port, hs)
}

// WebURL is URL for an http(s) value.
func (s *EndpointSet) WebURL(name, raw, defPort string) { s.URL(name, raw, defPort, HTTPS, HTTP) }

// merged returns the endpoints with the same host, port and handshake
// merged, keeping first-seen order.
func (s *EndpointSet) merged() []Endpoint {
	idx := map[string]int{}
	var out []Endpoint
	for _, e := range s.list {
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
		e.Vars = append([]string(nil), e.Vars...)
		out = append(out, e)
	}
	for i := range out {
		sort.Strings(out[i].Vars)
	}
	return out
}
