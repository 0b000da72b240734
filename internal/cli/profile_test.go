package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCheckWritesProfiles(t *testing.T) {
	dir := t.TempDir()
	cpu, tr := filepath.Join(dir, "cpu.out"), filepath.Join(dir, "trace.out")
	code, out, errOut := run(t, nil, "check", "--env-file", example("valid.env"), "--only", "config.*", "-o", "json",
		"--cpuprofile", cpu, "--trace", tr)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if statusOf(t, out, "config.required") != "pass" {
		t.Error("profiling changed the run's result")
	}
	// pprof profiles are gzipped protobufs; traces start with a version header.
	for path, magic := range map[string]string{cpu: "\x1f\x8b", tr: "go 1."} {
		b, err := os.ReadFile(path)
		if err != nil || !bytes.HasPrefix(b, []byte(magic)) {
			t.Errorf("%s: %d bytes, prefix %q, err %v", filepath.Base(path), len(b), b[:min(len(b), 8)], err)
		}
	}
}

func TestCheckProfileToUnwritablePathIsAUsageError(t *testing.T) {
	code, _, errOut := run(t, nil, "check", "--env-file", example("valid.env"), "--only", "config.*",
		"--cpuprofile", filepath.Join(t.TempDir(), "missing", "cpu.out"))
	if code != ExitUsage || !strings.Contains(errOut, "--cpuprofile") {
		t.Fatalf("exit %d, stderr %q; want exit 2 naming the flag", code, errOut)
	}
}

func TestProfileFlagsAreHidden(t *testing.T) {
	_, out, _ := run(t, nil, "check", "--help")
	if strings.Contains(out, "cpuprofile") || strings.Contains(out, "--trace") {
		t.Errorf("check --help shows the profiling flags:\n%s", out)
	}
}
