package worker

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/configcheck"
	"github.com/spacelift-io/spacectl-preflight/internal/config"
)

// imageRef is an image reference, normalised as Docker does: the registry
// (docker.io when the first part names no host), the repository and the
// tag or digest.
type imageRef struct {
	registry   string // host[:port] as written; docker.io for Docker Hub
	repository string
	reference  string // tag or digest
}

func (r imageRef) String() string {
	sep := ":"
	if strings.HasPrefix(r.reference, "sha256:") {
		sep = "@"
	}
	return r.registry + "/" + r.repository + sep + r.reference
}

// apiHost is where the registry's API is served: Docker Hub's differs
// from its name.
func (r imageRef) apiHost() string {
	if r.registry == "docker.io" {
		return "registry-1.docker.io"
	}
	return r.registry
}

// parseImage reads an image reference the way Docker normalises it.
func parseImage(s string) (imageRef, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return imageRef{}, errors.New("is empty")
	}
	if strings.Contains(s, "://") {
		return imageRef{}, errors.New("has a scheme; an image reference is REGISTRY/REPOSITORY:TAG")
	}
	var r imageRef
	name := s
	if i := strings.Index(s, "@"); i >= 0 {
		name, r.reference = s[:i], s[i+1:]
		if !strings.HasPrefix(r.reference, "sha256:") || len(r.reference) != len("sha256:")+64 {
			return imageRef{}, errors.New("has a digest that is not sha256:<64 hex digits>")
		}
	}
	first, rest, hasSlash := strings.Cut(name, "/")
	if hasSlash && (strings.ContainsAny(first, ".:") || first == "localhost") {
		r.registry, name = first, rest
	} else {
		r.registry = "docker.io"
	}
	if i := strings.LastIndex(name, ":"); i >= 0 && !strings.Contains(name[i:], "/") {
		if r.reference != "" {
			name = name[:i] // a tag before a digest is ignored, as Docker does
		} else {
			name, r.reference = name[:i], name[i+1:]
		}
	}
	if r.reference == "" {
		r.reference = "latest"
	}
	if r.registry == "docker.io" && !strings.Contains(name, "/") {
		name = "library/" + name
	}
	if name == "" || name != strings.ToLower(name) || strings.ContainsAny(name, " \t@:") || strings.Contains(name, "//") {
		return imageRef{}, fmt.Errorf("has the repository %q, which is not lowercase letters, digits, '.', '_', '-' and '/'", name)
	}
	r.repository = name
	return r, nil
}

// image is one image the worker pulls, from a variable or its default.
type image struct {
	variable string
	what     string
	ref      imageRef
	err      error
	// missing says err is about a variable that is not set: the worker's
	// own inputs may well lack the server side's values.
	missing bool
}

// images lists the images the worker pulls: the runner image (the
// documented default unless SPACELIFT_DEFAULT_RUNNER_IMAGE is set), the
// Ansible runner when it is set, and, for Kubernetes workers, the launcher
// image that the self-hosted install pushes to the operator's registry
// (LAUNCHER_IMAGE:LAUNCHER_IMAGE_TAG, the drain's values). Docker workers
// run the launcher as a binary, not an image.
func images(cfg *config.Config) []image {
	var out []image
	add := func(variable, what, raw string) {
		r, err := parseImage(raw)
		out = append(out, image{variable: variable, what: what, ref: r, err: err})
	}
	runner, variable := cfg.Get(DefaultRunnerImage), DefaultRunnerImage
	if runner == "" {
		runner, variable = DefaultRunner, DefaultRunnerImage+" (default)"
	}
	add(variable, "runner image", runner)
	if v := cfg.Get(DefaultAnsibleRunnerImage); v != "" {
		add(DefaultAnsibleRunnerImage, "Ansible runner image", v)
	}
	if WorkerType(cfg) != TypeKubernetes {
		return out
	}
	repo, tag := strings.TrimSpace(cfg.Get(configcheck.LauncherImage)), strings.TrimSpace(cfg.Get(configcheck.LauncherImageTag))
	switch {
	case repo == "":
		out = append(out, image{variable: configcheck.LauncherImage, what: "launcher image", missing: true,
			err: errors.New("is not set: pass the drain's LAUNCHER_IMAGE and LAUNCHER_IMAGE_TAG (the registry the self-hosted install pushed the launcher image to)")})
	case tag == "":
		out = append(out, image{variable: configcheck.LauncherImageTag, what: "launcher image", missing: true,
			err: errors.New("is not set: the launcher image's tag is the Spacelift version the install pushed")})
	default:
		add(configcheck.LauncherImage, "launcher image", repo+":"+tag)
	}
	return out
}

// insecureRegistries are the registries reached over plain HTTP: those
// listed in SPACECTL_PREFLIGHT_WORKER_INSECURE_REGISTRIES.
func insecureRegistries(cfg *config.Config) map[string]bool {
	m := map[string]bool{}
	for _, r := range splitList(cfg.Get(InsecureRegistries)) {
		m[strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(r, "http://"), "https://"), "/")] = true
	}
	return m
}

// registryBase is the registry API's base URL.
func registryBase(registry string, insecure map[string]bool) *url.URL {
	host := imageRef{registry: registry}.apiHost()
	if insecure[registry] || loopback(registry) {
		return &url.URL{Scheme: "http", Host: host}
	}
	return &url.URL{Scheme: "https", Host: host}
}

// loopback reports a registry on this machine, which Docker reaches over
// plain HTTP without being told (its default insecure range, 127.0.0.0/8).
func loopback(registry string) bool {
	h := hostOnly(registry)
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// imageStep is the step of an image that cannot be checked.
func imageStep(img image) checks.Step {
	if img.missing {
		return checks.Step{Name: img.variable, Status: checks.Warn, Message: img.err.Error(),
			Advice: "Pass the drain's configuration too (LAUNCHER_IMAGE, LAUNCHER_IMAGE_TAG) to check that this cluster can pull the launcher image."}
	}
	return checks.Step{Name: img.variable, Status: checks.Fail, Message: img.what + " " + img.err.Error(),
		Advice: "Write the image as REGISTRY/REPOSITORY:TAG, e.g. " + DefaultRunner + "."}
}
