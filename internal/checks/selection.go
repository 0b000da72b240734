package checks

import (
	"fmt"
	"path"
	"slices"
	"sort"
	"strings"
)

// Selection is what --only and --skip make of a list of checks: which
// checks are chosen, why the others are not, and which are chosen only
// because a chosen check needs them. A selection never hides work: --only
// brings in every prerequisite (Needs, transitively), so `--only
// postgres.version` runs postgres.connect first instead of skipping the
// version check for want of a connection. --skip always wins: a skipped
// prerequisite blocks its dependants, which then say it was skipped on
// request.
type Selection struct {
	only, skip []string
	picks      map[string]pick
}

type pick struct {
	selected bool
	// direct: --only (or the absence of --only) chose the check itself.
	direct bool
	// reason says why the check is not selected.
	reason string
	// skipGlob is the --skip pattern that skipped the check on request.
	skipGlob string
	// prereqOf are the selected checks that need this one, when it is
	// selected only as their prerequisite.
	prereqOf []string
}

// Select applies --only and --skip (path.Match globs on check IDs) to list.
func Select(list []Check, only, skip []string) Selection {
	s := Selection{only: only, skip: skip, picks: make(map[string]pick, len(list))}
	byID := make(map[string]Check, len(list))
	var queue []string
	for _, c := range list {
		byID[c.ID] = c
		switch g, ok := matchGlob(skip, c.ID); {
		case ok:
			s.picks[c.ID] = pick{reason: "skipped by --skip " + FlagArg(g), skipGlob: g}
		case len(only) == 0:
			s.picks[c.ID] = pick{selected: true, direct: true}
		default:
			if _, ok := matchGlob(only, c.ID); ok {
				s.picks[c.ID] = pick{selected: true, direct: true}
				queue = append(queue, c.ID)
			} else {
				s.picks[c.ID] = pick{reason: "not selected by --only"}
			}
		}
	}
	// Without --only every check that is not skipped is already selected;
	// with it, walk the needs of what was chosen.
	for len(queue) > 0 {
		id := queue[0]
		queue = queue[1:]
		for _, n := range byID[id].Needs {
			p, ok := s.picks[n]
			if !ok || p.skipGlob != "" || p.direct {
				continue
			}
			if !p.selected {
				queue = append(queue, n)
			}
			p.selected, p.reason = true, ""
			if !slices.Contains(p.prereqOf, id) {
				p.prereqOf = append(p.prereqOf, id)
				sort.Strings(p.prereqOf)
			}
			s.picks[n] = p
		}
	}
	return s
}

// Selected reports whether the check with this ID is chosen to run.
func (s Selection) Selected(id string) bool { return s.picks[id].selected }

// Reason says why a check is not selected ("not selected by --only",
// "skipped by --skip GLOB"); it is empty for a selected check.
func (s Selection) Reason(id string) string { return s.picks[id].reason }

// SkippedOnRequest returns the --skip pattern that skipped the check, or "".
func (s Selection) SkippedOnRequest(id string) string { return s.picks[id].skipGlob }

// PrerequisiteOf returns the selected checks that need this one, when
// --only did not choose it itself; nil otherwise.
func (s Selection) PrerequisiteOf(id string) []string {
	return append([]string(nil), s.picks[id].prereqOf...)
}

// Runnable returns, in list order, the IDs of the checks that would run:
// selected, enabled, and with every prerequisite runnable too. Anything
// else ends as a skip without executing.
func (s Selection) Runnable(list []Check) []string {
	r := s.runnable(list)
	var out []string
	for _, c := range list {
		if r[c.ID] {
			out = append(out, c.ID)
		}
	}
	return out
}

func (s Selection) runnable(list []Check) map[string]bool {
	byID := make(map[string]Check, len(list))
	for _, c := range list {
		byID[c.ID] = c
	}
	memo := map[string]bool{}
	var visit func(id string, depth int) bool
	visit = func(id string, depth int) bool {
		if v, ok := memo[id]; ok {
			return v
		}
		c, ok := byID[id]
		ok = ok && depth <= len(list) && c.Disabled == "" && s.Selected(id)
		for _, n := range c.Needs {
			ok = ok && visit(n, depth+1)
		}
		memo[id] = ok
		return ok
	}
	out := make(map[string]bool, len(list))
	for _, c := range list {
		out[c.ID] = visit(c.ID, 0)
	}
	return out
}

