package configcheck

import (
	"encoding/base64"
	"encoding/json"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/awsenv"
	"github.com/spacelift-io/spacectl-preflight/internal/config"
	"github.com/spacelift-io/spacectl-preflight/internal/secret"
)

// Variable names: the installation's own settings, which no single
// dependency owns.
const (
	ServerDomain     = "SERVER_DOMAIN"
	WebhooksEndpoint = "WEBHOOKS_ENDPOINT"
	LicenseType      = "LICENSE_TYPE"
	LicenseToken     = "LICENSE_TOKEN"
	AdminUsername    = "ADMIN_USERNAME"
	AdminPassword    = "ADMIN_PASSWORD"
	LauncherImage    = "LAUNCHER_IMAGE"
	LauncherImageTag = "LAUNCHER_IMAGE_TAG"
)

// Backend is the configuration itself: the installation's own settings
// (domain, licence, initial admin, integrations) and the offline checks
// config.required, config.values and config.compat, which read every
// backend's rules.
type Backend struct{}

var _ checks.Backend = Backend{}

// Group implements checks.Backend.
func (Backend) Group() checks.Group { return checks.Group{ID: Group, Title: "Configuration"} }

// Vars implements checks.Backend.
func (Backend) Vars() []config.Var {
	vs := []config.Var{
		config.Spacelift(ServerDomain, "server.domain", "Bare hostname of the Spacelift UI/API, e.g. spacelift.example.com."),
		config.Module(WebhooksEndpoint, "server.webhooksEndpoint", "https://SERVER_DOMAIN/webhooks."),
		config.Spacelift(LicenseType, "license.type", "License type.").OneOf("aws", "aws", "jwt"),
		config.Spacelift(LicenseToken, "license.token", "License JWT from Spacelift.").Sensitive(),
		config.Spacelift(AdminUsername, "admin.username", "Initial admin user name."),
		config.Spacelift(AdminPassword, "admin.password", "Initial admin password.").Sensitive(),
		config.Spacelift(SpaceliftPublicAPIVar, "spacelift.publicApi", "Usage reporting API, https://app.spacelift.io; the drain must reach it."),
		config.Spacelift("MESSAGE_PROCESSING_TIMEOUT_SECONDS", "spacelift.messageProcessingTimeoutSeconds", "Default 900.").Integer(),
		config.Spacelift("SLACK_APP_CLIENT_ID", "slack.appClientId", "Slack app client ID."),
		config.Spacelift("SLACK_APP_CLIENT_SECRET", "slack.appClientSecret", "Slack app client secret.").Sensitive(),
		config.Spacelift("SLACK_SECRET", "slack.secret", "Slack signing secret.").Sensitive(),
		config.Module("ENVIRONMENT", "spacelift.environment", "prod in the official modules."),
		config.Module(LauncherImage, "drain.launcherImage", "Launcher image repository."),
		config.Module(LauncherImageTag, "drain.launcherImageTag", "Launcher image tag."),
		config.Module("VCS_GATEWAY_ENDPOINT", "spacelift.vcsGatewayEndpoint", "VCS gateway host:443."),
		config.Module("DRAIN_SCHEDULER_ENABLED", "drain.schedulerEnabled", "Run the scheduler inside the drain.").Boolean(),
	}
	for _, d := range []struct{ v, k string }{
		{"ASYNC_JOBS", "asyncJobs"}, {"ASYNC_JOBS_FIFO", "asyncJobsFifo"}, {"CRONJOBS", "cronjobs"}, {"DLQ", "dlq"},
		{"DLQ_FIFO", "dlqFifo"}, {"EVENTS", "events"}, {"IOT", "iot"}, {"WEBHOOKS", "webhooks"},
	} {
		vs = append(vs, config.Module("DRAIN_CONCURRENCY_"+d.v, "drain.concurrency."+d.k, "Drain workers for this queue.").Integer())
	}
	vs = append(vs, networkVars()...)
	return append(vs, identityVars()...)
}

// Required implements checks.Backend.
func (Backend) Required(cfg *config.Config) []checks.Requirement {
	rs := []checks.Requirement{{Var: ServerDomain, Why: "the hostname of the Spacelift UI and API"}}
	switch cfg.Get(LicenseType) {
	case "jwt":
		rs = append(rs, checks.Requirement{Var: LicenseToken, Why: "LICENSE_TYPE=jwt"})
	case "aws":
		rs = append(rs, awsenv.Requirements()...)
	}
	return rs
}

