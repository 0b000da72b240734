package testsvc

import (
	"crypto/tls"
	"net"
	"sync"
	"testing"
	"time"
)

// Silent is a TCP listener on 127.0.0.1 that accepts connections and never
// sends a byte, like a firewall or a proxy without a healthy backend. Every
// network check must give up on it within its own deadline.
type Silent struct {
	ln    net.Listener
	mu    sync.Mutex
	conns []net.Conn
}

// SilentListener starts one; it is closed when the test ends.
func SilentListener(t testing.TB) *Silent {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Silent{ln: ln}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.conns = append(s.conns, c)
			s.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		<-done
		s.mu.Lock()
		defer s.mu.Unlock()
		for _, c := range s.conns {
			_ = c.Close()
		}
	})
	return s
}

// Addr is host:port.
func (s *Silent) Addr() string { return s.ln.Addr().String() }

// Port is the listening port.
func (s *Silent) Port() int { return s.ln.Addr().(*net.TCPAddr).Port }

// Accepted counts the connections accepted so far.
func (s *Silent) Accepted() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

// ClosedAddr returns a 127.0.0.1 host:port nothing listens on, for
// "connection refused" paths. (A port is briefly bound and released, so
// another process could take it; on loopback in a test that is vanishingly
// rare.)
func ClosedAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return addr
}

// HandshakeListener is a TLS listener on 127.0.0.1 that completes
// handshakes with conf and nothing more, as an endpoint no real server
// exists for here (IoT Core's MQTT on 443 with ALPN) does up to its
// protocol. It returns host:port; it is closed when the test ends.
func HandshakeListener(t testing.TB, conf *tls.Config) string {
	t.Helper()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", conf)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(5 * time.Second))
				_ = c.(*tls.Conn).Handshake()
			}()
		}
	}()
	return ln.Addr().String()
}
