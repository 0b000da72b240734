package postgres

import (
	"errors"
	"net/url"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/spacelift-io/spacectl-preflight/internal/secret"
)

// urlAdvice is how to write a database URL, with every delimiter a
// password may hold.
const urlAdvice = "Write it as postgres://USER:PASSWORD@HOST:5432/DATABASE?sslmode=verify-full, and URL-encode special characters in the user name and password: " + secret.Encodings + "."

// misreadError is a connection string that pgx parses, but not as it was
// written: a password with an un-encoded '@' or '/' ends early for pgx
// (as for libpq), and the rest of it becomes the host or the database.
// Connecting would send part of the password to DNS as a host name, so
// dial stops here.
type misreadError struct{ ui secret.Userinfo }

func (e *misreadError) Error() string {
	return "pgx, like libpq, ends the user-info at the first `@` or `/`, so it reads a different " + misreadWhat(e.ui) + " than written: " + e.ui.Explain()
}

func misreadWhat(ui secret.Userinfo) string {
	for _, p := range ui.Problems {
		if p.Part == "user name" {
			return "user name, password and host"
		}
	}
	return "password and host"
}

// misread returns a *misreadError when pgx read raw differently from how a
// person reads it (see secret.ParseUserinfo), or nil.
func misread(raw string, cfg *pgconn.Config) error {
	ui := secret.ParseUserinfo(raw)
	if !ui.Found || len(ui.Problems) == 0 {
		return nil
	}
	if cfg.User != unescape(ui.User) || (ui.HasPassword && cfg.Password != unescape(ui.Password)) ||
		strings.Contains(cfg.Host, "@") || strings.Contains(cfg.Database, "@") {
		return &misreadError{ui: ui}
	}
	return nil
}

func unescape(s string) string {
	if d, err := url.PathUnescape(s); err == nil {
		return d
	}
	return s
}

// parseProblem says what is wrong with a connection string pgx refused,
// without quoting any of it: the characters of the user-info that must be
// URL-encoded (by position), then what pgx found wrong, its quoted input
// and values removed.
func parseProblem(raw string, err error) string {
	what := pgxParseText(err)
	if ui := secret.ParseUserinfo(raw); ui.Found && len(ui.Problems) > 0 {
		return ui.Explain() + " (pgx: " + what + ")"
	}
	return what
}

// pgxMessages are the fixed parts of pgx's ParseConfigError messages
// (pgconn/config.go); anything after them may be a value from the input.
func pgxMessages() []string {
	return []string{
		"failed to parse as URL", "failed to parse as keyword/value", "failed to read service", "invalid sslcertmode",
		"invalid connect_timeout", "invalid port", "failed to configure TLS", "min_protocol_version cannot be greater than max_protocol_version",
		"invalid require_auth", "could not match", "unknown target_session_attrs value", "invalid min_protocol_version",
		"invalid max_protocol_version", "unknown channel_binding value", "connection string key",
	}
}

// pgxParseText is a pgx parse error without its input: pgx prefixes the
// connection string (redacted on a best-effort basis only, see
// ParseConfigError) and quotes the piece it choked on, which for a
// password with an un-encoded delimiter is the rest of the password.
func pgxParseText(err error) string {
	var pce *pgconn.ParseConfigError
	if !errors.As(err, &pce) {
		return secret.ParseErrorText(err)
	}
	text := pce.Error()
	inner := errors.Unwrap(pce)
	if inner != nil {
		text = strings.TrimSuffix(text, " ("+inner.Error()+")")
	}
	msg := "cannot parse it"
	best := -1
	for _, m := range pgxMessages() {
		if i := strings.LastIndex(text, m); i > best {
			best, msg = i, m
		}
	}
	if msg == "could not match" {
		msg = secret.WithoutQuotes(text[best:]) // "could not match 2 port numbers to 3 hosts"
	}
	if inner != nil {
		cause, _, _ := strings.Cut(inner.Error(), ": ")
		cause = secret.WithoutQuotes(cause)
		for _, c := range pgxCauses() {
			if strings.HasPrefix(cause, c) {
				return msg + ": " + cause
			}
		}
	}
	return msg
}

// pgxCauses are the beginnings of the errors pgx wraps in a
// ParseConfigError whose values are quoted or follow a ": " (both removed
// before the match); a cause that starts otherwise may hold input and is
// left out.
func pgxCauses() []string {
	return []string{
		"invalid percent-encoded token", "forbidden value %00", "unexpected spaces found in", "forbidden NUL byte",
		"end of string reached", "IPv6 host address may not be empty", "unexpected character", "missing key/value separator",
		"extra key/value separator", "invalid keyword/value", "missing … after", "unterminated quoted string",
		"failed to read service file", "unable to find service", "unable to load system certificate pool", "unable to read CA file",
		"unable to add CA to cert pool", "sslmode is invalid", "both … and … are required", "unable to read sslkey",
		"failed to decode sslkey", "unable to find sslpassword", "unable to decrypt key", "unable to read cert", "unable to load cert",
		"unknown sslcertmode value", "outside range", "negative timeout", "invalid protocol version",
	}
}
