// Package storage holds the object-storage checks (group "storage") for the
// four backends Spacelift supports: S3 (aws-sdk-go-v2), MinIO (minio-go),
// Google Cloud Storage and Azure Blob. Each backend implements the small
// backend interface, and each flavour (flavour_*.go) what else differs:
// required settings and advice; the checks themselves are written once.
package storage

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/awsenv"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/configcheck"
	"github.com/spacelift-io/spacectl-preflight/internal/config"
)

// Group is the checks' group name.
const Group = "storage"

// probePrefix is where every probe object is written, so an operator can
// recognise (and a lifecycle rule can sweep) anything left behind.
const probePrefix = "spacectl-preflight/"

// cleanupTimeout bounds the removal of probe objects, which runs on its own
// deadline so it survives the check's timeout and Ctrl-C.
const cleanupTimeout = 5 * time.Second

// Register implements checks.Backend: the storage.* checks.
func (Backend) Register(p *checks.Plan, cfg *config.Config, opts checks.Options) {
	register(p, cfg, opts, awsenv.Of(p, cfg), seams{})
}

// seams lets tests substitute what production derives from the
// configuration; the zero value is production behaviour.
type seams struct {
	// minioCreds, when set, replaces the static MinIO key pair (tests use
	// STS credentials restricted by a session policy).
	minioCreds *minioCredentials
	// azureARM, when set, points the Azure Resource Manager reader (the
	// management policy, the versioning setting) at a fake Resource
	// Manager (nothing real runs locally).
	azureARM *armOptions
}

func register(p *checks.Plan, cfg *config.Config, opts checks.Options, aws *awsenv.Env, sm seams) *suite {
	s := &suite{cfg: cfg, opts: opts, flavour: flavourFor(Type(cfg), cfg, aws, sm), probes: map[string]*probeSlot{}}
	off := s.disabledReason()
	for _, b := range Buckets() {
		c := checks.Check{
			ID:       "storage.bucket." + b.Purpose,
			Title:    b.Title + " bucket is reachable and usable",
			Doc:      "storage.bucket",
			Disabled: off,
			Timeout:  45 * time.Second,
		}
		if c.Disabled == "" && !cfg.Has(b.Var) {
			c.Disabled = b.Var + " is not set"
		}
		c.Run = func(ctx context.Context) checks.Result { return s.bucketCheck(ctx, b) }
		p.Add(c)
	}
	p.Add(
		checks.Check{ID: "storage.versioning", Title: "Versioning is enabled where Spacelift requires or suggests it",
			Disabled: s.needAny(off, "states", "modules", "run-logs", "uploads", "user-uploaded-workspaces", "workspace"),
			Run:      s.versioningCheck},
		checks.Check{ID: "storage.lifecycle", Title: "Lifecycle rules keep objects as long as Spacelift needs",
			Disabled: s.needAny(off, purposes()...),
			Run:      s.lifecycleCheck},
		checks.Check{ID: "storage.cors", Title: "Browsers may upload to the uploads bucket (CORS)",
			Disabled: s.corsDisabled(off),
			Run:      s.corsCheck},
		checks.Check{ID: "storage.public-access", Title: "Buckets refuse anonymous access",
			Disabled: s.needAny(off, purposes()...), Timeout: 60 * time.Second,
			Run: s.publicAccessCheck},
	)
	p.OnClose(s.close)
	return s
}

// suite is one run's state: the shared, lazily created backend client and
// the per-bucket probe results that buckets shared between purposes reuse.
type suite struct {
	cfg  *config.Config
	opts checks.Options
	// flavour's advice methods are the suite's (s.whoAmI()); it is nil
	// only when OBJECT_STORAGE_TYPE names none, and then disabledReason
	// stops every check.
	flavour

	mu sync.Mutex
	be backend

	probeMu sync.Mutex
	probes  map[string]*probeSlot
}

func purposes() []string {
	out := make([]string, len(Buckets()))
	for i, b := range Buckets() {
		out[i] = b.Purpose
	}
	return out
}

// disabledReason says why no storage check can run with this configuration.
func (s *suite) disabledReason() string {
	if s.flavour == nil {
		return unknownFlavourReason(Type(s.cfg))
	}
	return s.flavour.disabledReason()
}

// needAny returns off, or a reason when none of the purposes' bucket
// variables is set.
func (s *suite) needAny(off string, ps ...string) string {
	if off != "" {
		return off
	}
	if len(s.bucketsFor(ps...)) == 0 {
		return "none of the relevant OBJECT_STORAGE_BUCKET_* variables is set"
	}
	return ""
}

