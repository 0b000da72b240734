package postgres

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
)

// Latency sampling: one warm-up round trip (it may pay for a reconnect or a
// cold cache), then latencySamples timed ones; the median ignores a stray
// slow sample that a single measurement would report.
const (
	latencySamples = 9
	// latencyWarn: see docs/checks/postgres.latency.md for why 10 ms.
	latencyWarn = 10 * time.Millisecond
)

// median of a non-empty slice (sorted copy; upper median for even sizes).
func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func latencyVerdict(samples []time.Duration) checks.Result {
	m := median(samples).Round(time.Microsecond)
	res := checks.Passf("median round trip %s over %d queries (warn above %s)", m, len(samples), latencyWarn)
	if m > latencyWarn {
		res = checks.Warnf("Spacelift runs many short queries one after another per request and per scheduled job, so every millisecond of round trip multiplies. Run the database in the same region (ideally the same zone) as the Spacelift pods, and run this preflight from where those pods run: a laptop over VPN measures the VPN.",
			"median round trip %s over %d queries is above %s", m, len(samples), latencyWarn)
	}
	res.Details.Add("median", m)
	res.Details.Add("min", slices.Min(samples).Round(time.Microsecond))
	res.Details.Add("max", slices.Max(samples).Round(time.Microsecond))
	res.Details.Add("samples", len(samples))
	return res
}

// pingRoundTrips times n empty-statement round trips (pgconn's Ping: one
// simple-protocol message, no parsing or planning on the server).
func pingRoundTrips(ctx context.Context, c *pgx.Conn, n int) ([]time.Duration, error) {
	if err := c.PgConn().Ping(ctx); err != nil {
		return nil, err
	}
	out := make([]time.Duration, 0, n)
	for range n {
		start := time.Now()
		if err := c.PgConn().Ping(ctx); err != nil {
			return nil, err
		}
		out = append(out, time.Since(start))
	}
	return out, nil
}

func (s *session) checkLatency(ctx context.Context) checks.Result {
	return s.query(ctx, func(c *pgx.Conn) checks.Result {
		samples, err := pingRoundTrips(ctx, c, latencySamples)
		if err != nil {
			return s.queryFailed(fmt.Sprintf("timing %d round trips", latencySamples), err)
		}
		return latencyVerdict(samples)
	})
}
