package worker

import (
	"net"
	"strings"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/configcheck"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/mqtt"
	"github.com/spacelift-io/spacectl-preflight/internal/config"
)

// The launcher's variables (spacelift-io/user-documentation,
// concepts/worker-pools/README.md "Configuration options" and
// docker-based-workers.md "Running the launcher").
const (
	Token                     = "SPACELIFT_TOKEN"
	PrivateKey                = "SPACELIFT_POOL_PRIVATE_KEY"
	WhitelistEnvs             = "SPACELIFT_WHITELIST_ENVS"
	MaskEnvs                  = "SPACELIFT_MASK_ENVS"
	DockerConfigDir           = "SPACELIFT_DOCKER_CONFIG_DIR"
	DefaultRunnerImage        = "SPACELIFT_DEFAULT_RUNNER_IMAGE"
	DefaultAnsibleRunnerImage = "SPACELIFT_DEFAULT_ANSIBLE_RUNNER_IMAGE"
	// DockerHost is not a documented launcher option, but the Docker client
	// reads it: the Docker-in-Docker chart sets it for the launcher.
	DockerHost = "DOCKER_HOST"
)

// This tool's own variables for the worker target.
const (
	Type               = "SPACECTL_PREFLIGHT_WORKER_TYPE"
	CADir              = "SPACECTL_PREFLIGHT_WORKER_CA_DIR"
	DockerHostOverride = "SPACECTL_PREFLIGHT_WORKER_DOCKER_HOST"
	InsecureRegistries = "SPACECTL_PREFLIGHT_WORKER_INSECURE_REGISTRIES"
)

// Worker types.
const (
	TypeDocker     = "docker"
	TypeKubernetes = "kubernetes"
)

// The Secret keys of a Kubernetes worker pool (concepts/worker-pools/
// kubernetes-workers.md: `token` and `privateKey`).
const (
	SecretKeyToken      = "token"
	SecretKeyPrivateKey = "privateKey"
)

// DefaultRunner is the runner image the launcher uses when
// SPACELIFT_DEFAULT_RUNNER_IMAGE is unset (concepts/worker-pools/README.md).
const DefaultRunner = "public.ecr.aws/spacelift/runner-terraform:latest"

// WorkerType is the effective SPACECTL_PREFLIGHT_WORKER_TYPE.
func WorkerType(cfg *config.Config) string { v, _ := cfg.TypeOf(Type); return v }

// Backend is a private worker pool: the launcher's credentials and what it
// must reach from its host or cluster. It reads the server side's
// variables it shares by name (SERVER_DOMAIN, MQTT_BROKER_ENDPOINT, the
// object storage, LAUNCHER_IMAGE), never their checks.
type Backend struct{}

var _ checks.Backend = Backend{}

// Group implements checks.Backend.
func (Backend) Group() checks.Group { return checks.Group{ID: Group, Title: "Worker pool"} }

