package postgres

import (
	"context"
	"crypto/tls"
	"net"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/secret"
)

// dialResult is one connection attempt: the connection on success, and in
// every case what may be shown about the target.
type dialResult struct {
	conn    *pgx.Conn
	ep      *endpoint
	err     error
	elapsed time.Duration
}

// dial connects the way Spacelift does: pgx.ParseConfig on the URL as given
// (so statement_cache_capacity, sslmode, sslrootcert and the PG* variables
// mean what they mean to Spacelift), then pgx.ConnectConfig. It only wraps
// the dialer to learn how far a failed attempt got; TLS verification is
// left exactly as pgx configured it.
func dial(ctx context.Context, url secret.Secret) dialResult {
	start := time.Now()
	cfg, err := pgx.ParseConfig(url.Reveal())
	if err != nil {
		return dialResult{err: err, elapsed: time.Since(start)}
	}
	if err := misread(url.Reveal(), &cfg.Config); err != nil {
		return dialResult{err: err, elapsed: time.Since(start)}
	}
	ep := newEndpoint(&cfg.Config)
	inner := cfg.DialFunc
	cfg.DialFunc = func(ctx context.Context, network, addr string) (net.Conn, error) {
		ep.dialing(addr)
		c, err := inner(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		ep.connected(addr)
		return &watchedConn{Conn: c, ep: ep}, nil
	}
	// Leave part of the caller's deadline for reporting, so a server that
	// never answers yields our diagnosis, not just the runner's "timed out".
	cctx, cancel := checks.ReserveForReport(ctx)
	defer cancel()
	conn, err := pgx.ConnectConfig(cctx, cfg)
	return dialResult{conn: conn, ep: ep, err: err, elapsed: time.Since(start)}
}

// tlsState returns the TLS state of an established connection, or nil when
// it is not encrypted.
func tlsState(conn *pgx.Conn) *tls.ConnectionState {
	if tc, ok := conn.PgConn().Conn().(*tls.Conn); ok {
		st := tc.ConnectionState()
		return &st
	}
	return nil
}
