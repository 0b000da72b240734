package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/secret"
)

// checkReadOnly is postgres.read-only. It needs nothing from the primary to
// judge the replica URL itself (connect, version, recovery state), so it
// does not wait for postgres.connect; it compares major versions only when
// the primary can be asked within half of the time left, and says so when
// it cannot.
func (s *session) checkReadOnly(ctx context.Context, roURL secret.Secret) checks.Result {
	scrub := secret.NewScrubber(roURL, s.url).Scrub
	dr := dial(ctx, roURL)
	if dr.err != nil {
		res := s.classify(dr).result(dr.ep, dr.err, scrub)
		res.Message = "DATABASE_READ_ONLY_URL: " + res.Message
		// The classifier's advice names the primary's variable.
		res.Advice = strings.ReplaceAll(res.Advice, "DATABASE_URL", "DATABASE_READ_ONLY_URL")
		return res
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = dr.conn.Close(cctx)
	}()
	var (
		num        int
		text       string
		inRecovery bool
	)
	err := dr.conn.QueryRow(ctx, "SELECT current_setting('server_version_num')::int, current_setting('server_version'), pg_is_in_recovery()").Scan(&num, &text, &inRecovery)
	if err != nil {
		return checks.Errorf("Run the check again; if it persists, check the server's log.", "DATABASE_READ_ONLY_URL: reading the version and recovery state failed: %s", scrub(err.Error()))
	}
	primary, primaryErr := s.primaryVersion(ctx)
	res := readOnlyVerdict(dr.ep, num, text, inRecovery, primary, primaryErr)
	res = withTransport(res, describeTransport(dr.conn, dr.ep, time.Now()))
	if roURL.Reveal() == s.url.Reveal() {
		res.Details.Add("same URL as DATABASE_URL", "yes")
	}
	return res
}

// primaryVersion asks the shared primary session for server_version_num,
// giving it at most half of the time left and never dialling again after a
// failed postgres.connect.
func (s *session) primaryVersion(ctx context.Context) (int, error) {
	pctx, cancel := ctx, context.CancelFunc(func() {})
	if dl, ok := ctx.Deadline(); ok {
		pctx, cancel = context.WithDeadline(ctx, time.Now().Add(time.Until(dl)/2))
	}
	defer cancel()
	var num int
	dr, err := s.use(pctx, false, func(c *pgx.Conn) error {
		var err error
		num, err = serverVersionNum(pctx, c)
		return err
	})
	switch {
	case err == nil:
		return num, nil
	case dr.err != nil:
		return 0, fmt.Errorf("the primary could not be reached: %s", classify(dr.err, dr.ep, dr.elapsed).Message)
	case pctx.Err() != nil:
		return 0, errors.New("the primary did not answer within half of this check's time")
	}
	return 0, errors.New(s.scrub(err.Error()))
}

func readOnlyVerdict(ep *endpoint, num int, text string, inRecovery bool, primary int, primaryErr error) checks.Result {
	major := majorOf(num)
	role := "a replica (pg_is_in_recovery() is true)"
	if !inRecovery {
		role = "not a replica (pg_is_in_recovery() is false): fine when it is the same instance as DATABASE_URL"
	}
	res := checks.Passf("DATABASE_READ_ONLY_URL reaches %s, PostgreSQL %d, %s", ep.Server(), major, role)
	var msgs, advice []string
	if v := versionVerdict(num, text); v.Status != checks.Pass {
		res.Status = v.Status
		msgs = append(msgs, v.Message)
		advice = append(advice, v.Advice)
	}
	switch {
	case primaryErr != nil:
		res.Details.Add("primary major version", "unknown: "+primaryErr.Error())
	case majorOf(primary) != major:
		res.Status = checks.Worse(res.Status, checks.Warn)
		msgs = append(msgs, fmt.Sprintf("its major version %d differs from the primary's %d", major, majorOf(primary)))
		advice = append(advice, "Point DATABASE_READ_ONLY_URL at a replica of the DATABASE_URL server (on Aurora the cluster's reader endpoint), or at the primary itself; a replica of another major version is a different database.")
	default:
		res.Details.Add("primary major version", majorOf(primary))
	}
	if len(msgs) > 0 {
		res.Message += "; " + strings.Join(msgs, "; ")
	}
	res.Advice = joinLines(advice)
	res.Details.Add("server_version_num", num)
	res.Details.Add("in recovery", inRecovery)
	return res
}
