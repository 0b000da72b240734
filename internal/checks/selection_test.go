package checks

import (
	"context"
	"reflect"
	"strings"
	"sync"
	"testing"
)

// chain is db.connect ← db.version, db.connect ← db.privileges ←
// queue.builtin (a prerequisite of a prerequisite), and an unrelated check.
func chain(record func(id string)) []Check {
	run := func(id string) func(context.Context) Result {
		return func(context.Context) Result { record(id); return Passf("ok") }
	}
	list := []Check{
		chk("db.connect", run("db.connect")),
		chk("db.version", run("db.version")),
		chk("db.privileges", run("db.privileges")),
		chk("queue.builtin", run("queue.builtin")),
		chk("mqtt.connect", run("mqtt.connect")),
	}
	list[1].Needs = []string{"db.connect"}
	list[2].Needs = []string{"db.connect"}
	list[3].Needs = []string{"db.privileges"}
	return list
}

type ranSet struct {
	mu  sync.Mutex
	ids []string
}

func (r *ranSet) add(id string) { r.mu.Lock(); r.ids = append(r.ids, id); r.mu.Unlock() }

func byID(out []Outcome) map[string]Outcome {
	m := map[string]Outcome{}
	for _, o := range out {
		m[o.Check.ID] = o
	}
	return m
}

// TestOnlyRunsPrerequisitesFirst: --only of a check that needs others runs
// them (transitively) instead of skipping the selected one, and marks them
// as prerequisites.
func TestOnlyRunsPrerequisitesFirst(t *testing.T) {
	var ran ranSet
	out := byID(Run(t.Context(), chain(ran.add), RunOptions{Only: []string{"queue.builtin", "db.version"}}))
	for _, id := range []string{"db.connect", "db.privileges", "queue.builtin", "db.version"} {
		if o := out[id]; o.Result.Status != Pass || o.Deselected {
			t.Errorf("%s: %s %q deselected=%v, want it run", id, o.Result.Status, o.Result.Message, o.Deselected)
		}
	}
	if o := out["mqtt.connect"]; o.Result.Status != Skip || !o.Deselected || o.Result.Message != "not selected by --only" {
		t.Errorf("mqtt.connect: %+v", o)
	}
	for id, want := range map[string][]string{
		"db.connect":    {"db.privileges", "db.version"},
		"db.privileges": {"queue.builtin"},
		"queue.builtin": nil,
		"db.version":    nil,
	} {
		if got := out[id].PrerequisiteOf; !reflect.DeepEqual(got, want) {
			t.Errorf("%s: PrerequisiteOf = %v, want %v", id, got, want)
		}
	}
	if len(ran.ids) != 4 || ran.ids[0] != "db.connect" {
		t.Errorf("ran %v, want db.connect first and four checks", ran.ids)
	}
}

// TestSkippedPrerequisiteBlocksOnRequest: --skip of a prerequisite wins
// over --only and its dependants say it was skipped on request, also two
// levels down.
func TestSkippedPrerequisiteBlocksOnRequest(t *testing.T) {
	var ran ranSet
	out := byID(Run(t.Context(), chain(ran.add), RunOptions{Only: []string{"db.*", "queue.*"}, Skip: []string{"db.connect"}}))
	if len(ran.ids) != 0 {
		t.Fatalf("ran %v, want nothing", ran.ids)
	}
	if o := out["db.connect"]; o.Result.Message != "skipped by --skip db.connect" || !o.Deselected {
		t.Errorf("db.connect: %+v", o)
	}
	v := out["db.version"].Result
	if v.Status != Skip || !reflect.DeepEqual(v.BlockedBy, []string{"db.connect"}) ||
		v.Message != "not run: needs db.connect, which was skipped on request (--skip db.connect)" {
		t.Errorf("db.version: %+v", v)
	}
	q := out["queue.builtin"].Result
	if !reflect.DeepEqual(q.BlockedBy, []string{"db.privileges"}) ||
		q.Message != "not run: needs db.privileges, which did not run because db.connect was skipped on request (--skip db.connect)" {
		t.Errorf("queue.builtin: %+v", q)
	}
	if out["db.version"].Deselected {
		t.Error("db.version was selected by --only; only its prerequisite was skipped")
	}
}

func TestFailedPrerequisiteStillSaysSo(t *testing.T) {
	list := chain(func(string) {})
	list[0].Run = func(context.Context) Result { return Failf("fix", "refused") }
	out := byID(Run(t.Context(), list, RunOptions{Only: []string{"db.version"}}))
	if m := out["db.version"].Result.Message; m != "not run: needs db.connect to pass (db.connect: fail)" {
		t.Errorf("db.version: %q", m)
	}
}

func TestNothingRunsSaysWhichSelection(t *testing.T) {
	list := chain(func(string) {})
	disabled := append([]Check(nil), list...)
	disabled[0].Disabled = "DATABASE_URL is not set"
	var many []Check
	for _, id := range []string{"s.a", "s.b", "s.c", "s.d", "s.e"} {
		c := chk(id, pass)
		c.Disabled = "VAR_" + id + " is not set"
		many = append(many, c)
	}
	cases := []struct {
		name       string
		list       []Check
		only, skip []string
		want       []string // nil: something runs
	}{
		{"selected runs", list, []string{"db.version"}, nil, nil},
		{"nothing selected and enabled", disabled, []string{"db.version"}, nil,
			[]string{"--only db.version: its prerequisite db.connect is disabled: DATABASE_URL is not set"}},
		{"prerequisite of a prerequisite", disabled, []string{"queue.builtin"}, nil,
			[]string{"--only queue.builtin: its prerequisite db.connect is disabled: DATABASE_URL is not set"}},
		{"skip everything", list, nil, []string{"*"}, []string{"--skip '*': every check the configuration enables is skipped"}},
		{"skip the prerequisite", list, []string{"db.*"}, []string{"db.connect"},
			[]string{"--only 'db.*': db.connect is skipped by --skip db.connect; db.version, db.privileges: their prerequisite db.connect is skipped by --skip db.connect"}},
		{"one glob runs", disabled, []string{"db.version", "mqtt.*"}, nil, nil},
		{"many reasons", many, []string{"s.*"}, nil,
			[]string{"--only 's.*': s.a is disabled: VAR_s.a is not set; s.b is disabled: VAR_s.b is not set; s.c is disabled: VAR_s.c is not set; and 2 more for other reasons"}},
	}
	for _, c := range cases {
		got, none := Select(c.list, c.only, c.skip).NothingRuns(c.list)
		if none != (c.want != nil) || !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: got %v (nothing=%v), want %v", c.name, got, none, c.want)
		}
	}
}

func TestRunnableMatchesWhatRuns(t *testing.T) {
	var ran ranSet
	list := chain(ran.add)
	list[2].Disabled = "off"
	sel := Select(list, []string{"queue.builtin", "db.version"}, nil)
	want := sel.Runnable(list)
	Run(t.Context(), list, RunOptions{Only: []string{"queue.builtin", "db.version"}})
	if strings.Join(want, ",") != "db.connect,db.version" || len(ran.ids) != len(want) {
		t.Errorf("Runnable = %v, ran %v", want, ran.ids)
	}
}

func TestFlagArgQuotesGlobs(t *testing.T) {
	for in, want := range map[string]string{"postgres.version": "postgres.version", "postgres.*": "'postgres.*'", "*": "'*'", "a'b*": `'a'\''b*'`} {
		if got := FlagArg(in); got != want {
			t.Errorf("FlagArg(%q) = %q, want %q", in, got, want)
		}
	}
}
