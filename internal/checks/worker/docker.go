package worker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"syscall"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/configcheck"
	"github.com/spacelift-io/spacectl-preflight/internal/config"
	"github.com/spacelift-io/spacectl-preflight/internal/secret"
)

// defaultDockerHost is where the Docker client looks without DOCKER_HOST.
const defaultDockerHost = "unix:///var/run/docker.sock"

// minDockerAPI is the oldest Engine API version the check accepts without
// a warning. Spacelift documents no minimum ("Make sure that Docker is
// installed and running", docker-based-workers.md); the oldest engine a
// Spacelift source runs the launcher against is the Docker-in-Docker
// chart's docker:23.0.6-dind (spacelift-helm-charts,
// spacelift-worker-pool/values.yaml), which serves API 1.42.
const minDockerAPI = "1.42"

// dockerHost is the daemon the check talks to.
type dockerHost struct {
	variable string // where it came from
	raw      string
	network  string // unix or tcp
	address  string // socket path or host:port
	err      error
}

// dockerEndpoint is the daemon to check: SPACECTL_PREFLIGHT_WORKER_DOCKER_HOST,
// else DOCKER_HOST, else the default socket. ok is false when the value
// cannot be used.
func dockerEndpoint(cfg *config.Config) (dockerHost, bool) {
	h := dockerHost{variable: DockerHostOverride, raw: strings.TrimSpace(cfg.Get(DockerHostOverride))}
	if h.raw == "" {
		h.variable, h.raw = DockerHost, strings.TrimSpace(cfg.Get(DockerHost))
	}
	if h.raw == "" {
		h.variable, h.raw = "the default Docker host", defaultDockerHost
	}
	scheme, rest, ok := strings.Cut(h.raw, "://")
	switch {
	case !ok:
		h.err = errors.New("has no scheme: write unix:///var/run/docker.sock or tcp://HOST:PORT")
	case scheme == "unix" && rest != "":
		h.network, h.address = "unix", rest
	case scheme == "tcp" && rest != "":
		h.network, h.address = "tcp", strings.TrimSuffix(rest, "/")
		if _, _, err := net.SplitHostPort(h.address); err != nil {
			h.address = net.JoinHostPort(h.address, "2375")
		}
	default:
		h.err = fmt.Errorf("uses %s://, which this check does not support (unix:// and plain tcp:// only)", scheme)
	}
	return h, h.err == nil
}

// dockerAPI is a client for the Docker Engine API on one daemon.
type dockerAPI struct {
	client *http.Client
}

func newDockerAPI(h dockerHost) *dockerAPI {
	var dialer net.Dialer
	tr := &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return dialer.DialContext(ctx, h.network, h.address)
		},
		DisableKeepAlives: true,
	}
	return &dockerAPI{client: &http.Client{Transport: tr}}
}

// get fetches path and decodes its JSON into out (nil: ignore the body).
func (a *dockerAPI) get(ctx context.Context, path string, out any) (http.Header, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://docker"+path, nil)
	if err != nil {
		return nil, err
	}
	resp, err := a.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if resp.StatusCode != http.StatusOK {
		return resp.Header, fmt.Errorf("GET %s answered %s", path, resp.Status)
	}
	if out != nil {
		if err := json.Unmarshal(body, out); err != nil {
			return resp.Header, fmt.Errorf("GET %s did not answer JSON", path)
		}
	}
	return resp.Header, nil
}

// docker is worker.docker: the daemon answers, its API is recent enough,
// its proxy matches the launcher's, and the launcher's user may use its
// socket. "The launcher expects to be able to write to the local Docker
// socket" (docker-based-workers.md).
func docker(ctx context.Context, cfg *config.Config, d deps) checks.Result {
	h, ok := dockerEndpoint(cfg)
	if !ok {
		return checks.Failf("Set DOCKER_HOST to unix:///var/run/docker.sock (the default) or tcp://HOST:PORT.", "%s %s", h.variable, h.err)
	}
	var v checks.Verdict
	v.Detail("docker host", h.raw+" (from "+h.variable+")")
	api := newDockerAPI(h)
	defer api.client.CloseIdleConnections()
	inner, cancel := checks.ReserveForReport(ctx)
	defer cancel()
	if _, err := api.get(inner, "/_ping", nil); err != nil {
		msg, advice := dockerFailure(h, err, inner.Err() != nil, d)
		v.Fail("ping", advice, "%s", msg)
		return v.Result("")
	}
	v.Pass("ping", "the Docker daemon answers at %s", h.raw)
	var ver struct {
		Version, APIVersion, MinAPIVersion, Os, Arch string
	}
	if _, err := api.get(inner, "/version", &ver); err != nil {
		v.Fail("version", "Check the Docker daemon's log.", "%v", err)
	} else {
		version(&v, ver.Version, ver.APIVersion, ver.MinAPIVersion, ver.Os+"/"+ver.Arch)
	}
	var info struct {
		HTTPProxy  string `json:"HttpProxy"`
		HTTPSProxy string `json:"HttpsProxy"`
		NoProxy    string
	}
	if _, err := api.get(inner, "/info", &info); err != nil {
		v.Fail("info", "Check the Docker daemon's log.", "%v", err)
	} else {
		daemonProxy(&v, cfg, info.HTTPProxy, info.HTTPSProxy, info.NoProxy)
	}
	if h.network == "unix" {
		socketAccess(&v, h.address, d)
	}
	return v.Result("the Docker daemon answers, its API is recent enough, its proxy matches the launcher's and the launcher's user may use the socket")
}

