package testsvc

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// recorder is a fake testing.TB that records Fatalf/Skipf and, like the real
// thing, stops the calling goroutine there.
type recorder struct {
	testing.TB // nil: any method not overridden below panics if called

	mu      sync.Mutex
	fatal   []string
	skipped []string
}

func (r *recorder) Helper() {}

func (r *recorder) Fatalf(format string, args ...any) {
	r.mu.Lock()
	r.fatal = append(r.fatal, fmt.Sprintf(format, args...))
	r.mu.Unlock()
	runtime.Goexit()
}

func (r *recorder) Skipf(format string, args ...any) {
	r.mu.Lock()
	r.skipped = append(r.skipped, fmt.Sprintf(format, args...))
	r.mu.Unlock()
	runtime.Goexit()
}

// run calls Require on a fresh recorder in its own goroutine (so Goexit only
// ends that goroutine) and reports what happened.
func run(names ...string) (rec *recorder, got []string, returned bool) {
	rec = &recorder{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		got = Require(rec, names...)
		returned = true
	}()
	<-done
	return rec, got, returned
}

const (
	varA = "SPT_TESTSVC_SELFTEST_A"
	varB = "SPT_TESTSVC_SELFTEST_B"
)

func TestRequireReturnsValuesInOrder(t *testing.T) {
	t.Setenv(varA, "alpha")
	t.Setenv(varB, "beta")
	for _, req := range []string{"", "1"} {
		t.Setenv(RequireEnv, req)
		rec, got, returned := run(varA, varB)
		if !returned || len(rec.fatal) != 0 || len(rec.skipped) != 0 {
			t.Fatalf("%s=%q: returned=%v fatal=%q skipped=%q", RequireEnv, req, returned, rec.fatal, rec.skipped)
		}
		if len(got) != 2 || got[0] != "alpha" || got[1] != "beta" {
			t.Fatalf("got %q, want [alpha beta]", got)
		}
	}
	m := RequireMap(t, varA, varB)
	if m[varA] != "alpha" || m[varB] != "beta" || len(m) != 2 {
		t.Fatalf("RequireMap = %v", m)
	}
}

func TestRequireMissingFailsWhenServicesRequired(t *testing.T) {
	t.Setenv(varA, "alpha")
	t.Setenv(varB, "") // empty counts as missing
	t.Setenv(RequireEnv, "1")
	rec, _, returned := run(varA, varB)
	if returned {
		t.Fatal("Require returned instead of stopping the test")
	}
	if len(rec.skipped) != 0 {
		t.Fatalf("skipped although %s=1: %q", RequireEnv, rec.skipped)
	}
	if len(rec.fatal) != 1 {
		t.Fatalf("want exactly one Fatalf, got %q", rec.fatal)
	}
	msg := rec.fatal[0]
	if !strings.Contains(msg, varB) || strings.Contains(msg, varA) {
		t.Errorf("Fatalf message must name only the missing variable %s: %q", varB, msg)
	}
}

func TestRequireMissingSkipsOtherwise(t *testing.T) {
	for _, req := range []string{"", "0", "true"} {
		t.Run("SPT_REQUIRE_SERVICES="+req, func(t *testing.T) {
			t.Setenv(varA, "")
			t.Setenv(varB, "")
			t.Setenv(RequireEnv, req)
			rec, _, returned := run(varA, varB)
			if returned {
				t.Fatal("Require returned instead of stopping the test")
			}
			if len(rec.fatal) != 0 {
				t.Fatalf("failed although %s=%q: %q", RequireEnv, req, rec.fatal)
			}
			if len(rec.skipped) != 1 {
				t.Fatalf("want exactly one Skipf, got %q", rec.skipped)
			}
			msg := rec.skipped[0]
			for _, want := range []string{varA, varB, "make test"} {
				if !strings.Contains(msg, want) {
					t.Errorf("Skipf message lacks %q: %q", want, msg)
				}
			}
		})
	}
}

// TestRequireWithRealTestingT runs this test binary again so that Require
// meets a real *testing.T, and checks the outcome go test reports: FAIL with
// SPT_REQUIRE_SERVICES=1, SKIP (and overall PASS) without it.
func TestRequireWithRealTestingT(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns the test binary")
	}
	for _, tc := range []struct {
		require  string
		wantFail bool
		wantLine string
	}{
		{"1", true, "--- FAIL: TestHelperRequireMissing"},
		{"", false, "--- SKIP: TestHelperRequireMissing"},
	} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperRequireMissing$", "-test.v")
		cmd.Env = append(os.Environ(),
			"SPT_TESTSVC_HELPER=1",
			RequireEnv+"="+tc.require,
			varA+"=",
		)
		out, err := cmd.CombinedOutput()
		if failed := err != nil; failed != tc.wantFail {
			t.Errorf("%s=%q: exit error = %v, want failure = %v\n%s", RequireEnv, tc.require, err, tc.wantFail, out)
		}
		if !strings.Contains(string(out), tc.wantLine) || !strings.Contains(string(out), varA) {
			t.Errorf("%s=%q: output lacks %q or %s:\n%s", RequireEnv, tc.require, tc.wantLine, varA, out)
		}
		if strings.Contains(string(out), "after Require") {
			t.Errorf("%s=%q: the test went on after Require:\n%s", RequireEnv, tc.require, out)
		}
	}
}

// TestHelperRequireMissing is only meaningful when spawned by
// TestRequireWithRealTestingT.
func TestHelperRequireMissing(t *testing.T) {
	if os.Getenv("SPT_TESTSVC_HELPER") != "1" {
		t.Skip("helper for TestRequireWithRealTestingT")
	}
	Require(t, varA)
	t.Log("after Require")
}

func TestSilentListenerAcceptsAndNeverAnswers(t *testing.T) {
	s := SilentListener(t)
	c, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	if n, err := c.Read(make([]byte, 1)); n != 0 || err == nil {
		t.Fatalf("read %d bytes, err %v: the listener must stay silent", n, err)
	}
	if s.Accepted() != 1 || s.Port() == 0 {
		t.Fatalf("accepted %d, port %d", s.Accepted(), s.Port())
	}
}

// A missing precondition skips a plain `go test`, and fails under make test.
func TestSkipUnlessRequiredFailsUnderMakeTest(t *testing.T) {
	call := func() *recorder {
		rec := &recorder{}
		done := make(chan struct{})
		go func() {
			defer close(done)
			SkipUnlessRequired(rec, "no %s here", "/proc")
		}()
		<-done
		return rec
	}
	t.Setenv(RequireEnv, "")
	if rec := call(); len(rec.skipped) != 1 || rec.skipped[0] != "no /proc here" || len(rec.fatal) != 0 {
		t.Errorf("without %s: skipped %q, fatal %q", RequireEnv, rec.skipped, rec.fatal)
	}
	t.Setenv(RequireEnv, "1")
	if rec := call(); len(rec.fatal) != 1 || !strings.Contains(rec.fatal[0], "no /proc here") || len(rec.skipped) != 0 {
		t.Errorf("with %s=1: skipped %q, fatal %q", RequireEnv, rec.skipped, rec.fatal)
	}
}
