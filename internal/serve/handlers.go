package serve

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/spacelift-io/spacectl-preflight/internal/report"
)

// handler serves the endpoints; it reads the state and never runs checks,
// except through the scheduler on POST /run.
type handler struct {
	o   Options
	st  *state
	sch *scheduler
	pg  *page
}

func newHandler(o Options, st *state, sch *scheduler) http.Handler {
	h := &handler{o: o, st: st, sch: sch, pg: newPage()}
	// A registry of our own: only the collector of the cached report, so
	// every scrape describes one run and nothing else.
	reg := prometheus.NewRegistry()
	reg.MustRegister(report.NewMetricsCollector(st.metrics))
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{
		EnableOpenMetrics:   true,
		MaxRequestsInFlight: 16,
		Timeout:             10 * time.Second,
		ErrorLog:            slogPrinter{h},
	}))
	mux.HandleFunc("GET /healthz", h.healthz)
	mux.HandleFunc("GET /readyz", h.readyz)
	mux.HandleFunc("GET /results.json", h.results)
	mux.HandleFunc("POST /run", h.run)
	mux.HandleFunc("GET /{$}", h.page)
	return securityHeaders(mux)
}

// securityHeaders marks every response as not to be cached or sniffed.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		next.ServeHTTP(w, r)
	})
}

// slogPrinter lets promhttp report encoding errors through our logger.
type slogPrinter struct{ h *handler }

func (p slogPrinter) Println(v ...any) { p.h.o.Log.Warn("metrics: " + fmt.Sprint(v...)) }

func (h *handler) healthz(w http.ResponseWriter, _ *http.Request) {
	text(w, http.StatusOK, "ok\n")
}

// readyz is ready once a run has finished, for as long as the last one
// finished less than two intervals ago.
func (h *handler) readyz(w http.ResponseWriter, _ *http.Request) {
	maxAge := 2 * h.o.Interval
	ok, age, finished := h.st.ready(h.o.Now(), maxAge)
	switch {
	case !finished:
		text(w, http.StatusServiceUnavailable, "not ready: the first run has not finished yet\n")
	case !ok:
		text(w, http.StatusServiceUnavailable, fmt.Sprintf("not ready: the last run finished %s ago (more than %s, twice the interval)\n", age.Round(time.Second), maxAge))
	default:
		text(w, http.StatusOK, fmt.Sprintf("ok: the last run finished %s ago\n", age.Round(time.Second)))
	}
}

// results is the last run in the JSON report format (docs/output-json.md).
func (h *handler) results(w http.ResponseWriter, _ *http.Request) {
	v := h.st.view()
	if v.last == nil {
		text(w, http.StatusServiceUnavailable, "no run has finished yet\n")
		return
	}
	writeJSON(w, *v.last)
}

// run starts a run, or joins the one in progress, and answers with its
// report once it ends. A run that started less than ManualGap ago is not
// repeated: 429 with Retry-After.
func (h *handler) run(w http.ResponseWriter, r *http.Request) {
	wait, cancel := context.WithTimeout(r.Context(), h.o.RunTimeout)
	defer cancel()
	reply, ok := h.sch.requestRun(wait)
	if !ok {
		text(w, http.StatusServiceUnavailable, "the server is stopping\n")
		return
	}
	if reply.f == nil {
		secs := int(math.Ceil(reply.retryAfter.Seconds()))
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		text(w, http.StatusTooManyRequests, fmt.Sprintf("a run started less than %s ago; try again in %ds (GET /results.json has its results)\n", h.o.ManualGap, secs))
		return
	}
	select {
	case <-reply.f.done:
	case <-wait.Done():
		text(w, http.StatusGatewayTimeout, "the run is still going; GET /results.json once it ends\n")
		return
	}
	if reply.f.err != nil {
		text(w, http.StatusServiceUnavailable, reply.f.err.Error()+"\n")
		return
	}
	writeJSON(w, reply.f.rep)
}

func (h *handler) page(w http.ResponseWriter, _ *http.Request) {
	var buf bytes.Buffer
	if err := h.pg.render(&buf, h.pageData()); err != nil {
		h.o.Log.Error("rendering the page", "error", err.Error())
		text(w, http.StatusInternalServerError, "could not render the page\n")
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", h.pg.csp)
	w.Header().Set("Referrer-Policy", "no-referrer")
	_, _ = w.Write(buf.Bytes())
}

func writeJSON(w http.ResponseWriter, r report.Report) {
	var buf bytes.Buffer
	if err := report.JSON(&buf, r, report.Options{}); err != nil {
		text(w, http.StatusInternalServerError, "could not render the report\n")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(buf.Bytes())
}

func text(w http.ResponseWriter, code int, body string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(code)
	_, _ = w.Write([]byte(body))
}
