package serve

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/report"
)

// TestPageShowsTheRunAndWhenEachCheckChanged: groups, checks, advice and
// steps are on the page, and "status since" is the run where the status
// last changed ("at least since" the first run for a status never seen to
// change).
func TestPageShowsTheRunAndWhenEachCheckChanged(t *testing.T) {
	clk, tm, r := newClock(), newTimer(), newRuns()
	r.report = func(n int) report.Report {
		rep := sampleReport(n)
		if n == 2 {
			rep.Results[1].Status, rep.Results[1].Message, rep.Results[1].Advice, rep.Results[1].Steps = checks.Pass, "bucket spacelift-states works", "", nil
			rep.Summary = report.Summarize(rep.Results)
		}
		return rep
	}
	base, _ := server(t, Options{Run: r.Run, Now: clk.Now, After: tm.After, Rand: func() float64 { return 0.5 }, Interval: 5 * time.Minute, Version: "v1.2.3"})
	<-tm.delays
	first := clk.Now()
	_, page, _ := get(t, http.MethodGet, base+"/")
	contains(t, "page after run 1", page,
		"PostgreSQL", "Object storage", "postgres.connect", "storage.bucket.states", "storage.bucket.modules",
		"Spacelift can connect to DATABASE_URL", "bucket spacelift-states: access denied", "Allow s3:PutObject on the bucket.",
		"put: AccessDenied", "exists: found", "1 passed · 0 warnings · 1 failed · 0 errors · 1 skipped",
		`<span class="badge s-fail">FAIL</span>`, "Version v1.2.3", `content="60"`,
		"at least since "+timestamp(first), "https://example.com/postgres.connect.md", "Next run about in 5m0s.")

	clk.Advance(5 * time.Minute)
	tm.fire <- clk.Now()
	<-tm.delays
	second := clk.Now()
	_, page, _ = get(t, http.MethodGet, base+"/")
	row := func(id string) string {
		i := strings.Index(page, `<tr id="`+id+`">`)
		if i < 0 {
			t.Fatalf("no row for %s:\n%s", id, page)
		}
		return page[i : i+strings.Index(page[i:], "</tr>")]
	}
	if got := row("storage.bucket.states"); !strings.Contains(got, `<td class="since">`+timestamp(second)+`</td>`) {
		t.Errorf("storage.bucket.states changed to pass in run 2, its row says:\n%s", got)
	}
	if got := row("postgres.connect"); !strings.Contains(got, "at least since "+timestamp(first)) {
		t.Errorf("postgres.connect never changed, its row says:\n%s", got)
	}
}

// TestPageEscapesEverythingAndLoadsNothing: text from checks (which may
// quote a server or an input file) cannot inject markup, a link cannot be a
// script, control characters show as escapes, and the Content-Security-
// Policy lets nothing load and only the page's own stylesheet apply.
func TestPageEscapesEverythingAndLoadsNothing(t *testing.T) {
	tm, r := newTimer(), newRuns()
	r.report = func(n int) report.Report {
		rep := sampleReport(n)
		e := &rep.Results[1]
		e.Message = `<script>alert("m")</script> & more`
		e.Advice = `"><img src=x onerror=alert(1)>`
		e.Title = "title \x1b[31mred"
		e.DocURL = "javascript:alert(1)"
		e.Steps[0].Message = "</li></ul><iframe src=//evil>"
		e.Details = checks.Details{checks.KV("<b>key</b>", "<i>value</i>")}
		rep.Results[0].GroupTitle = "<h1>group</h1>"
		return rep
	}
	base, _ := server(t, Options{Run: r.Run, After: tm.After, Interval: time.Minute})
	<-tm.delays
	_, page, h := get(t, http.MethodGet, base+"/")
	for _, bad := range []string{"<script>", "<img", "<iframe", "javascript:", "<b>key", "<i>value", "<h1>group", "\x1b"} {
		if strings.Contains(page, bad) {
			t.Errorf("the page contains %q unescaped", bad)
		}
	}
	contains(t, "escaped page", page, "&lt;script&gt;alert(&#34;m&#34;)&lt;/script&gt; &amp; more", `title \x1b[31mred`,
		"&lt;h1&gt;group&lt;/h1&gt;", "&lt;b&gt;key&lt;/b&gt;", "#ZgotmplZ")

	csp := h.Get("Content-Security-Policy")
	m := regexp.MustCompile(`(?s)<style>(.*?)</style>`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no stylesheet")
	}
	sum := sha256.Sum256([]byte(m[1]))
	if want := "style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"; !strings.Contains(csp, want) || !strings.HasPrefix(csp, "default-src 'none'") {
		t.Errorf("CSP %q does not allow exactly the page's stylesheet (%s)", csp, want)
	}
	if strings.Count(page, "<style") != 1 || strings.Contains(page, "<script") || strings.Contains(page, "<link") || strings.Contains(page, " src=\"") {
		t.Errorf("the page must load nothing and run no script:\n%s", page)
	}
}

// TestPageBeforeTheFirstRun says so instead of showing an empty table.
func TestPageBeforeTheFirstRun(t *testing.T) {
	tm, r := newTimer(), newRuns()
	r.gate = make(chan struct{})
	base, _ := server(t, Options{Run: r.Run, After: tm.After, Interval: time.Minute})
	waitStarted(t, r, 1)
	code, page, _ := get(t, http.MethodGet, base+"/")
	if code != http.StatusOK {
		t.Errorf("page: %d", code)
	}
	contains(t, "page before the first run", page, "No run has finished yet: the first run is in progress")
	close(r.gate)
}

func TestHumanDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		-time.Second: "0s", 1234567 * time.Nanosecond: "1ms", 12345 * time.Millisecond: "12.3s",
		250 * time.Second: "4m10s", 2*time.Hour + 5*time.Minute + 20*time.Second: "2h5m",
	} {
		if got := humanDuration(d); got != want {
			t.Errorf("humanDuration(%s) = %q, want %q", d, got, want)
		}
	}
}
