package postgres

import (
	"crypto/tls"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5/pgconn"
)

// stage is how far a connection attempt got; it turns a bare "timeout" into
// "the TCP connect was never answered" versus "the port accepted but nothing
// spoke PostgreSQL".
type stage int

const (
	stageResolving stage = iota // before any TCP connect
	stageDialing                // TCP connect in progress
	stageConnected              // TCP up, TLS negotiation or startup pending
	stageStartup                // TLS (if any) done, startup/auth in progress
)

// endpoint is what may be shown about a connection target: never the
// password, never the raw connection string.
type endpoint struct {
	Host     string
	Port     uint16
	Database string
	User     string
	// SSLMode is derived from the parsed TLS settings, so it also reflects
	// PGSSLMODE and the libpq default ("prefer") when the URL names none.
	SSLMode string

	mu    sync.Mutex
	stage stage
	addr  string // the address of the last TCP attempt
	tls   *tls.ConnectionState
}

func newEndpoint(cfg *pgconn.Config) *endpoint {
	return &endpoint{Host: cfg.Host, Port: cfg.Port, Database: cfg.Database, User: cfg.User, SSLMode: sslMode(cfg)}
}

func (e *endpoint) observe(s stage, addr string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if s > e.stage || s == stageDialing {
		e.stage = s
	}
	if addr != "" {
		e.addr = addr
	}
}

func (e *endpoint) snapshot() (stage, string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.stage, e.addr
}

// Server is host:port as written in the URL (or the socket directory).
func (e *endpoint) Server() string {
	if isSocket(e.Host) {
		return e.Host
	}
	return net.JoinHostPort(e.Host, strconv.Itoa(int(e.Port)))
}

// Loopback reports whether the configured host is this machine: a Unix
// socket, "localhost" or a loopback IP. Such traffic never leaves the host
// (a Cloud SQL Auth Proxy on 127.0.0.1 encrypts onwards itself).
func (e *endpoint) Loopback() bool { return isLoopbackHost(e.Host) }

func isSocket(host string) bool { return strings.HasPrefix(host, "/") }

func isLoopbackHost(host string) bool {
	if isSocket(host) || strings.EqualFold(host, "localhost") {
		return true
	}
	if ip := net.ParseIP(strings.Trim(host, "[]")); ip != nil {
		return ip.IsLoopback()
	}
	return false
}

func isLoopbackAddr(a net.Addr) bool {
	switch v := a.(type) {
	case *net.TCPAddr:
		return v.IP.IsLoopback()
	case *net.UnixAddr:
		return true
	}
	host, _, err := net.SplitHostPort(a.String())
	if err != nil {
		return false
	}
	return isLoopbackHost(host)
}

// sslMode recovers libpq's sslmode from what pgx built out of it.
func sslMode(cfg *pgconn.Config) string {
	plainFallback, tlsFallback := false, false
	for _, fb := range cfg.Fallbacks {
		if fb.TLSConfig == nil {
			plainFallback = true
		} else {
			tlsFallback = true
		}
	}
	t := cfg.TLSConfig
	switch {
	case t == nil && tlsFallback:
		return "allow"
	case t == nil:
		return "disable"
	case plainFallback:
		return "prefer"
	case t.VerifyPeerCertificate != nil:
		return "verify-ca"
	case !t.InsecureSkipVerify:
		return "verify-full"
	default:
		return "require"
	}
}

func (e *endpoint) String() string {
	return fmt.Sprintf("%s (database %q, user %q, sslmode %s)", e.Server(), e.Database, e.User, e.SSLMode)
}