// NothingRuns reports whether no check of list would execute, and if so
// which selection caused it, one line per --only pattern, e.g.
// "--only postgres.version: its prerequisite postgres.connect is disabled:
// DATABASE_URL is not set". A run that executes nothing proves nothing, so
// the CLI refuses it rather than reporting success.
func (s Selection) NothingRuns(list []Check) ([]string, bool) {
	if len(s.Runnable(list)) > 0 {
		return nil, false
	}
	byID := make(map[string]Check, len(list))
	for _, c := range list {
		byID[c.ID] = c
	}
	if len(s.only) == 0 {
		if len(s.skip) == 0 {
			return []string{"the configuration enables no check"}, true
		}
		var flags []string
		for _, g := range s.skip {
			flags = append(flags, "--skip "+FlagArg(g))
		}
		return []string{strings.Join(flags, " ") + ": every check the configuration enables is skipped"}, true
	}
	run := s.runnable(list)
	var lines []string
	for _, g := range s.only {
		type cause struct{ root, state string }
		var order []cause
		ids := map[cause][]string{}
		for _, c := range list {
			if ok, _ := path.Match(g, c.ID); !ok {
				continue
			}
			root, state := s.rootCause(byID, run, c.ID, 0)
			k := cause{state: state}
			if root != c.ID {
				k.root = root
			}
			if _, seen := ids[k]; !seen {
				order = append(order, k)
			}
			ids[k] = append(ids[k], c.ID)
		}
		var parts []string
		more := 0
		for i, k := range order {
			if i == maxCauses {
				for _, k := range order[i:] {
					more += len(ids[k])
				}
				break
			}
			switch who := ids[k]; {
			case k.root == "" && len(who) == 1:
				parts = append(parts, who[0]+" is "+k.state)
			case k.root == "":
				parts = append(parts, listIDs(who)+" are "+k.state)
			case len(who) == 1 && who[0] == g:
				parts = append(parts, "its prerequisite "+k.root+" is "+k.state)
			case len(who) == 1:
				parts = append(parts, who[0]+": its prerequisite "+k.root+" is "+k.state)
			default:
				parts = append(parts, listIDs(who)+": their prerequisite "+k.root+" is "+k.state)
			}
		}
		if more > 0 {
			parts = append(parts, fmt.Sprintf("and %d more for other reasons", more))
		}
		lines = append(lines, "--only "+FlagArg(g)+": "+strings.Join(parts, "; "))
	}
	return lines, true
}

// maxCauses keeps a "nothing was checked" line readable when a pattern
// matches many checks that are off for different reasons.
const maxCauses = 3

// rootCause finds why a check would not execute: its own state, or that
// of the first prerequisite, however deep, that would not. It returns that
// check's ID and its state ("disabled: DATABASE_URL is not set", "skipped
// by --skip postgres.connect"). run is Selection.runnable's answer.
func (s Selection) rootCause(byID map[string]Check, run map[string]bool, id string, depth int) (string, string) {
	c, ok := byID[id]
	switch {
	case !ok:
		return id, "not part of this run"
	case s.picks[id].skipGlob != "":
		return id, "skipped by --skip " + FlagArg(s.picks[id].skipGlob)
	case !s.Selected(id):
		return id, s.picks[id].reason
	case c.Disabled != "":
		return id, "disabled: " + c.Disabled
	}
	for _, n := range c.Needs {
		if !run[n] && depth < len(byID) {
			return s.rootCause(byID, run, n, depth+1)
		}
	}
	return id, "expected to run"
}

func listIDs(ids []string) string {
	if len(ids) <= 3 {
		return strings.Join(ids, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(ids[:2], ", "), len(ids)-2)
}

func matchGlob(globs []string, id string) (string, bool) {
	for _, g := range globs {
		if ok, _ := path.Match(g, id); ok {
			return g, true
		}
	}
	return "", false
}

// FlagArg quotes a glob the way a shell needs it, so a message can be
// copied back onto the command line: postgres.version stays as it is,
// postgres.* becomes 'postgres.*'.
func FlagArg(g string) string {
	if strings.ContainsAny(g, "*?[]{}$ \\'\"") {
		return "'" + strings.ReplaceAll(g, "'", `'\''`) + "'"
	}
	return g
}
