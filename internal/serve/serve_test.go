package serve

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/spacelift-io/spacectl-preflight/internal/report"
)

// TestManyConcurrentRequestsShareOneRun: while the first run is in
// progress, a crowd of scrapes, page views and POST /run calls start no
// run of their own; every POST /run waits for, and gets, that one run's
// report. Right after it, POST /run is refused (429) until the gap has
// passed, and then starts exactly one more run.
func TestManyConcurrentRequestsShareOneRun(t *testing.T) {
	clk, tm, r := newClock(), newTimer(), newRuns()
	r.gate = make(chan struct{})
	base, _ := server(t, Options{Run: r.Run, Now: clk.Now, After: tm.After, Interval: time.Minute})
	waitStarted(t, r, 1)

	var wg sync.WaitGroup
	var mu sync.Mutex
	codes := map[string][]int{}
	bodies := map[string]bool{}
	for i := range 60 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			method, path := http.MethodGet, []string{"/metrics", "/", "/results.json", "/readyz"}[i%4]
			if i%3 == 0 {
				method, path = http.MethodPost, "/run"
			}
			code, body, _ := get(t, method, base+path)
			mu.Lock()
			defer mu.Unlock()
			codes[method+" "+path] = append(codes[method+" "+path], code)
			if method == http.MethodPost {
				bodies[body] = true
			}
		}()
	}
	// Every request is in: the GETs have answered, the POSTs wait.
	waitFor(t, "the GET requests", func() bool {
		mu.Lock()
		defer mu.Unlock()
		n := 0
		for k, v := range codes {
			if !strings.HasPrefix(k, "POST") {
				n += len(v)
			}
		}
		return n == 40
	})
	time.Sleep(50 * time.Millisecond)
	if got := r.calls.Load(); got != 1 {
		t.Fatalf("%d runs while the first was in progress, want 1", got)
	}
	close(r.gate)
	wg.Wait()

	if got := r.calls.Load(); got != 1 {
		t.Errorf("%d runs, want exactly 1", got)
	}
	for k, v := range codes {
		want := http.StatusOK
		if k == "GET /results.json" || k == "GET /readyz" {
			want = http.StatusServiceUnavailable // before the run ended
		}
		for _, c := range v {
			if c != want {
				t.Errorf("%s answered %d, want %d", k, c, want)
			}
		}
	}
	if len(codes["POST /run"]) != 20 || len(bodies) != 1 {
		t.Fatalf("%d POST /run answers with %d distinct bodies, want 20 answers sharing one report", len(codes["POST /run"]), len(bodies))
	}
	for b := range bodies {
		parsed, err := report.ParseJSON(strings.NewReader(b))
		if err != nil || len(parsed.Results) != 3 {
			t.Errorf("POST /run did not answer with the run's JSON report (%v):\n%s", err, b)
		}
	}

	// Rate limit: a run started less than the gap ago.
	<-tm.delays
	clk.Advance(10 * time.Second)
	code, body, h := get(t, http.MethodPost, base+"/run")
	if code != http.StatusTooManyRequests || h.Get("Retry-After") != "20" {
		t.Errorf("POST /run 10s after a run: %d, Retry-After %q, want 429 and 20\n%s", code, h.Get("Retry-After"), body)
	}
	r.gate = nil
	clk.Advance(21 * time.Second)
	if code, body, _ := get(t, http.MethodPost, base+"/run"); code != http.StatusOK {
		t.Errorf("POST /run 31s after a run: %d\n%s", code, body)
	}
	if got := r.calls.Load(); got != 2 {
		t.Errorf("%d runs, want 2", got)
	}
}

// TestRunsFollowTheIntervalWithJitter: a run at start, then one each time
// the timer fires, the timer armed after each run with the interval moved
// by the injected random number; requests never start a run.
func TestRunsFollowTheIntervalWithJitter(t *testing.T) {
	clk, tm, r := newClock(), newTimer(), newRuns()
	rands := []float64{0, 0.5, 0.9999}
	var mu sync.Mutex
	rnd := func() float64 {
		mu.Lock()
		defer mu.Unlock()
		v := rands[0]
		rands = rands[1:]
		return v
	}
	base, _ := server(t, Options{Run: r.Run, Now: clk.Now, After: tm.After, Rand: rnd, Interval: 10 * time.Minute})
	want := []time.Duration{9 * time.Minute, 10 * time.Minute, 11 * time.Minute}
	for i, w := range want {
		waitStarted(t, r, i+1)
		d := <-tm.delays
		if diff := d - w; diff < -time.Second || diff > time.Second {
			t.Errorf("wait after run %d: %s, want about %s", i+1, d, w)
		}
		for _, p := range []string{"/metrics", "/", "/results.json", "/readyz", "/healthz"} {
			get(t, http.MethodGet, base+p)
		}
		if got := int(r.calls.Load()); got != i+1 {
			t.Fatalf("requests started a run: %d runs, want %d", got, i+1)
		}
		if i < len(want)-1 {
			tm.fire <- clk.Now()
		}
	}
}

