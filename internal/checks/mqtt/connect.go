package mqtt

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"github.com/eclipse/paho.golang/packets"
	"github.com/eclipse/paho.golang/paho"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/rootcas"
	"github.com/spacelift-io/spacectl-preflight/internal/config"
)

// connectCheck is mqtt.connect.
type connectCheck struct {
	cfg   *config.Config
	stage checks.Stage
	d     deps
	// trust returns the roots to verify the broker against; nil means
	// what Spacelift's services trust (defaultTrust).
	trust func() Trust
	// fromWorker is set when the check runs from a worker's network
	// (worker.mqtt), where every path to the broker must work.
	fromWorker bool
}

// Trust is what a connection verifies the broker's certificate against:
// the pool, a description for the details, and whether the operator named
// a CA in it (then an unknown authority is a failure, not a question of
// what workers trust).
type Trust struct {
	Pool     *x509.CertPool
	Describe string
	UserCA   bool
}

// defaultTrust is what Spacelift's services trust: the system roots plus
// ADDITIONAL_ROOT_CAS.
func defaultTrust(cfg *config.Config) Trust {
	pool, desc := rootcas.Roots(cfg)
	return Trust{Pool: pool, Describe: desc, UserCA: strings.Contains(desc, rootcas.Var)}
}

// ConnectOptions let another check run mqtt.connect's logic (worker.mqtt,
// from a worker's host).
type ConnectOptions struct {
	Stage checks.Stage
	// Trust replaces the roots Spacelift's services trust; nil keeps them.
	Trust func() Trust
	// LookupHost and IoTPort replace DNS and IoT Core's port 443 (tests
	// only); zero values keep the defaults.
	LookupHost func(ctx context.Context, host string) ([]string, error)
	IoTPort    string
	// FromWorker says the check runs from a worker's network: an IoT Core
	// endpoint it cannot reach fails there (from the server's side it
	// only warns).
	FromWorker bool
}

// Connect runs mqtt.connect's logic for the configuration's broker: the
// same endpoint parsing, DNS, TCP, TLS trust rules and MQTT v5 session.
func Connect(ctx context.Context, cfg *config.Config, o ConnectOptions) checks.Result {
	d := defaultDeps()
	if o.LookupHost != nil {
		d.lookupHost = o.LookupHost
	}
	if o.IoTPort != "" {
		d.iotPort = o.IoTPort
	}
	c := &connectCheck{cfg: cfg, stage: o.Stage, d: d, trust: o.Trust, fromWorker: o.FromWorker}
	return c.run(ctx)
}

// attempt carries what one run of the check learned, for the details.
type attempt struct {
	c       *connectCheck
	t       target
	details checks.Details
	// inner ends a little before the check's deadline, so a step that
	// hangs is reported by name instead of as a bare timeout.
	inner context.Context
}

func (c *connectCheck) run(ctx context.Context) checks.Result {
	broker := Broker(c.cfg)
	t, err := parseEndpoint(c.cfg.Get(BrokerEndpoint), broker, c.d.iotPort)
	if err != nil {
		return checks.Failf("Write MQTT_BROKER_ENDPOINT as tls://HOST:PORT for the built-in broker (e.g. tls://spacelift-mqtt.example.com:1984), or as the bare iot:Data-ATS hostname for IoT Core.",
			"MQTT_BROKER_ENDPOINT cannot be used: %v", err)
	}
	inner, cancel := checks.ReserveForReport(ctx)
	defer cancel()
	a := &attempt{c: c, t: t, inner: inner}
	a.details.Add("broker", broker)
	a.details.Add("stage", c.stage)
	a.details.Add("address", t.addr())
	a.details.Add("transport", map[bool]string{true: "TLS", false: "plain TCP"}[t.tls])
	if t.alpn != "" {
		a.details.Add("alpn", t.alpn+" (IoT Core's protocol for MQTT with a client certificate on 443)")
	}
	return a.run()
}

// builtinBeforeInstall is the one case where an unreachable broker is
// expected: the built-in broker runs inside the Spacelift server.
func (a *attempt) builtinBeforeInstall() bool {
	return Broker(a.c.cfg) == "builtin" && a.c.stage != checks.PostInstall
}

func (a *attempt) result(r checks.Result) checks.Result {
	r.Details = append(r.Details, a.details...)
	return r
}

