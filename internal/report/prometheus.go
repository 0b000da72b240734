package report

import (
	"io"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
)

// MetricPrefix starts the name of every metric (docs/serve.md lists them).
const MetricPrefix = "spacectl_preflight_"

// MetricsSnapshot is what one scrape describes: the last finished run and,
// for `serve`, the count of runs so far. Every metric of a scrape comes from
// one snapshot, so they never mix two runs.
type MetricsSnapshot struct {
	// Last is the last finished run; nil before the first one.
	Last *Report
	// Finished is when Last ended: every check's last-run timestamp.
	Finished time.Time
	// Runs counts finished runs by their summary status. Nil leaves
	// spacectl_preflight_runs_total out: a one-shot file (-o prometheus)
	// has no history to count.
	Runs map[checks.Status]uint64
}

// metricStatuses are the values of the status label, one series each.
func metricStatuses() []checks.Status {
	return []checks.Status{checks.Pass, checks.Warn, checks.Fail, checks.Error, checks.Skip}
}

// collector turns a snapshot into metrics at each scrape. It reads only the
// cached report, never runs anything.
type collector struct {
	snap                              func() MetricsSnapshot
	status, duration, lastRun, runDur *prometheus.Desc
	runs                              *prometheus.Desc
	evidence                          []evidenceGauge
}

// NewMetricsCollector returns a collector of the snapshot snap returns at
// each scrape; register it in a registry of your own.
func NewMetricsCollector(snap func() MetricsSnapshot) prometheus.Collector {
	return &collector{
		snap: snap,
		status: prometheus.NewDesc(MetricPrefix+"check_status",
			"Status of each check in the last run: 1 for its status, 0 for the others.", []string{"check", "group", "status"}, nil),
		duration: prometheus.NewDesc(MetricPrefix+"check_duration_seconds",
			"How long each check took in the last run.", []string{"check", "group"}, nil),
		lastRun: prometheus.NewDesc(MetricPrefix+"check_last_run_timestamp_seconds",
			"When the run that produced each check's result ended (Unix time).", []string{"check", "group"}, nil),
		runDur: prometheus.NewDesc(MetricPrefix+"run_duration_seconds",
			"How long the last run took.", nil, nil),
		runs: prometheus.NewDesc(MetricPrefix+"runs_total",
			"Finished runs, by the run's overall status (the worst of its checks).", []string{"result"}, nil),
		evidence: evidenceGauges(),
	}
}

// Describe implements prometheus.Collector.
func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.status, c.duration, c.lastRun, c.runDur, c.runs} {
		ch <- d
	}
	for _, g := range c.evidence {
		ch <- g.desc
	}
}

// Collect implements prometheus.Collector.
func (c *collector) Collect(ch chan<- prometheus.Metric) {
	s := c.snap()
	if s.Runs != nil {
		for _, st := range metricStatuses() {
			ch <- prometheus.MustNewConstMetric(c.runs, prometheus.CounterValue, float64(s.Runs[st]), st.String())
		}
	}
	if s.Last == nil {
		return
	}
	r := s.Last
	ch <- prometheus.MustNewConstMetric(c.runDur, prometheus.GaugeValue, r.Duration.Seconds())
	finished := float64(s.Finished.UnixMilli()) / 1000
	for _, e := range r.Results {
		for _, st := range metricStatuses() {
			v := 0.0
			if e.Status == st {
				v = 1
			}
			ch <- prometheus.MustNewConstMetric(c.status, prometheus.GaugeValue, v, e.ID, e.Group, st.String())
		}
		ch <- prometheus.MustNewConstMetric(c.duration, prometheus.GaugeValue, e.Duration.Seconds(), e.ID, e.Group)
		ch <- prometheus.MustNewConstMetric(c.lastRun, prometheus.GaugeValue, finished, e.ID, e.Group)
		for _, g := range c.evidence {
			if g.check != "" && g.check != e.ID {
				continue
			}
			if v, labels, ok := g.read(e.Details); ok {
				ch <- prometheus.MustNewConstMetric(g.desc, prometheus.GaugeValue, v, append([]string{e.ID}, labels...)...)
			}
		}
	}
}

// Prometheus writes the report's metrics once, in the Prometheus text
// format, for node_exporter's textfile collector (-o prometheus=FILE; the
// file is written atomically, so the collector never reads half of it).
// The run counter is left out: a single run has no history.
func Prometheus(w io.Writer, r Report, _ Options) error {
	reg := prometheus.NewPedanticRegistry()
	snap := MetricsSnapshot{Last: &r, Finished: r.StartedAt.Add(r.Duration)}
	if err := reg.Register(NewMetricsCollector(func() MetricsSnapshot { return snap })); err != nil {
		return err
	}
	families, err := reg.Gather()
	if err != nil {
		return err
	}
	for _, f := range families {
		if _, err := expfmt.MetricFamilyToText(w, f); err != nil {
			return err
		}
	}
	return nil
}
