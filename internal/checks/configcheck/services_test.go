package configcheck_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/configcheck"
	"github.com/spacelift-io/spacectl-preflight/internal/config"
)

// eks is the official EKS module's Secret layout (testdata), copied so a
// test can move a line from one Secret to another.
type eks struct {
	t                     *testing.T
	dir                   string
	shared, server, drain string
}

func newEKS(t *testing.T) *eks {
	e := &eks{t: t, dir: t.TempDir()}
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join("..", "..", "..", "testdata", "examples", "eks-secrets", name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	e.shared, e.server, e.drain = read("spacelift-shared.yaml"), read("spacelift-server.yaml"), read("spacelift-drain.yaml")
	return e
}

// move takes the line that sets name out of *from and appends it to *to.
func (e *eks) move(name string, from, to *string) {
	e.t.Helper()
	lines := strings.Split(*from, "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "  "+name+":") {
			*from = strings.Join(append(lines[:i:i], lines[i+1:]...), "\n")
			*to = strings.TrimRight(*to, "\n") + "\n" + l + "\n"
			return
		}
	}
	e.t.Fatalf("%s is in no Secret", name)
}

func (e *eks) write(name, body string) string {
	p := filepath.Join(e.dir, name)
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		e.t.Fatal(err)
	}
	return p
}

// load reads the Secrets given (shared, server, drain by default) as
// --k8s-secret inputs.
func (e *eks) load(o config.LoadOptions) *config.Config {
	e.t.Helper()
	if o.K8sSecrets == nil {
		o.K8sSecrets = []string{e.write("shared.yaml", e.shared), e.write("server.yaml", e.server), e.write("drain.yaml", e.drain)}
	}
	o.Catalog = checks.MustCatalog(backends)
	cfg, ds := config.Load(o)
	if ds.HasErrors() {
		var b strings.Builder
		ds.Write(&b)
		e.t.Fatal(b.String())
	}
	return cfg
}

func services(t *testing.T, cfg *config.Config) checks.Result {
	t.Helper()
	for _, c := range checks.Build(backends, cfg, checks.Options{}).Checks() {
		if c.ID == configcheck.IDServices && c.Disabled != "" {
			t.Fatalf("config.services is disabled: %s", c.Disabled)
		}
	}
	return configcheck.Services(backends, cfg)
}

func stepAbout(r checks.Result, name, service string) *checks.Step {
	for _, s := range r.Steps {
		if sv, _ := s.Evidence.Get("service"); s.Name == name && sv == service {
			return &s
		}
	}
	return nil
}

func TestServicesPassWithTheOfficialEKSLayout(t *testing.T) {
	e := newEKS(t)
	r := services(t, e.load(config.LoadOptions{HelmValues: filepath.Join("..", "..", "..", "testdata", "examples", "eks-secrets", "helm-values.yaml")}))
	if r.Status != checks.Pass {
		t.Fatalf("status %s: %s\n%+v", r.Status, r.Message, r.Steps)
	}
	if got, _ := r.Details.Get("scheduler receives"); !strings.Contains(got, "Secret spacelift-shared") || strings.Contains(got, "spacelift-server") {
		t.Errorf("the scheduler receives %q, want spacelift-shared only", got)
	}
	if s := stepAbout(r, "shared.serverHostname", ""); s == nil || s.Status != checks.Pass {
		t.Errorf("the Helm values step: %+v", s)
	}
}

// The old GCP module and on-prem guide put the metadata bucket in the
// drain's Secret only, while the server needs it too.
func TestServicesFailWhenTheMetadataBucketIsDrainOnly(t *testing.T) {
	e := newEKS(t)
	e.move("OBJECT_STORAGE_BUCKET_METADATA", &e.shared, &e.drain)
	r := services(t, e.load(config.LoadOptions{}))
	s := stepAbout(r, "OBJECT_STORAGE_BUCKET_METADATA", "server")
	if r.Status != checks.Fail || s == nil || s.Status != checks.Fail ||
		!strings.Contains(s.Message, "the server reads it but does not receive it: it is set only in "+filepath.Join(e.dir, "drain.yaml")+" (Secret spacelift-drain) (drain only)") ||
		!strings.Contains(s.Advice, "spacelift-shared") {
		t.Fatalf("status %s, step %+v\n%+v", r.Status, s, r.Steps)
	}
	if stepAbout(r, "OBJECT_STORAGE_BUCKET_METADATA", "scheduler") != nil {
		t.Error("the scheduler, which has no S3 access, is said to need the metadata bucket")
	}
}