func (s *suite) corsDisabled(off string) string {
	switch {
	case off != "":
		return off
	case !s.cfg.Has(configcheck.ServerDomain):
		return configcheck.ServerDomain + " is not set: it is the origin browsers upload from"
	case !s.cfg.Has("OBJECT_STORAGE_BUCKET_UPLOADS"):
		return "OBJECT_STORAGE_BUCKET_UPLOADS is not set"
	}
	return ""
}

// namedBucket is a configured bucket with the purposes that use it.
type namedBucket struct {
	Name     string
	Purposes []string
}

// bucketsFor returns the configured buckets for the purposes, in
// documentation order, each name once.
func (s *suite) bucketsFor(ps ...string) []namedBucket {
	want := map[string]bool{}
	for _, p := range ps {
		want[p] = true
	}
	var out []namedBucket
	idx := map[string]int{}
	for _, b := range Buckets() {
		name := s.cfg.Get(b.Var)
		if !want[b.Purpose] || name == "" {
			continue
		}
		if i, ok := idx[name]; ok {
			out[i].Purposes = append(out[i].Purposes, b.Purpose)
			continue
		}
		idx[name] = len(out)
		out = append(out, namedBucket{Name: name, Purposes: []string{b.Purpose}})
	}
	return out
}

func (nb namedBucket) label() string { return nb.Name + " (" + strings.Join(nb.Purposes, ", ") + ")" }

// reportedElsewhere returns the message of a skipped step, and true, when
// a call on one bucket failed for a reason the bucket's own check
// (storage.bucket.<purpose>) reports: the bucket does not exist, or lives
// in another region. A check that looks at a property of several buckets
// then lists that bucket as not checked instead of failing a second time
// for the same cause.
func reportedElsewhere(nb namedBucket, e *opError) (string, bool) {
	switch e.Kind {
	case kindNoBucket, kindRegion:
		return "not checked: storage.bucket." + nb.Purposes[0] + " reports it (" + describe(e) + ")", true
	}
	return "", false
}

// missing asks, with credentials, whether a bucket is missing (or in another
// region) after a call that does not say so reliably failed (an anonymous
// request, a write whose error names no bucket), and returns what
// reportedElsewhere returns.
func (s *suite) missing(ctx context.Context, be backend, nb namedBucket) (string, bool) {
	if err := be.exists(ctx, nb.Name); err != nil {
		return reportedElsewhere(nb, asOpError(err))
	}
	return "", false
}

// skipFailed returns reportedElsewhere's message for a call on nb that
// failed with e, asking whether the bucket exists when e does not say (a
// server without the API answers NotImplemented for a missing bucket too).
func (s *suite) skipFailed(ctx context.Context, be backend, nb namedBucket, e *opError) (string, bool) {
	if msg, ok := reportedElsewhere(nb, e); ok {
		return msg, true
	}
	if statusOf(e.Kind) == checks.Error {
		return "", false
	}
	return s.missing(ctx, be, nb)
}

// notCheckedWhy is the reason Verdict.NotChecked gives for those buckets.
const notCheckedWhy = "their own checks report them"

func (nb namedBucket) has(purpose string) bool {
	for _, p := range nb.Purposes {
		if p == purpose {
			return true
		}
	}
	return false
}

// backend returns the run's shared client, creating it on first use with
// the caller's ctx. A failed creation is not cached: the next check tries
// again with its own deadline.
func (s *suite) backend(ctx context.Context) (backend, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.be != nil {
		return s.be, nil
	}
	if s.flavour == nil {
		return nil, &opError{Kind: kindUnsupported, Text: "unknown OBJECT_STORAGE_TYPE " + Type(s.cfg)}
	}
	b, err := s.flavour.newBackend(ctx)
	if err != nil {
		return nil, err
	}
	s.be = b
	return b, nil
}

// clientFailure reports a backend that could not even be created.
func (s *suite) clientFailure(err error) checks.Result {
	e := asOpError(err)
	return checks.Result{Status: statusOf(e.Kind),
		Message: fmt.Sprintf("could not create the %s storage client: %s", s.flavour.name(), describe(e)),
		Advice:  s.advice(opExists, "", e)}.With(checks.KV("backend", s.flavour.name()))
}

func (s *suite) endpointText() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.be == nil {
		return s.flavour.name()
	}
	return s.be.endpoint()
}

func (s *suite) close(context.Context) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.be != nil {
		s.be.close()
		s.be = nil
	}
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return itoa(n) + " " + unit + "s"
}

func itoa(n int) string { return fmt.Sprint(n) }
