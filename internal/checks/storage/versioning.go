package storage

import (
	"context"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
)

// suggestVersioning returns the buckets where Spacelift's docs suggest
// versioning; states requires it (spacelift-requirements §7.1).
func suggestVersioning() []string {
	return []string{"modules", "run-logs", "uploads", "user-uploaded-workspaces", "workspace"}
}

// accountVersioning is a backend whose versioning is one account-wide
// setting (Azure's isVersioningEnabled), read once before the buckets are
// judged; where says what was read, as whom.
type accountVersioning interface {
	loadVersioning(ctx context.Context) (where string, err error)
}

func (s *suite) versioningCheck(ctx context.Context) checks.Result {
	if res, ok := s.versioningUnverifiable(); ok {
		return res
	}
	be, err := s.backend(ctx)
	if err != nil {
		return s.clientFailure(err)
	}
	var v checks.Verdict
	v.NotChecked(s.bucketWord(), notCheckedWhy)
	for _, d := range s.whereDetails(ctx, be) {
		v.Detail(d.Key, d.Value)
	}
	if av, ok := be.(accountVersioning); ok {
		where, err := av.loadVersioning(ctx)
		if err != nil {
			// One account-wide setting: one finding, not one per bucket.
			e := asOpError(err)
			return checks.Warnf(s.advice(opVersioning, "", e)+" "+s.versioningHowTo(""),
				"could not verify versioning: reading the storage account's blob service properties failed: %s", describe(e)).
				With(v.Details()...).With(checks.KV("blob service properties", where))
		}
		v.Detail("blob service properties", where)
	}
	for _, nb := range s.bucketsFor(append([]string{"states"}, suggestVersioning()...)...) {
		required := nb.has("states")
		st, err := be.versioning(ctx, nb.Name)
		if err != nil {
			e := asOpError(err)
			if msg, ok := s.skipFailed(ctx, be, nb, e); ok {
				v.Skip(nb.label(), "%s", msg)
				continue
			}
			switch {
			case statusOf(e.Kind) == checks.Error:
				v.Add(checks.Step{Name: nb.label(), Status: checks.Error, Message: "could not read versioning: " + describe(e), Advice: s.advice(opVersioning, nb.Name, e)})
			default:
				v.Add(checks.Step{Name: nb.label(), Status: checks.Warn, Message: "could not verify versioning: " + describe(e), Advice: s.advice(opVersioning, nb.Name, e) + " " + s.versioningHowTo(nb.Name)})
			}
			continue
		}
		switch {
		case st == versioningEnabled:
			v.Pass(nb.label(), "versioning enabled")
		case required:
			v.Fail(nb.label(), s.enableVersioning(nb.Name), "versioning is %s; Spacelift requires it on the states bucket (it keeps earlier state versions)", st)
		default:
			v.Warn(nb.label(), s.enableVersioning(nb.Name), "versioning is %s; Spacelift suggests enabling it", st)
		}
	}
	return v.Result("versioning is enabled on every bucket that requires or suggests it")
}
