package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
)

// defaultMinMaxConnections is the max_connections below which the check
// warns unless SPACECTL_PREFLIGHT_POSTGRES_MIN_MAX_CONNECTIONS says
// otherwise. See docs/checks/postgres.settings.md for why 100.
const defaultMinMaxConnections = 100

type serverSettings struct {
	encoding         string
	maxConnections   int
	reserved         int
	statementTimeout string
	timezone         string
	inUse            int
}

const settingsQuery = `SELECT current_setting('server_encoding'),
	current_setting('max_connections')::int,
	current_setting('superuser_reserved_connections')::int,
	current_setting('statement_timeout'),
	current_setting('TimeZone'),
	(SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend')::int`

func readSettings(ctx context.Context, c *pgx.Conn) (serverSettings, error) {
	var st serverSettings
	err := c.QueryRow(ctx, settingsQuery).Scan(&st.encoding, &st.maxConnections, &st.reserved,
		&st.statementTimeout, &st.timezone, &st.inUse)
	return st, err
}

func settingsVerdict(st serverSettings, minConns int, db string) checks.Result {
	res := checks.Result{Status: checks.Pass}
	var msgs, advice []string
	if !strings.EqualFold(st.encoding, "UTF8") {
		res.Status = checks.Warn
		msgs = append(msgs, fmt.Sprintf("server_encoding is %s, not UTF8", st.encoding))
		advice = append(advice, fmt.Sprintf("Spacelift stores user text (run logs, policy bodies, names) that needs Unicode. A database's encoding cannot be changed: create the database anew with CREATE DATABASE %s ENCODING 'UTF8' TEMPLATE template0; (the encoding is per database, server_encoding shows this one's).", quoteIdent(db)))
	}
	if st.maxConnections < minConns {
		res.Status = checks.Worse(res.Status, checks.Warn)
		msgs = append(msgs, fmt.Sprintf("max_connections is %d, below %d", st.maxConnections, minConns))
		advice = append(advice, fmt.Sprintf("Every Spacelift server, drain and scheduler replica keeps its own connection pool, and rolling updates run old and new pods side by side. Raise max_connections to at least %d (the official modules use 200 to 1034; on RDS/Aurora it follows the instance class, so a larger class or a parameter group raises it), or set SPACECTL_PREFLIGHT_POSTGRES_MIN_MAX_CONNECTIONS if you sized it deliberately.", minConns))
	}
	if len(msgs) == 0 {
		msgs = append(msgs, fmt.Sprintf("server_encoding UTF8, max_connections %d (at least %d)", st.maxConnections, minConns))
	}
	res.Message = strings.Join(msgs, "; ")
	res.Advice = joinLines(advice)
	res.Details.Add("server_encoding", st.encoding)
	res.Details.Add("max_connections", st.maxConnections)
	res.Details.Add("superuser_reserved_connections", st.reserved)
	res.Details.Add("client connections in use", st.inUse)
	res.Details.Add("warn below", minConns)
	res.Details.Add("statement_timeout", st.statementTimeout)
	res.Details.Add("TimeZone", st.timezone)
	return res
}

func (s *session) checkSettings(ctx context.Context, minConns int) checks.Result {
	return s.query(ctx, func(c *pgx.Conn) checks.Result {
		st, err := readSettings(ctx, c)
		if err != nil {
			return s.queryFailed("reading the server settings", err)
		}
		db := ""
		if s.ep != nil {
			db = s.ep.Database
		}
		return settingsVerdict(st, minConns, db)
	})
}
