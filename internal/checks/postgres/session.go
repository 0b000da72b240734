package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/secret"
)

// session is the one connection to DATABASE_URL that the postgres checks
// of a run share. The checks take turns on it (each needs a few
// milliseconds), which also keeps latency and clock readings free of
// contention from sibling checks. It is dialled on first use with that
// caller's context; a connection that a cancelled query closed is replaced
// on the next use.
type session struct {
	url   secret.Secret
	scrub func(string) string
	// gcp is set when the configuration is a Google Cloud one, for the
	// Cloud SQL Auth Proxy advice.
	gcp bool
	// turn is a one-slot semaphore: unlike a sync.Mutex, waiting for it
	// honours the waiter's context.
	turn chan struct{}

	// Guarded by turn.
	conn    *pgx.Conn
	ep      *endpoint
	last    dialResult // the most recent dial, successful or not
	dialled bool
}

func newSession(url secret.Secret) *session {
	sc := secret.NewScrubber(url)
	return &session{url: url, scrub: sc.Scrub, turn: make(chan struct{}, 1)}
}

// errNotReached is returned by use when the caller asked not to dial again
// after a failed attempt.
var errNotReached = errors.New("the primary database could not be reached (see postgres.connect)")

// use runs f with the shared connection, dialling it first if needed. With
// redial false, a dial that already failed in this run is not retried.
// The dialResult is returned when the dial itself failed.
func (s *session) use(ctx context.Context, redial bool, f func(*pgx.Conn) error) (dialResult, error) {
	select {
	case s.turn <- struct{}{}:
	case <-ctx.Done():
		return dialResult{}, ctx.Err()
	}
	defer func() { <-s.turn }()
	if s.conn == nil || s.conn.IsClosed() {
		if !redial && s.dialled && s.last.err != nil {
			return s.last, errNotReached
		}
		s.last, s.dialled = dial(ctx, s.url), true
		if s.last.err != nil {
			s.conn = nil
			return s.last, s.last.err
		}
		s.conn, s.ep = s.last.conn, s.last.ep
	}
	return dialResult{}, f(s.conn)
}

// classify is classify for a failed dial of this session, with the Cloud
// SQL Auth Proxy advice where it applies.
func (s *session) classify(dr dialResult) failure {
	return classify(dr.err, dr.ep, dr.elapsed).withCloudSQL(dr.ep, s.gcp)
}

// query is use for the checks that need postgres.connect: it dials again
// if a previous check's cancellation closed the connection, and turns any
// error into a Result.
func (s *session) query(ctx context.Context, f func(*pgx.Conn) checks.Result) checks.Result {
	var res checks.Result
	dr, err := s.use(ctx, true, func(c *pgx.Conn) error {
		res = f(c)
		return nil
	})
	if err != nil {
		if dr.err != nil {
			fl := s.classify(dr)
			fl.Message = "could not connect: " + fl.Message
			fl.Status = checks.Error
			return fl.result(dr.ep, dr.err, s.scrub)
		}
		return checks.Errorf("The check's deadline passed while another postgres check was using the connection; raise --check-timeout.",
			"could not get the database connection: %s", s.scrub(err.Error()))
	}
	return res
}

// queryFailed reports an error from a catalog query: we could not reach a
// verdict. The driver text is scrubbed of the URL's secrets.
func (s *session) queryFailed(what string, err error) checks.Result {
	return checks.Errorf("If the error says permission denied, the user lacks rights the check needs to read the catalogs; otherwise run the check again.",
		"%s failed: %s", what, s.scrub(err.Error()))
}

func (s *session) close(ctx context.Context) {
	select {
	case s.turn <- struct{}{}:
	case <-ctx.Done():
		return
	}
	defer func() { <-s.turn }()
	if s.conn != nil {
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		_ = s.conn.Close(cctx)
		s.conn = nil
	}
}

// serverVersionNum reads server_version_num (Debian and cloud builds append
// text to server_version, the number has no such decoration).
func serverVersionNum(ctx context.Context, c *pgx.Conn) (int, error) {
	var n int
	if err := c.QueryRow(ctx, "SELECT current_setting('server_version_num')::int").Scan(&n); err != nil {
		return 0, fmt.Errorf("reading server_version_num: %w", err)
	}
	return n, nil
}
