package bundle

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
)

// Resolver looks up a host; *net.Resolver is one.
type Resolver interface {
	LookupHost(ctx context.Context, host string) ([]string, error)
}

// NetOptions tune the DNS and TLS collection; zero values take defaults.
type NetOptions struct {
	// DNSTimeout and TLSTimeout bound each lookup and each handshake
	// (default 5s each); the caller's ctx bounds the whole collection.
	DNSTimeout time.Duration
	TLSTimeout time.Duration
	// Concurrency bounds the endpoints probed at once (default 4).
	Concurrency int
	Resolver    Resolver
	Dial        func(ctx context.Context, network, addr string) (net.Conn, error)
	Now         func() time.Time
	Log         *slog.Logger
	// Scrub cleans every error text before it is kept.
	Scrub func(string) string
}

func (o *NetOptions) defaults() {
	if o.DNSTimeout <= 0 {
		o.DNSTimeout = 5 * time.Second
	}
	if o.TLSTimeout <= 0 {
		o.TLSTimeout = 5 * time.Second
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 4
	}
	if o.Resolver == nil {
		o.Resolver = net.DefaultResolver
	}
	if o.Dial == nil {
		o.Dial = (&net.Dialer{}).DialContext
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Scrub == nil {
		o.Scrub = func(s string) string { return s }
	}
}

// EndpointReport is what was learned about one endpoint.
type EndpointReport struct {
	Endpoint
	DNS *DNSResult `json:"dns,omitempty"`
	TLS *TLSResult `json:"tlsChain,omitempty"`
}

// DNSResult is one lookup.
type DNSResult struct {
	Addresses  []string `json:"addresses"`
	Error      string   `json:"error,omitempty"`
	DurationMs int64    `json:"durationMs"`
}

// TLSResult is the certificate chain a server presented. It is recorded
// without trusting it: SystemTrust says, for information only, whether the
// chain verifies against this machine's roots.
type TLSResult struct {
	Version     string `json:"version,omitempty"`
	ServerName  string `json:"serverName,omitempty"`
	Chain       []Cert `json:"chain"`
	SystemTrust string `json:"verifiesWithSystemRoots,omitempty"`
	Error       string `json:"error,omitempty"`
	DurationMs  int64  `json:"durationMs"`
}

// Cert is the public part of one certificate.
type Cert struct {
	Subject     string    `json:"subject"`
	Issuer      string    `json:"issuer"`
	DNSNames    []string  `json:"dnsNames"`
	IPAddresses []string  `json:"ipAddresses"`
	NotBefore   time.Time `json:"notBefore"`
	NotAfter    time.Time `json:"notAfter"`
	IsCA        bool      `json:"isCA"`
	Serial      string    `json:"serial"`
	SHA256      string    `json:"sha256"`
}

// CollectNetwork resolves every endpoint's host (once per host) and records
// the TLS chain of every TLS endpoint whose host resolved. Each call has its
// own deadline and honours ctx: once ctx is done, what was not yet probed is
// reported as not collected, with the reason.
func CollectNetwork(ctx context.Context, eps []Endpoint, o NetOptions) (reports []EndpointReport, collected, missing []Item) {
	o.defaults()
	var hosts []string
	dns := map[string]*DNSResult{}
	for _, e := range eps {
		if _, ok := dns[e.Host]; !ok {
			dns[e.Host] = nil
			hosts = append(hosts, e.Host)
		}
	}
	resolved := make([]*DNSResult, len(hosts))
	o.parallel(ctx, len(hosts), func(i int) { resolved[i] = o.resolve(ctx, hosts[i]) })
	for i, h := range hosts {
		r := resolved[i]
		if r == nil {
			r = &DNSResult{Addresses: []string{}, Error: stopped(ctx)}
		}
		dns[h] = r
		if r.Error != "" {
			missing = append(missing, Item{Item: "DNS of " + h, Reason: r.Error})
		} else {
			collected = append(collected, Item{Item: "DNS of " + h, File: "network.json"})
		}
	}
	reports = make([]EndpointReport, len(eps))
	for i, e := range eps {
		reports[i] = EndpointReport{Endpoint: e, DNS: dns[e.Host]}
	}
	o.parallel(ctx, len(eps), func(i int) {
		if e := eps[i]; e.Handshake != NoTLS && e.Port != "" && dns[e.Host].Error == "" {
			reports[i].TLS = o.handshake(ctx, e)
		}
	})
	for i, e := range eps {
		if e.Handshake == NoTLS {
			continue
		}
		item := "TLS chain of " + e.Address() + " (" + strings.Join(e.Vars, ", ") + ")"
		t := reports[i].TLS
		switch {
		case e.Port == "":
			missing = append(missing, Item{Item: item, Reason: "no port is configured"})
		case dns[e.Host].Error != "":
			missing = append(missing, Item{Item: item, Reason: "not attempted: the host did not resolve"})
		case t == nil:
			missing = append(missing, Item{Item: item, Reason: stopped(ctx)})
		case t.Error != "":
			missing = append(missing, Item{Item: item, Reason: t.Error})
		default:
			collected = append(collected, Item{Item: item, File: "network.json"})
		}
	}
	return reports, collected, missing
}

// parallel calls fn(0..n-1) with at most o.Concurrency at once; once ctx
// is done, the calls not yet started are not made.
func (o *NetOptions) parallel(ctx context.Context, n int, fn func(i int)) {
	sem := make(chan struct{}, o.Concurrency)
	var wg sync.WaitGroup
	for i := range n {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			fn(i)
		}()
	}
	wg.Wait()
}

