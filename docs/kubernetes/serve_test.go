package kubernetes_test

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	"github.com/prometheus/client_golang/prometheus"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/spacelift-io/spacectl-preflight/internal/report"
	"github.com/spacelift-io/spacectl-preflight/internal/testsvc"
)

// TestServeDeploymentKeepsCheckingReadOnly: one replica of the released
// image runs a valid `serve` command line with Spacelift's Secrets,
// read-only, listening beyond loopback on the port its probes, Service and
// ServiceMonitor use.
func TestServeDeploymentKeepsCheckingReadOnly(t *testing.T) {
	m := load(t)
	d, sa := m.deployments[0], m.sas[0]
	spec := d.Spec.Template.Spec
	if d.Namespace != "spacelift" || spec.ServiceAccountName != sa.Name {
		t.Errorf("Deployment in %q with ServiceAccount %q; want namespace spacelift and %s", d.Namespace, spec.ServiceAccountName, sa.Name)
	}
	if d.Spec.Replicas == nil || *d.Spec.Replicas != 1 {
		t.Errorf("want one replica: each replica would probe the dependencies again")
	}
	if d.Spec.Template.Labels["azure.workload.identity/use"] != "true" {
		t.Errorf("AKS Workload Identity needs the pod label azure.workload.identity/use: \"true\"")
	}
	for k, v := range d.Spec.Selector.MatchLabels {
		if d.Spec.Template.Labels[k] != v {
			t.Errorf("the selector's %s=%s is not on the pod", k, v)
		}
	}
	if len(spec.Containers) != 1 {
		t.Fatalf("want one container, got %d", len(spec.Containers))
	}
	c := spec.Containers[0]
	readsSpaceliftSecrets(t, c)

	cmd := parseArgs(t, c, "serve")
	if w, _ := cmd.Flags().GetBool("write-probes"); w {
		t.Errorf("the published Deployment must stay read-only (no --write-probes)")
	}
	listen, _ := cmd.Flags().GetString("listen")
	host, port, err := net.SplitHostPort(listen)
	if err != nil || (host != "" && host != "0.0.0.0") {
		t.Errorf("--listen %q: want all interfaces, or the kubelet and Prometheus cannot reach it", listen)
	}
	if len(c.Ports) != 1 || strconv.Itoa(int(c.Ports[0].ContainerPort)) != port {
		t.Fatalf("container ports %+v, want the one --listen uses (%s)", c.Ports, port)
	}
	portName := c.Ports[0].Name
	for name, p := range map[string]*corev1.Probe{"/readyz": c.ReadinessProbe, "/healthz": c.LivenessProbe} {
		if p == nil || p.HTTPGet == nil || p.HTTPGet.Path != name || p.HTTPGet.Port.String() != portName {
			t.Errorf("want a probe on %s of port %s, got %+v", name, portName, p)
		}
	}

	svc := m.services[0]
	for k, v := range svc.Spec.Selector {
		if d.Spec.Template.Labels[k] != v {
			t.Errorf("the Service selects %s=%s, which the pod lacks", k, v)
		}
	}
	if len(svc.Spec.Ports) != 1 || svc.Spec.Ports[0].TargetPort.String() != portName {
		t.Fatalf("Service ports %+v, want one targeting %s", svc.Spec.Ports, portName)
	}

	sm := m.monitors[0]
	for k, v := range sm.Spec.Selector.MatchLabels {
		if svc.Labels[k] != v {
			t.Errorf("the ServiceMonitor selects %s=%s, which the Service lacks", k, v)
		}
	}
	if sm.Namespace != svc.Namespace || len(sm.Spec.Endpoints) != 1 || sm.Spec.Endpoints[0].Port != svc.Spec.Ports[0].Name || sm.Spec.Endpoints[0].Path != "/metrics" {
		t.Errorf("ServiceMonitor endpoints %+v, want /metrics on the Service's port %s", sm.Spec.Endpoints, svc.Spec.Ports[0].Name)
	}
}

// metricNames are the metrics serve exports.
func metricNames(t *testing.T) []string {
	t.Helper()
	ch := make(chan *prometheus.Desc, 64)
	report.NewMetricsCollector(func() report.MetricsSnapshot { return report.MetricsSnapshot{} }).Describe(ch)
	close(ch)
	var names []string
	re := regexp.MustCompile(`fqName: "([^"]+)"`)
	for d := range ch {
		m := re.FindStringSubmatch(d.String())
		if m == nil {
			t.Fatalf("cannot read the name of %s", d)
		}
		names = append(names, m[1])
	}
	return names
}

