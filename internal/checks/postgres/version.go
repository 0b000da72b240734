package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
)

// Supported major versions (spacelift-requirements.md §3.1): 14-17 are
// supported, 18 and later "not officially supported", 13 and earlier not.
const (
	minSupportedMajor = 14
	maxSupportedMajor = 17
)

// majorOf turns server_version_num into the major version: 170004 -> 17,
// and for the pre-10 scheme 90624 -> 9 (9.6).
func majorOf(num int) int { return num / 10000 }

// versionVerdict is the verdict for a server_version_num.
func versionVerdict(num int, text string) checks.Result {
	major := majorOf(num)
	shown := text
	if shown == "" {
		shown = fmt.Sprint(num)
	}
	switch {
	case major < minSupportedMajor:
		return checks.Failf(fmt.Sprintf("Upgrade the server to PostgreSQL %d (the newest supported major) or at least %d; managed services offer in-place major upgrades (plan 15-30 minutes of downtime and scale Spacelift's workers to zero first).", maxSupportedMajor, minSupportedMajor),
			"PostgreSQL %d (%s) is not supported: Spacelift needs %d to %d", major, shown, minSupportedMajor, maxSupportedMajor)
	case major > maxSupportedMajor:
		return checks.Warnf(fmt.Sprintf("Spacelift does not officially support PostgreSQL %d yet; it may work, but for a supported setup use %d to %d.", major, minSupportedMajor, maxSupportedMajor),
			"PostgreSQL %d (%s) is newer than the supported %d to %d", major, shown, minSupportedMajor, maxSupportedMajor)
	}
	return checks.Passf("PostgreSQL %d (%s) is supported", major, shown)
}

// flavourQuery tells the managed services apart by what each one adds to
// the catalogs: Aurora's aurora_version() function, and the administrator
// role each provider creates (RDS rds_superuser, Cloud SQL
// cloudsqlsuperuser, Azure Flexible Server azure_pg_admin). Aurora also has
// rds_superuser, so it is tested first.
const flavourQuery = `SELECT current_setting('server_version_num')::int,
	current_setting('server_version'),
	EXISTS (SELECT 1 FROM pg_proc WHERE proname = 'aurora_version'),
	EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rds_superuser'),
	EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'cloudsqlsuperuser'),
	EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'azure_pg_admin')`

type serverFacts struct {
	num                          int
	text                         string
	aurora, rds, cloudSQL, azure bool
	auroraVersion                string
}

func (f serverFacts) flavour() string {
	switch {
	case f.aurora:
		return "Amazon Aurora PostgreSQL"
	case f.rds:
		return "Amazon RDS for PostgreSQL"
	case f.cloudSQL:
		return "Google Cloud SQL for PostgreSQL"
	case f.azure:
		return "Azure Database for PostgreSQL flexible server"
	case strings.Contains(f.text, "Debian") || strings.Contains(f.text, "Ubuntu"):
		return "PostgreSQL (Debian/Ubuntu package)"
	}
	return "PostgreSQL (flavour not recognised)"
}

func readServerFacts(ctx context.Context, c *pgx.Conn) (serverFacts, error) {
	var f serverFacts
	if err := c.QueryRow(ctx, flavourQuery).Scan(&f.num, &f.text, &f.aurora, &f.rds, &f.cloudSQL, &f.azure); err != nil {
		return f, err
	}
	if f.aurora {
		// Only called when it exists; a failure just leaves it out.
		_ = c.QueryRow(ctx, "SELECT aurora_version()").Scan(&f.auroraVersion)
	}
	return f, nil
}

func (s *session) checkVersion(ctx context.Context) checks.Result {
	return s.query(ctx, func(c *pgx.Conn) checks.Result {
		f, err := readServerFacts(ctx, c)
		if err != nil {
			return s.queryFailed("reading the server version", err)
		}
		res := versionVerdict(f.num, f.text)
		res.Details.Add("server_version_num", f.num)
		res.Details.Add("server_version", f.text)
		res.Details.Add("flavour", f.flavour())
		if f.auroraVersion != "" {
			res.Details.Add("aurora version", f.auroraVersion)
		}
		return res
	})
}
