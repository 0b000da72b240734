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

func (s *suite) versioningCheck(ctx context.Context) checks.Result {
	if res, ok := s.versioningUnverifiable(); ok {
		return res
	}
	be, err := s.backend(ctx)
	if err != nil {
		return s.clientFailure(err)
	}
	var fs findings
	for _, nb := range s.bucketsFor(append([]string{"states"}, suggestVersioning()...)...) {
		required := nb.has("states")
		st, err := be.versioning(ctx, nb.Name)
		if err != nil {
			e := asOpError(err)
			switch {
			case statusOf(e.Kind) == checks.Error:
				fs.add(nb.label(), checks.Error, "could not read versioning: "+describe(e), s.advice(opVersioning, nb.Name, e))
			case e.Kind == kindNoBucket:
				fs.add(nb.label(), checks.Fail, describe(e), s.advice(opVersioning, nb.Name, e))
			default:
				fs.add(nb.label(), checks.Warn, "could not verify versioning: "+describe(e), s.advice(opVersioning, nb.Name, e)+" "+s.versioningHowTo(nb.Name))
			}
			continue
		}
		switch {
		case st == versioningEnabled:
			fs.add(nb.label(), checks.Pass, "versioning enabled", "")
		case required:
			fs.add(nb.label(), checks.Fail, "versioning is "+string(st)+"; Spacelift requires it on the states bucket (it keeps earlier state versions)", s.enableVersioning(nb.Name))
		default:
			fs.add(nb.label(), checks.Warn, "versioning is "+string(st)+"; Spacelift suggests enabling it", s.enableVersioning(nb.Name))
		}
	}
	return fs.result("versioning is enabled on every bucket that requires or suggests it")
}
