// Package testsvc gives integration tests the addresses and credentials of
// the real or emulated servers started by scripts/test-services (run with
// `make test`, or scripts/test-services/run.sh -- go test ./...).
//
// The servers publish themselves through SPT_* environment variables (see
// scripts/test-services/README.md for the full list). A test asks for the
// ones it needs:
//
//	v := testsvc.Require(t, "SPT_PG16_URL")
//	dsn := v[0]
//
// When a variable is missing, the test is skipped, so a plain `go test ./...`
// stays green on a machine without the servers. When SPT_REQUIRE_SERVICES=1
// (run.sh sets it, so CI does too), a missing variable fails the test
// instead: a broken harness must never turn into silently skipped tests.
package testsvc

import (
	"os"
	"strings"
	"testing"
)

// RequireEnv is the variable that turns a missing service variable from a
// skip into a failure when it is "1".
const RequireEnv = "SPT_REQUIRE_SERVICES"

// Require returns the values of the named environment variables, in order.
// If any is unset or empty it calls t.Fatalf when SPT_REQUIRE_SERVICES=1 and
// t.Skipf otherwise; both messages name every missing variable. Require
// returns nil in that case (a real testing.TB never returns from Fatalf or
// Skipf, but a fake one might).
func Require(t testing.TB, names ...string) []string {
	t.Helper()
	values := make([]string, len(names))
	var missing []string
	for i, name := range names {
		values[i] = os.Getenv(name)
		if values[i] == "" {
			missing = append(missing, name)
		}
	}
	if len(missing) == 0 {
		return values
	}
	list := strings.Join(missing, ", ")
	if os.Getenv(RequireEnv) == "1" {
		t.Fatalf("test service variable(s) %s not set, but %s=1: the test-services harness did not provide them (see scripts/test-services/README.md)", list, RequireEnv)
		return nil
	}
	t.Skipf("test service variable(s) %s not set: run `make test` (scripts/test-services/run.sh) to start the integration-test servers", list)
	return nil
}

// SkipUnlessRequired skips a test whose precondition this machine lacks (a
// FIFO, /proc, a long test under -short), except under make test
// (SPT_REQUIRE_SERVICES=1), where nothing may be skipped silently: there it
// fails with the same reason.
func SkipUnlessRequired(t testing.TB, format string, args ...any) {
	t.Helper()
	if os.Getenv(RequireEnv) == "1" {
		t.Fatalf("cannot run under %s=1: "+format, append([]any{RequireEnv}, args...)...)
		return
	}
	t.Skipf(format, args...)
}

// RequireMap is Require returning a map from variable name to value.
func RequireMap(t testing.TB, names ...string) map[string]string {
	t.Helper()
	values := Require(t, names...)
	if values == nil && len(names) > 0 {
		return nil
	}
	m := make(map[string]string, len(names))
	for i, name := range names {
		m[name] = values[i]
	}
	return m
}