func TestNextDelayStaysWithinTenPercent(t *testing.T) {
	for _, c := range []struct {
		r    float64
		want time.Duration
	}{{0, 270 * time.Second}, {0.25, 285 * time.Second}, {0.5, 300 * time.Second}, {0.75, 315 * time.Second}} {
		if got := nextDelay(5*time.Minute, c.r); got != c.want {
			t.Errorf("nextDelay(5m, %v) = %s, want %s", c.r, got, c.want)
		}
	}
	if got := nextDelay(5*time.Minute, 0.99999999); got >= 330*time.Second || got < 329*time.Second {
		t.Errorf("nextDelay near 1 = %s, want just under 5m30s", got)
	}
}

// TestReadyzFollowsTheLastRunsAge: 503 before the first run, 200 after it,
// 503 again once the last run is two intervals old.
func TestReadyzFollowsTheLastRunsAge(t *testing.T) {
	clk, tm, r := newClock(), newTimer(), newRuns()
	r.gate = make(chan struct{})
	base, _ := server(t, Options{Run: r.Run, Now: clk.Now, After: tm.After, Interval: time.Minute})
	waitStarted(t, r, 1)
	if code, body, _ := get(t, http.MethodGet, base+"/readyz"); code != http.StatusServiceUnavailable || !strings.Contains(body, "first run") {
		t.Errorf("readyz during the first run: %d %q", code, body)
	}
	if code, _, _ := get(t, http.MethodGet, base+"/healthz"); code != http.StatusOK {
		t.Errorf("healthz: %d", code)
	}
	close(r.gate)
	<-tm.delays
	if code, body, _ := get(t, http.MethodGet, base+"/readyz"); code != http.StatusOK {
		t.Errorf("readyz after the run: %d %q", code, body)
	}
	clk.Advance(119 * time.Second)
	if code, _, _ := get(t, http.MethodGet, base+"/readyz"); code != http.StatusOK {
		t.Errorf("readyz at 1m59s: %d", code)
	}
	clk.Advance(time.Second)
	if code, body, _ := get(t, http.MethodGet, base+"/readyz"); code != http.StatusServiceUnavailable || !strings.Contains(body, "2m0s") {
		t.Errorf("readyz at 2m: %d %q, want 503", code, body)
	}
}

