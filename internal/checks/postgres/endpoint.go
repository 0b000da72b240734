package postgres

import (
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/jackc/pgx/v5/pgconn"
)

// progress is how far a connection attempt got; it turns a bare "timeout"
// into "the TCP connect was never answered" versus "the port accepted but
// nothing answered" versus "the server stalled during setup". It
// accumulates over pgx's attempts: with sslmode=prefer, a plain-text retry
// that starts after the TLS attempt used up the deadline must not hide that
// the server accepted the connection and then stayed silent.
type progress struct {
	addr     string // the address of the last TCP attempt
	tcpUp    bool   // a TCP connection was established
	answered bool   // the server sent at least one byte
}

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

	mu       sync.Mutex
	progress progress
}

func newEndpoint(cfg *pgconn.Config) *endpoint {
	return &endpoint{Host: cfg.Host, Port: cfg.Port, Database: cfg.Database, User: cfg.User, SSLMode: sslMode(cfg)}
}

func (e *endpoint) dialing(addr string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if !e.progress.tcpUp {
		e.progress.addr = addr
	}
}

func (e *endpoint) connected(addr string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.progress.tcpUp, e.progress.addr = true, addr
}

func (e *endpoint) answered() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.progress.answered = true
}

func (e *endpoint) snapshot() progress {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.progress
}

// watchedConn notes the first byte the server sends. It wraps the TCP
// connection under any TLS layer, so pgx still sees a *tls.Conn (SCRAM
// channel binding needs it) and nothing about the protocol changes.
type watchedConn struct {
	net.Conn
	ep   *endpoint
	seen atomic.Bool
}

func (c *watchedConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	if n > 0 && !c.seen.Swap(true) {
		c.ep.answered()
	}
	return n, err
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
