package serve

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/report"
)

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// timer stands in for time.After: it records each wait the schedule asks
// for and fires only when the test says so.
type timer struct {
	delays chan time.Duration
	fire   chan time.Time
}

func newTimer() *timer {
	return &timer{delays: make(chan time.Duration, 16), fire: make(chan time.Time)}
}

func (t *timer) After(d time.Duration) <-chan time.Time {
	t.delays <- d
	return t.fire
}

// runs is a fake run function: it counts calls, reports each start, and
// while gate is open (non-nil) blocks each run until the gate closes.
type runs struct {
	calls   atomic.Int32
	started chan int
	gate    chan struct{}
	// report builds the n-th run's report.
	report func(n int) report.Report
}

func newRuns() *runs {
	return &runs{started: make(chan int, 16), report: sampleReport}
}

func (r *runs) Run(ctx context.Context) (report.Report, error) {
	n := int(r.calls.Add(1))
	r.started <- n
	if r.gate != nil {
		select {
		case <-r.gate:
		case <-ctx.Done():
			rep := r.report(n)
			rep.Interrupted = true
			return rep, nil
		}
	}
	return r.report(n), nil
}

// sampleReport has two groups, a passing check with a certificate, a
// failing one with advice and steps, and a skipped one.
func sampleReport(n int) report.Report {
	started := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	entries := []report.Entry{
		{ID: "postgres.connect", Title: "Spacelift can connect to DATABASE_URL", Group: "postgres", GroupTitle: "PostgreSQL",
			Status: checks.Pass, Message: "connected", Duration: 120 * time.Millisecond, DocURL: "https://example.com/postgres.connect.md",
			Details: append(checks.Details{checks.KV("server", "db.example.com:5432")}, checks.CertificateEvidence("db.example.com:5432", time.Date(2027, 1, 2, 3, 4, 5, 0, time.UTC))...)},
		{ID: "storage.bucket.states", Title: "The states bucket works", Group: "storage", GroupTitle: "Object storage",
			Status: checks.Fail, Message: "bucket spacelift-states: access denied", Advice: "Allow s3:PutObject on the bucket.",
			Duration: 2 * time.Second, DocURL: "https://example.com/storage.bucket.md",
			Steps: []checks.Step{{Name: "put", Status: checks.Fail, Message: "AccessDenied", Advice: "Allow s3:PutObject."}, {Name: "exists", Status: checks.Pass, Message: "found"}}},
		{ID: "storage.bucket.modules", Title: "The modules bucket works", Group: "storage", GroupTitle: "Object storage",
			Status: checks.Skip, Message: "not selected"},
	}
	_ = n
	return report.Report{Tool: report.Tool{Name: "spacectl-preflight", Version: "test"}, StartedAt: started, Duration: 3 * time.Second,
		Results: entries, Summary: report.Summarize(entries)}
}

// server starts Run with o on a loopback listener; stop ends it and returns
// Run's error.
func server(t *testing.T, o Options) (base string, stop func() error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	o.Listener = ln
	ctx, cancel := context.WithCancelCause(context.Background())
	done := make(chan error, 1)
	go func() { done <- Run(ctx, o) }()
	var once sync.Once
	var runErr error
	stop = func() error {
		once.Do(func() {
			cancel(checks.ErrInterrupted)
			select {
			case runErr = <-done:
			case <-time.After(20 * time.Second):
				t.Fatal("Run did not return within 20s of the cancellation")
			}
		})
		return runErr
	}
	t.Cleanup(func() { _ = stop() })
	return "http://" + ln.Addr().String(), stop
}

// get fetches url and returns the status code and body.
func get(t *testing.T, method, url string) (int, string, http.Header) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	resp, err := http.DefaultClient.Do(req.WithContext(ctx))
	if err != nil {
		t.Errorf("%s %s: %v", method, url, err)
		return 0, "", nil
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), resp.Header
}

// waitFor polls cond for up to 10s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func waitStarted(t *testing.T, r *runs, want int) {
	t.Helper()
	select {
	case n := <-r.started:
		if n != want {
			t.Fatalf("run %d started, want run %d", n, want)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("run %d did not start", want)
	}
}

func contains(t *testing.T, what, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, body)
		}
	}
}
