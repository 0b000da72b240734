package postgres

import (
	"net"
	"net/url"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/config"
)

// Variable names.
const (
	DatabaseURL         = "DATABASE_URL"
	DatabaseReadOnlyURL = "DATABASE_READ_ONLY_URL"
	MinMaxConnections   = "SPACECTL_PREFLIGHT_POSTGRES_MIN_MAX_CONNECTIONS"
)

// Backend is PostgreSQL, Spacelift's database (and, with
// MESSAGE_QUEUE_TYPE=postgres, its message queue).
type Backend struct{}

var _ checks.Backend = Backend{}

// Group implements checks.Backend.
func (Backend) Group() checks.Group { return checks.Group{ID: Group, Title: "PostgreSQL"} }

// Vars implements checks.Backend.
func (Backend) Vars() []config.Var {
	return []config.Var{
		config.Spacelift(DatabaseURL, "database.url", "PostgreSQL URL in pgx syntax.").Sensitive(),
		config.Spacelift(DatabaseReadOnlyURL, "database.readOnlyUrl", "Optional read-replica URL.").Sensitive(),
		config.Tool(MinMaxConnections, "database.minMaxConnections", "Warn when max_connections is below this (default 100).").Integer(),
	}
}

// Required implements checks.Backend.
func (Backend) Required(*config.Config) []checks.Requirement {
	return []checks.Requirement{{Var: DatabaseURL, Why: "Spacelift cannot start without PostgreSQL"}}
}

// Review implements checks.Backend.
func (Backend) Review(cfg *config.Config, r *checks.Review) {
	for _, name := range []string{DatabaseURL, DatabaseReadOnlyURL} {
		if !cfg.Has(name) {
			continue
		}
		raw := cfg.Secret(name).Reveal()
		pc, err := pgx.ParseConfig(raw)
		if err != nil {
			// Never pgx's own text: it quotes the piece it choked on, which
			// for a password with an un-encoded delimiter is the password.
			r.Values.Fail(name, urlAdvice, "does not parse as a PostgreSQL connection string: %s", parseProblem(raw, err))
			continue
		}
		if err := misread(raw, &pc.Config); err != nil {
			r.Values.Fail(name, urlAdvice, "%s", err.Error())
			continue
		}
		if strings.Contains(raw, "://") && !strings.HasPrefix(raw, "postgres://") && !strings.HasPrefix(raw, "postgresql://") {
			r.Values.Fail(name, "start the URL with postgres://", "the URL scheme must be postgres:// or postgresql://")
		}
	}
}

// Endpoints implements checks.Backend: the database hosts, read from the
// display form of the URLs (passwords masked). The key/value form, and URLs
// that do not parse (including pgx's several comma-separated hosts), arrive
// fully redacted and are reported as not collected.
func (Backend) Endpoints(cfg *config.Config, e *checks.EndpointSet) {
	for _, name := range []string{DatabaseURL, DatabaseReadOnlyURL} {
		if v, ok := cfg.Display(name); ok {
			displayEndpoints(e, name, v)
		}
	}
}

func displayEndpoints(e *checks.EndpointSet, name, v string) {
	if !strings.Contains(v, "://") {
		e.Gap("endpoint "+name, "the displayable form of "+name+" is fully redacted (key/value form, or a URL that does not parse), so its host is not extracted")
		return
	}
	// Take the authority by hand, so an IPv6 literal or a host= query
	// parameter is read as pgx reads it.
	rest := v[strings.Index(v, "://")+3:]
	query := ""
	if i := strings.IndexByte(rest, '?'); i >= 0 {
		query = rest[i+1:]
		rest = rest[:i]
	}
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		rest = rest[:i]
	}
	if i := strings.LastIndexByte(rest, '@'); i >= 0 {
		rest = rest[i+1:]
	}
	q, _ := url.ParseQuery(query)
	hs := checks.PostgresTLS
	if strings.EqualFold(q.Get("sslmode"), "disable") {
		hs = checks.NoTLS
	}
	if strings.EqualFold(q.Get("sslnegotiation"), "direct") && hs != checks.NoTLS {
		hs = checks.DirectTLS
	}
	hosts := strings.Split(rest, ",")
	if h := q.Get("host"); rest == "" && h != "" {
		hosts = strings.Split(h, ",")
	}
	found := false
	for _, h := range hosts {
		h = strings.TrimSpace(h)
		if h == "" || strings.HasPrefix(h, "/") || strings.HasPrefix(h, "%2F") {
			continue // empty, or a Unix socket directory
		}
		host, port, err := net.SplitHostPort(h)
		if err != nil {
			host, port = strings.Trim(h, "[]"), "5432"
		}
		if uh, err := url.PathUnescape(host); err == nil {
			host = uh
		}
		e.Add(name, host, port, hs)
		found = true
	}
	if !found {
		e.Gap("endpoint "+name, name+" names no TCP host")
	}
}
