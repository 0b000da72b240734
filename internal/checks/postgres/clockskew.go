package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
)

// maxSkew is the clock difference above which the check warns. Tokens and
// request signatures carry timestamps that are compared across machines;
// NTP-synchronised hosts agree within milliseconds, so 30 s only fires on a
// clock that is not synchronised, well before validity windows of minutes
// are eaten up.
const maxSkew = 30 * time.Second

// skewReadings is how many times the server clock is read; the reading with
// the shortest round trip bounds the error best (as NTP does).
const skewReadings = 3

// skewReading is one comparison: the server's clock_timestamp() against the
// local clock half-way through the round trip.
type skewReading struct {
	server, local time.Time
	rtt           time.Duration
}

func (r skewReading) skew() time.Duration { return r.server.Sub(r.local) }

func readServerClock(ctx context.Context, c *pgx.Conn) (skewReading, error) {
	var srv time.Time
	t0 := time.Now()
	// clock_timestamp(), not now(): now() is frozen at transaction start.
	if err := c.QueryRow(ctx, "SELECT clock_timestamp()").Scan(&srv); err != nil {
		return skewReading{}, err
	}
	t1 := time.Now()
	rtt := t1.Sub(t0)
	return skewReading{server: srv, local: t0.Add(rtt / 2), rtt: rtt}, nil
}

func skewVerdict(r skewReading) checks.Result {
	sk := r.skew().Round(time.Millisecond)
	diff := "no measurable difference"
	switch {
	case sk > 0:
		diff = fmt.Sprintf("%s ahead of this machine's", sk)
	case sk < 0:
		diff = fmt.Sprintf("%s behind this machine's", -sk)
	}
	var res checks.Result
	if sk.Abs() > maxSkew {
		res = checks.Warnf("Synchronise the clocks of the database host and of the machines running Spacelift (chrony/NTP, or the cloud provider's time service). Spacelift's tokens and request signatures are time-sensitive, so a clock that is off by more than a few seconds makes them look expired or not yet valid.",
			"the database clock is %s (more than %s)", diff, maxSkew)
	} else {
		res = checks.Passf("the database clock is within %s of this machine's (%s)", maxSkew, diff)
	}
	res.Details.Add("skew (server - local)", sk)
	res.Details.Add("uncertainty", fmt.Sprintf("±%s", (r.rtt/2).Round(time.Microsecond)))
	res.Details.Add("server time", r.server.UTC().Format(time.RFC3339Nano))
	res.Details.Add("local time", r.local.UTC().Format(time.RFC3339Nano))
	return res
}

func (s *session) checkClockSkew(ctx context.Context) checks.Result {
	return s.query(ctx, func(c *pgx.Conn) checks.Result {
		var best skewReading
		for i := range skewReadings {
			r, err := readServerClock(ctx, c)
			if err != nil {
				return s.queryFailed("reading the server clock", err)
			}
			if i == 0 || r.rtt < best.rtt {
				best = r
			}
		}
		return skewVerdict(best)
	})
}
