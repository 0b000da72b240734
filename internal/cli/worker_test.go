package cli

import (
	"encoding/base64"
	"encoding/json"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	kt "github.com/spacelift-io/spacectl-preflight/internal/checks/encryption/rsakey/rsakeytest"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/worker"
)

// listed runs `checks ARGS -o json` and returns the IDs it lists.
func listed(t *testing.T, env map[string]string, args ...string) []string {
	t.Helper()
	code, out, errOut := run(t, env, append(append([]string{"checks"}, args...), "-o", "json")...)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var list []struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, c := range list {
		ids = append(ids, c.ID)
	}
	return ids
}

func TestChecksListsEachTarget(t *testing.T) {
	want := []string{worker.CredentialsID, worker.ServerID, worker.MQTTID, worker.ObjectStorageID, worker.RegistryID, worker.DockerID, worker.ResourcesID, worker.ProxyID}
	if got := listed(t, nil, "--target", "worker"); !slices.Equal(got, want) {
		t.Errorf("checks --target worker lists %v, want %v", got, want)
	}
	if got := listed(t, map[string]string{"SPACECTL_PREFLIGHT_TARGET": "worker"}); !slices.Equal(got, want) {
		t.Errorf("SPACECTL_PREFLIGHT_TARGET=worker lists %v", got)
	}
	for _, id := range listed(t, nil) {
		if strings.HasPrefix(id, "worker.") {
			t.Errorf("the server target (the default) lists %s", id)
		}
	}
	if code, _, errOut := run(t, nil, "checks", "--target", "laptop"); code != ExitUsage || !strings.Contains(errOut, "want server or worker") {
		t.Errorf("exit %d for an unknown target: %s", code, errOut)
	}
}

// poolSecret writes the worker pool's Secret as `kubectl get secret -o
// yaml` prints it: the token and the base64 key under data, base64-encoded
// once more.
func poolSecret(t *testing.T, token, key string) string {
	t.Helper()
	enc := base64.StdEncoding.EncodeToString
	p := filepath.Join(t.TempDir(), "pool.yaml")
	writeFile(t, p, "apiVersion: v1\nkind: Secret\nmetadata:\n  name: spacelift-worker-pool\ndata:\n  token: "+enc([]byte(token))+"\n  privateKey: "+enc([]byte(key))+"\n")
	return p
}

func TestWorkerTargetReadsTheWorkerPoolSecret(t *testing.T) {
	key := kt.B64(kt.PKCS8PEM(t, kt.GenerateRSA(t, 4096)))
	token := base64.StdEncoding.EncodeToString([]byte(`{"pool":"01HX","certificate":"…"}`))
	secret := poolSecret(t, token, key)
	env := filepath.Join(t.TempDir(), "kube.env")
	writeFile(t, env, "SPACECTL_PREFLIGHT_WORKER_TYPE=kubernetes\n")
	code, out, errOut := run(t, nil, "check", "--target", "worker", "--k8s-secret", secret, "--env-file", env,
		"--only", "worker.credentials", "-o", "json")
	if code != ExitOK {
		t.Fatalf("exit %d: %s\n%s", code, errOut, out)
	}
	if got := statusOf(t, out, worker.CredentialsID); got != "pass" {
		t.Fatalf("worker.credentials = %s\n%s", got, out)
	}
	for _, s := range []string{token, key, key[40:80]} {
		if strings.Contains(out+errOut, s) {
			t.Fatal("the output holds the token or the key")
		}
	}
	if !strings.Contains(out, secret+":") {
		t.Errorf("the result does not say where the credentials were set:\n%s", out)
	}
	// The same Secret with the key missing: the CRD's both-or-neither rule.
	code, out, _ = run(t, nil, "check", "--target", "worker", "--k8s-secret", poolSecret(t, token, ""), "--env-file", env,
		"--only", "worker.credentials", "-o", "json")
	if code != ExitChecksFailed || statusOf(t, out, worker.CredentialsID) != "fail" {
		t.Errorf("a Secret with the token alone: exit %d\n%s", code, out)
	}
}

