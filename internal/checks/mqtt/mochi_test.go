package mqtt

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log/slog"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	mochi "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/hooks/auth"
	"github.com/mochi-mqtt/server/v2/listeners"
	"github.com/mochi-mqtt/server/v2/packets"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/messaging/msgtest"
)

// startMochi runs an in-process mochi-mqtt broker on 127.0.0.1 with the
// given hook, over TLS when tlsConf is set, and returns its address.
func startMochi(t *testing.T, hook mochi.Hook, hookConf any, tlsConf *tls.Config) string {
	t.Helper()
	srv := mochi.New(&mochi.Options{InlineClient: false, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err := srv.AddHook(hook, hookConf); err != nil {
		t.Fatal(err)
	}
	l := listeners.NewTCP(listeners.Config{ID: "t", Address: "127.0.0.1:0", TLSConfig: tlsConf})
	if err := srv.AddListener(l); err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve() }()
	t.Cleanup(func() { _ = srv.Close() })
	return l.Address()
}

func ledger(user, pass string) (mochi.Hook, any) {
	return new(auth.Hook), &auth.Options{Ledger: &auth.Ledger{Auth: auth.AuthRules{{Username: auth.RString(user), Password: auth.RString(pass), Allow: true}}}}
}

// stallHook never lets a CONNECT through: the broker accepts the TCP
// connection and reads CONNECT, then never sends a CONNACK.
type stallHook struct {
	mochi.HookBase
	release chan struct{}
	// entered is closed when the broker has read CONNECT and called the
	// hook. Waiting for it orders mochi's connection set-up before its
	// Close: mochi v2.7.9 does not synchronise the two itself, and the race
	// detector flags the test otherwise.
	entered   chan struct{}
	enterOnce sync.Once
}

func (h *stallHook) ID() string           { return "stall" }
func (h *stallHook) Provides(b byte) bool { return b == mochi.OnConnectAuthenticate }
func (h *stallHook) OnConnectAuthenticate(*mochi.Client, packets.Packet) bool {
	h.enterOnce.Do(func() { close(h.entered) })
	<-h.release
	return false
}

// aclHook authenticates everyone; read checks after the first n are
// denied (mochi asks on SUBSCRIBE and again on every delivery).
type aclHook struct {
	mochi.HookBase
	allowReads int32
	reads      atomic.Int32
}

func (h *aclHook) ID() string { return "acl" }
func (h *aclHook) Provides(b byte) bool {
	return b == mochi.OnConnectAuthenticate || b == mochi.OnACLCheck
}
func (h *aclHook) OnConnectAuthenticate(*mochi.Client, packets.Packet) bool { return true }
func (h *aclHook) OnACLCheck(_ *mochi.Client, _ string, write bool) bool {
	return write || h.reads.Add(1) <= h.allowReads
}

func TestMochiBadCredentialsCode0x86(t *testing.T) {
	h, c := ledger("worker", "right")
	addr := startMochi(t, h, c, nil)
	o := runConnect(t, builtin("tcp://"+addr, ClientUsername, "worker", ClientPassword, "wrong-password-xyz"), checks.PostInstall, 5*time.Second, noDNS(t))
	msgtest.Expect(t, ConnectID, o, checks.Fail, "rejected the credentials of user worker", "0x86 Bad user name or password")
	msgtest.NoSecret(t, ConnectID, o.Result, "wrong-password-xyz")

	o = runConnect(t, builtin("tcp://"+addr, ClientUsername, "worker", ClientPassword, "right"), checks.PostInstall, 5*time.Second, noDNS(t))
	msgtest.Expect(t, ConnectID, o, checks.Pass, "round trip in")
}

func TestMochiNeverSendsConnack(t *testing.T) {
	h := &stallHook{release: make(chan struct{}), entered: make(chan struct{})}
	addr := startMochi(t, h, nil, nil)
	t.Cleanup(func() { close(h.release) })
	const timeout = 1500 * time.Millisecond
	start := time.Now()
	o := runConnect(t, builtin("tcp://"+addr, ClientUsername, "u", ClientPassword, "p"), checks.PostInstall, timeout, noDNS(t))
	if d := time.Since(start); d > timeout+time.Second {
		t.Errorf("took %s", d)
	}
	msgtest.Expect(t, ConnectID, o, checks.Fail, "no MQTT CONNACK arrived")
	select {
	case <-h.entered:
	case <-time.After(5 * time.Second):
		t.Fatal("the broker never read CONNECT")
	}
}

func TestMochiAnonymousBroker(t *testing.T) {
	addr := startMochi(t, new(auth.AllowHook), nil, nil)
	o := runConnect(t, builtin("tcp://"+addr), checks.PreInstall, 5*time.Second, noDNS(t))
	msgtest.Expect(t, ConnectID, o, checks.Pass, "accepted an anonymous session", "authentication not tested")
}

func TestMochiRoundTripRefusedOrLost(t *testing.T) {
	// Subscribing is refused: connected and authenticated, round trip not
	// possible, so a warning.
	addr := startMochi(t, &aclHook{allowReads: 0}, nil, nil)
	o := runConnect(t, builtin("tcp://"+addr, ClientUsername, "u"), checks.PostInstall, 5*time.Second, noDNS(t))
	msgtest.Expect(t, ConnectID, o, checks.Warn, "SUBSCRIBE spacectl-preflight/", "refused")

	// Subscribing works but the broker never delivers: a failure.
	addr = startMochi(t, &aclHook{allowReads: 1}, nil, nil)
	o = runConnect(t, builtin("tcp://"+addr, ClientUsername, "u"), checks.PostInstall, 2*time.Second, noDNS(t))
	msgtest.Expect(t, ConnectID, o, checks.Fail, "never delivered it back")
}

func TestMochiCertificateExpiringSoonWarns(t *testing.T) {
	dir := t.TempDir()
	ca, caKey := makeCA(t, dir)
	for _, tc := range []struct {
		validFor time.Duration
		status   checks.Status
		wants    []string
	}{
		{10 * 24 * time.Hour, checks.Warn, []string{"the broker's certificate expires in 9 days", "Renew the broker's TLS certificate", "round trip in"}},
		{90 * 24 * time.Hour, checks.Pass, []string{"round trip in"}},
	} {
		leaf := makeLeaf(t, ca, caKey, tc.validFor)
		addr := startMochi(t, new(auth.AllowHook), nil, &tls.Config{Certificates: []tls.Certificate{leaf}})
		o := runConnect(t, builtin("tls://"+addr, ClientUsername, "u", ClientCAFile, filepath.Join(dir, "ca.pem")), checks.PostInstall, 5*time.Second, noDNS(t))
		msgtest.Expect(t, ConnectID, o, tc.status, tc.wants...)
	}
}

func makeCA(t *testing.T, dir string) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "expiry test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(365 * 24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	_ = pem.Encode(&b, &pem.Block{Type: "CERTIFICATE", Bytes: der})
	if err := os.WriteFile(filepath.Join(dir, "ca.pem"), b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return cert, key
}

func makeLeaf(t *testing.T, ca *x509.Certificate, caKey *ecdsa.PrivateKey, validFor time.Duration) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(validFor),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}
