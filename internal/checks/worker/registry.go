package worker

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/configcheck"
	"github.com/spacelift-io/spacectl-preflight/internal/config"
	"github.com/spacelift-io/spacectl-preflight/internal/secret"
)

// manifestAccept are the manifest types a pull accepts: multi-arch
// indexes first (the runner images are multi-arch), then single images.
var manifestAccept = []string{
	"application/vnd.oci.image.index.v1+json",
	"application/vnd.docker.distribution.manifest.list.v2+json",
	"application/vnd.oci.image.manifest.v1+json",
	"application/vnd.docker.distribution.manifest.v2+json",
}

// registry is worker.registry: for each image the worker pulls, its
// registry's /v2/ answers and a manifest HEAD finds the image, anonymous
// or with the Docker config's credentials (through the registry's token
// challenge when it asks for one), through the worker's proxy.
func registry(ctx context.Context, cfg *config.Config, d deps, tr trust) checks.Result {
	w := newWeb(cfg, d, tr)
	defer w.close()
	dc := loadDockerConfig(cfg, d)
	inner, cancel := checks.ReserveForReport(ctx)
	defer cancel()
	var v checks.Verdict
	if dc != nil {
		v.Detail("docker config", dc.path)
		if dc.problem != "" {
			v.Fail(DockerConfigDir, "Run `docker login REGISTRY` as the launcher's user with DOCKER_CONFIG pointing at that directory, or fix config.json by hand.",
				"%s %s", dc.path, dc.problem)
		}
	}
	insecure := insecureRegistries(cfg)
	reached := map[string]*registryClient{}
	for _, img := range images(cfg) {
		if img.err != nil {
			v.Add(imageStep(img))
			continue
		}
		rc, ok := reached[img.ref.registry]
		if !ok {
			rc = &registryClient{w: w, base: registryBase(img.ref.registry, insecure), registry: img.ref.registry, dc: dc, kube: WorkerType(cfg) == TypeKubernetes}
			reached[img.ref.registry] = rc
			rc.ping(inner, &v)
		}
		if rc.down {
			continue
		}
		rc.manifest(inner, &v, img)
	}
	res := v.Result("every image resolves in its registry from here")
	// Credentials from config.json are not configured secrets, so the
	// runner's scrubber does not know them: scrub them here.
	if ss := dc.secrets(); len(ss) > 0 {
		sc := secret.NewScrubber(ss...)
		res.Message, res.Advice = sc.Scrub(res.Message), sc.Scrub(res.Advice)
		res.Details, res.Steps = res.Details.Scrubbed(sc.Scrub), checks.ScrubSteps(res.Steps, sc.Scrub)
	}
	return res
}

// registryClient talks to one registry's API.
type registryClient struct {
	w        *web
	base     *url.URL
	registry string
	dc       *dockerConfig
	// kube is set for Kubernetes workers, whose pods the kubelet pulls.
	kube bool
	// down is set when /v2/ gave no HTTP answer: the images there are not
	// tried.
	down bool
	// tokens caches a Bearer token by scope.
	tokens map[string]secret.Secret
}

// ping is GET /v2/: the API answers, and how it authenticates.
func (rc *registryClient) ping(ctx context.Context, v *checks.Verdict) {
	u := rc.base.JoinPath("/v2/")
	name := rc.registry
	a, err := rc.w.do(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		rc.down = true
		msg, advice := rc.w.failure(u, err, ctx.Err() != nil, "the container registry of the images the worker pulls")
		v.Fail(name, advice, "%s", msg)
		return
	}
	switch {
	case a.status == http.StatusOK:
		v.Pass(name, "%s answers 200 (anonymous access), %s", u, rc.w.via(u))
	case a.status == http.StatusUnauthorized:
		scheme, _ := parseChallenge(a.header.Get("WWW-Authenticate"))
		if scheme == "" {
			scheme = "no"
		}
		v.Pass(name, "%s answers 401 with a %s challenge (a registry API that wants a token or credentials), %s", u, scheme, rc.w.via(u))
	case a.status == http.StatusNotFound:
		rc.down = true
		v.Fail(name, "Check the registry host in the image reference: a registry serves its API under /v2/.", "%s answered 404: this is not a registry API (Docker Registry HTTP API v2)", u)
	default:
		v.Warn(name, "Check the registry's status and any proxy in front of it.", "%s answered %s", u, a.text)
	}
	if c := rc.w.peer(rc.base.Hostname()); c != nil {
		certDetails(v, rc.base.Hostname(), c, rc.w.now())
	}
}

// manifest is HEAD /v2/<repository>/manifests/<reference>.
func (rc *registryClient) manifest(ctx context.Context, v *checks.Verdict, img image) {
	name := img.variable
	u := rc.base.JoinPath("/v2/", img.ref.repository, "manifests", img.ref.reference)
	hdr := http.Header{"Accept": {strings.Join(manifestAccept, ", ")}}
	a, err := rc.w.do(ctx, http.MethodHead, u.String(), hdr)
	authUsed := "anonymous"
	if err == nil && a.status == http.StatusUnauthorized {
		var ok bool
		authUsed, ok = rc.authorize(ctx, v, name, img, a.header.Get("WWW-Authenticate"), hdr)
		if !ok {
			return
		}
		a, err = rc.w.do(ctx, http.MethodHead, u.String(), hdr)
	}
	if err != nil {
		msg, advice := rc.w.failure(u, err, ctx.Err() != nil, "the container registry of the images the worker pulls")
		v.Fail(name, advice, "%s", msg)
		return
	}
	ref := img.ref.String()
	switch a.status {
	case http.StatusOK:
		digest := a.header.Get("Docker-Content-Digest")
		if digest == "" {
			digest = "no digest header"
		}
		v.Pass(name, "%s %s resolves (%s, %s; %s)", img.what, ref, digest, mediaType(a.header.Get("Content-Type")), authUsed)
	case http.StatusNotFound:
		advice := "Fix " + img.variable + " or push the image to that registry."
		if img.variable == configcheck.LauncherImage {
			advice = "Push the launcher image from the self-hosted release archive: load it, tag it LAUNCHER_IMAGE:LAUNCHER_IMAGE_TAG and push it; or fix those variables."
		}
		v.Fail(name, advice, "%s %s does not exist in the registry (404, %s)", img.what, ref, authUsed)
	case http.StatusUnauthorized, http.StatusForbidden:
		v.Fail(name, rc.credentialAdvice(),
			"%s %s: the registry refuses to serve it (%s, %s)", img.what, ref, a.text, authUsed)
	case http.StatusTooManyRequests:
		v.Warn(name, "Authenticate pulls (docker login) or mirror the image: anonymous pulls are rate limited.", "%s %s: the registry rate-limits this client (429)", img.what, ref)
	default:
		v.Fail(name, "Check the registry's status and any proxy in front of it.", "%s %s: the registry answered %s", img.what, ref, a.text)
	}
}

func (rc *registryClient) credentialAdvice() string {
	if rc.dc == nil {
		return "Log in as the launcher's user (`docker login " + rc.registry + "`) and set SPACELIFT_DOCKER_CONFIG_DIR to the directory of that config.json (Kubernetes: an imagePullSecret for the pods), or make the repository public."
	}
	return "Check the credentials for " + rc.registry + " in " + rc.dc.path + " (run `docker login " + rc.registry + "` again) and that they may pull this repository."
}

// mediaType is a Content-Type without parameters.
func mediaType(ct string) string {
	ct, _, _ = strings.Cut(ct, ";")
	if ct = strings.TrimSpace(ct); ct == "" {
		return "no content type"
	}
	return ct
}