// unreachable reports a DNS, TCP or silent-listener problem: a warning
// before a built-in broker exists, and for IoT Core from the server's side
// (only workers speak MQTT to it: Spacelift's services reach IoT Core
// through the AWS API); a failure otherwise.
func (a *attempt) unreachable(advice, format string, args ...any) checks.Result {
	msg := fmt.Sprintf(format, args...)
	if Broker(a.c.cfg) == "iotcore" && !a.c.fromWorker {
		return a.result(checks.Warnf(advice+" Only the workers speak MQTT to IoT Core (Spacelift's services reach it through the AWS API), so the path that matters is the workers': run `spacectl-preflight check --target worker` on a worker's host.",
			"%s (from here: only workers connect to IoT Core's MQTT endpoint)", msg))
	}
	if a.builtinBeforeInstall() {
		return a.result(checks.Warnf(
			"Expected before installation: the built-in broker runs inside the Spacelift server, which does not exist yet. After installing, run again with --stage post-install; then "+lowerFirst(advice),
			"%s (the built-in broker is not running yet: this is a pre-install run)", msg))
	}
	return a.result(checks.Failf(advice, "%s", msg))
}

// hung reports whether the step that just failed with err ran out of
// time: either the step's context or the connection's deadline (set to the
// same instant, so either may fire first).
func (a *attempt) hung(err error) bool {
	if errors.Is(a.inner.Err(), context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func (a *attempt) run() checks.Result {
	t := a.t
	addrs := []string{t.host}
	if net.ParseIP(t.host) == nil {
		var err error
		addrs, err = a.c.d.lookupHost(a.inner, t.host)
		if err == nil && len(addrs) == 0 {
			err = errors.New("no addresses")
		}
		if err != nil {
			return a.unreachable("Create a DNS record for "+t.host+" that workers resolve (in-cluster names such as *.svc.cluster.local resolve only inside the cluster: run this check from there).",
				"%s does not resolve: %v", t.host, dnsReason(err))
		}
		a.details.Add("resolves to", strings.Join(addrs, ", "))
	}

	conn, res := a.dial(addrs)
	if conn == nil {
		return res
	}
	if !t.tls {
		return a.session(conn, nil)
	}
	trust := a.c.trust
	if trust == nil {
		trust = func() Trust { return defaultTrust(a.c.cfg) }
	}
	setup, err := newTLSSetup(a.c.cfg, t, a.c.d.now, trust())
	if err != nil {
		_ = conn.Close()
		return a.result(checks.Failf("Fix the TLS settings of this check (the SPACECTL_PREFLIGHT_MQTT_* variables).", "%v", err))
	}
	a.details.Add("trusted roots", setup.caSource)
	tc := tls.Client(conn, setup.conf)
	err = tc.HandshakeContext(a.inner)
	if err == nil {
		state := tc.ConnectionState()
		a.describeTLS(state, setup)
		if Broker(a.c.cfg) == "iotcore" && setup.clientCert == nil {
			_ = tc.Close()
			return a.iotCoreWithoutCert(&state, setup)
		}
		return a.session(tc, setup)
	}
	_ = conn.Close()
	var unknown x509.UnknownAuthorityError
	switch {
	case a.hung(err):
		return a.unreachable("Check that "+t.addr()+" is the broker's TLS port; something accepts TCP there but does not complete a TLS handshake.",
			"TCP connect to %s worked, but the TLS handshake got no answer", t.addr())
	case Broker(a.c.cfg) == "iotcore" && setup.clientCert == nil && setup.verified:
		return a.iotCoreWithoutCert(nil, setup)
	case Broker(a.c.cfg) == "builtin" && errors.As(err, &unknown) && !setup.userCA:
		return a.unknownBuiltinCA(addrs, setup, unknown)
	}
	msg, advice := tlsProblem(err, t.host, setup)
	return a.result(checks.Failf(advice, "%s", msg))
}

// dial connects to the resolved addresses in turn (as workers would fall
// back); on failure it returns the result that explains it.
func (a *attempt) dial(addrs []string) (net.Conn, checks.Result) {
	t := a.t
	var dialer net.Dialer
	start := time.Now()
	var conn net.Conn
	var err error
	for _, ip := range addrs {
		conn, err = dialer.DialContext(a.inner, "tcp", net.JoinHostPort(ip, t.port))
		if err == nil || a.inner.Err() != nil {
			break
		}
	}
	if err != nil {
		if a.hung(err) {
			return nil, a.unreachable("Open TCP "+t.port+" from the workers' network to the broker (security groups, firewalls, the load balancer's listener).",
				"TCP connect to %s got no answer within %s (packets are dropped: firewall or security group?)", t.addr(), time.Since(start).Round(time.Millisecond))
		}
		return nil, a.unreachable("Check that the broker listens on "+t.addr()+" and that the port is open from the workers' network.",
			"TCP connect to %s failed: %v", t.addr(), netReason(err))
	}
	// The connection deadline backs up ctx for every read and write the
	// MQTT client does, so nothing below can outlive the check.
	if dl, ok := a.inner.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	a.details.Set("tcp connect", time.Since(start).Round(time.Millisecond).String())
	return conn, checks.Result{}
}

// unknownBuiltinCA handles a built-in broker whose certificate no trusted
// root signed, when the operator named no CA. No Spacelift source says
// where the built-in broker's certificate comes from or what workers
// trust for it (the official endpoint, spacelift-mqtt.<ns>.svc.cluster.local,
// is a name no public CA certifies), so this cannot be a failure: the check
// says so, then still proves the broker speaks MQTT, without verifying the
// chain, so the rest of the path is tested.
func (a *attempt) unknownBuiltinCA(addrs []string, setup *tlsSetup, unknown x509.UnknownAuthorityError) checks.Result {
	issuer := "an unknown issuer"
	if unknown.Cert != nil {
		issuer = unknown.Cert.Issuer.String()
	}
	a.details.Add("certificate", "signed by "+issuer+", which "+setup.caSource+" do not include; chain not verified for the rest of this check")
	conn, res := a.dial(addrs)
	if conn == nil {
		return res
	}
	conf := setup.conf.Clone()
	conf.InsecureSkipVerify = true
	conf.VerifyConnection = nil
	tc := tls.Client(conn, conf)
	if err := tc.HandshakeContext(a.inner); err != nil {
		_ = conn.Close()
		msg, advice := tlsProblem(err, a.t.host, setup)
		return a.result(checks.Failf(advice, "%s", msg))
	}
	a.describeTLS(tc.ConnectionState(), setup)
	res = a.session(tc, setup)
	const why = "the built-in broker's certificate is signed by a CA this machine does not trust; no Spacelift source documents what workers trust for it"
	advice := "If workers reject it they cannot connect. Give this check the CA that signed it (" + ClientCAFile + ", or ADDITIONAL_ROOT_CAS as Spacelift's services get it) to verify the chain, " +
		"and make sure workers trust the same CA (system trust store on VM workers, /opt/spacelift/certs for the Kubernetes controller); or confirm with Spacelift support how workers verify the built-in broker."
	res.Status = checks.Worse(res.Status, checks.Warn)
	res.Message = why + "; " + res.Message
	res.Advice = strings.TrimSpace(advice + "\n" + res.Advice)
	return res
}

// iotCoreWithoutCert ends the check after TLS: IoT Core accepts MQTT only
// from a device certificate, so without one there is nothing more to test.
func (a *attempt) iotCoreWithoutCert(state *tls.ConnectionState, setup *tlsSetup) checks.Result {
	how := "port " + a.t.port
	if a.t.alpn != "" {
		if setup.negotiated != a.t.alpn {
			return a.result(checks.Failf("Set MQTT_BROKER_ENDPOINT to the account's iot:Data-ATS endpoint (aws iot describe-endpoint --endpoint-type iot:Data-ATS); on 443, IoT Core serves MQTT only with ALPN "+iotCoreALPN+".",
				"%s accepted TLS but did not select the ALPN protocol %s (it chose %q): workers could not speak MQTT there", a.t.addr(), a.t.alpn, setup.negotiated))
		}
		a.details.Set("alpn negotiated", setup.negotiated)
		how += " with ALPN " + a.t.alpn
	}
	res := checks.Passf("IoT Core endpoint %s is reachable on %s and its certificate is valid; MQTT itself was not tested (authentication not tested): IoT Core accepts only device certificates", a.t.addr(), how)
	res.Details.Add("mqtt", "not tested: set "+ClientCertFile+" and "+ClientKeyFile+" to a device certificate to test CONNECT")
	return a.expiry(a.result(res), state)
}

func (a *attempt) describeTLS(state tls.ConnectionState, setup *tlsSetup) {
	a.details.Add("tls version", tls.VersionName(state.Version))
	if a.t.alpn != "" {
		proto := state.NegotiatedProtocol
		if proto == "" {
			proto = "none (the server ignored ALPN)"
		}
		a.details.Add("alpn negotiated", proto)
	}
	if len(state.PeerCertificates) > 0 {
		leaf := state.PeerCertificates[0]
		a.details.Add("server certificate", leaf.Subject.String())
		a.details.Add("server certificate issuer", leaf.Issuer.String())
		a.details.Add("server certificate names", certNames(leaf))
		a.details.Add("server certificate expires", leaf.NotAfter.UTC().Format(time.RFC3339))
		a.details = append(a.details, checks.CertificateEvidence(a.t.addr(), leaf.NotAfter)...)
	}
	a.details.Add("broker asked for a client certificate", setup.requested)
	if setup.clientCert != nil {
		a.details.Add("client certificate", setup.clientCert.Subject.String())
		a.details.Add("client certificate expires", setup.clientCert.NotAfter.UTC().Format(time.RFC3339))
	}
}

// expiry downgrades a passing result to a warning when the broker's
// certificate expires within expiryWarning.
func (a *attempt) expiry(res checks.Result, state *tls.ConnectionState) checks.Result {
	if state == nil || len(state.PeerCertificates) == 0 {
		return res
	}
	now := a.c.d.now()
	leaf := state.PeerCertificates[0]
	if left := leaf.NotAfter.Sub(now); left < expiryWarning {
		res.Status = checks.Worse(res.Status, checks.Warn)
		res.Message = fmt.Sprintf("the broker's certificate expires in %s (%s); %s", days(left), leaf.NotAfter.UTC().Format("2006-01-02"), res.Message)
		res.Advice = strings.TrimSpace("Renew the broker's TLS certificate before it expires: workers cannot connect with an expired one.\n" + res.Advice)
	}
	return res
}

func days(d time.Duration) string {
	n := int(d.Hours() / 24)
	if n == 1 {
		return "1 day"
	}
	return fmt.Sprintf("%d days", n)
}

// session opens the MQTT v5 session and, with credentials, runs the
// publish/subscribe round trip.
func (a *attempt) session(conn net.Conn, setup *tlsSetup) checks.Result {
	user := a.c.cfg.Get(ClientUsername)
	pass := a.c.cfg.Secret(ClientPassword)
	credentialed := user != "" || !pass.IsZero() || (setup != nil && setup.clientCert != nil)
	clientID := "spacectl-preflight-" + randomHex(6)
	topic := "spacectl-preflight/" + clientID
	marker := randomHex(8)
	got := make(chan time.Time, 1)
	client := paho.NewClient(paho.ClientConfig{
		Conn: packets.NewThreadSafeConn(conn),
		OnPublishReceived: []func(paho.PublishReceived) (bool, error){func(pr paho.PublishReceived) (bool, error) {
			if pr.Packet.Topic == topic && string(pr.Packet.Payload) == marker {
				select {
				case got <- time.Now():
				default:
				}
			}
			return true, nil
		}},
		OnClientError: func(error) {},
	})
	ca, err := client.Connect(a.inner, &paho.Connect{
		ClientID: clientID, CleanStart: true, KeepAlive: 30,
		Username: user, UsernameFlag: user != "",
		Password: []byte(pass.Reveal()), PasswordFlag: !pass.IsZero(),
	})
	if ca == nil && err != nil {
		_ = conn.Close()
		return a.noConnack(err, setup)
	}
	a.details.Add("connack", reasonName(ca.ReasonCode))
	if ca.ReasonCode >= 0x80 {
		return a.refused(ca.ReasonCode, user, credentialed)
	}
	defer func() { _ = client.Disconnect(&paho.Disconnect{ReasonCode: 0}) }()
	var state *tls.ConnectionState
	if tc, ok := conn.(*tls.Conn); ok {
		s := tc.ConnectionState()
		state = &s
	}
	if !credentialed {
		return a.expiry(a.result(checks.Passf("an MQTT v5 broker answers at %s and accepted an anonymous session (authentication not tested: set %s/%s to test a round trip)",
			a.t.addr(), ClientUsername, ClientPassword)), state)
	}
	return a.expiry(a.roundTrip(client, topic, marker, got), state)
}

func (a *attempt) roundTrip(client *paho.Client, topic, marker string, got <-chan time.Time) checks.Result {
	a.details.Add("round-trip topic", topic)
	sa, err := client.Subscribe(a.inner, &paho.Subscribe{Subscriptions: []paho.SubscribeOptions{{Topic: topic, QoS: 1}}})
	if err != nil {
		reason := err.Error()
		if sa != nil && len(sa.Reasons) > 0 {
			reason = reasonName(sa.Reasons[0])
		}
		return a.result(checks.Warnf("Allow the test identity to subscribe and publish to spacectl-preflight/# on the broker, or ignore this if the broker restricts topics on purpose.",
			"connected and authenticated, but the round trip could not run: SUBSCRIBE %s was refused (%s)", topic, reason))
	}
	start := time.Now()
	pr, err := client.Publish(a.inner, &paho.Publish{Topic: topic, QoS: 1, Payload: []byte(marker)})
	if err != nil {
		reason := err.Error()
		if pr != nil {
			reason = reasonName(pr.ReasonCode)
		}
		return a.result(checks.Warnf("Allow the test identity to publish to spacectl-preflight/# on the broker, or ignore this if the broker restricts topics on purpose.",
			"connected and authenticated, but the round trip could not run: PUBLISH to %s failed (%s)", topic, reason))
	}
	select {
	case at := <-got:
		lat := at.Sub(start)
		a.details.Add("round-trip latency", lat.Round(100*time.Microsecond).String())
		return a.result(checks.Passf("connected to %s and authenticated; a QoS 1 message made the publish/subscribe round trip in %s", a.t.addr(), lat.Round(100*time.Microsecond)))
	case <-a.inner.Done():
		return a.result(checks.Failf("Check the broker's log: it acknowledged the message but did not deliver it to the subscriber (bridging, ACLs on delivery, or an overloaded broker).",
			"connected and authenticated, and the broker acknowledged the message, but it never delivered it back on %s", topic))
	}
}

// noConnack explains a CONNECT that got no CONNACK at all.
func (a *attempt) noConnack(err error, setup *tlsSetup) checks.Result {
	if a.hung(err) {
		return a.unreachable("Check that "+a.t.addr()+" is an MQTT v5 broker port: something accepts the connection but does not answer CONNECT.",
			"connected to %s and sent CONNECT, but no MQTT CONNACK arrived: whatever listens there does not answer MQTT v5 (or the broker hangs)", a.t.addr())
	}
	if setup != nil && (strings.Contains(err.Error(), "remote error: tls:") || closedByPeer(err)) {
		msg, advice := tlsProblem(err, a.t.host, setup)
		return a.result(checks.Failf(advice, "%s", msg))
	}
	return a.result(checks.Failf("Check the broker's log: it dropped the connection after CONNECT (MQTT v5 not enabled, client certificate or listener settings).",
		"the broker at %s closed the connection without a CONNACK: %v", a.t.addr(), err))
}

// refused explains a CONNACK with an error reason code.
func (a *attempt) refused(code byte, user string, credentialed bool) checks.Result {
	isAuth := code == 0x86 || code == 0x87
	switch {
	case isAuth && credentialed:
		who := "the configured client certificate"
		if user != "" {
			who = "user " + user
		}
		return a.result(checks.Failf("Check "+ClientUsername+" and "+ClientPassword+" (or the client certificate) against the broker's users; the broker answered, so the network path is fine.",
			"the broker rejected the credentials of %s: CONNACK %s", who, reasonName(code)))
	case !credentialed && (isAuth || code == 0x8C):
		return a.result(checks.Passf("an MQTT v5 broker answers at %s (CONNACK %s: it wants credentials; authentication not tested: set %s/%s to test a round trip)",
			a.t.addr(), reasonName(code), ClientUsername, ClientPassword))
	}
	return a.result(checks.Failf("Check the broker's log and settings for why it refuses the session.",
		"the broker at %s refused the session: CONNACK %s", a.t.addr(), reasonName(code)))
}

func dnsReason(err error) string {
	var de *net.DNSError
	if errors.As(err, &de) {
		if de.IsNotFound {
			return "no such host"
		}
		if de.IsTimeout {
			return "the DNS server did not answer"
		}
		return de.Err
	}
	return err.Error()
}

func netReason(err error) string {
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		return op.Err.Error()
	}
	return err.Error()
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// reasonName renders an MQTT v5 reason code with its name.
func reasonName(code byte) string {
	names := map[byte]string{
		0x00: "Success", 0x10: "No matching subscribers", 0x80: "Unspecified error", 0x81: "Malformed packet",
		0x82: "Protocol error", 0x83: "Implementation specific error", 0x84: "Unsupported protocol version",
		0x85: "Client identifier not valid", 0x86: "Bad user name or password", 0x87: "Not authorized",
		0x88: "Server unavailable", 0x89: "Server busy", 0x8A: "Banned", 0x8C: "Bad authentication method",
		0x8F: "Topic filter invalid", 0x90: "Topic name invalid", 0x91: "Packet identifier in use",
		0x95: "Packet too large", 0x97: "Quota exceeded", 0x99: "Payload format invalid",
		0x9A: "Retain not supported", 0x9B: "QoS not supported", 0x9C: "Use another server",
		0x9D: "Server moved", 0x9F: "Connection rate exceeded", 0xA1: "Subscription identifiers not supported",
		0xA2: "Wildcard subscriptions not supported",
	}
	if n, ok := names[code]; ok {
		return fmt.Sprintf("0x%02X %s", code, n)
	}
	return fmt.Sprintf("0x%02X", code)
}