// TestStopCancelsTheRunInProgress: cancelling the context ends the run in
// progress (its context is cancelled), publishes nothing from it, answers
// the POST /run waiting for it, and Run returns nil.
func TestStopCancelsTheRunInProgress(t *testing.T) {
	clk, tm, r := newClock(), newTimer(), newRuns()
	r.gate = make(chan struct{})
	base, stop := server(t, Options{Run: r.Run, Now: clk.Now, After: tm.After, Interval: time.Minute})
	waitStarted(t, r, 1)
	waiting := make(chan int, 1)
	go func() {
		code, _, _ := get(t, http.MethodPost, base+"/run")
		waiting <- code
	}()
	time.Sleep(50 * time.Millisecond)
	if err := stop(); err != nil {
		t.Fatalf("Run returned %v, want nil", err)
	}
	select {
	case code := <-waiting:
		if code != http.StatusServiceUnavailable {
			t.Errorf("POST /run waiting for the cancelled run: %d, want 503", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("POST /run still waits after the server stopped")
	}
	if _, err := http.Get(base + "/healthz"); err == nil {
		t.Error("the server still answers after Run returned")
	}
}

// TestListenFailureIsAnError: an address in use is reported, not ignored.
func TestListenFailureIsAnError(t *testing.T) {
	r := newRuns()
	base, _ := server(t, Options{Run: r.Run, After: newTimer().After})
	err := Run(context.Background(), Options{Run: r.Run, Listen: strings.TrimPrefix(base, "http://")})
	if err == nil || !strings.Contains(err.Error(), "address already in use") {
		t.Errorf("Run on a used address: %v", err)
	}
	if err := Run(context.Background(), Options{Listen: "127.0.0.1:0"}); err == nil {
		t.Error("Run without a run function succeeded")
	}
}

// TestMetricsDescribeTheLastRun: both exposition formats carry the one-hot
// status, the per-check and per-run figures, the run counter and the
// certificate's expiry, all from the cached run.
func TestMetricsDescribeTheLastRun(t *testing.T) {
	clk, tm, r := newClock(), newTimer(), newRuns()
	base, _ := server(t, Options{Run: r.Run, Now: clk.Now, After: tm.After, Interval: time.Minute})
	<-tm.delays
	_, text, h := get(t, http.MethodGet, base+"/metrics")
	if ct := h.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Errorf("default content type %q", ct)
	}
	contains(t, "text metrics", text,
		`spacectl_preflight_check_status{check="postgres.connect",group="postgres",status="pass"} 1`,
		`spacectl_preflight_check_status{check="postgres.connect",group="postgres",status="fail"} 0`,
		`spacectl_preflight_check_status{check="storage.bucket.states",group="storage",status="fail"} 1`,
		`spacectl_preflight_check_status{check="storage.bucket.modules",group="storage",status="skip"} 1`,
		`spacectl_preflight_check_duration_seconds{check="storage.bucket.states",group="storage"} 2`,
		`spacectl_preflight_check_last_run_timestamp_seconds{check="postgres.connect",group="postgres"} `+strconv.FormatFloat(float64(clk.Now().Unix()), 'g', -1, 64),
		`spacectl_preflight_run_duration_seconds 3`,
		`spacectl_preflight_runs_total{result="fail"} 1`,
		`spacectl_preflight_runs_total{result="pass"} 0`,
		`spacectl_preflight_certificate_not_after_timestamp_seconds{check="postgres.connect",endpoint="db.example.com:5432"} 1.798859045e+09`)
	if strings.Count(text, "spacectl_preflight_check_status{") != 15 {
		t.Errorf("want 5 status series for each of 3 checks:\n%s", text)
	}
	p := expfmt.NewTextParser(model.LegacyValidation)
	if _, err := p.TextToMetricFamilies(strings.NewReader(text)); err != nil {
		t.Errorf("the text format does not parse: %v", err)
	}

	req, _ := http.NewRequest(http.MethodGet, base+"/metrics", nil)
	req.Header.Set("Accept", "application/openmetrics-text;version=1.0.0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var om bytes.Buffer
	_, _ = om.ReadFrom(resp.Body)
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/openmetrics-text") {
		t.Errorf("OpenMetrics content type %q", ct)
	}
	contains(t, "OpenMetrics", om.String(), "# TYPE spacectl_preflight_runs counter", `spacectl_preflight_runs_total{result="fail"} 1.0`, "# EOF")
}

// TestResultsJSONIsTheJSONReport: /results.json is report.JSON of the
// cached run, readable by report.ParseJSON (and so by `bundle --results`).
func TestResultsJSONIsTheJSONReport(t *testing.T) {
	tm, r := newTimer(), newRuns()
	base, _ := server(t, Options{Run: r.Run, After: tm.After, Interval: time.Minute})
	<-tm.delays
	code, body, h := get(t, http.MethodGet, base+"/results.json")
	if code != http.StatusOK || h.Get("Content-Type") != "application/json" {
		t.Fatalf("results.json: %d %s", code, h.Get("Content-Type"))
	}
	var want bytes.Buffer
	if err := report.JSON(&want, sampleReport(1), report.Options{}); err != nil {
		t.Fatal(err)
	}
	if body != want.String() {
		t.Errorf("results.json differs from report.JSON:\n%s\nwant:\n%s", body, want.String())
	}
}

// TestMethodsAndUnknownPaths: only the documented endpoints answer.
func TestMethodsAndUnknownPaths(t *testing.T) {
	tm, r := newTimer(), newRuns()
	base, _ := server(t, Options{Run: r.Run, After: tm.After, Interval: time.Minute})
	<-tm.delays
	for _, c := range []struct {
		method, path string
		want         int
	}{
		{http.MethodGet, "/run", http.StatusMethodNotAllowed},
		{http.MethodPost, "/metrics", http.StatusMethodNotAllowed},
		{http.MethodGet, "/nope", http.StatusNotFound},
		{http.MethodGet, "/metrics/x", http.StatusNotFound},
	} {
		if code, _, _ := get(t, c.method, base+c.path); code != c.want {
			t.Errorf("%s %s: %d, want %d", c.method, c.path, code, c.want)
		}
	}
	if got := r.calls.Load(); got != 1 {
		t.Errorf("%d runs", got)
	}
}

// TestARunErrorIsLoggedAndNotPublished: a run that returns an error leaves
// the previous results in place.
func TestARunErrorIsLoggedAndNotPublished(t *testing.T) {
	tm := newTimer()
	calls := 0
	run := func(context.Context) (report.Report, error) {
		calls++
		if calls == 2 {
			return report.Report{}, errors.New("boom")
		}
		return sampleReport(calls), nil
	}
	base, _ := server(t, Options{Run: run, After: tm.After, Interval: time.Minute})
	<-tm.delays
	tm.fire <- time.Now()
	<-tm.delays
	_, metrics, _ := get(t, http.MethodGet, base+"/metrics")
	contains(t, "metrics after a failed run", metrics, `spacectl_preflight_runs_total{result="fail"} 1`, `status="fail"} 1`)
}
