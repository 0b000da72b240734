package telemetry

import (
	"context"
	"fmt"
	"net"
	"strings"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/config"
)

const udpNote = "segments are sent over UDP, whose delivery cannot be confirmed: the TCP port (used for sampling rules) answering is the best evidence available"

// xrayAddrs parses AWS_XRAY_DAEMON_ADDRESS: "host:port" (both protocols),
// or "tcp:host:port udp:host:port" in either order, as the X-Ray SDKs do.
func xrayAddrs(raw string) (tcp, udp string, err error) {
	fields := strings.Fields(raw)
	switch len(fields) {
	case 1:
		tcp, udp = fields[0], fields[0]
	case 2:
		for _, f := range fields {
			switch {
			case strings.HasPrefix(f, "tcp:"):
				tcp = strings.TrimPrefix(f, "tcp:")
			case strings.HasPrefix(f, "udp:"):
				udp = strings.TrimPrefix(f, "udp:")
			}
		}
	}
	if tcp == "" || udp == "" {
		return "", "", fmt.Errorf("%q is neither HOST:PORT nor \"tcp:HOST:PORT udp:HOST:PORT\"", raw)
	}
	for _, a := range []string{tcp, udp} {
		if h, p, err := net.SplitHostPort(a); err != nil || h == "" || p == "" {
			return "", "", fmt.Errorf("%q is not HOST:PORT", a)
		}
	}
	return tcp, udp, nil
}

func xray(ctx context.Context, cfg *config.Config, d deps) checks.Result {
	raw := strings.TrimSpace(cfg.Get(XRayDaemonAddress))
	if raw == "" {
		return checks.Failf("Set AWS_XRAY_DAEMON_ADDRESS to the daemon's HOST:2000 (or switch to OBSERVABILITY_VENDOR=OpenTelemetry with the ADOT collector, which X-Ray mode is deprecated in favour of).",
			"OBSERVABILITY_VENDOR=AWS, but AWS_XRAY_DAEMON_ADDRESS is not set")
	}
	tcp, udp, err := xrayAddrs(raw)
	if err != nil {
		return checks.Failf("Write AWS_XRAY_DAEMON_ADDRESS as HOST:PORT, e.g. xray-daemon:2000.", "AWS_XRAY_DAEMON_ADDRESS %v", err)
	}
	details := []checks.Detail{checks.KV("tcp", tcp), checks.KV("udp", udp), checks.KV("note", udpNote)}
	inner, cancel := checks.ReserveForReport(ctx)
	defer cancel()
	host, port, _ := net.SplitHostPort(tcp)
	addrs := []string{host}
	if net.ParseIP(host) == nil {
		addrs, err = d.lookupHost(inner, host)
		if err != nil || len(addrs) == 0 {
			return checks.Warnf("Make "+host+" resolvable where Spacelift runs (a sidecar uses 127.0.0.1:2000; a DaemonSet the node IP); run this check from a Spacelift pod if the name is cluster-internal.",
				"the X-Ray daemon host %s does not resolve from here: %v", host, err).With(details...)
		}
		details = append(details, checks.KV("resolves to", strings.Join(addrs, ", ")))
	}
	var dialer net.Dialer
	conn, err := dialer.DialContext(inner, "tcp", net.JoinHostPort(addrs[0], port))
	if err != nil {
		why := "did not answer"
		if inner.Err() == nil {
			why = "refused or failed: " + rootCause(err)
		}
		return checks.Warnf("Check that the X-Ray daemon runs and listens on "+tcp+" (it binds 127.0.0.1 unless started with -b 0.0.0.0:2000); a sidecar daemon is reachable only from its own task or pod.",
			"TCP connect to the X-Ray daemon at %s %s", tcp, why).With(details...)
	}
	_ = conn.Close()
	return checks.Passf("the X-Ray daemon's TCP port %s answers; UDP segment delivery to %s cannot be confirmed", tcp, udp).With(details...)
}
