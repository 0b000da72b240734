// Package kubernetes_test decodes the published Kubernetes manifests with
// the Kubernetes API types, so a typo in a field name or a wrong type fails
// here rather than in a user's `kubectl apply`. It is a test-only package:
// the spacectl-preflight binary never links the Kubernetes types.
package kubernetes_test

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	"github.com/spf13/cobra"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/spacelift-io/spacectl-preflight/internal/cli"
)

// spaceliftSecrets are the Secrets the Spacelift chart gives its pods, in
// the order the Job reads them (later ones win on a duplicate key).
var spaceliftSecrets = []string{"spacelift-shared", "spacelift-server", "spacelift-drain"}

type manifests struct {
	jobs []batchv1.Job
	// workerJobs are worker-job.yaml's: the worker target, in a worker
	// pool's cluster.
	workerJobs  []batchv1.Job
	sas         []corev1.ServiceAccount
	deployments []appsv1.Deployment
	services    []corev1.Service
	monitors    []monitoringv1.ServiceMonitor
	rules       []monitoringv1.PrometheusRule
}

// load decodes every document of every YAML file in this folder, strictly:
// an unknown field is an error.
func load(t *testing.T) manifests {
	t.Helper()
	files, err := filepath.Glob("*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests found: %v", err)
	}
	var m manifests
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, doc := range regexp.MustCompile(`(?m)^---\s*$`).Split(string(data), -1) {
			if strings.TrimSpace(stripComments(doc)) == "" {
				continue
			}
			var tm metav1.TypeMeta
			if err := yaml.Unmarshal([]byte(doc), &tm); err != nil {
				t.Fatalf("%s document %d: %v", f, i+1, err)
			}
			switch tm.APIVersion + "/" + tm.Kind {
			case "batch/v1/Job":
				var j batchv1.Job
				decodeStrict(t, f, doc, &j)
				if f == "worker-job.yaml" {
					m.workerJobs = append(m.workerJobs, j)
				} else {
					m.jobs = append(m.jobs, j)
				}
			case "v1/ServiceAccount":
				var sa corev1.ServiceAccount
				decodeStrict(t, f, doc, &sa)
				m.sas = append(m.sas, sa)
			case "apps/v1/Deployment":
				m.deployments = append(m.deployments, decodeAs[appsv1.Deployment](t, f, doc))
			case "v1/Service":
				m.services = append(m.services, decodeAs[corev1.Service](t, f, doc))
			case "monitoring.coreos.com/v1/ServiceMonitor":
				m.monitors = append(m.monitors, decodeAs[monitoringv1.ServiceMonitor](t, f, doc))
			case "monitoring.coreos.com/v1/PrometheusRule":
				m.rules = append(m.rules, decodeAs[monitoringv1.PrometheusRule](t, f, doc))
			default:
				t.Fatalf("%s document %d: unexpected %s %s; add it to this test", f, i+1, tm.APIVersion, tm.Kind)
			}
		}
	}
	if len(m.jobs) != 1 || len(m.sas) != 1 || len(m.workerJobs) != 1 {
		t.Fatalf("want one Job, one ServiceAccount and one worker Job, got %d, %d and %d", len(m.jobs), len(m.sas), len(m.workerJobs))
	}
	if len(m.deployments) != 1 || len(m.services) != 1 || len(m.monitors) != 1 || len(m.rules) != 1 {
		t.Fatalf("want serve.yaml's Deployment, Service, ServiceMonitor and PrometheusRule, got %d, %d, %d and %d",
			len(m.deployments), len(m.services), len(m.monitors), len(m.rules))
	}
	return m
}

func decodeAs[T any](t *testing.T, file, doc string) T {
	t.Helper()
	var v T
	decodeStrict(t, file, doc, &v)
	return v
}

func decodeStrict(t *testing.T, file, doc string, into any) {
	t.Helper()
	if err := yaml.UnmarshalStrict([]byte(doc), into); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
}

