package testsvc

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// Proxy is a forward HTTP proxy on 127.0.0.1, as a corporate egress proxy
// is: it tunnels CONNECT requests and forwards plain absolute-URI ones,
// and it logs every request that went through it, so a test can prove a
// check used the proxy. Go never sends requests for localhost or loopback
// addresses through a proxy, so tests name their servers with invented
// hosts (spacelift.test) that the proxy maps to loopback addresses.
type Proxy struct {
	srv   *http.Server
	ln    net.Listener
	hosts map[string]string
	deny  map[string]bool

	mu  sync.Mutex
	log []string
}

// ForwardProxy starts a proxy that sends each host in hosts ("name" or
// "name:port") to its address ("127.0.0.1" keeps the port, or
// "127.0.0.1:port"); other hosts are dialled as named. Hosts in deny get
// 403, as a proxy's allow-list answers. It is closed when the test ends.
func ForwardProxy(t testing.TB, hosts map[string]string, deny ...string) *Proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &Proxy{ln: ln, hosts: hosts, deny: map[string]bool{}}
	for _, d := range deny {
		p.deny[d] = true
	}
	p.srv = &http.Server{Handler: http.HandlerFunc(p.serve), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = p.srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = p.srv.Shutdown(ctx)
		_ = p.srv.Close()
	})
	return p
}

// URL is the proxy's URL, for HTTP_PROXY and HTTPS_PROXY.
func (p *Proxy) URL() string { return "http://" + p.ln.Addr().String() }

// Requests returns what went through the proxy so far, in order, as
// "CONNECT host:port" or "GET http://host:port/path".
func (p *Proxy) Requests() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.log...)
}

// Saw reports whether a request for host (host:port, or a URL prefix)
// went through the proxy.
func (p *Proxy) Saw(target string) bool {
	for _, r := range p.Requests() {
		if strings.Contains(r, " "+target) {
			return true
		}
	}
	return false
}

func (p *Proxy) record(s string) {
	p.mu.Lock()
	p.log = append(p.log, s)
	p.mu.Unlock()
}

// target maps a requested host:port to where the proxy dials.
func (p *Proxy) target(hostport string) string {
	if a, ok := p.hosts[hostport]; ok {
		return a
	}
	host, port, err := net.SplitHostPort(hostport)
	if err != nil {
		return hostport
	}
	if a, ok := p.hosts[host]; ok {
		if _, _, err := net.SplitHostPort(a); err == nil {
			return a
		}
		return net.JoinHostPort(a, port)
	}
	return hostport
}

func (p *Proxy) denied(hostport string) bool {
	host, _, _ := net.SplitHostPort(hostport)
	return p.deny[hostport] || p.deny[host]
}

func (p *Proxy) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodConnect {
		p.record("CONNECT " + r.Host)
		p.tunnel(w, r)
		return
	}
	p.record(r.Method + " " + r.URL.String())
	if !r.URL.IsAbs() {
		http.Error(w, "not a proxy request", http.StatusBadRequest)
		return
	}
	hostport := r.URL.Host
	if r.URL.Port() == "" {
		hostport = net.JoinHostPort(r.URL.Hostname(), "80")
	}
	if p.denied(hostport) {
		http.Error(w, "denied by the proxy's allow-list", http.StatusForbidden)
		return
	}
	out := r.Clone(r.Context())
	out.RequestURI = ""
	out.Header.Del("Proxy-Authorization")
	tr := &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, p.target(hostport))
	}}
	defer tr.CloseIdleConnections()
	resp, err := tr.RoundTrip(out)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	for k, vs := range resp.Header {
		w.Header()[k] = vs
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = io.Copy(w, resp.Body)
}

// tunnel answers CONNECT: it dials the target and copies bytes both ways
// until either side closes, for at most a minute.
func (p *Proxy) tunnel(w http.ResponseWriter, r *http.Request) {
	if p.denied(r.Host) {
		http.Error(w, "denied by the proxy's allow-list", http.StatusForbidden)
		return
	}
	up, err := net.DialTimeout("tcp", p.target(r.Host), 5*time.Second)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	hj, ok := w.(http.Hijacker)
	if !ok {
		_ = up.Close()
		http.Error(w, "cannot hijack", http.StatusInternalServerError)
		return
	}
	down, buf, err := hj.Hijack()
	if err != nil {
		_ = up.Close()
		return
	}
	deadline := time.Now().Add(time.Minute)
	_ = up.SetDeadline(deadline)
	_ = down.SetDeadline(deadline)
	_, _ = down.Write([]byte("HTTP/1.1 200 Connection established\r\n\r\n"))
	done := make(chan struct{}, 2)
	go func() { _, _ = io.Copy(up, buf); done <- struct{}{} }()
	go func() { _, _ = io.Copy(down, up); done <- struct{}{} }()
	<-done
	_ = up.Close()
	_ = down.Close()
	<-done
}
