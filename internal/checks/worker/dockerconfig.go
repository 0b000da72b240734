package worker

import (
	"encoding/base64"
	"encoding/json"
	"path/filepath"
	"strings"

	"github.com/spacelift-io/spacectl-preflight/internal/config"
	"github.com/spacelift-io/spacectl-preflight/internal/secret"
)

// dockerConfig is what the worker's Docker config holds about registry
// credentials: SPACELIFT_DOCKER_CONFIG_DIR/config.json, which "docker
// login" writes (concepts/worker-pools/README.md). The credentials are
// secrets: they go into Authorization headers only.
type dockerConfig struct {
	path  string
	auths map[string]registryAuth // by registry host
	// helpers are the credential helpers the config names, by registry
	// ("*" for credsStore); this check does not run them.
	helpers map[string]string
	problem string
}

type registryAuth struct {
	user     string
	password secret.Secret
	// identityToken is an OAuth refresh token, sent to the token realm.
	identityToken secret.Secret
}

// loadDockerConfig reads the config, or returns nil when
// SPACELIFT_DOCKER_CONFIG_DIR is not set.
func loadDockerConfig(cfg *config.Config, d deps) *dockerConfig {
	dir := cfg.Get(DockerConfigDir)
	if dir == "" {
		return nil
	}
	dc := &dockerConfig{path: filepath.Join(dir, "config.json"), auths: map[string]registryAuth{}, helpers: map[string]string{}}
	data, err := d.readFile(dc.path)
	if err != nil {
		dc.problem = "cannot be read: " + pathErr(err)
		return dc
	}
	var doc struct {
		Auths map[string]struct {
			Auth          string `json:"auth"`
			Username      string `json:"username"`
			Password      string `json:"password"`
			IdentityToken string `json:"identitytoken"`
		} `json:"auths"`
		CredsStore  string            `json:"credsStore"`
		CredHelpers map[string]string `json:"credHelpers"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		dc.problem = "is not valid JSON"
		return dc
	}
	for key, a := range doc.Auths {
		ra := registryAuth{user: a.Username, password: secret.New(a.Password), identityToken: secret.New(a.IdentityToken)}
		if a.Auth != "" {
			raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(a.Auth))
			user, pass, ok := strings.Cut(string(raw), ":")
			if err != nil || !ok {
				dc.problem = "has an auths entry whose auth is not base64 of user:password"
				continue
			}
			ra.user, ra.password = user, secret.New(pass)
		}
		dc.auths[registryKey(key)] = ra
	}
	for host, h := range doc.CredHelpers {
		dc.helpers[registryKey(host)] = h
	}
	if doc.CredsStore != "" {
		dc.helpers["*"] = doc.CredsStore
	}
	return dc
}

// registryKey normalises an auths key as Docker matches it: the host,
// without scheme or path; Docker Hub's legacy key is docker.io.
func registryKey(key string) string {
	k := strings.TrimSpace(key)
	if i := strings.Index(k, "://"); i >= 0 {
		k = k[i+3:]
	}
	k = strings.SplitN(k, "/", 2)[0]
	switch k {
	case "index.docker.io", "registry-1.docker.io":
		return "docker.io"
	}
	return k
}

// auth returns the credentials for a registry, if any.
func (dc *dockerConfig) auth(registry string) (registryAuth, bool) {
	if dc == nil {
		return registryAuth{}, false
	}
	a, ok := dc.auths[registryKey(registry)]
	return a, ok && (a.user != "" || !a.identityToken.IsZero())
}

// helper names the credential helper that would answer for a registry.
func (dc *dockerConfig) helper(registry string) string {
	if dc == nil {
		return ""
	}
	if h := dc.helpers[registryKey(registry)]; h != "" {
		return h
	}
	return dc.helpers["*"]
}

// secrets are every credential the config holds, so a check can prove
// none reached its result.
func (dc *dockerConfig) secrets() []secret.Secret {
	if dc == nil {
		return nil
	}
	var out []secret.Secret
	for _, a := range dc.auths {
		out = append(out, a.password, a.identityToken)
	}
	return out
}
