package worker

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/rootcas"
	"github.com/spacelift-io/spacectl-preflight/internal/config"
)

// trust is what the worker verifies servers against: the system roots
// (which on an EC2 worker hold the CAs the worker-pool module installs
// with update-ca-trust), plus ADDITIONAL_ROOT_CAS (the CloudFormation
// worker pool's AdditionalRootCAsSecretName holds the same value), plus
// the .pem files of a directory like the controller's /opt/spacelift/certs
// (concepts/worker-pools/kubernetes-workers.md).
type trust struct {
	pool     *x509.CertPool
	describe string
	// userCA is set when a CA was added on top of the system roots: an
	// unknown authority is then a plain failure.
	userCA bool
	// problems are what is wrong with ADDITIONAL_ROOT_CAS or the
	// directory; worker.server reports them.
	problems []checks.Step
}

func workerTrust(cfg *config.Config, d deps) trust {
	b, ps, set := rootcas.FromConfig(cfg)
	var t trust
	usable := true
	for _, p := range ps {
		st := checks.Warn
		if p.Fatal {
			st, usable = checks.Fail, usable && len(b.Certs) > 0
		}
		t.problems = append(t.problems, checks.Step{Name: b.Source, Status: st, Message: p.Message, Advice: p.Advice})
	}
	if !usable {
		b.Certs = nil
	}
	t.pool = b.Pool()
	parts := []string{"system roots (SSL_CERT_FILE/SSL_CERT_DIR honoured)"}
	if set && len(b.Certs) > 0 {
		parts = append(parts, fmt.Sprintf("%d CA certificate(s) from %s", len(b.Certs), b.Source))
		t.userCA = true
	}
	if dir := cfg.Get(CADir); dir != "" {
		n, problems := addCADir(t.pool, dir, d)
		t.problems = append(t.problems, problems...)
		if n > 0 {
			parts = append(parts, fmt.Sprintf("%d CA certificate(s) from %s/*.pem", n, dir))
			t.userCA = true
		}
	}
	t.describe = strings.Join(parts, " plus ")
	return t
}

// addCADir adds every certificate of the directory's *.pem files, as the
// controller reads them (file names must end in .pem).
func addCADir(pool *x509.CertPool, dir string, d deps) (int, []checks.Step) {
	const advice = "Point " + CADir + " at the directory whose .pem files hold the CA certificates the worker trusts (the controller reads /opt/spacelift/certs/*.pem)."
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0, []checks.Step{{Name: CADir, Status: checks.Fail, Message: "cannot read the directory: " + pathErr(err), Advice: advice}}
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".pem") {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	if len(names) == 0 {
		return 0, []checks.Step{{Name: CADir, Status: checks.Warn, Message: "holds no *.pem file: files with other names (ca.crt) are not read by the controller", Advice: advice}}
	}
	var steps []checks.Step
	n := 0
	for _, name := range names {
		data, err := d.readFile(filepath.Join(dir, name))
		if err != nil {
			steps = append(steps, checks.Step{Name: CADir, Status: checks.Fail, Message: name + " cannot be read: " + pathErr(err), Advice: advice})
			continue
		}
		certs := certsIn(data)
		if len(certs) == 0 {
			steps = append(steps, checks.Step{Name: CADir, Status: checks.Fail, Message: name + " holds no PEM CERTIFICATE", Advice: "Each .pem file holds one or more -----BEGIN CERTIFICATE----- blocks of a CA."})
			continue
		}
		for _, c := range certs {
			pool.AddCert(c)
		}
		n += len(certs)
	}
	return n, steps
}

// certsIn parses every CERTIFICATE block of PEM data.
func certsIn(data []byte) []*x509.Certificate {
	var out []*x509.Certificate
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			return out
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		if c, err := x509.ParseCertificate(b.Bytes); err == nil {
			out = append(out, c)
		}
	}
}

// pathErr is an OS error without the path it repeats.
func pathErr(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	var ie *config.InputError
	if errors.As(err, &ie) {
		return ie.Problem
	}
	return err.Error()
}
