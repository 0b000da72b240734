package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
)

// ProbePrefix starts the name of every object the DDL probe creates (and
// rolls back), so an administrator, and the tests, can look for leftovers.
const ProbePrefix = "spacelift_preflight_probe_"

// rights are the role attributes and privileges spacelift-requirements.md
// §3.2 lists: the migrations create roles, schemas and tables.
type rights struct {
	role, db                    string
	super, createRole           bool
	dbCreate, dbConnect, dbTemp bool
	publicExists                bool
	schemaCreate, schemaUsage   bool
}

// A missing public schema makes has_schema_privilege fail, hence the left
// join and COALESCE.
const rightsQuery = `SELECT current_user::text, current_database()::text, r.rolsuper, r.rolcreaterole,
	has_database_privilege(current_database(), 'CREATE'),
	has_database_privilege(current_database(), 'CONNECT'),
	has_database_privilege(current_database(), 'TEMP'),
	n.oid IS NOT NULL,
	COALESCE(has_schema_privilege(n.oid, 'CREATE'), false),
	COALESCE(has_schema_privilege(n.oid, 'USAGE'), false)
FROM pg_roles r LEFT JOIN pg_namespace n ON n.nspname = 'public'
WHERE r.rolname = current_user`

func readRights(ctx context.Context, c *pgx.Conn) (rights, error) {
	var r rights
	err := c.QueryRow(ctx, rightsQuery).Scan(&r.role, &r.db, &r.super, &r.createRole,
		&r.dbCreate, &r.dbConnect, &r.dbTemp, &r.publicExists, &r.schemaCreate, &r.schemaUsage)
	return r, err
}

// missingRight is one right the role lacks and the statement that grants it.
// An optional right (TEMP) is one no source says the migrations need: its
// absence warns.
type missingRight struct {
	right, fix string
	optional   bool
}

// missing lists what the role lacks, each with its fix; nothing for a
// superuser, who bypasses every privilege check.
func (r rights) missing() []missingRight {
	if r.super {
		return nil
	}
	role, db := quoteIdent(r.role), quoteIdent(r.db)
	var out []missingRight
	add := func(ok bool, right, fix string) {
		if !ok {
			out = append(out, missingRight{right: right, fix: fix})
		}
	}
	add(r.createRole, "the CREATEROLE attribute", fmt.Sprintf("ALTER ROLE %s CREATEROLE;", role))
	add(r.dbCreate, "CREATE on database "+db, fmt.Sprintf("GRANT CREATE ON DATABASE %s TO %s;", db, role))
	add(r.dbConnect, "CONNECT on database "+db, fmt.Sprintf("GRANT CONNECT ON DATABASE %s TO %s;", db, role))
	if !r.dbTemp {
		out = append(out, missingRight{right: "TEMP on database " + db, fix: fmt.Sprintf("GRANT TEMPORARY ON DATABASE %s TO %s;", db, role), optional: true})
	}
	if !r.publicExists {
		add(false, "schema public (it does not exist)", fmt.Sprintf("CREATE SCHEMA public AUTHORIZATION %s;", role))
		return out
	}
	// PostgreSQL 15 stopped granting CREATE on public to everyone.
	add(r.schemaCreate, "CREATE on schema public", fmt.Sprintf("GRANT CREATE ON SCHEMA public TO %s;", role))
	add(r.schemaUsage, "USAGE on schema public", fmt.Sprintf("GRANT USAGE ON SCHEMA public TO %s;", role))
	return out
}

func (r rights) details() checks.Details {
	yn := func(b bool) string {
		if b {
			return "yes"
		}
		return "no"
	}
	var d checks.Details
	d.Add("role", r.role)
	d.Add("database", r.db)
	d.Add("superuser", yn(r.super))
	d.Add("CREATEROLE", yn(r.createRole))
	d.Add("database CREATE/CONNECT/TEMP", fmt.Sprintf("%s/%s/%s", yn(r.dbCreate), yn(r.dbConnect), yn(r.dbTemp)))
	if r.publicExists {
		d.Add("schema public CREATE/USAGE", fmt.Sprintf("%s/%s", yn(r.schemaCreate), yn(r.schemaUsage)))
	} else {
		d.Add("schema public", "does not exist")
	}
	return d
}