func stripComments(doc string) string {
	var b strings.Builder
	for _, l := range strings.Split(doc, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "#") {
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}

func TestJobRunsOnceWithSpaceliftsSecrets(t *testing.T) {
	m := load(t)
	job, sa := m.jobs[0], m.sas[0]
	spec := job.Spec.Template.Spec

	if job.Namespace != "spacelift" || sa.Namespace != job.Namespace {
		t.Errorf("namespaces: Job %q, ServiceAccount %q; both belong in spacelift", job.Namespace, sa.Namespace)
	}
	if job.Spec.BackoffLimit == nil || *job.Spec.BackoffLimit != 0 {
		t.Errorf("backoffLimit must be 0: a failed check is an answer, not a reason to retry")
	}
	if spec.RestartPolicy != corev1.RestartPolicyNever {
		t.Errorf("restartPolicy %q, want Never", spec.RestartPolicy)
	}
	if job.Spec.ActiveDeadlineSeconds == nil || time.Duration(*job.Spec.ActiveDeadlineSeconds)*time.Second < 3*time.Minute {
		t.Errorf("activeDeadlineSeconds must leave room for the default 3m run timeout")
	}
	if spec.ServiceAccountName != sa.Name {
		t.Errorf("serviceAccountName %q, but the ServiceAccount is %q", spec.ServiceAccountName, sa.Name)
	}
	if len(spec.Containers) != 1 {
		t.Fatalf("want one container, got %d", len(spec.Containers))
	}
	readsSpaceliftSecrets(t, spec.Containers[0])
}

// readsSpaceliftSecrets: the container runs the released image's
// entrypoint with exactly Spacelift's Secrets as its environment.
func readsSpaceliftSecrets(t *testing.T, c corev1.Container) {
	t.Helper()
	var secrets []string
	for _, e := range c.EnvFrom {
		if e.SecretRef == nil {
			t.Errorf("envFrom has a non-Secret source: %+v", e)
			continue
		}
		secrets = append(secrets, e.SecretRef.Name)
		if e.SecretRef.Optional == nil || !*e.SecretRef.Optional {
			t.Errorf("envFrom %s must be optional: true, so a missing Secret is reported by the checks", e.SecretRef.Name)
		}
	}
	if !slices.Equal(secrets, spaceliftSecrets) {
		t.Errorf("envFrom Secrets %v, want %v", secrets, spaceliftSecrets)
	}
	if len(c.Command) != 0 {
		t.Errorf("command %v overrides the image's entrypoint; use args", c.Command)
	}
	if !strings.HasPrefix(c.Image, releaseImage(t)+":") {
		t.Errorf("image %q is not the released image %s", c.Image, releaseImage(t))
	}
}

// The Job's arguments are a valid `check` command line that reads the
// environment and prints both the table and the JSON report to the log.
func TestJobArgsAreAValidCheckCommand(t *testing.T) {
	c := load(t).jobs[0].Spec.Template.Spec.Containers[0]
	cmd := parseArgs(t, c, "check")
	outputs, _ := cmd.Flags().GetStringArray("output")
	if !slices.Contains(outputs, "table") || !slices.ContainsFunc(outputs, func(o string) bool { return strings.HasPrefix(o, "json=/dev/std") }) {
		t.Errorf("outputs %v: want the table on stdout and the JSON on /dev/stdout or /dev/stderr", outputs)
	}
}

// parseArgs parses the container's args as the CLI would: they must run
// command, with no stray argument, reading the environment (--from-env).
func parseArgs(t *testing.T, c corev1.Container, command string) *cobra.Command {
	t.Helper()
	root := cli.NewRootCmd(&cli.Streams{Env: map[string]string{}, Out: &bytes.Buffer{}, Err: &bytes.Buffer{}}, cli.BuildInfo{})
	cmd, rest, err := root.Find(c.Args)
	if err != nil || cmd.Name() != command {
		t.Fatalf("args %v do not run `%s`: %v", c.Args, command, err)
	}
	if err := cmd.ParseFlags(rest); err != nil {
		t.Fatalf("args %v: %v", c.Args, err)
	}
	if pos := cmd.Flags().Args(); len(pos) != 0 {
		t.Errorf("stray arguments %v", pos)
	}
	if fromEnv, _ := cmd.Flags().GetBool("from-env"); !fromEnv {
		t.Errorf("args %v lack --from-env: the Secrets arrive as environment variables", c.Args)
	}
	return cmd
}

func TestJobRunsUnprivileged(t *testing.T) {
	m := load(t)
	runsUnprivileged(t, m.jobs[0].Spec.Template.Spec)
	runsUnprivileged(t, m.deployments[0].Spec.Template.Spec)
	runsUnprivileged(t, m.workerJobs[0].Spec.Template.Spec)
}

func runsUnprivileged(t *testing.T, spec corev1.PodSpec) {
	t.Helper()
	psc, csc := spec.SecurityContext, spec.Containers[0].SecurityContext
	if psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot {
		t.Errorf("the pod must set runAsNonRoot: true")
	}
	if psc == nil || psc.RunAsUser == nil || *psc.RunAsUser == 0 {
		t.Errorf("the pod must run as a non-zero UID (the image's nonroot user)")
	} else if want := imageUID(t); *psc.RunAsUser != want {
		t.Errorf("runAsUser %d, but the image's USER is %d", *psc.RunAsUser, want)
	}
	if psc == nil || psc.SeccompProfile == nil || psc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Errorf("the pod must use the RuntimeDefault seccomp profile")
	}
	if csc == nil || csc.AllowPrivilegeEscalation == nil || *csc.AllowPrivilegeEscalation {
		t.Errorf("the container must set allowPrivilegeEscalation: false")
	}
	if csc == nil || csc.ReadOnlyRootFilesystem == nil || !*csc.ReadOnlyRootFilesystem {
		t.Errorf("the container must set readOnlyRootFilesystem: true")
	}
	if csc == nil || csc.Capabilities == nil || !slices.Contains(csc.Capabilities.Drop, "ALL") {
		t.Errorf("the container must drop ALL capabilities")
	}
}