// Review implements checks.Backend.
func (Backend) Review(cfg *config.Config, r *checks.Review) {
	reviewServerDomain(cfg, r)
	reviewLicense(cfg, r)
	reviewNetwork(cfg, r)
	reviewIdentity(cfg, r)
	r.Implied(cfg, LicenseType, "set it explicitly; the official v3 modules use jwt")
	if cfg.Has(AdminUsername) && cfg.Has(AdminPassword) {
		r.Compat.Detail("admin login", "ADMIN_USERNAME and ADMIN_PASSWORD are set, so /admin-login is enabled: it is meant for the first setup; consider removing both once SSO works")
	}
	if cfg.Has(AdminUsername) != cfg.Has(AdminPassword) {
		r.Compat.Warn(AdminUsername, "set both to enable the initial admin login, or neither",
			"only one of ADMIN_USERNAME and ADMIN_PASSWORD is set, so /admin-login stays disabled")
	}
}

// Endpoints implements checks.Backend.
func (Backend) Endpoints(cfg *config.Config, e *checks.EndpointSet) {
	if v, ok := cfg.Display(ServerDomain); ok {
		host := v
		if strings.Contains(v, "://") {
			if u, err := url.Parse(v); err == nil {
				host = u.Hostname()
			}
		}
		host = strings.TrimSuffix(strings.Split(host, "/")[0], ".")
		if h, p, err := net.SplitHostPort(host); err == nil {
			e.Add(ServerDomain, h, p, checks.DirectTLS)
		} else if host != "" {
			e.Add(ServerDomain, host, "443", checks.DirectTLS)
		}
	}
	if v, ok := cfg.Display(WebhooksEndpoint); ok {
		e.WebURL(WebhooksEndpoint, v, "")
	}
}

var hostnameRe = checks.LazyRegexp(`^(?i)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$`)

// IsHostname reports whether s is a DNS name of letters, digits, hyphens
// and dots (a dotted IPv4 address is one too).
func IsHostname(s string) bool { return hostnameRe().MatchString(s) }

func reviewServerDomain(cfg *config.Config, r *checks.Review) {
	d := cfg.Get(ServerDomain)
	if d == "" {
		return
	}
	const bare = "write only the hostname, e.g. spacelift.example.com"
	switch {
	case strings.Contains(d, "://"):
		r.Values.Fail(ServerDomain, bare, "%s has a scheme; Spacelift wants the bare hostname", secret.ShowURL(d))
	case strings.ContainsAny(d, "/:"):
		r.Values.Fail(ServerDomain, bare, "%s has a path or port; Spacelift wants the bare hostname", secret.ShowURL(d))
	case d != strings.TrimSpace(d) || !hostnameRe().MatchString(d):
		r.Values.Fail(ServerDomain, "use letters, digits, hyphens and dots only, e.g. spacelift.example.com", "%q is not a valid hostname", d)
	}
	if want := "https://" + d + "/webhooks"; cfg.Has(WebhooksEndpoint) && cfg.Get(WebhooksEndpoint) != want {
		r.Values.Warn(WebhooksEndpoint, "set WEBHOOKS_ENDPOINT="+want, "is %s, but the official modules set %q", secret.ShowURL(cfg.Get(WebhooksEndpoint)), want)
	}
}

func reviewLicense(cfg *config.Config, r *checks.Review) {
	if cfg.Get(LicenseType) == "aws" {
		r.Values.Warn(LicenseType, "the official v3 modules use LICENSE_TYPE=jwt with the token Spacelift sends you", "aws uses the legacy AWS License Manager flow")
	}
	if cfg.Get(LicenseType) != "jwt" || !cfg.Has(LicenseToken) {
		return
	}
	parts := strings.Split(strings.TrimSpace(cfg.Secret(LicenseToken).Reveal()), ".")
	if len(parts) != 3 {
		r.Values.Fail(LicenseToken, "paste the license token exactly as Spacelift sent it, on one line", "is not a JWT (three base64url parts separated by dots)")
		return
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	var claims struct {
		Exp json.Number `json:"exp"`
	}
	if err != nil || json.Unmarshal(payload, &claims) != nil {
		r.Values.Fail(LicenseToken, "paste the license token exactly as Spacelift sent it", "the JWT payload is not base64url-encoded JSON")
		return
	}
	sec, err := strconv.ParseInt(string(claims.Exp), 10, 64)
	if claims.Exp == "" || err != nil {
		return
	}
	exp := time.Unix(sec, 0).UTC()
	r.Values.Detail(checks.EvidenceLicenseNotAfter, exp.Format(time.RFC3339))
	switch {
	case r.Now.After(exp):
		r.Values.Warn(LicenseToken, "ask Spacelift for a new license token", "the license expired on %s", exp.Format("2006-01-02"))
	case exp.Sub(r.Now) < 30*24*time.Hour:
		r.Values.Warn(LicenseToken, "ask Spacelift to renew the license", "the license expires on %s, within 30 days", exp.Format("2006-01-02"))
	}
}