// TestAlertRulesUseExportedMetrics: the three documented alerts exist and
// name only metrics serve exports.
func TestAlertRulesUseExportedMetrics(t *testing.T) {
	known := metricNames(t)
	var alerts []string
	for _, g := range load(t).rules[0].Spec.Groups {
		for _, r := range g.Rules {
			alerts = append(alerts, r.Alert)
			for _, name := range regexp.MustCompile(`spacectl_preflight_[a-z_]+`).FindAllString(r.Expr.String(), -1) {
				if !slices.Contains(known, name) {
					t.Errorf("alert %s uses %s, which serve does not export (it has %v)", r.Alert, name, known)
				}
			}
			if r.Labels["severity"] == "" || r.Annotations["summary"] == "" || r.Annotations["description"] == "" {
				t.Errorf("alert %s needs a severity, a summary and a description", r.Alert)
			}
		}
	}
	want := []string{"SpaceliftDependencyCheckFailing", "SpacectlPreflightRunsStale", "SpaceliftCertificateExpiringSoon"}
	if !slices.Equal(alerts, want) {
		t.Errorf("alerts %v, want %v", alerts, want)
	}
}

// writeRules writes the PrometheusRule's groups as a Prometheus rule file,
// without annotations when bare (promtool's unit tests compare annotations
// verbatim; the expressions, durations and labels are what they test).
func writeRules(t *testing.T, dir string, bare bool) string {
	t.Helper()
	groups := load(t).rules[0].Spec.Groups
	if bare {
		groups = slices.Clone(groups)
		for i := range groups {
			groups[i].Rules = slices.Clone(groups[i].Rules)
			for j := range groups[i].Rules {
				groups[i].Rules[j].Annotations = nil
			}
		}
	}
	data, err := yaml.Marshal(map[string][]monitoringv1.RuleGroup{"groups": groups})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "rules.yaml")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestPromtoolAcceptsTheRules: `promtool check rules` on the rule file the
// Prometheus Operator generates from the PrometheusRule.
func TestPromtoolAcceptsTheRules(t *testing.T) {
	promtool := testsvc.Require(t, "SPT_PROMTOOL")[0]
	rules := writeRules(t, t.TempDir(), false)
	out, err := exec.Command(promtool, "check", "rules", rules).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "SUCCESS: 3 rules found") {
		t.Errorf("promtool check rules: %v\n%s", err, out)
	}
}

// ruleTests are promtool unit tests of the alerts: which fire, when, with
// which labels.
const ruleTests = `rule_files: [rules.yaml]
evaluation_interval: 1m
tests:
  # A check failing for 15 minutes alerts; one passing does not. A
  # certificate 10 days from expiry alerts, one 100 days away does not.
  # Runs keep finishing (the timestamp follows the clock): nothing is stale.
  - interval: 1m
    input_series:
      - series: 'spacectl_preflight_check_status{check="storage.bucket.states",group="storage",status="fail"}'
        values: '1x40'
      - series: 'spacectl_preflight_check_status{check="postgres.connect",group="postgres",status="fail"}'
        values: '0x40'
      - series: 'spacectl_preflight_check_last_run_timestamp_seconds{check="postgres.connect",group="postgres"}'
        values: '0+60x40'
      - series: 'spacectl_preflight_certificate_not_after_timestamp_seconds{check="postgres.connect",endpoint="db.example.com:5432"}'
        values: '864000x40'
      - series: 'spacectl_preflight_certificate_not_after_timestamp_seconds{check="mqtt.connect",endpoint="mqtt.example.com:1984"}'
        values: '8640000x40'
    alert_rule_test:
      - eval_time: 10m
        alertname: SpaceliftDependencyCheckFailing
        exp_alerts: []
      - eval_time: 20m
        alertname: SpaceliftDependencyCheckFailing
        exp_alerts:
          - exp_labels: {severity: warning, check: storage.bucket.states, group: storage, status: fail}
      - eval_time: 20m
        alertname: SpaceliftCertificateExpiringSoon
        exp_alerts:
          - exp_labels: {severity: warning, check: postgres.connect, endpoint: "db.example.com:5432"}
      - eval_time: 30m
        alertname: SpacectlPreflightRunsStale
        exp_alerts: []
  # The last run finished at time 0 and none since: stale after 15 minutes,
  # alerting 10 minutes later.
  - interval: 1m
    input_series:
      - series: 'spacectl_preflight_check_last_run_timestamp_seconds{check="postgres.connect",group="postgres"}'
        values: '0x40'
    alert_rule_test:
      - eval_time: 20m
        alertname: SpacectlPreflightRunsStale
        exp_alerts: []
      - eval_time: 30m
        alertname: SpacectlPreflightRunsStale
        exp_alerts:
          - exp_labels: {severity: warning}
  # No metrics at all (serve down or never finished a run): stale too.
  - interval: 1m
    input_series:
      - series: 'unrelated{job="x"}'
        values: '1x20'
    alert_rule_test:
      - eval_time: 15m
        alertname: SpacectlPreflightRunsStale
        exp_alerts:
          - exp_labels: {severity: warning}
`

// TestPromtoolAlertUnitTests: the alerts fire when, and only when, the
// docs say (promtool test rules).
func TestPromtoolAlertUnitTests(t *testing.T) {
	promtool := testsvc.Require(t, "SPT_PROMTOOL")[0]
	dir := t.TempDir()
	writeRules(t, dir, true)
	tests := filepath.Join(dir, "tests.yaml")
	if err := os.WriteFile(tests, []byte(ruleTests), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(promtool, "test", "rules", "tests.yaml")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "SUCCESS") {
		t.Errorf("promtool test rules: %v\n%s", err, out)
	}
}
