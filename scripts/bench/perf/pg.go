package perf

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"github.com/jackc/pgx/v5"
)

// BenchDatabase is the database the benchmark points DATABASE_URL at: a
// dedicated one, so pg_stat_database counts only the tool's sessions.
const BenchDatabase = "spt_bench"

// pgDatabaseURL returns adminURL with its database replaced by db.
func pgDatabaseURL(adminURL, db string) (string, error) {
	u, err := url.Parse(adminURL)
	if err != nil {
		return "", fmt.Errorf("parsing the PostgreSQL URL: %w", err)
	}
	u.Path = "/" + db
	return u.String(), nil
}

// createDatabase creates db on the server unless it exists.
func createDatabase(ctx context.Context, adminURL, db string) error {
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", db).Scan(&exists); err != nil {
		return err
	}
	if exists {
		return nil
	}
	_, err = conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{db}.Sanitize())
	return err
}

// SessionCounter reads how many sessions were ever opened to one database
// (pg_stat_database.sessions, PostgreSQL 14+), through a connection to
// another database so that reading does not count itself.
type SessionCounter struct {
	AdminURL string // a superuser URL to any other database
	Database string
}

// Sessions waits until no backend is connected to the database (so every
// finished session has flushed its statistics at exit), then returns the
// cumulative session count.
func (c SessionCounter) Sessions(ctx context.Context) (int64, error) {
	conn, err := pgx.Connect(ctx, c.AdminURL)
	if err != nil {
		return 0, err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	deadline := time.Now().Add(10 * time.Second)
	for {
		var backends int
		var sessions int64
		// Each autocommit query is its own transaction, so it sees a fresh
		// statistics snapshot.
		err := conn.QueryRow(ctx, "SELECT numbackends, sessions FROM pg_stat_database WHERE datname = $1", c.Database).Scan(&backends, &sessions)
		if err != nil {
			return 0, err
		}
		if backends == 0 {
			return sessions, nil
		}
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("%d sessions still connected to %s after 10s", backends, c.Database)
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}