// A Secret missing a variable: DATABASE_URL only in the server's Secret
// leaves the drain and the scheduler without a database.
func TestServicesFailForAVariableOnlyOneServiceGets(t *testing.T) {
	e := newEKS(t)
	e.move("DATABASE_URL", &e.shared, &e.server)
	e.move("LAUNCHER_IMAGE", &e.drain, &e.server)
	r := services(t, e.load(config.LoadOptions{}))
	for _, c := range []struct {
		name, service string
		status        checks.Status
	}{
		{"DATABASE_URL", "drain", checks.Fail},
		{"DATABASE_URL", "scheduler", checks.Fail},
		{"LAUNCHER_IMAGE", "drain", checks.Warn}, // module variable: only warns
	} {
		if s := stepAbout(r, c.name, c.service); s == nil || s.Status != c.status {
			t.Errorf("%s for the %s: %+v, want %s", c.name, c.service, s, c.status)
		}
	}
	if strings.Contains(r.Message+r.Advice, "example-password") {
		t.Error("the database password is in the result")
	}
}

// Without the drain's own Secret, what it lacks only warns: its Secret
// may hold it.
func TestServicesOnlyWarnForAServiceWithoutItsOwnInput(t *testing.T) {
	e := newEKS(t)
	e.move("OBJECT_STORAGE_BUCKET_METADATA", &e.shared, &e.server)
	r := services(t, e.load(config.LoadOptions{K8sSecrets: []string{e.write("shared.yaml", e.shared), e.write("server.yaml", e.server)}}))
	s := stepAbout(r, "OBJECT_STORAGE_BUCKET_METADATA", "drain")
	if r.Status != checks.Warn || s == nil || !strings.Contains(s.Message, "no input of the drain's own was given") || !strings.Contains(s.Advice, "--service drain=FILE") {
		t.Fatalf("status %s, step %+v", r.Status, s)
	}
}

// --service attributes env files, and a shared one reaches every service.
func TestServicesWithServiceFlags(t *testing.T) {
	e := newEKS(t)
	shared := e.write("shared.env", "DATABASE_URL=postgres://u:p@db:5432/spacelift\nSERVER_DOMAIN=spacelift.example.com\nENCRYPTION_TYPE=rsa\nENCRYPTION_RSA_PRIVATE_KEY=a2V5\n")
	server := e.write("server.env", "ADMIN_USERNAME=admin\nOBJECT_STORAGE_BUCKET_METADATA=spacelift-metadata\n")
	drain := e.write("drain.env", "LAUNCHER_IMAGE=launcher\n")
	cfg := e.load(config.LoadOptions{K8sSecrets: []string{}, EnvFiles: []string{shared},
		Services: []config.ServiceFile{{Service: "server", Path: server}, {Service: "drain", Path: drain}}})
	r := services(t, cfg)
	if s := stepAbout(r, "OBJECT_STORAGE_BUCKET_METADATA", "drain"); s == nil || s.Status != checks.Fail {
		t.Errorf("metadata bucket for the drain: %+v", s)
	}
	if s := stepAbout(r, "LAUNCHER_IMAGE", "server"); s != nil {
		t.Errorf("the server is said to need the launcher image: %+v", s)
	}
	if got, _ := r.Details.Get("drain receives"); got != shared+", "+drain {
		t.Errorf("drain receives %q", got)
	}
}

