package storage

import "strings"

// sparedFlag is the setting that lets the probes write where they spare.
const sparedFlag = "--probe-all-buckets"

// spared says why no check writes a probe object in the bucket, or "" when
// one may. The states and modules buckets hold Terraform state and modules
// that Spacelift must never lose, so by default nothing is written there
// (a shared bucket is spared when any of its purposes is); --read-only,
// which forbids every write, is the callers' own test.
func (s *suite) spared(nb namedBucket) string {
	if s.opts.ProbeAllBuckets {
		return ""
	}
	var held []string
	if nb.has("states") {
		held = append(held, "state")
	}
	if nb.has("modules") {
		held = append(held, "modules")
	}
	if len(held) == 0 {
		return ""
	}
	return "it holds Terraform " + strings.Join(held, " and ")
}

// sparedDetail is the detail a spared bucket's result carries.
func sparedDetail() (key, value string) {
	return "write probe", "not run: the states and modules buckets hold Terraform state and modules that Spacelift must never lose; " + sparedFlag + " runs it there too"
}
