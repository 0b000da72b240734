package serve

import (
	"crypto/sha256"
	_ "embed" // the page template
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"strings"
	"time"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/report"
	"github.com/spacelift-io/spacectl-preflight/internal/safetext"
)

//go:embed page.html
var pageTemplate string

// pageCSS is the page's only style, inline: the page loads nothing else
// (no script, font or image), and its Content-Security-Policy allows
// exactly this stylesheet by its hash.
const pageCSS = `
:root { color-scheme: light dark; --fg: #1f2328; --muted: #656d76; --bg: #fff; --line: #d0d7de; --row: #f6f8fa;
  --pass: #1a7f37; --warn: #9a6700; --fail: #cf222e; --error: #8250df; --skip: #6e7781; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --muted: #8d96a0; --bg: #0d1117; --line: #30363d; --row: #161b22;
  --pass: #3fb950; --warn: #d29922; --fail: #f85149; --error: #a371f7; --skip: #8d96a0; } }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1200px; padding: 1rem 1.5rem 3rem; font: 14px/1.45 system-ui, sans-serif; color: var(--fg); background: var(--bg); }
h1 { font-size: 1.4rem; margin: .5rem 0; }
h2 { font-size: 1.1rem; margin: 2rem 0 .5rem; }
.gid, .meta, .title, .since, .took, footer { color: var(--muted); }
.gid { font-weight: normal; font-size: .85rem; }
.summary { font-size: 1.05rem; margin: .25rem 0; }
table { width: 100%; border-collapse: collapse; }
th, td { text-align: left; vertical-align: top; padding: .45rem .5rem; border-bottom: 1px solid var(--line); }
th { font-size: .8rem; text-transform: uppercase; letter-spacing: .03em; color: var(--muted); }
tbody tr:nth-child(even) { background: var(--row); }
td:first-child { width: 4.5rem; } td.since { width: 11rem; } td.took { width: 5rem; text-align: right; }
code { font-size: .9rem; }
.msg, .advice, dd { white-space: pre-wrap; overflow-wrap: anywhere; }
.advice { margin-top: .3rem; }
.blocked { color: var(--muted); }
.badge { display: inline-block; min-width: 3.2rem; padding: .05rem .4rem; border-radius: 1rem; color: #fff; font-size: .75rem;
  font-weight: 600; text-align: center; text-transform: uppercase; }
.badge.small { min-width: 2.6rem; font-size: .65rem; }
.s-pass.badge { background: var(--pass); } .s-warn.badge { background: var(--warn); } .s-fail.badge { background: var(--fail); }
.s-error.badge { background: var(--error); } .s-skip.badge { background: var(--skip); }
.steps { margin: .4rem 0 0; padding-left: 1rem; list-style: none; }
.steps li { margin: .15rem 0; }
.evidence { margin-left: 3rem; color: var(--muted); overflow-wrap: anywhere; }
.skipped { margin: .5rem 0 0 .5rem; } .skipped ul { margin: .3rem 0; padding-left: 1rem; list-style: none; color: var(--muted); }
details { margin-top: .3rem; } summary { cursor: pointer; color: var(--muted); }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .1rem .8rem; margin: .3rem 0; }
dt { color: var(--muted); } dd { margin: 0; }
a.doc { display: inline-block; margin-top: .3rem; font-size: .85rem; }
footer { margin-top: 2rem; font-size: .85rem; }
`

// page renders the HTML view of the cached report.
type page struct {
	tmpl *template.Template
	// csp is the page's Content-Security-Policy: nothing may load, only
	// the inline stylesheet may apply.
	csp string
}

func newPage() *page {
	sum := sha256.Sum256([]byte(pageCSS))
	return &page{
		tmpl: template.Must(template.New("page").Parse(pageTemplate)),
		csp: "default-src 'none'; style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'; " +
			"base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
	}
}

func (p *page) render(w io.Writer, d pageData) error { return p.tmpl.Execute(w, d) }

// pageData is what the template shows. Every text is plain: html/template
// escapes it, and safetext makes control characters visible first.
type pageData struct {
	CSS                                  template.CSS
	Refresh                              int
	HasRun, Running                      bool
	Status, StatusWord, Counts           string
	Finished, FinishedAgo, Took, NextRun string
	Interval, Version                    string
	Groups                               []pageGroup
}

type pageGroup struct {
	ID, Title string
	Entries   []pageEntry
	// Skipped are the checks that did not run (disabled, not selected),
	// listed under the table, folded.
	Skipped []pageEntry
}