// The chart sets proxy-body-size "0"; a values file that sets a limit on an
// enabled Ingress warns, one on a disabled Ingress does not.
func TestServicesWarnOnAnIngressBodyLimit(t *testing.T) {
	e := newEKS(t)
	const limit = "    nginx.ingress.kubernetes.io/proxy-body-size: 1m\n"
	values := e.write("values.yaml", "shared:\n  serverHostname: spacelift.example.com\ningress:\n  annotations:\n"+limit+"ingressV6:\n  enabled: false\n  annotations:\n"+limit)
	r := services(t, e.load(config.LoadOptions{HelmValues: values}))
	s := stepAbout(r, "ingress.annotations.nginx.ingress.kubernetes.io/proxy-body-size", "")
	if r.Status != checks.Warn || s == nil || !strings.Contains(s.Message, `is "1m"`) {
		t.Fatalf("status %s, step %+v", r.Status, s)
	}
	if at, _ := s.Evidence.Get("set at"); at != values+":5:50" {
		t.Errorf("located at %q", at)
	}
	if s := stepAbout(r, "ingressV6.annotations.nginx.ingress.kubernetes.io/proxy-body-size", ""); s != nil {
		t.Errorf("a disabled Ingress is judged: %+v", s)
	}
	values = e.write("values.yaml", "shared:\n  serverHostname: spacelift.example.com\ningress:\n  annotations:\n    nginx.ingress.kubernetes.io/proxy-body-size: \"0\"\n")
	if r := services(t, e.load(config.LoadOptions{HelmValues: values})); r.Status != checks.Pass {
		t.Errorf("the chart's own value: %s %s", r.Status, r.Message)
	}
}

func TestServicesCompareTheHelmServerHostname(t *testing.T) {
	e := newEKS(t)
	values := e.write("values.yaml", "shared:\n  secretRef: spacelift-shared\n  serverHostname: spacelift.other.example.com\n")
	r := services(t, e.load(config.LoadOptions{HelmValues: values}))
	s := stepAbout(r, "shared.serverHostname", "")
	if r.Status != checks.Fail || s == nil || !strings.Contains(s.Message, `is "spacelift.other.example.com", but SERVER_DOMAIN is "spacelift.example.com"`) {
		t.Fatalf("status %s, step %+v", r.Status, s)
	}
	if at, _ := s.Evidence.Get("set at"); at != values+":3:19" {
		t.Errorf("located at %q, want %s:3:19", at, values)
	}

	values = e.write("values.yaml", "shared:\n  serverHostname: https://spacelift.example.com\n")
	r = configcheck.Services(backends, e.load(config.LoadOptions{HelmValues: values, K8sSecrets: []string{e.write("shared.yaml", e.shared)}}))
	if s := stepAbout(r, "shared.serverHostname", ""); s == nil || s.Status != checks.Fail || !strings.Contains(s.Message, "not a bare hostname") {
		t.Errorf("a URL as hostname: %+v", s)
	}

	values = e.write("values.yaml", "server:\n  secretRef: spacelift-server\n")
	r = configcheck.Services(backends, e.load(config.LoadOptions{HelmValues: values, K8sSecrets: []string{e.write("shared.yaml", e.shared)}}))
	if s := stepAbout(r, "shared.serverHostname", ""); s == nil || s.Status != checks.Warn {
		t.Errorf("no serverHostname: %+v", s)
	}
}

func TestServicesIsDisabledWithoutPerServiceInputs(t *testing.T) {
	e := newEKS(t)
	cfg := e.load(config.LoadOptions{K8sSecrets: []string{e.write("shared.yaml", e.shared)}, EnvFiles: []string{e.write("all.env", "ADMIN_USERNAME=a\n")}})
	for _, c := range checks.Build(backends, cfg, checks.Options{}).Checks() {
		if c.ID == configcheck.IDServices && c.Disabled == "" {
			t.Error("config.services is enabled without a per-service input")
		}
	}
}

// Every variable the service table names is one the tool knows.
func TestServiceTableNamesKnownVariables(t *testing.T) {
	cat := checks.MustCatalog(backends)
	for _, name := range configcheck.ServiceTableVars() {
		if _, ok := cat.Lookup(name); !ok {
			t.Errorf("the service table names %s, which no backend declares", name)
		}
	}
}
