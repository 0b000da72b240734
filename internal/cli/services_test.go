package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func eksSecret(name string) string { return example(filepath.Join("eks-secrets", name)) }

// The official EKS layout, as --k8s-secret files plus the chart's values,
// passes config.services; a values file naming another host fails it.
func TestServicesFromTheCommandLine(t *testing.T) {
	args := []string{"check", "--k8s-secret", eksSecret("spacelift-shared.yaml"), "--k8s-secret", eksSecret("spacelift-server.yaml"),
		"--k8s-secret", eksSecret("spacelift-drain.yaml"), "--only", "config.*", "-o", "json"}
	code, out, errOut := run(t, nil, append(args, "--helm-values", eksSecret("helm-values.yaml"))...)
	if got := statusOf(t, out, "config.services"); got != "pass" || code != ExitOK {
		t.Fatalf("exit %d, config.services %s\n%s\n%s", code, got, out, errOut)
	}

	values := filepath.Join(t.TempDir(), "values.yaml")
	if err := os.WriteFile(values, []byte("shared:\n  serverHostname: other.example.com\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, _ = run(t, nil, append(args, "--helm-values", values)...)
	if got := statusOf(t, out, "config.services"); got != "fail" || code != ExitChecksFailed || !strings.Contains(out, values+":2:19") {
		t.Fatalf("exit %d, config.services %s\n%s", code, got, out)
	}
}

// --service SERVICE=FILE attributes an env file; a bad SERVICE or a
// broken values file is a usage or configuration error (exit 2).
func TestServiceFlag(t *testing.T) {
	dir := t.TempDir()
	drain := filepath.Join(dir, "drain.env")
	if err := os.WriteFile(drain, []byte("OBJECT_STORAGE_BUCKET_METADATA=spacelift-metadata\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	shared := eksSecret("spacelift-shared.yaml")
	// The metadata bucket in the drain's env file only: the server lacks it.
	body, err := os.ReadFile(shared)
	if err != nil {
		t.Fatal(err)
	}
	noMeta := filepath.Join(dir, "shared.yaml")
	var kept []string
	for _, l := range strings.Split(string(body), "\n") {
		if !strings.Contains(l, "OBJECT_STORAGE_BUCKET_METADATA") {
			kept = append(kept, l)
		}
	}
	if err := os.WriteFile(noMeta, []byte(strings.Join(kept, "\n")), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, _ := run(t, nil, "check", "--k8s-secret", noMeta, "--k8s-secret", eksSecret("spacelift-server.yaml"), "--service", "drain="+drain,
		"--only", "config.services", "-o", "json")
	if got := statusOf(t, out, "config.services"); got != "fail" || code != ExitChecksFailed || !strings.Contains(out, "the server reads it but does not receive it") {
		t.Fatalf("exit %d, config.services %s\n%s", code, got, out)
	}

	code, _, errOut := run(t, nil, "check", "--env-file", example("valid.env"), "--service", "api="+drain)
	if code != ExitUsage || !strings.Contains(errOut, `unknown service "api"`) {
		t.Errorf("exit %d: %s", code, errOut)
	}
	bad := filepath.Join(dir, "values.yaml")
	if err := os.WriteFile(bad, []byte("shared: [\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errOut = run(t, nil, "config", "validate", "--env-file", example("valid.env"), "--helm-values", bad)
	if code != ExitUsage || !strings.Contains(errOut, bad) {
		t.Errorf("exit %d: %s", code, errOut)
	}
}
