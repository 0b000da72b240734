package secret

import (
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/spacelift-io/spacectl-preflight/internal/safetext"
)

// minScrubLen keeps a one- or two-character secret from turning every
// message into confetti; such values are too short to be real credentials.
const minScrubLen = 3

// userinfoRe matches the password part of scheme://user:password@host. Driver
// errors often echo connection strings, including ones we never configured.
var userinfoRe = regexp.MustCompile(`([a-zA-Z][a-zA-Z0-9+.-]*://[^:/@\s]*:)([^@\s/]+)@`)

// dsnPasswordRe matches password=... in key/value connection strings.
var dsnPasswordRe = regexp.MustCompile(`(?i)(password\s*=\s*)('[^']*'|[^\s]+)`)

// Rule names for the patterns that mask credentials we were never given.
const (
	RuleURLPassword = "URL password"
	RuleDSNPassword = "password= in a connection string"
)

// masks are what earlier scrubbing left in place of a password; finding
// one again is not a redaction.
var masks = map[string]bool{"xxxxx": true, Redacted: true, "'xxxxx'": true}

// placeholder is how advice spells a password to fill in, as in
// postgres://USER:PASSWORD@HOST; it is left alone so advice stays readable.
const placeholder = "PASSWORD"

// Named is a secret with the name of the rule that finds it, usually the
// variable it was configured in.
type Named struct {
	Rule  string
	Value Secret
}

type needle struct {
	value string
	rule  string // e.g. DATABASE_URL
	form  string // e.g. base64 URL-safe
}

// Scrubber removes known secret values, in every encoding they commonly
// travel in, from free text such as driver and SDK error messages, and
// counts what it removed per rule. It is built once per run from the
// configured secrets; it holds no globals and is safe for concurrent use.
type Scrubber struct {
	needles []needle
	rules   []string
	frags   *fragments

	mu     sync.Mutex
	counts map[string]int
}

// NewScrubber returns a scrubber for the given secrets, all under the rule
// "secret". Values that are URLs or DSNs also contribute their password
// component, and PEM values contribute every line of their body.
func NewScrubber(secrets ...Secret) *Scrubber {
	named := make([]Named, len(secrets))
	for i, s := range secrets {
		named[i] = Named{Rule: "secret", Value: s}
	}
	return NewNamedScrubber(named...)
}

// NewNamedScrubber is NewScrubber with a rule name per secret, so that
// redaction counts and sweep findings can say which secret matched without
// showing it. A value shared by several secrets belongs to the first.
func NewNamedScrubber(secrets ...Named) *Scrubber { return NewScrubberKnowing(nil, secrets...) }

// NewScrubberKnowing is NewNamedScrubber for a run that also prints the
// known values: non-secret text of the configuration (user names, host
// names, database and bucket names, file names). Besides every secret in
// every encoding, the scrubber then masks and finds every fragment of a
// secret that is not ordinary text and does not occur in a known value:
// each window of FragmentLen characters of its secret part, and each part
// of it between URL delimiters of at least MinPartLen characters.
func NewScrubberKnowing(known []string, secrets ...Named) *Scrubber {
	seen := map[string]bool{}
	var needles []needle
	rules := []string{RuleURLPassword, RuleDSNPassword}
	for _, s := range secrets {
		if !slices.Contains(rules, s.Rule) {
			rules = append(rules, s.Rule)
		}
		for _, f := range Forms(s.Value.Reveal()) {
			if len(f.Value) >= minScrubLen && !seen[f.Value] {
				seen[f.Value] = true
				needles = append(needles, needle{value: f.Value, rule: s.Rule, form: f.Name})
			}
		}
	}
	// Longest first, so a URL is replaced whole before its password is.
	sort.SliceStable(needles, func(i, j int) bool {
		if len(needles[i].value) != len(needles[j].value) {
			return len(needles[i].value) > len(needles[j].value)
		}
		return needles[i].value < needles[j].value
	})
	sort.Strings(rules)
	return &Scrubber{needles: needles, rules: rules, frags: newFragments(secrets, known), counts: map[string]int{}}
}

