// Package worker holds the worker target's checks: run on a private worker
// pool's host (a VM or an EC2 instance of the worker-pool module) or in a
// pod of its cluster, they prove the launcher could start and join before
// it is started: its credentials, and every endpoint it must reach (the
// server, the MQTT broker, object storage, the registries), its Docker
// daemon, its resources and its proxy settings.
//
// A worker pool exists only once the server does (its token comes from
// the server), so every check judges an installed Spacelift: --stage does
// not apply.
package worker

import (
	"context"
	"net"
	"os"
	"os/user"
	"runtime"
	"sync"
	"time"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/config"
)

// Group is the checks' group name.
const Group = "worker"

// IDs.
const (
	CredentialsID   = "worker.credentials"
	ServerID        = "worker.server"
	MQTTID          = "worker.mqtt"
	ObjectStorageID = "worker.object-storage"
	RegistryID      = "worker.registry"
	DockerID        = "worker.docker"
	ResourcesID     = "worker.resources"
	ProxyID         = "worker.proxy"
)

// deps are the package's seams to the machine and the network; tests
// replace them.
type deps struct {
	now func() time.Time
	// dial opens every TCP connection of the HTTP checks (to the target,
	// or to the proxy).
	dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// lookupHost and iotPort are mqtt.Connect's seams.
	lookupHost func(ctx context.Context, host string) ([]string, error)
	iotPort    string
	// root is where /proc and /sys are read (worker.resources).
	root   string
	numCPU func() int
	// lookupUser and groupIDs find the launcher's user (worker.docker).
	lookupUser func(name string) (*user.User, error)
	groupIDs   func(u *user.User) ([]string, error)
	groupName  func(gid string) string
	uid        func() int
	// readFile reads the Docker config and CA files.
	readFile func(path string) ([]byte, error)
}

func defaultDeps() deps {
	return deps{
		now: time.Now, dial: (&net.Dialer{}).DialContext, lookupHost: net.DefaultResolver.LookupHost,
		root: "/", numCPU: runtime.NumCPU,
		lookupUser: user.Lookup, groupIDs: func(u *user.User) ([]string, error) { return u.GroupIds() }, groupName: groupName,
		uid: os.Getuid, readFile: readSmallFile,
	}
}

// Register implements checks.Backend.
func (Backend) Register(p *checks.Plan, cfg *config.Config, _ checks.Options) {
	register(p, cfg, defaultDeps())
}

func register(p *checks.Plan, cfg *config.Config, d deps) {
	// The roots are read once per run, when a check first needs them.
	tr := sync.OnceValue(func() trust { return workerTrust(cfg, d) })
	kube := WorkerType(cfg) == TypeKubernetes
	onlyDocker := ""
	if kube {
		onlyDocker = "SPACECTL_PREFLIGHT_WORKER_TYPE is kubernetes: run pods get their resources and container runtime from the WorkerPool's pod spec, not from a Docker daemon on this host"
	}
	p.Add(
		checks.Check{ID: CredentialsID, Title: "The worker pool's token and private key are set and well-formed",
			Run: func(context.Context) checks.Result { return credentials(cfg) }},
		checks.Check{ID: ServerID, Title: "The Spacelift server answers over HTTPS with a certificate the worker trusts",
			Run: func(ctx context.Context) checks.Result { return server(ctx, cfg, d, tr()) }},
		checks.Check{ID: MQTTID, Title: "The worker reaches the MQTT broker and opens a session",
			Run: func(ctx context.Context) checks.Result { return brokerCheck(ctx, cfg, d, tr()) }},
		checks.Check{ID: ObjectStorageID, Title: "The hosts of pre-signed object-storage URLs answer from here",
			Disabled: storageDisabled(cfg),
			Run:      func(ctx context.Context) checks.Result { return objectStorage(ctx, cfg, d, tr()) }},
		checks.Check{ID: RegistryID, Title: "The launcher and runner images resolve in their registries",
			Run: func(ctx context.Context) checks.Result { return registry(ctx, cfg, d, tr()) }},
		checks.Check{ID: DockerID, Title: "The Docker daemon answers, is recent enough and the launcher may use it",
			Disabled: onlyDocker,
			Run:      func(ctx context.Context) checks.Result { return docker(ctx, cfg, d) }},
		checks.Check{ID: ResourcesID, Title: "CPU and memory meet the documented minimum (2 vCPU, 2 GB)",
			Disabled: onlyDocker,
			Run:      func(context.Context) checks.Result { return resources(d) }},
		checks.Check{ID: ProxyID, Title: "Proxy settings are well-formed and reach the run containers",
			Run: func(context.Context) checks.Result { return proxyCheck(cfg) }},
	)
}

// maxFile bounds the files the checks read (Docker config, CA files).
const maxFile = 4 << 20

// readSmallFile reads a regular file of at most maxFile bytes.
func readSmallFile(path string) ([]byte, error) { return config.ReadInput(path, maxFile) }

// groupName is "docker (gid 999)", or "gid 999" for a group without a name.
func groupName(gid string) string {
	if g, err := user.LookupGroupId(gid); err == nil {
		return g.Name + " (gid " + gid + ")"
	}
	return "gid " + gid
}