// Vars implements checks.Backend.
func (Backend) Vars() []config.Var {
	return []config.Var{
		config.Spacelift(Token, "worker.token", "The worker pool's token, as Spacelift gave it (already base64).").Sensitive().SecretKey(SecretKeyToken),
		config.Spacelift(PrivateKey, "worker.privateKey", "The worker pool's private key: base64 of the whole PEM file, on one line.").Sensitive().SecretKey(SecretKeyPrivateKey),
		config.Spacelift(WhitelistEnvs, "worker.whitelistEnvs", "Launcher variables passed on to run containers, comma-separated (ro_/wo_ prefixes)."),
		config.Spacelift(MaskEnvs, "worker.maskEnvs", "Allowlisted variables never shown in logs, comma-separated."),
		config.Spacelift(DockerConfigDir, "worker.dockerConfigDir", "Directory of the Docker config (config.json) with private registry credentials."),
		config.Spacelift("SPACELIFT_SENSITIVE_OUTPUT_UPLOAD_ENABLED", "worker.sensitiveOutputUploadEnabled", "Upload sensitive run outputs to the backend.").Boolean(),
		config.Spacelift("SPACELIFT_RUN_LOGS_ON_STANDARD_OUTPUT_ENABLED", "worker.runLogsOnStandardOutputEnabled", "Also write run logs to standard output.").Boolean(),
		config.Spacelift("SPACELIFT_LAUNCHER_RUN_INITIALIZATION_POLICY", "worker.runInitializationPolicy", "File with the run initialization policy."),
		config.Spacelift("SPACELIFT_LAUNCHER_LOGS_TIMEOUT", "worker.logsTimeout", "Kill jobs silent this long (default 7m), e.g. 1000s."),
		config.Spacelift("SPACELIFT_LAUNCHER_RUN_TIMEOUT", "worker.runTimeout", "Longest run (default 70m), e.g. 120m."),
		config.Spacelift("SPACELIFT_DEBUG", "worker.debug", "Print the commands runs execute in the worker logs.").Boolean(),
		config.Spacelift("SPACELIFT_WORKER_EXTRA_MOUNTS", "worker.extraMounts", "Extra /host/path:/container/path mounts for every run, comma-separated."),
		config.Spacelift("SPACELIFT_WORKER_RO_EXTRA_MOUNTS", "worker.roExtraMounts", "Extra mounts for read-only runs."),
		config.Spacelift("SPACELIFT_WORKER_WO_EXTRA_MOUNTS", "worker.woExtraMounts", "Extra mounts for write-only runs."),
		config.Spacelift("SPACELIFT_WORKER_NETWORK", "worker.network", "Docker network of run containers (default bridge)."),
		config.Spacelift("SPACELIFT_WORKER_RUNTIME", "worker.runtime", "Docker runtime of run containers."),
		config.Spacelift(DefaultRunnerImage, "worker.defaultRunnerImage", "Runner image (default "+DefaultRunner+")."),
		config.Spacelift(DefaultAnsibleRunnerImage, "worker.defaultAnsibleRunnerImage", "Runner image of Ansible stacks (default public.ecr.aws/spacelift/runner-ansible:latest)."),
		config.SDK(DockerHost, "worker.dockerHost", "Docker daemon the launcher uses (default unix:///var/run/docker.sock)."),
		config.Tool(Type, "worker.check.type", "Worker pool kind: docker (a VM or EC2 launcher) or kubernetes (the worker pool controller).").OneOf(TypeDocker, TypeDocker, TypeKubernetes),
		config.Tool(CADir, "worker.check.caDir", "Directory of .pem CA files the worker trusts, like the controller's /opt/spacelift/certs."),
		config.Tool(DockerHostOverride, "worker.check.dockerHost", "Docker daemon to check when it is reached here differently than DOCKER_HOST says (a socket mounted elsewhere)."),
		config.Tool(InsecureRegistries, "worker.check.insecureRegistries", "Registries (host:port) reached over plain HTTP, as the Docker daemon's insecure-registries; comma-separated."),
	}
}

// Required implements checks.Backend.
func (Backend) Required(cfg *config.Config) []checks.Requirement {
	rs := []checks.Requirement{
		{Var: configcheck.ServerDomain, Why: "workers call the Spacelift server"},
		{Var: mqtt.BrokerEndpoint, Why: "workers receive their jobs from the MQTT broker"},
	}
	if WorkerType(cfg) == TypeDocker {
		rs = append(rs, checks.Requirement{Var: Token, Why: "the launcher authenticates with it"},
			checks.Requirement{Var: PrivateKey, Why: "the launcher authenticates with it"})
	}
	return rs
}

// Review implements checks.Backend: the worker checks judge their own
// variables (the worker target runs no config.* checks).
func (Backend) Review(*config.Config, *checks.Review) {}

// Endpoints implements checks.Backend: what a worker connects to.
func (Backend) Endpoints(cfg *config.Config, e *checks.EndpointSet) {
	if host, port, ok := serverAddress(cfg); ok {
		e.Add(configcheck.ServerDomain, host, port, checks.DirectTLS)
	}
	mqtt.Backend{}.Endpoints(cfg, e)
	for _, t := range storageTargets(cfg) {
		hs := checks.NoTLS
		if t.url.Scheme == "https" {
			hs = checks.DirectTLS
		}
		e.Add(t.variable, t.url.Hostname(), portOf(t.url), hs)
	}
	insecure := insecureRegistries(cfg)
	for _, img := range images(cfg) {
		if img.err != nil {
			continue
		}
		u := registryBase(img.ref.registry, insecure)
		hs := checks.DirectTLS
		if u.Scheme == "http" {
			hs = checks.NoTLS
		}
		e.Add(strings.Fields(img.variable)[0], u.Hostname(), portOf(u), hs)
	}
	for _, name := range []string{configcheck.HTTPProxy, configcheck.HTTPSProxy} {
		if v, ok := cfg.Display(name); ok && strings.Contains(v, "://") {
			e.URL(name, v, "", []string{"https"}, []string{"http", "socks5"})
		}
	}
	if h, ok := dockerEndpoint(cfg); ok && h.network == "tcp" {
		host, port := splitHostPort(h.address, "2375")
		e.Add(h.variable, host, port, checks.NoTLS)
	}
}

// splitHostPort splits host:port, with def when there is no port.
func splitHostPort(hostport, def string) (string, string) {
	if h, p, err := net.SplitHostPort(hostport); err == nil {
		return h, p
	}
	return hostport, def
}
