package kubernetes_test

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/worker"
	"github.com/spacelift-io/spacectl-preflight/internal/cli"
)

// TestWorkerJobReadsTheWorkerPoolSecret: the worker Job runs `check
// --target worker` once, with the token and private key from the keys of
// the worker pool's Secret (token, privateKey: optional, so a missing one
// is a failed check, not a stuck pod), as a Kubernetes worker.
func TestWorkerJobReadsTheWorkerPoolSecret(t *testing.T) {
	job := load(t).workerJobs[0]
	spec := job.Spec.Template.Spec
	if job.Spec.BackoffLimit == nil || *job.Spec.BackoffLimit != 0 || spec.RestartPolicy != corev1.RestartPolicyNever {
		t.Errorf("the worker Job must run once: backoffLimit 0, restartPolicy Never")
	}
	if len(spec.Containers) != 1 {
		t.Fatalf("want one container, got %d", len(spec.Containers))
	}
	c := spec.Containers[0]
	cmd := parseArgs(t, c, "check")
	if target, _ := cmd.Flags().GetString("target"); target != "worker" {
		t.Errorf("args %v do not select --target worker", c.Args)
	}
	if !strings.HasPrefix(c.Image, releaseImage(t)+":") {
		t.Errorf("image %q is not the released image %s", c.Image, releaseImage(t))
	}
	keys := map[string]string{}
	secretName := ""
	for _, e := range c.Env {
		if e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil {
			continue
		}
		ref := e.ValueFrom.SecretKeyRef
		keys[e.Name] = ref.Key
		if secretName != "" && ref.Name != secretName {
			t.Errorf("the token and the key come from different Secrets: %s, %s", secretName, ref.Name)
		}
		secretName = ref.Name
		if ref.Optional == nil || !*ref.Optional {
			t.Errorf("%s must be optional: true, so a missing Secret is reported by worker.credentials", e.Name)
		}
	}
	if keys[worker.Token] != worker.SecretKeyToken || keys[worker.PrivateKey] != worker.SecretKeyPrivateKey {
		t.Errorf("env from the Secret %v, want %s from %q and %s from %q", keys, worker.Token, worker.SecretKeyToken, worker.PrivateKey, worker.SecretKeyPrivateKey)
	}
	if v := envValue(c, worker.Type); v != worker.TypeKubernetes {
		t.Errorf("%s = %q, want %s", worker.Type, v, worker.TypeKubernetes)
	}
	if dir := envValue(c, worker.CADir); !slices.ContainsFunc(c.VolumeMounts, func(m corev1.VolumeMount) bool { return m.MountPath == dir }) {
		t.Errorf("%s=%s is not a mounted directory", worker.CADir, dir)
	}
}

func envValue(c corev1.Container, name string) string {
	for _, e := range c.Env {
		if e.Name == name {
			return e.Value
		}
	}
	return ""
}

// TestWorkerJobRunsAsWritten runs the Job's command line with its
// environment (the Secret's keys filled with placeholders): every variable
// is one the tool knows, and the worker checks run as a Kubernetes worker
// would: nothing about Docker or this machine's resources.
func TestWorkerJobRunsAsWritten(t *testing.T) {
	job := load(t).workerJobs[0]
	c := job.Spec.Template.Spec.Containers[0]
	env := map[string]string{}
	for _, e := range c.Env {
		env[e.Name] = e.Value
		if e.ValueFrom != nil {
			env[e.Name] = "placeholder"
		}
	}
	out, errOut := &bytes.Buffer{}, &bytes.Buffer{}
	s := &cli.Streams{Env: env, Out: out, Err: errOut, Now: time.Now}
	args := []string{"checks", "--from-env", "--target=worker", "-o", "json"}
	if code := cli.Main(context.Background(), s, cli.BuildInfo{}, args); code != cli.ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	cat := checks.MustCatalog(cli.AllBackends())
	for name := range env {
		if _, ok := cat.Lookup(name); !ok && !strings.HasPrefix(name, "SPACECTL_PREFLIGHT_") {
			t.Errorf("the Job sets %s, which is not a variable the tool reads", name)
		}
	}
	var list []struct {
		ID      string `json:"id"`
		Enabled bool   `json:"enabled"`
	}
	if err := json.Unmarshal(out.Bytes(), &list); err != nil {
		t.Fatal(err)
	}
	enabled := map[string]bool{}
	for _, c := range list {
		enabled[c.ID] = c.Enabled
	}
	if enabled[worker.DockerID] || enabled[worker.ResourcesID] || !enabled[worker.ObjectStorageID] || !enabled[worker.RegistryID] {
		t.Errorf("a Kubernetes worker runs the registry and object-storage checks, not Docker's or the host's: %v", enabled)
	}
}