func grantAdvice(db string, ms []missingRight) string {
	lines := []string{fmt.Sprintf("As a superuser (on managed services the admin role: rds_superuser, cloudsqlsuperuser or azure_pg_admin), connected to database %s, run:", quoteIdent(db))}
	for _, m := range ms {
		lines = append(lines, "  "+m.fix)
	}
	return joinLines(lines)
}

func (s *session) checkPrivileges(ctx context.Context, readOnly bool) checks.Result {
	return s.query(ctx, func(c *pgx.Conn) checks.Result {
		r, err := readRights(ctx, c)
		if err != nil {
			return s.queryFailed("reading the role's rights", err)
		}
		ms := r.missing()
		if required(ms) {
			names := make([]string, len(ms))
			for i, m := range ms {
				names[i] = m.right
			}
			res := checks.Failf(grantAdvice(r.db, ms), "user %q lacks what Spacelift's migrations need: %s", r.role, strings.Join(names, ", "))
			res.Details = r.details()
			for _, m := range ms {
				res.Details.Add("missing: "+m.right, m.fix)
			}
			res.Details.Add("DDL probe", "not run: rights are missing")
			return res
		}
		return tempWarning(s.privilegesHeld(ctx, c, r, readOnly), r, ms)
	})
}

// required reports whether a right the migrations need is missing.
func required(ms []missingRight) bool {
	for _, m := range ms {
		if !m.optional {
			return true
		}
	}
	return false
}

// tempWarning turns a passing result into a warning when the role lacks
// TEMP: PostgreSQL grants it to PUBLIC by default, so a revoked TEMP is a
// hardened server, and no source says Spacelift's migrations use temporary
// tables; the warning names the grant in case they do.
func tempWarning(res checks.Result, r rights, ms []missingRight) checks.Result {
	if len(ms) == 0 || res.Status != checks.Pass {
		return res
	}
	res.Status = checks.Warn
	res.Message = fmt.Sprintf("user %q has every right Spacelift's migrations are known to need, but not TEMP on database %s", r.role, quoteIdent(r.db))
	res.Advice = grantAdvice(r.db, ms) + "\n(Only if Spacelift's migrations or queries report \"permission denied to create temporary tables\": no source says they use them.)"
	for _, m := range ms {
		res.Details.Add("missing: "+m.right, m.fix)
	}
	return res
}

// privilegesHeld is the verdict once no required right is missing: the
// DDL probe proves them unless the run is read-only.
func (s *session) privilegesHeld(ctx context.Context, c *pgx.Conn, r rights, readOnly bool) checks.Result {
	who := "has the rights Spacelift needs"
	if r.super {
		who = "is a superuser"
	}
	if readOnly {
		res := checks.Passf("user %q %s (DDL probe skipped: read-only run)", r.role, who)
		res.Details = r.details()
		res.Details.Add("DDL probe", "skipped (--read-only)")
		return res
	}
	if pe := probeDDL(ctx, c, r.super || r.dbTemp); pe != nil {
		res := pe.result(r, s.scrub)
		res.Details = append(r.details(), res.Details...)
		return res
	}
	proven := "CREATE SCHEMA, CREATE TABLE, CREATE TEMP TABLE and CREATE ROLE"
	if !r.super && !r.dbTemp {
		proven = "CREATE SCHEMA, CREATE TABLE and CREATE ROLE"
	}
	res := checks.Passf("user %q %s; %s succeeded in a rolled-back transaction", r.role, who, proven)
	res.Details = r.details()
	res.Details.Add("DDL probe", "passed, rolled back")
	return res
}

// probeError is a DDL probe statement the server refused.
type probeError struct {
	what string // e.g. "CREATE ROLE"
	err  error
	fix  func(r rights) string
}

