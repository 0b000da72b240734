package worker

import (
	"encoding/json"
	"net"
	"net/http"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/configcheck"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/messaging/msgtest"
	"github.com/spacelift-io/spacectl-preflight/internal/testsvc"
)

// engine is what the fake daemon reports.
type engine struct {
	version, api              string
	httpProxy, httpsProxy, no string
}

// dockerSocket serves the subset of the Docker Engine API the check uses
// (GET /_ping, /version, /info) on a Unix socket. No Docker engine exists
// where the tests run, so this stands in for one; the JSON field names
// are the Engine API's (docs.docker.com/reference/api/engine).
func dockerSocket(t *testing.T, e engine, mode os.FileMode) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "dockersock")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	path := filepath.Join(dir, "docker.sock")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /_ping", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Api-Version", e.api)
		_, _ = w.Write([]byte("OK"))
	})
	mux.HandleFunc("GET /version", func(w http.ResponseWriter, _ *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]string{"Version": e.version, "ApiVersion": e.api, "MinAPIVersion": "1.24", "Os": "linux", "Arch": "amd64"})
	})
	mux.HandleFunc("GET /info", func(w http.ResponseWriter, _ *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]any{"ServerVersion": e.version, "HttpProxy": e.httpProxy, "HttpsProxy": e.httpsProxy, "NoProxy": e.no})
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return path
}

// launcherDeps makes the launcher's user a spacelift user with uid 1983,
// in the socket's group when inGroup, or absent when u is false.
func launcherDeps(exists, inGroup bool) deps {
	d := defaultDeps()
	gid := strconv.Itoa(os.Getgid())
	d.lookupUser = func(name string) (*user.User, error) {
		if !exists {
			return nil, user.UnknownUserError(name)
		}
		return &user.User{Uid: "1983", Gid: "1983", Username: name}, nil
	}
	d.groupIDs = func(*user.User) ([]string, error) {
		if inGroup {
			return []string{"1983", gid}, nil
		}
		return []string{"1983"}, nil
	}
	d.groupName = func(g string) string { return "docker (gid " + g + ")" }
	return d
}

func TestDocker(t *testing.T) {
	const proxy = "http://proxy.example:3128"
	current := engine{version: "27.5.1", api: "1.47"}
	proxied := engine{version: "27.5.1", api: "1.47", httpProxy: proxy, httpsProxy: "http://xxxxx:xxxxx@proxy.example:3128", no: "localhost,.svc"}
	for _, tc := range []struct {
		name   string
		e      engine
		mode   os.FileMode
		d      deps
		vars   map[string]string
		status checks.Status
		wants  []string
	}{
		{"the launcher's user writes the socket through the docker group", current, 0o660, launcherDeps(true, true), vars(),
			checks.Pass, []string{"Docker 27.5.1 (API 1.47)", "user spacelift (uid 1983) may read and write it through the group docker"}},
		{"the launcher's user is not in the socket's group", current, 0o660, launcherDeps(true, false), vars(),
			checks.Fail, []string{"may not write", "usermod -aG docker"}},
		{"the group may not write the socket", current, 0o640, launcherDeps(true, true), vars(),
			checks.Fail, []string{"does not let the group read and write it"}},
		{"no spacelift user on this host", current, 0o660, launcherDeps(false, false), vars(),
			checks.Pass, []string{"there is no user spacelift here"}},
		{"an engine older than API 1.42 warns", engine{version: "20.10.24", api: "1.41"}, 0o660, launcherDeps(true, true), vars(),
			checks.Warn, []string{"Docker 20.10.24 serves API 1.41, older than 1.42"}},
		{"the daemon's proxy matches the launcher's (passwords masked by Docker)", proxied, 0o660, launcherDeps(true, true),
			vars(configcheck.HTTPProxy, proxy, configcheck.HTTPSProxy, "http://user:secret@proxy.example:3128", configcheck.NoProxy, ".svc,localhost"),
			checks.Pass, []string{"the Docker daemon and the launcher agree"}},
		{"a proxy for the launcher but not for Docker", current, 0o660, launcherDeps(true, true), vars(configcheck.HTTPSProxy, proxy),
			checks.Fail, []string{"HTTPS_PROXY: the launcher has it, the Docker daemon does not", "docker.service.d/http-proxy.conf"}},
		{"the daemon uses another proxy", proxied, 0o660, launcherDeps(true, true),
			vars(configcheck.HTTPProxy, "http://other:8080", configcheck.HTTPSProxy, proxy, configcheck.NoProxy, "localhost,.svc"),
			checks.Warn, []string{"the Docker daemon has " + proxy + ", the launcher http://other:8080"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sock := dockerSocket(t, tc.e, tc.mode)
			tc.vars[DockerHost] = "unix://" + sock
			o := run(t, DockerID, tc.vars, tc.d)
			msgtest.Expect(t, DockerID, o, tc.status, tc.wants...)
			msgtest.NoSecret(t, DockerID, o.Result, "secret")
		})
	}
}

func TestDockerDaemonAbsent(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "docker.sock")
	refused := testsvc.ClosedAddr(t)
	for _, tc := range []struct {
		name string
		vars map[string]string
		want string
	}{
		{"no socket", vars(DockerHost, "unix://"+missing), "there is no Docker socket at " + missing},
		{"the override wins over DOCKER_HOST", vars(DockerHost, "unix:///nonexistent", DockerHostOverride, "unix://"+missing), "from " + DockerHostOverride},
		{"nothing on the TCP port", vars(DockerHost, "tcp://"+refused), "the Docker daemon is not running"},
		{"an unsupported scheme", vars(DockerHost, "ssh://user@host"), "ssh://, which this check does not support"},
		{"no scheme", vars(DockerHost, "/var/run/docker.sock"), "has no scheme"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := run(t, DockerID, tc.vars, defaultDeps())
			msgtest.Expect(t, DockerID, o, checks.Fail, tc.want)
		})
	}
}

func TestDockerIsForDockerWorkersOnly(t *testing.T) {
	o := run(t, DockerID, vars(Type, TypeKubernetes), defaultDeps())
	msgtest.Expect(t, DockerID, o, checks.Skip, "kubernetes")
}

func TestAPIOlder(t *testing.T) {
	for _, c := range []struct {
		have string
		old  bool
	}{{"1.41", true}, {"1.42", false}, {"1.9", true}, {"2.0", false}, {"x", false}} {
		if got := apiOlder(c.have, minDockerAPI); got != c.old {
			t.Errorf("apiOlder(%s) = %v", c.have, got)
		}
	}
}
