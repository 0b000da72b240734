package postgres

import (
	"fmt"
	"path"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/config"
)

// storageTypeVar is the storage backend's OBJECT_STORAGE_TYPE: gcp is this
// configuration's only sign that Spacelift runs on Google Cloud.
const storageTypeVar = "OBJECT_STORAGE_TYPE"

// onGoogleCloud reports whether the configuration says Spacelift runs on
// Google Cloud, where a database on this machine is the Cloud SQL Auth
// Proxy sidecar.
func onGoogleCloud(cfg *config.Config) bool { return cfg.Get(storageTypeVar) == "gcp" }

// cloudSQLNameRe matches a Cloud SQL instance connection name,
// PROJECT:REGION:INSTANCE (a domain-scoped project has one more colon).
var cloudSQLNameRe = checks.LazyRegexp(`^([a-z0-9.-]+:)?[a-z][a-z0-9-]*[a-z0-9]:[a-z]+-[a-z]+[0-9]+:[a-z][a-z0-9-]*$`)

// cloudSQLInstance returns the instance connection name a host names, as
// itself or as the Cloud SQL Auth Proxy's socket directory
// (/cloudsql/PROJECT:REGION:INSTANCE), or "".
func cloudSQLInstance(host string) string {
	if isSocket(host) {
		host = path.Base(host)
	}
	if cloudSQLNameRe().MatchString(host) {
		return host
	}
	return ""
}

// withCloudSQL adds the Cloud SQL Auth Proxy to the advice of a failure to
// reach the server, but only where it applies: the host is an instance
// connection name, or the URL points at this machine and the
// configuration is a Google Cloud one (anywhere else a server on
// 127.0.0.1 is just a local PostgreSQL).
func (f failure) withCloudSQL(ep *endpoint, gcp bool) failure {
	if ep == nil {
		return f
	}
	switch f.Kind {
	case kindRefused, kindDNS, kindUnreachable, kindTimeout, kindOther:
	default:
		return f
	}
	name := cloudSQLInstance(ep.Host)
	switch {
	case name != "":
		f.Advice += fmt.Sprintf(" %s is a Cloud SQL instance connection name: Spacelift reaches it through the Cloud SQL Auth Proxy, so start the proxy here (cloud-sql-proxy --private-ip --auto-iam-authn --port=5432 %s) and point DATABASE_URL at 127.0.0.1:5432, or run the preflight inside the Spacelift pod network.", name, name)
	case gcp && f.Kind == kindRefused && ep.Loopback():
		f.Advice += fmt.Sprintf(" DATABASE_URL points at this machine and %s=gcp: on Google Cloud that is the Cloud SQL Auth Proxy sidecar, so start it here (cloud-sql-proxy --private-ip --auto-iam-authn --port=%d INSTANCE_CONNECTION_NAME) or run the preflight inside the Spacelift pod network.", storageTypeVar, ep.Port)
	}
	return f
}