// dockerFailure explains a daemon that did not answer /_ping.
func dockerFailure(h dockerHost, err error, hung bool, d deps) (string, string) {
	switch {
	case errors.Is(err, syscall.ENOENT):
		return fmt.Sprintf("there is no Docker socket at %s", h.address),
			"Install and start Docker (`systemctl enable --now docker`), or point DOCKER_HOST (or " + DockerHostOverride + " for this check) at the daemon's socket."
	case errors.Is(err, syscall.EACCES) || errors.Is(err, syscall.EPERM):
		return fmt.Sprintf("permission denied on %s for the current user (uid %d)", h.address, d.uid()),
			"Run the launcher (and this check) as a user in the socket's group: the EC2 worker-pool module runs `usermod -aG docker spacelift`."
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Sprintf("nothing accepts connections at %s: the Docker daemon is not running", h.raw),
			"Start Docker (`systemctl start docker`) and make sure it starts at boot."
	case hung:
		return fmt.Sprintf("the Docker daemon at %s did not answer /_ping", h.raw), "Check the Docker daemon: it accepts connections but hangs."
	}
	return fmt.Sprintf("the Docker daemon at %s did not answer /_ping: %s", h.raw, innermost(err)), "Check that Docker is installed and running."
}

// version judges the Engine API version against minDockerAPI.
func version(v *checks.Verdict, engine, api, minAPI, platform string) {
	v.Detail("docker engine", engine)
	v.Detail("api version", api)
	if minAPI != "" {
		v.Detail("api versions accepted", minAPI+" to "+api)
	}
	v.Detail("platform", platform)
	if apiOlder(api, minDockerAPI) {
		v.Warn("version", "Upgrade Docker: no minimum is documented, but Spacelift's own Docker-in-Docker setup runs Docker 23.0 (API "+minDockerAPI+") and older engines are out of support.",
			"Docker %s serves API %s, older than %s", engine, api, minDockerAPI)
		return
	}
	v.Pass("version", "Docker %s (API %s)", engine, api)
}

// apiOlder compares two MAJOR.MINOR API versions; an unreadable version
// is not older (the check then only reports it).
func apiOlder(have, want string) bool {
	hm, hn, ok1 := majorMinor(have)
	wm, wn, ok2 := majorMinor(want)
	if !ok1 || !ok2 {
		return false
	}
	return hm < wm || (hm == wm && hn < wn)
}

func majorMinor(s string) (int, int, bool) {
	a, b, ok := strings.Cut(strings.TrimSpace(s), ".")
	x, err1 := strconv.Atoi(a)
	y, err2 := strconv.Atoi(b)
	return x, y, ok && err1 == nil && err2 == nil
}

// daemonProxy compares the daemon's proxy with the launcher's: the daemon
// pulls the runner images, the launcher talks to Spacelift, and the EC2
// worker-pool module configures both with the same values
// (user_data/selfhosted.tftpl: docker.service.d/http-proxy.conf and
// run-launcher.sh). Docker masks proxy passwords in /info, so only the
// scheme, host and port are compared.
func daemonProxy(v *checks.Verdict, cfg *config.Config, httpP, httpsP, noP string) {
	for _, p := range []struct{ name, daemon string }{
		{configcheck.HTTPProxy, httpP}, {configcheck.HTTPSProxy, httpsP}, {configcheck.NoProxy, noP},
	} {
		launcher := strings.TrimSpace(cfg.Get(p.name))
		daemon := strings.TrimSpace(p.daemon)
		shown := secret.DisplayURL(daemon)
		switch {
		case launcher == "" && daemon == "":
			continue
		case launcher != "" && daemon == "":
			st := checks.Fail
			if p.name == configcheck.NoProxy {
				st = checks.Warn
			}
			v.Add(checks.Step{Name: p.name, Status: st, Message: "the launcher has it, the Docker daemon does not: image pulls will not use the proxy",
				Advice: dockerProxyAdvice(cfg)})
		case launcher == "" && daemon != "":
			v.Warn(p.name, "Give the launcher the same value, or remove it from the daemon, so both reach the same places.",
				"the Docker daemon has %s, the launcher has none", shown)
		case sameProxy(launcher, daemon, p.name == configcheck.NoProxy):
			v.Pass(p.name, "the Docker daemon and the launcher agree (%s)", shown)
		default:
			v.Warn(p.name, dockerProxyAdvice(cfg), "the Docker daemon has %s, the launcher %s", shown, secret.DisplayURL(launcher))
		}
	}
}

func dockerProxyAdvice(cfg *config.Config) string {
	var lines []string
	for _, n := range setProxyVars(cfg) {
		lines = append(lines, "Environment=\""+n+"="+secret.DisplayURL(cfg.Get(n))+"\"")
	}
	return "Give the Docker daemon the launcher's proxy, as the EC2 worker-pool module does: /etc/systemd/system/docker.service.d/http-proxy.conf with [Service] " +
		strings.Join(lines, " ") + ", then `systemctl daemon-reload && systemctl restart docker`."
}

// sameProxy compares proxy URLs by scheme, host and port (NO_PROXY lists
// as sets).
func sameProxy(a, b string, list bool) bool {
	if list {
		as, bs := splitList(strings.ToLower(a)), splitList(strings.ToLower(b))
		if len(as) != len(bs) {
			return false
		}
		set := map[string]bool{}
		for _, x := range as {
			set[x] = true
		}
		for _, x := range bs {
			if !set[x] {
				return false
			}
		}
		return true
	}
	ua, err1 := url.Parse(a)
	ub, err2 := url.Parse(b)
	if err1 != nil || err2 != nil {
		return a == b
	}
	return strings.EqualFold(ua.Scheme, ub.Scheme) && strings.EqualFold(ua.Host, ub.Host)
}