func (o *NetOptions) resolve(ctx context.Context, host string) *DNSResult {
	res := &DNSResult{Addresses: []string{}}
	if ip := net.ParseIP(host); ip != nil {
		res.Addresses = []string{ip.String()}
		return res
	}
	cctx, cancel := context.WithTimeout(ctx, o.DNSTimeout)
	defer cancel()
	start := o.Now()
	addrs, err := o.Resolver.LookupHost(cctx, host)
	res.DurationMs = o.Now().Sub(start).Milliseconds()
	if err != nil {
		res.Error = o.describe(ctx, cctx, err, o.DNSTimeout)
		o.Log.Debug("bundle: DNS lookup failed", "host", host, "error", res.Error)
		return res
	}
	res.Addresses = addrs
	o.Log.Debug("bundle: DNS lookup", "host", host, "addresses", len(addrs))
	return res
}

// handshake records the chain the server presents. It trusts nothing:
// InsecureSkipVerify is set only so that an untrusted or expired chain can
// still be recorded; no verdict is ever drawn from this connection.
func (o *NetOptions) handshake(ctx context.Context, e Endpoint) *TLSResult {
	res := &TLSResult{Chain: []Cert{}}
	cctx, cancel := context.WithTimeout(ctx, o.TLSTimeout)
	defer cancel()
	start := o.Now()
	defer func() { res.DurationMs = o.Now().Sub(start).Milliseconds() }()
	conn, err := o.Dial(cctx, "tcp", e.Address())
	if err != nil {
		res.Error = o.describe(ctx, cctx, err, o.TLSTimeout)
		return res
	}
	defer conn.Close()
	// Closing the connection is what unblocks reads when ctx ends; the
	// deadline covers dialers that ignore it.
	stop := context.AfterFunc(cctx, func() { conn.Close() })
	defer stop()
	if dl, ok := cctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	if e.Handshake == PostgresTLS {
		if err := sslRequest(conn); err != nil {
			res.Error = o.describe(ctx, cctx, err, o.TLSTimeout)
			return res
		}
	}
	if net.ParseIP(e.Host) == nil {
		res.ServerName = e.Host
	}
	// #nosec G402 -- recording only, see above.
	tc := tls.Client(conn, &tls.Config{ServerName: res.ServerName, InsecureSkipVerify: true})
	if err := tc.HandshakeContext(cctx); err != nil {
		res.Error = o.describe(ctx, cctx, err, o.TLSTimeout)
		return res
	}
	st := tc.ConnectionState()
	res.Version = tls.VersionName(st.Version)
	for _, c := range st.PeerCertificates {
		res.Chain = append(res.Chain, certInfo(c))
	}
	res.SystemTrust = o.Scrub(systemTrust(st.PeerCertificates, res.ServerName, o.Now()))
	o.Log.Debug("bundle: TLS chain recorded", "address", e.Address(), "certificates", len(res.Chain), "version", res.Version)
	return res
}

var errNoTLS = errors.New("the server does not offer TLS (it answered N to the PostgreSQL SSLRequest)")

// sslRequest asks a PostgreSQL server to switch to TLS, as libpq does.
func sslRequest(conn net.Conn) error {
	if _, err := conn.Write([]byte{0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f}); err != nil {
		return err
	}
	var b [1]byte
	if _, err := io.ReadFull(conn, b[:]); err != nil {
		return err
	}
	switch b[0] {
	case 'S':
		return nil
	case 'N':
		return errNoTLS
	}
	return fmt.Errorf("unexpected answer %q to the PostgreSQL SSLRequest (is this a PostgreSQL server?)", b[0])
}

// describe turns an error into a short reason, saying plainly when it was
// our deadline or an interrupt rather than the server.
func (o *NetOptions) describe(parent, cctx context.Context, err error, limit time.Duration) string {
	switch {
	case parent.Err() != nil:
		return stopped(parent)
	case cctx.Err() != nil, errors.Is(err, os.ErrDeadlineExceeded):
		// The connection's deadline is ctx's, and may fire first.
		return fmt.Sprintf("no answer within %s", limit)
	}
	return o.Scrub(err.Error())
}

func stopped(ctx context.Context) string {
	if errors.Is(context.Cause(ctx), checks.ErrInterrupted) {
		return "not collected: the run was interrupted"
	}
	return "not collected: the bundle's deadline expired"
}

func certInfo(c *x509.Certificate) Cert {
	out := Cert{Subject: c.Subject.String(), Issuer: c.Issuer.String(), DNSNames: c.DNSNames, IPAddresses: []string{},
		NotBefore: c.NotBefore.UTC(), NotAfter: c.NotAfter.UTC(), IsCA: c.IsCA, Serial: c.SerialNumber.Text(16)}
	if out.DNSNames == nil {
		out.DNSNames = []string{}
	}
	for _, ip := range c.IPAddresses {
		out.IPAddresses = append(out.IPAddresses, ip.String())
	}
	sum := sha256.Sum256(c.Raw)
	out.SHA256 = hex.EncodeToString(sum[:])
	return out
}

func systemTrust(chain []*x509.Certificate, name string, now time.Time) string {
	if len(chain) == 0 {
		return ""
	}
	inter := x509.NewCertPool()
	for _, c := range chain[1:] {
		inter.AddCert(c)
	}
	if _, err := chain[0].Verify(x509.VerifyOptions{DNSName: name, Intermediates: inter, CurrentTime: now}); err != nil {
		return "no: " + err.Error()
	}
	return "yes"
}