type pageEntry struct {
	ID, Title, Status, Message, Advice, DocURL, DocLabel, BlockedBy, Since, Took string
	Steps                                                                        []pageStep
	Details                                                                      []checks.Detail
}

type pageStep struct {
	Status, Title, Advice string
	Evidence              []checks.Detail
}

func (h *handler) pageData() pageData {
	v := h.st.view()
	now := h.o.Now()
	d := pageData{
		CSS: template.CSS(pageCSS), Refresh: refreshSeconds(h.o.Interval), Running: v.running,
		Interval: h.o.Interval.String(), Version: safetext.EscapeLine(h.o.Version),
	}
	if !v.nextRun.IsZero() {
		d.NextRun = "in " + humanDuration(v.nextRun.Sub(now))
	}
	if v.last == nil {
		return d
	}
	r := v.last
	d.HasRun = true
	d.Status, d.StatusWord = r.Summary.Status.String(), strings.ToUpper(r.Summary.Status.String())
	s := r.Summary
	d.Counts = fmt.Sprintf("%d passed · %s · %d failed · %s · %d skipped", s.Pass, plural(s.Warn, "warning"), s.Fail, plural(s.Error, "error"), s.Skip)
	d.Finished = timestamp(v.finished)
	d.FinishedAgo = humanDuration(now.Sub(v.finished))
	d.Took = humanDuration(r.Duration)
	for _, g := range r.Groups() {
		pg := pageGroup{ID: g.Name, Title: safetext.EscapeLine(g.Title)}
		for _, e := range g.Entries {
			if e.Status == checks.Skip {
				pg.Skipped = append(pg.Skipped, entryOf(e, change{}))
				continue
			}
			pg.Entries = append(pg.Entries, entryOf(e, v.changes[e.ID]))
		}
		d.Groups = append(d.Groups, pg)
	}
	return d
}

func entryOf(e report.Entry, c change) pageEntry {
	pe := pageEntry{
		ID: e.ID, Title: safetext.EscapeLine(e.Title), Status: e.Status.String(),
		Message: safetext.Escape(e.Message), Advice: safetext.Escape(e.Advice), DocURL: e.DocURL,
		BlockedBy: strings.Join(e.BlockedBy, ", "), Took: humanDuration(e.Duration), DocLabel: "How to fix",
	}
	if e.Status == checks.Pass {
		pe.DocLabel = "About this check"
	}
	if !c.since.IsZero() {
		pe.Since = timestamp(c.since)
		if c.first {
			pe.Since = "at least since " + pe.Since
		}
	}
	// As in the table: a step shows its advice when it differs from the
	// check's and was not shown yet; the check's own advice only when the
	// steps did not already show all of it.
	shown := map[string]bool{}
	for _, s := range e.Steps {
		ps := pageStep{Status: s.Status.String(), Title: safetext.Escape(s.Title()), Evidence: escapeDetails(s.Evidence)}
		if s.Advice != "" && s.Advice != e.Advice && !shown[s.Advice] {
			ps.Advice = safetext.Escape(s.Advice)
			for _, l := range strings.Split(s.Advice, "\n") {
				shown[l] = true
			}
		}
		pe.Steps = append(pe.Steps, ps)
	}
	if covered := e.Advice != "" && allShown(e.Advice, shown); covered {
		pe.Advice = ""
	}
	pe.Details = escapeDetails(e.Details)
	return pe
}

func allShown(advice string, shown map[string]bool) bool {
	for _, l := range strings.Split(advice, "\n") {
		if !shown[l] {
			return false
		}
	}
	return true
}

func escapeDetails(ds checks.Details) []checks.Detail {
	out := make([]checks.Detail, 0, len(ds))
	for _, kv := range ds {
		out = append(out, checks.Detail{Key: safetext.EscapeLine(kv.Key), Value: safetext.Escape(kv.Value)})
	}
	return out
}

// refreshSeconds reloads the page about as often as results can change,
// at most every 10 s and at least every minute.
func refreshSeconds(interval time.Duration) int {
	return int(min(max(interval/5, 10*time.Second), time.Minute).Seconds())
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

func timestamp(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") }

// humanDuration rounds for people: 850ms, 12.3s, 4m10s, 2h5m.
func humanDuration(d time.Duration) string {
	switch {
	case d < 0:
		d = 0
		fallthrough
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	case d < time.Minute:
		return d.Round(100 * time.Millisecond).String()
	case d < time.Hour:
		return d.Round(time.Second).String()
	}
	return strings.TrimSuffix(d.Round(time.Minute).String(), "0s")
}