func TestWorkerTargetRunsOnlyTheWorkerChecks(t *testing.T) {
	env := filepath.Join(t.TempDir(), "w.env")
	writeFile(t, env, "HTTPS_PROXY=proxy.example.com:3128\nSERVER_DOMAIN=spacelift.example.com\n")
	code, out, errOut := run(t, nil, "check", "--target", "worker", "--env-file", env, "--only", "worker.proxy", "-o", "json")
	if code != ExitChecksFailed {
		t.Fatalf("exit %d, want 1 (a proxy without its scheme): %s", code, errOut)
	}
	var r jsonOut
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	for _, res := range r.Results {
		if !strings.HasPrefix(res.ID, "worker.") {
			t.Errorf("the worker target ran %s", res.ID)
		}
	}
	if statusOf(t, out, worker.ProxyID) != "fail" {
		t.Errorf("worker.proxy:\n%s", out)
	}
}

// TestBundleDryRunTargetsTheWorker: the bundle of a worker run records the
// worker's endpoints and would run the worker checks, touching nothing.
func TestBundleDryRunTargetsTheWorker(t *testing.T) {
	t.Chdir(t.TempDir())
	addr, connections := acceptCounter(t)
	env := filepath.Join(t.TempDir(), "w.env")
	writeFile(t, env, "SERVER_DOMAIN=spacelift.example.com\nMQTT_BROKER_TYPE=builtin\nMQTT_BROKER_ENDPOINT=tls://"+addr+"\n")
	code, stdout, stderr := run(t, nil, "bundle", "--dry-run", "--target", "worker", "--env-file", env)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"spacelift.example.com:443", addr, "public.ecr.aws:443", "worker.registry"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	if strings.Contains(stdout, "postgres.") {
		t.Errorf("the worker bundle would run server checks:\n%s", stdout)
	}
	if n := connections.Load(); n != 0 {
		t.Errorf("--dry-run made %d connections", n)
	}
}

// TestServerDomainAndMQTTEndpointFlags: the two flags set their variables
// over every input (a worker's files rarely hold the server's variables),
// and say so as the values' source.
func TestServerDomainAndMQTTEndpointFlags(t *testing.T) {
	t.Chdir(t.TempDir())
	env := filepath.Join(t.TempDir(), "w.env")
	writeFile(t, env, "SERVER_DOMAIN=from-file.example.com\nMQTT_BROKER_TYPE=builtin\nMQTT_BROKER_ENDPOINT=tls://from-file.example.com:1984\n")
	code, stdout, stderr := run(t, nil, "bundle", "--dry-run", "--target", "worker", "--env-file", env,
		"--server-domain", "spacelift.example.com", "--mqtt-endpoint", "tls://mqtt.example.com:1984")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"spacelift.example.com:443", "mqtt.example.com:1984"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	if strings.Contains(stdout, "from-file.example.com") {
		t.Errorf("a value from the file won over the flag:\n%s", stdout)
	}
	// Only the flags: enough input to run, and the source is the flag.
	code, out, errOut := run(t, nil, "check", "--target", "worker", "--server-domain", "bad domain", "--only", "worker.server", "-o", "json")
	if code == ExitUsage && strings.Contains(errOut, "no configuration given") {
		t.Fatalf("the flags alone are not taken as input: %s", errOut)
	}
	if !strings.Contains(out+errOut, "--server-domain") {
		t.Errorf("nothing names --server-domain as the value's source:\n%s\n%s", out, errOut)
	}
}

// TestServeTakesTheTarget: serve builds each run's plan through the same
// path, so --target reaches it.
func TestServeTakesTheTarget(t *testing.T) {
	env := filepath.Join(t.TempDir(), "w.env")
	writeFile(t, env, "SERVER_DOMAIN=spacelift.example.com\n")
	s := startServe(t, nil, nil, nil, "--target", "worker", "--only", "worker.proxy", "--env-file", env, "--listen", "127.0.0.1:0")
	s.waitReady(t, time.Minute)
	code, body := fetch(t, http.MethodGet, s.base+"/results.json", nil)
	if code != http.StatusOK {
		t.Fatalf("/results.json: %d", code)
	}
	if statusOf(t, body, worker.ProxyID) != "pass" {
		t.Errorf("worker.proxy did not run under serve --target worker:\n%s", body)
	}
}

// acceptCounter listens on loopback and counts the connections made to
// it, closing each at once: proof that a dry run touches nothing.
func acceptCounter(t *testing.T) (string, *atomic.Int32) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	var n atomic.Int32
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			n.Add(1)
			_ = c.Close()
		}
	}()
	return l.Addr().String(), &n
}
