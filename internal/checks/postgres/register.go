// Package postgres holds the checks of group "postgres": they connect to
// DATABASE_URL (and DATABASE_READ_ONLY_URL) with pgx, the driver Spacelift
// uses, and verify what spacelift-requirements.md §3 and §11.2 require.
package postgres

import (
	"context"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/config"
)

// Group is the checks' group name.
const Group = "postgres"

// Check IDs: stable contracts.
const (
	IDConnect    = "postgres.connect"
	IDVersion    = "postgres.version"
	IDPrivileges = "postgres.privileges"
	IDDatabase   = "postgres.database"
	IDSettings   = "postgres.settings"
	IDLatency    = "postgres.latency"
	IDClockSkew  = "postgres.clock-skew"
	IDReadOnly   = "postgres.read-only"
)

// Register implements checks.Backend: the postgres.* checks. They share
// one connection, closed when the plan is.
func (Backend) Register(p *checks.Plan, cfg *config.Config, opts checks.Options) {
	s := newSession(cfg.Secret(DatabaseURL))
	s.gcp = onGoogleCloud(cfg)
	p.OnClose(s.close)
	disabled := ""
	if !cfg.Has(DatabaseURL) {
		disabled = DatabaseURL + " is not set"
	}
	minConns := cfg.Int(MinMaxConnections, defaultMinMaxConnections)
	if minConns <= 0 {
		minConns = defaultMinMaxConnections
	}
	needs := []string{IDConnect}
	p.Add(
		checks.Check{ID: IDConnect, Title: "Spacelift can connect to DATABASE_URL", Disabled: disabled,
			Run: s.checkConnect},
		checks.Check{ID: IDVersion, Title: "PostgreSQL major version is supported", Disabled: disabled, Needs: needs,
			Run: s.checkVersion},
		checks.Check{ID: IDPrivileges, Title: "The database user may create roles, schemas and tables", Disabled: disabled, Needs: needs,
			Run: func(ctx context.Context) checks.Result { return s.checkPrivileges(ctx, opts.ReadOnly) }},
		checks.Check{ID: IDDatabase, Title: "The database is dedicated to Spacelift", Disabled: disabled, Needs: needs,
			Run: s.checkDatabase},
		checks.Check{ID: IDSettings, Title: "Server encoding and connection limit suit Spacelift", Disabled: disabled, Needs: needs,
			Run: func(ctx context.Context) checks.Result { return s.checkSettings(ctx, minConns) }},
		checks.Check{ID: IDLatency, Title: "Round trips to the database are fast", Disabled: disabled, Needs: needs,
			Run: s.checkLatency},
		checks.Check{ID: IDClockSkew, Title: "The database clock agrees with this machine's", Disabled: disabled, Needs: needs,
			Run: s.checkClockSkew},
	)
	roDisabled := disabled
	if !cfg.Has(DatabaseReadOnlyURL) {
		roDisabled = DatabaseReadOnlyURL + " is not set"
	}
	roURL := cfg.Secret(DatabaseReadOnlyURL)
	p.Add(checks.Check{ID: IDReadOnly, Title: "DATABASE_READ_ONLY_URL reaches a matching server", Disabled: roDisabled,
		Run: func(ctx context.Context) checks.Result { return s.checkReadOnly(ctx, roURL) }})
}
