package telemetry

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/config"
	"github.com/spacelift-io/spacectl-preflight/internal/secret"
)

const dogStatsDNote = "DogStatsD metrics go to 8125/UDP, which cannot be confirmed from here"

// agentBase is where Spacelift's Datadog tracer sends, following the
// tracer's own precedence: DD_TRACE_AGENT_URL, else DD_AGENT_HOST with
// DD_TRACE_AGENT_PORT (default 8126).
func agentBase(cfg *config.Config) (string, error) {
	if raw := strings.TrimSpace(cfg.Get(DDTraceAgentURL)); raw != "" {
		u, err := url.Parse(raw)
		switch {
		case err != nil:
			return "", fmt.Errorf("%s=%s is not a URL", DDTraceAgentURL, secret.ShowURL(raw))
		case u.Scheme == "unix":
			return "", errUnixSocket
		case (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
			return "", fmt.Errorf("%s=%s is not an http://HOST:PORT URL", DDTraceAgentURL, secret.ShowURL(raw))
		}
		return strings.TrimSuffix(u.Scheme+"://"+u.Host+u.Path, "/"), nil
	}
	host := strings.TrimSpace(cfg.Get(DDAgentHost))
	if host == "" {
		return "", errNoAgentHost
	}
	port := strings.TrimSpace(cfg.Get(DDTraceAgentPort))
	if port == "" {
		port = datadogPort
	}
	return "http://" + net.JoinHostPort(host, port), nil
}

var (
	errUnixSocket  = errors.New("unix socket")
	errNoAgentHost = errors.New("no agent host")
)

// agentInfo is the part of the agent's GET /info answer we report.
type agentInfo struct {
	Version   string   `json:"version"`
	Endpoints []string `json:"endpoints"`
}

func datadog(ctx context.Context, cfg *config.Config, d deps) checks.Result {
	base, err := agentBase(cfg)
	switch {
	case errors.Is(err, errNoAgentHost):
		return checks.Failf("Set DD_AGENT_HOST to the Datadog agent's host (on Kubernetes the agent service, e.g. datadog-agent.datadog.svc.cluster.local, or the node IP), or set OBSERVABILITY_VENDOR=Disabled.",
			"OBSERVABILITY_VENDOR=Datadog, but DD_AGENT_HOST is not set")
	case errors.Is(err, errUnixSocket):
		return checks.Warnf("Check from inside a Spacelift pod that the socket exists and the agent listens on it.",
			"%s is a unix socket, which cannot be checked from here", DDTraceAgentURL).With(checks.KV("note", dogStatsDNote))
	case err != nil:
		return checks.Failf("Write DD_TRACE_AGENT_URL as http://HOST:8126, or unset it and use DD_AGENT_HOST.", "%v", err)
	}
	inner, cancel := checks.ReserveForReport(ctx)
	defer cancel()
	infoURL := base + "/info"
	details := []checks.Detail{checks.KV("trace agent", base), checks.KV("note", dogStatsDNote)}
	req, err := http.NewRequestWithContext(inner, http.MethodGet, infoURL, nil)
	if err != nil {
		return checks.Failf("Fix DD_AGENT_HOST / DD_TRACE_AGENT_PORT / DD_TRACE_AGENT_URL.", "cannot build a request for %s: %v", infoURL, err)
	}
	resp, err := d.httpClient.Do(req)
	if err != nil {
		why := "did not answer"
		if inner.Err() == nil {
			why = "is unreachable: " + rootCause(err)
		}
		return checks.Warnf("Check that the agent runs and accepts APM traces on "+base+" from where Spacelift runs (apm_config.enabled, apm_non_local_traffic: true, and the port open); a node-local agent may be unreachable from this machine, so run the check from a Spacelift pod to be sure.",
			"the Datadog trace agent at %s %s", base, why).With(details...)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	switch {
	case resp.StatusCode == http.StatusNotFound:
		return checks.Warnf("Upgrade the Datadog agent (7.28 or later serves /info), or confirm it accepts traces on "+base+".",
			"something answers at %s but has no /info endpoint (a Datadog agent older than 7.28, or not an agent)", base).With(details...)
	case resp.StatusCode != http.StatusOK:
		return checks.Warnf("Check that "+base+" is the Datadog agent's trace port.", "%s answered HTTP %d", infoURL, resp.StatusCode).With(details...)
	}
	var info agentInfo
	if err := json.Unmarshal(body, &info); err != nil || info.Version == "" {
		return checks.Warnf("Check that "+base+" is the Datadog agent's trace port.", "%s answered, but not with the agent's JSON", infoURL).With(details...)
	}
	details = append(details, checks.KV("agent version", info.Version))
	if len(info.Endpoints) > 0 {
		details = append(details, checks.KV("agent endpoints", strings.Join(info.Endpoints, ", ")))
		if !slices.ContainsFunc(info.Endpoints, func(e string) bool { return strings.HasSuffix(e, "/traces") }) {
			return checks.Warnf("Enable APM in the agent (apm_config.enabled: true).",
				"Datadog agent %s answers at %s but lists no traces endpoint", info.Version, base).With(details...)
		}
	}
	return checks.Passf("Datadog agent %s answers at %s", info.Version, base).With(details...)
}

// rootCause strips Go's URL/operation wrapping from a network error.
func rootCause(err error) string {
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		return op.Err.Error()
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return err.Error()
}