// Scrub returns text with every known secret (in every encoding), every
// URL or DSN password and every fragment of a secret masked. It is what the
// runner applies to every text of every result and what the logger applies
// to every message and attribute.
func (s *Scrubber) Scrub(text string) string {
	if s == nil || text == "" {
		return text
	}
	var hits map[string]int
	count := func(rule string, n int) {
		if hits == nil {
			hits = map[string]int{}
		}
		hits[rule] += n
	}
	for _, n := range s.needles {
		if c := strings.Count(text, n.value); c > 0 {
			text = strings.ReplaceAll(text, n.value, Redacted)
			count(n.rule, c)
		}
	}
	text = userinfoRe.ReplaceAllStringFunc(text, func(m string) string {
		sub := userinfoRe.FindStringSubmatch(m)
		if sub[2] == placeholder {
			return m
		}
		if !masks[sub[2]] {
			count(RuleURLPassword, 1)
		}
		return sub[1] + "xxxxx@"
	})
	text = dsnPasswordRe.ReplaceAllStringFunc(text, func(m string) string {
		sub := dsnPasswordRe.FindStringSubmatch(m)
		if !masks[sub[2]] {
			count(RuleDSNPassword, 1)
		}
		return sub[1] + "xxxxx"
	})
	text = s.frags.mask(text, func(rule string) { count(rule, 1) })
	if hits != nil {
		s.mu.Lock()
		for r, n := range hits {
			s.counts[r] += n
		}
		s.mu.Unlock()
	}
	return text
}

// Clean is Scrub followed by safetext.Escape: what any text from a driver,
// an SDK, a server or an input file needs before it reaches a terminal, a
// log or a report (secrets, encodings and fragments masked; control
// characters such as terminal escape sequences escaped, newlines kept).
func (s *Scrubber) Clean(text string) string { return safetext.Escape(s.Scrub(text)) }

// Counts returns how many replacements Scrub has made so far, per rule.
// It never says what was replaced.
func (s *Scrubber) Counts() map[string]int {
	out := map[string]int{}
	if s == nil {
		return out
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for r, n := range s.counts {
		out[r] = n
	}
	return out
}

// Finding says which rule matched, and in which form, without the value.
type Finding struct {
	Rule string // the secret's name, e.g. DATABASE_URL
	Form string // e.g. "base64 URL-safe"
}

func (f Finding) String() string { return f.Rule + " (" + f.Form + ")" }

// Find reports the first known secret, in any of its forms, or the first
// fragment of one, found in text. It is the support bundle's fail-closed
// sweep: text that was scrubbed never matches. (The URL and DSN password
// patterns are not searched: rendered tables and JSON put borders and
// quotes after a masked password, which would make the sweep refuse clean
// bundles.)
func (s *Scrubber) Find(text string) (Finding, bool) {
	if s == nil {
		return Finding{}, false
	}
	for _, n := range s.needles {
		if strings.Contains(text, n.value) {
			return Finding{Rule: n.rule, Form: n.form}, true
		}
	}
	return s.frags.find(text)
}

// Mask is the final sweep of a rendered output (a report file, a table on
// stdout): it replaces every known secret, in every form, and every
// fragment with Redacted, and returns how many it replaced. Unlike Scrub it
// does not apply the URL and DSN password patterns, which would misread
// table borders and JSON quotes, and it leaves alone a secret form that is
// ordinary text (a password "true" or "123456" also occurs as a JSON value
// or a duration, and masking it there would break the format); text that
// went through Scrub has nothing left for it to replace, so a non-zero
// count is a redaction bug.
func (s *Scrubber) Mask(text string) (string, int) {
	if s == nil || text == "" {
		return text, 0
	}
	n := 0
	for _, nd := range s.needles {
		if ordinary(nd.value) {
			continue
		}
		if c := strings.Count(text, nd.value); c > 0 {
			text = strings.ReplaceAll(text, nd.value, Redacted)
			n += c
		}
	}
	text = s.frags.mask(text, func(string) { n++ })
	return text, n
}

// Needles returns the literal values the scrubber searches for. Only the
// support bundle's final sweep uses it; never print the result.
func (s *Scrubber) Needles() []string {
	out := make([]string, len(s.needles))
	for i, n := range s.needles {
		out[i] = n.value
	}
	return out
}

// Rules returns the names of every rule: one per named secret, plus the URL
// and DSN password patterns, sorted.
func (s *Scrubber) Rules() []string { return append([]string(nil), s.rules...) }

// FormCount returns how many distinct values (secrets and their encodings)
// the scrubber searches for.
func (s *Scrubber) FormCount() int { return len(s.needles) }

// FragmentCount returns how many fragments (windows and parts between URL
// delimiters) the scrubber searches for.
func (s *Scrubber) FragmentCount() int {
	if s == nil {
		return 0
	}
	return s.frags.count()
}