func TestServiceAccountIsReadyForWorkloadIdentity(t *testing.T) {
	m := load(t)
	sa := m.sas[0]
	for _, key := range []string{"eks.amazonaws.com/role-arn", "iam.gke.io/gcp-service-account", "azure.workload.identity/client-id"} {
		if sa.Annotations[key] == "" {
			t.Errorf("the ServiceAccount lacks the %s annotation", key)
		}
	}
	if m.jobs[0].Spec.Template.Labels["azure.workload.identity/use"] != "true" {
		t.Errorf("AKS Workload Identity needs the pod label azure.workload.identity/use: \"true\"")
	}
}

// releaseImage is the image repository .goreleaser.yaml publishes.
func releaseImage(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", ".goreleaser.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		DockersV2 []struct {
			Images []string `json:"images"`
		} `json:"dockers_v2"`
	}
	if err := yaml.Unmarshal(data, &cfg); err != nil {
		t.Fatal(err)
	}
	if len(cfg.DockersV2) == 0 || len(cfg.DockersV2[0].Images) == 0 {
		t.Fatal(".goreleaser.yaml publishes no image")
	}
	return cfg.DockersV2[0].Images[0]
}

// imageUID is the numeric USER of the release image's Dockerfile.
func imageUID(t *testing.T) int64 {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "packaging", "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^USER\s+(\d+)`).FindSubmatch(data)
	if m == nil {
		t.Fatal("the Dockerfile sets no numeric USER")
	}
	var uid int64
	for _, d := range m[1] {
		uid = uid*10 + int64(d-'0')
	}
	return uid
}
