package postgres

import (
	"context"
	"crypto/tls"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
)

// checkConnect is postgres.connect: dial DATABASE_URL as Spacelift would and
// either describe the connection or say exactly why it failed.
func (s *session) checkConnect(ctx context.Context) checks.Result {
	var res checks.Result
	dr, err := s.use(ctx, true, func(c *pgx.Conn) error {
		res = describeConnection(c, s.ep, time.Now())
		if s.last.conn == c {
			res.Details.Add("connect time", s.last.elapsed.Round(time.Millisecond))
		}
		return nil
	})
	if err != nil {
		if dr.err != nil {
			return s.classify(dr).result(dr.ep, dr.err, s.scrub)
		}
		return checks.Errorf("Another postgres check held the connection until this check's deadline; raise --check-timeout.",
			"could not get the database connection: %s", s.scrub(err.Error()))
	}
	return res
}

// describeConnection is the verdict on an established connection: pass,
// or warn when it is unencrypted off-host or its certificate is expiring.
func describeConnection(c *pgx.Conn, ep *endpoint, now time.Time) checks.Result {
	enc := "not encrypted"
	if st := tlsState(c); st != nil {
		enc = "encrypted with " + tls.VersionName(st.Version)
	}
	res := checks.Passf("connected to %s as user %q, database %q, %s", ep.Server(), ep.User, ep.Database, enc)
	res = withTransport(res, describeTransport(c, ep, now))
	if v := c.PgConn().ParameterStatus("server_version"); v != "" {
		res.Details.Add("server version", v)
	}
	return res
}
