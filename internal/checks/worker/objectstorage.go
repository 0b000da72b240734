package worker

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/awsenv"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/storage"
	"github.com/spacelift-io/spacectl-preflight/internal/config"
)

// storageTarget is one host pre-signed URLs point at, derived from the
// server side's object-storage settings.
type storageTarget struct {
	variable string // the variable it comes from
	url      *url.URL
}

// storageConfigured reports whether the inputs hold the server side's
// object-storage settings at all (a worker's own inputs do not).
func storageConfigured(cfg *config.Config) bool {
	names := []string{storage.TypeVar, storage.MinioEndpoint, storage.AzureAccountURL, storage.AWSEndpointURLS3}
	for _, b := range storage.Buckets() {
		names = append(names, b.Var)
	}
	for _, n := range names {
		if cfg.Has(n) {
			return true
		}
	}
	return false
}

func storageDisabled(cfg *config.Config) string {
	if storageConfigured(cfg) {
		return ""
	}
	return "no object-storage setting given: add the server's configuration (a second --env-file) to derive the hosts of pre-signed URLs"
}

// storageTargets derives the hosts of pre-signed URLs from the storage
// settings. The networking reference says workers use object storage "to
// access run information and upload run logs using pre-signed URLs"; the
// URLs' hosts are those of each backend's endpoint (S3: the regional
// endpoint, path-style, and each bucket's virtual-hosted name; GCS:
// storage.googleapis.com; Azure: the account URL; MinIO: its endpoint,
// which must be reachable from outside the cluster).
func storageTargets(cfg *config.Config) []storageTarget {
	var out []storageTarget
	add := func(variable, raw string) {
		if u, err := url.Parse(raw); err == nil && u.Host != "" {
			out = append(out, storageTarget{variable: variable, url: &url.URL{Scheme: u.Scheme, Host: u.Host, Path: "/"}})
		}
	}
	switch storage.Type(cfg) {
	case "aws":
		if ep := cfg.Get(storage.AWSEndpointURLS3); ep != "" {
			add(storage.AWSEndpointURLS3, ep)
			break
		}
		region := strings.TrimSpace(cfg.Get(awsenv.Region))
		if region == "" {
			break
		}
		suffix := "amazonaws.com"
		if strings.HasPrefix(region, "cn-") {
			suffix = "amazonaws.com.cn"
		}
		add(awsenv.Region, "https://s3."+region+"."+suffix)
		for _, b := range storage.Buckets() {
			// Dotted names do not fit the wildcard certificate: the SDK
			// signs them path-style, on the regional endpoint.
			if name := cfg.Get(b.Var); name != "" && !strings.Contains(name, ".") {
				add(b.Var, "https://"+name+".s3."+region+"."+suffix)
			}
		}
	case "gcp":
		if h := cfg.Get(storage.StorageEmulatorHost); h != "" {
			add(storage.StorageEmulatorHost, "http://"+strings.TrimPrefix(h, "http://"))
			break
		}
		add(storage.TypeVar, "https://storage.googleapis.com")
	case "azure":
		if v, ok := cfg.Display(storage.AzureAccountURL); ok {
			add(storage.AzureAccountURL, v)
		}
	case "minio":
		v, ok := cfg.Display(storage.MinioEndpoint)
		if !ok {
			break
		}
		if !strings.Contains(v, "://") {
			scheme := "http"
			if cfg.Bool(storage.MinioUseSSL) {
				scheme = "https"
			}
			v = scheme + "://" + v
		}
		add(storage.MinioEndpoint, v)
	}
	seen := map[string]bool{}
	uniq := out[:0]
	for _, t := range out {
		if key := t.url.Scheme + "://" + t.url.Host; !seen[key] {
			seen[key] = true
			uniq = append(uniq, t)
		}
	}
	return uniq
}

// portOf is a URL's port, or its scheme's.
func portOf(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	if u.Scheme == "http" {
		return "80"
	}
	return "443"
}

// objectStorage is worker.object-storage: each host answers HTTP(S) from
// here, through the worker's proxy, with a certificate the worker trusts.
// Any HTTP answer (403 for an anonymous request included) proves the path.
func objectStorage(ctx context.Context, cfg *config.Config, d deps, tr trust) checks.Result {
	targets := storageTargets(cfg)
	if len(targets) == 0 {
		kind := storage.Type(cfg)
		need := map[string]string{"aws": awsenv.Region, "azure": storage.AzureAccountURL, "minio": storage.MinioEndpoint}[kind]
		if need == "" {
			return checks.Failf("Set OBJECT_STORAGE_TYPE to aws, gcp, azure or minio, as the server has it.", "OBJECT_STORAGE_TYPE %q names no object storage", kind)
		}
		return checks.Failf("Pass the server's "+need+" too: the hosts of pre-signed URLs derive from it.", "OBJECT_STORAGE_TYPE is %s but %s is not set", kind, need)
	}
	w := newWeb(cfg, d, tr)
	defer w.close()
	inner, cancel := checks.ReserveForReport(ctx)
	defer cancel()
	var v checks.Verdict
	v.Detail("object storage", storage.Type(cfg))
	v.Detail("trusted roots", tr.describe)
	for _, t := range targets {
		name := t.url.Scheme + "://" + t.url.Host
		a, err := w.do(inner, http.MethodHead, t.url.String(), nil)
		if err != nil {
			msg, advice := w.failure(t.url, err, inner.Err() != nil, "pre-signed URLs of run logs and workspaces; from "+t.variable)
			v.Fail(name, advice, "%s", msg)
			continue
		}
		how := "over HTTPS with a trusted certificate"
		if t.url.Scheme == "http" {
			how = "over plain HTTP"
		}
		v.Pass(name, "answers %s (%s), %s", how, a.text, w.via(t.url))
		certDetails(&v, t.url.Hostname(), w.peer(t.url.Hostname()), d.now())
	}
	return v.Result("every host of pre-signed object-storage URLs answers from here")
}
