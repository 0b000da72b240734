package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/spacelift-io/spacectl-preflight/internal/testsvc"
)

// buildBinary compiles the real command once per test binary, so signal
// handling and exit codes are tested end to end.
func buildBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		testsvc.SkipUnlessRequired(t, "builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "spacectl-preflight")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func TestSIGINTPrintsPartialResultsAndExits130(t *testing.T) {
	bin := buildBinary(t)
	env := filepath.Join(t.TempDir(), "s.env")
	body := "DATABASE_URL=postgres://app:pw-never-shown@" + testsvc.SilentListener(t).Addr() + "/spacelift?sslmode=disable\n"
	if err := os.WriteFile(env, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "check", "--env-file", env, "-o", "json", "--check-timeout", "60s")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1500 * time.Millisecond)
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("the process did not stop after SIGINT")
	}
	if code := cmd.ProcessState.ExitCode(); code != 130 {
		t.Fatalf("exit %d, want 130\nstderr: %s", code, stderr.String())
	}
	var rep struct {
		Interrupted bool `json:"interrupted"`
		Results     []struct {
			ID, Status, Message string
		} `json:"results"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, stdout.String())
	}
	if !rep.Interrupted {
		t.Error("the report must be marked interrupted")
	}
	got := map[string]string{}
	for _, r := range rep.Results {
		got[r.ID] = r.Status + ": " + r.Message
	}
	if got["config.required"] == "" || !strings.HasPrefix(got["postgres.connect"], "error: interrupted") {
		t.Errorf("want finished checks and the interrupted one reported, got %v", got)
	}
	if strings.Contains(stdout.String()+stderr.String(), "pw-never-shown") {
		t.Error("the password leaked")
	}
}

func TestExitCodes(t *testing.T) {
	bin := buildBinary(t)
	run := func(args ...string) int {
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), "NO_COLOR=1")
		_ = cmd.Run()
		return cmd.ProcessState.ExitCode()
	}
	examples := filepath.Join("..", "..", "testdata", "examples")
	cases := []struct {
		args []string
		want int
	}{
		{[]string{"version"}, 0},
		{[]string{"check", "--env-file", filepath.Join(examples, "iotcore-postgres.env"), "--only", "config.*"}, 1},
		{[]string{"check", "-c", filepath.Join(examples, "invalid.yaml")}, 2},
		{[]string{"no-such-command"}, 2},
		{[]string{"check", "--env-file", filepath.Join(examples, "valid.env"), "--only", "config.*", "-o", "json=/nonexistent/dir/r.json"}, 3},
	}
	for _, c := range cases {
		if got := run(c.args...); got != c.want {
			t.Errorf("%v: exit %d, want %d", c.args, got, c.want)
		}
	}
}
