package checks

import "github.com/spacelift-io/spacectl-preflight/internal/safetext"

// Clean returns scrub followed by escaping control characters: what every
// text of a result goes through before it leaves the runner (and before a
// report read from a file is packed), since it may quote a server, a
// driver or an input file.
func Clean(scrub func(string) string) func(string) string {
	if scrub == nil {
		return safetext.Escape
	}
	return func(s string) string { return safetext.Escape(scrub(s)) }
}

// Scrubbed returns a copy of d with every key and value passed through
// scrub; nil stays nil.
func (d Details) Scrubbed(scrub func(string) string) Details {
	if d == nil {
		return nil
	}
	out := make(Details, len(d))
	for i, kv := range d {
		out[i] = Detail{Key: scrub(kv.Key), Value: scrub(kv.Value)}
	}
	return out
}

// Scrubbed returns a copy of s with every text passed through scrub: a
// step names buckets and variables and quotes what it observed, so it can
// carry a secret as easily as the message can.
func (s Step) Scrubbed(scrub func(string) string) Step {
	s.Name, s.Message, s.Advice = scrub(s.Name), scrub(s.Message), scrub(s.Advice)
	s.Evidence = s.Evidence.Scrubbed(scrub)
	return s
}

// ScrubSteps returns a copy of steps, each scrubbed; nil stays nil.
func ScrubSteps(steps []Step, scrub func(string) string) []Step {
	if steps == nil {
		return nil
	}
	out := make([]Step, len(steps))
	for i, s := range steps {
		out[i] = s.Scrubbed(scrub)
	}
	return out
}