func (pe *probeError) result(r rights, scrub func(string) string) checks.Result {
	var pgErr *pgconn.PgError
	if !errors.As(pe.err, &pgErr) {
		res := checks.Errorf("The connection failed during the probe; run the check again.", "the DDL probe could not finish %s: %s", pe.what, scrub(pe.err.Error()))
		res.Details.Add("DDL probe", "interrupted, rolled back")
		return res
	}
	said := fmt.Sprintf("%s (SQLSTATE %s)", pgErr.Message, pgErr.Code)
	var res checks.Result
	switch pgErr.Code {
	case sqlReadOnlyTransaction:
		res = checks.Failf("DATABASE_URL must point at the writable primary (on Aurora the cluster endpoint, not the reader endpoint). If the server is the primary, clear a read-only default: ALTER ROLE "+quoteIdent(r.role)+" SET default_transaction_read_only = off;",
			"the server refused %s because the session is read-only: %s", pe.what, said)
	case sqlInsufficientPrivs:
		res = checks.Failf(grantAdvice(r.db, []missingRight{{right: pe.what, fix: pe.fix(r)}}), "%s was refused: %s", pe.what, said)
	default:
		res = checks.Failf("Something on the server blocks this DDL for the user (an event trigger, an extension hook or a provider policy); Spacelift's migrations would fail the same way. Find it from the server's message.",
			"%s failed although the catalogs grant it: %s", pe.what, said)
	}
	res.Details.Add("DDL probe", "failed at "+pe.what+", rolled back")
	return res
}

// probeDDL proves the rights by using them: it creates a schema, a table in
// public, a temporary table and a role in one transaction that is always
// rolled back, also when ctx is cancelled half-way (the rollback has its own
// deadline; if even that fails the connection is closed, and the server
// aborts the transaction of a closed session).
// withTemp is false when the role lacks TEMP (a warning of its own), so the
// probe does not fail on it.
func probeDDL(ctx context.Context, c *pgx.Conn, withTemp bool) (pe *probeError) {
	name := quoteIdent(ProbePrefix + randomSuffix())
	tx, err := c.Begin(ctx)
	if err != nil {
		return &probeError{"BEGIN", err, func(rights) string { return "" }}
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := tx.Rollback(cctx); err != nil && !errors.Is(err, pgx.ErrTxClosed) {
			_ = c.Close(cctx)
		}
	}()
	steps := []struct {
		what, sql string
		fix       func(r rights) string
	}{
		{"CREATE SCHEMA", "CREATE SCHEMA " + name, func(r rights) string {
			return fmt.Sprintf("GRANT CREATE ON DATABASE %s TO %s;", quoteIdent(r.db), quoteIdent(r.role))
		}},
		{"CREATE TABLE in schema public", "CREATE TABLE public." + name + " (id int)", func(r rights) string {
			return fmt.Sprintf("GRANT CREATE, USAGE ON SCHEMA public TO %s;", quoteIdent(r.role))
		}},
		{"CREATE TEMP TABLE", "CREATE TEMPORARY TABLE " + name + " (id int)", func(r rights) string {
			return fmt.Sprintf("GRANT TEMPORARY ON DATABASE %s TO %s;", quoteIdent(r.db), quoteIdent(r.role))
		}},
		{"CREATE ROLE", "CREATE ROLE " + name + " NOLOGIN", func(r rights) string {
			return fmt.Sprintf("ALTER ROLE %s CREATEROLE;", quoteIdent(r.role))
		}},
	}
	for _, st := range steps {
		if st.what == "CREATE TEMP TABLE" && !withTemp {
			continue
		}
		if _, err := tx.Exec(ctx, st.sql); err != nil {
			return &probeError{st.what, err, st.fix}
		}
	}
	return nil
}

func randomSuffix() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// quoteIdent quotes an identifier the way PostgreSQL reads it back.
func quoteIdent(s string) string { return pgx.Identifier{s}.Sanitize() }

func joinLines(lines []string) string { return strings.Join(lines, "\n") }
