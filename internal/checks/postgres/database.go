package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
)

// spaceliftMarkers are tables Spacelift's built-in message queue creates
// (spacelift-requirements.md §11.2 PG-004): finding one means Spacelift has
// run its migrations here before.
var spaceliftMarkers = []string{"message_queue_messages", "message_queue_deduplications"}

// sampleSize bounds how many foreign objects the details name.
const sampleSize = 10

// userRelations counts and samples relations outside the system schemas,
// ignoring what extensions own (PostGIS's spatial_ref_sys is not another
// application's data).
const userRelations = `
WITH rels AS (
	SELECT n.nspname, c.relname
	FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
	WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
	  AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\_%'
	  AND NOT EXISTS (SELECT 1 FROM pg_depend d
		WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
)
SELECT (SELECT count(*) FROM rels),
	COALESCE((SELECT array_agg(q) FROM (SELECT format('%I.%I', nspname, relname) AS q FROM rels ORDER BY 1 LIMIT $1) s), '{}'),
	COALESCE((SELECT array_agg(format('%I.%I', nspname, relname) ORDER BY 1) FROM rels WHERE relname = ANY($2)), '{}')`

// userSchemas lists schemas other than public and the system ones that no
// extension owns.
const userSchemas = `
SELECT COALESCE(array_agg(n.nspname::text ORDER BY n.nspname), '{}')
FROM pg_namespace n
WHERE n.nspname NOT IN ('public', 'information_schema') AND n.nspname NOT LIKE 'pg\_%'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d
	WHERE d.classid = 'pg_namespace'::regclass AND d.objid = n.oid AND d.deptype = 'e')`

type dbContents struct {
	name      string
	template  bool
	relCount  int
	relSample []string
	markers   []string
	schemas   []string
	// extensions are name and version of every installed extension, for
	// information: no source documents one Spacelift needs.
	extensions []string
}

func readContents(ctx context.Context, c *pgx.Conn) (dbContents, error) {
	var d dbContents
	if err := c.QueryRow(ctx, "SELECT datname::text, datistemplate FROM pg_database WHERE datname = current_database()").Scan(&d.name, &d.template); err != nil {
		return d, err
	}
	if err := c.QueryRow(ctx, userRelations, sampleSize, spaceliftMarkers).Scan(&d.relCount, &d.relSample, &d.markers); err != nil {
		return d, err
	}
	if err := c.QueryRow(ctx, userSchemas).Scan(&d.schemas); err != nil {
		return d, err
	}
	err := c.QueryRow(ctx, "SELECT COALESCE(array_agg(extname || ' ' || extversion ORDER BY extname), '{}') FROM pg_extension").Scan(&d.extensions)
	return d, err
}

// databaseVerdict judges whether the database is dedicated to Spacelift.
func databaseVerdict(d dbContents) checks.Result {
	res := checks.Result{Status: checks.Pass}
	var msgs, advice []string
	shared := d.name == "postgres" || d.template
	if shared {
		res.Status = checks.Warn
		kind := "the default maintenance database"
		if d.template {
			kind = "a template database (every new database is copied from it)"
		}
		msgs = append(msgs, fmt.Sprintf("database %q is %s, not one dedicated to Spacelift", d.name, kind))
		advice = append(advice, "Create a dedicated database and point DATABASE_URL at it: CREATE DATABASE spacelift; then grant the user what postgres.privileges lists. (The official Azure module uses the postgres database; Spacelift works there, but shares it with anything else that connects by default.)")
	}
	switch {
	case len(d.markers) > 0:
		msgs = append(msgs, fmt.Sprintf("an existing Spacelift schema was found (%s): this is an upgrade of an existing installation, not a fresh install", strings.Join(d.markers, ", ")))
	case d.relCount > 0 || len(d.schemas) > 0:
		res.Status = checks.Worse(res.Status, checks.Warn)
		msgs = append(msgs, fmt.Sprintf("database %q is not empty: %d tables/views and %d schemas of other applications", d.name, d.relCount, len(d.schemas)))
		advice = append(advice, "Spacelift needs a database of its own: its migrations may collide with other applications' objects, and dropping or restoring it would affect them. Create an empty database for Spacelift, or confirm these objects are meant to be here.")
	case !shared:
		msgs = append(msgs, fmt.Sprintf("database %q is dedicated and empty: a fresh install", d.name))
	}
	res.Message = strings.Join(msgs, "; ")
	res.Advice = joinLines(advice)
	res.Details.Add("database", d.name)
	res.Details.Add("install", map[bool]string{true: "upgrade (Spacelift schema present)", false: "fresh"}[len(d.markers) > 0])
	res.Details.Add("tables and views", d.relCount)
	if len(d.relSample) > 0 {
		sample := strings.Join(d.relSample, ", ")
		if d.relCount > len(d.relSample) {
			sample += fmt.Sprintf(" (and %d more)", d.relCount-len(d.relSample))
		}
		res.Details.Add("first tables", sample)
	}
	if len(d.schemas) > 0 {
		res.Details.Add("other schemas", strings.Join(d.schemas, ", "))
	}
	if len(d.extensions) > 0 {
		res.Details.Add("extensions", strings.Join(d.extensions, ", ")+" (information only: Spacelift documents no extension it needs)")
	}
	return res
}

func (s *session) checkDatabase(ctx context.Context) checks.Result {
	return s.query(ctx, func(c *pgx.Conn) checks.Result {
		d, err := readContents(ctx, c)
		if err != nil {
			return s.queryFailed("reading the database's contents", err)
		}
		return databaseVerdict(d)
	})
}
