package checks

import (
	"slices"
	"testing"
)

func TestVerdictResult(t *testing.T) {
	fail := func(name, advice, msg string) Step {
		return Step{Name: name, Status: Fail, Message: msg, Advice: advice}
	}
	warn := func(name, advice, msg string) Step {
		return Step{Name: name, Status: Warn, Message: msg, Advice: advice}
	}
	pass := func(name, msg string) Step { return Step{Name: name, Status: Pass, Message: msg} }
	cases := []struct {
		name    string
		steps   []Step
		status  Status
		message string
		advice  string
	}{
		{name: "no steps passes with the pass message",
			status: Pass, message: "all good"},
		{name: "passing steps keep the pass message",
			steps:  []Step{pass("a", "fine"), pass("b", "fine")},
			status: Pass, message: "all good"},
		{name: "a skipped step is no problem, and is named",
			steps:  []Step{{Name: "a", Status: Skip, Message: "not tested"}, pass("b", "fine")},
			status: Pass, message: "all good (a: not tested)"},
		{name: "skipped steps are counted",
			steps:  []Step{{Name: "a", Status: Skip, Message: "not tested"}, {Name: "b", Status: Skip, Message: "not tested"}, pass("c", "fine")},
			status: Pass, message: "all good (2 not checked)"},
		{name: "skipped steps do not hide a problem",
			steps:  []Step{{Name: "a", Status: Skip, Message: "not tested"}, warn("b", "fix b", "odd")},
			status: Warn, message: "b: odd", advice: "fix b"},
		{name: "only skipped steps skip the check",
			steps:  []Step{{Name: "a", Status: Skip, Message: "not tested"}},
			status: Skip, message: "a: not tested"},
		{name: "one problem is the message, without a count",
			steps:  []Step{pass("a", "fine"), warn("b", "fix b", "odd")},
			status: Warn, message: "b: odd", advice: "fix b"},
		{name: "an unnamed step is its message alone",
			steps:  []Step{fail("", "fix it", "broken")},
			status: Fail, message: "broken", advice: "fix it"},
		{name: "the first step of the worst status leads, others are counted",
			steps:  []Step{warn("a", "fix a", "odd"), pass("b", "fine"), fail("c", "fix c", "bad"), fail("d", "fix d", "worse")},
			status: Fail, message: "c: bad (and 2 more problems)", advice: "fix c\nfix d\nfix a"},
		{name: "one more problem is singular",
			steps:  []Step{fail("a", "", "bad"), warn("b", "", "odd")},
			status: Fail, message: "a: bad (and 1 more problem)"},
		{name: "an error outranks a failure",
			steps:  []Step{fail("a", "fix a", "bad"), {Name: "b", Status: Error, Message: "no answer", Advice: "retry"}},
			status: Error, message: "b: no answer (and 1 more problem)", advice: "retry\nfix a"},
		{name: "advice is kept once, worst first, empty advice dropped",
			steps:  []Step{warn("a", "same", "odd"), fail("b", "same", "bad"), warn("c", "other", "odd"), fail("d", "", "bad")},
			status: Fail, message: "b: bad (and 3 more problems)", advice: "same\nother"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var v Verdict
			for _, s := range c.steps {
				v.Add(s)
			}
			r := v.Result("all good")
			if r.Status != c.status || r.Message != c.message || r.Advice != c.advice {
				t.Errorf("got %s %q advice %q, want %s %q advice %q", r.Status, r.Message, r.Advice, c.status, c.message, c.advice)
			}
			if !slices.EqualFunc(r.Steps, c.steps, stepEqual) {
				t.Errorf("steps %+v, want them all in order: %+v", r.Steps, c.steps)
			}
			if want := max(c.status, Pass); v.Len() != len(c.steps) || v.Status() != want {
				t.Errorf("Len %d, Status %s; want %d, %s", v.Len(), v.Status(), len(c.steps), want)
			}
		})
	}
}

func stepEqual(a, b Step) bool {
	return a.Name == b.Name && a.Status == b.Status && a.Message == b.Message && a.Advice == b.Advice &&
		slices.Equal(a.Evidence, b.Evidence)
}

func TestVerdictBuilders(t *testing.T) {
	var v Verdict
	v.Pass("a", "%d buckets", 3)
	v.Warn("b", "look", "odd %s", "x")
	v.Fail("", "fix", "bad %q", "y")
	v.Merge("c", Errorf("retry", "no answer").With(KV("request id", "r-1")))
	want := []Step{
		{Name: "a", Status: Pass, Message: "3 buckets"},
		{Name: "b", Status: Warn, Message: "odd x", Advice: "look"},
		{Status: Fail, Message: `bad "y"`, Advice: "fix"},
		{Name: "c", Status: Error, Message: "no answer", Advice: "retry", Evidence: Details{{Key: "request id", Value: "r-1"}}},
	}
	if got := v.Result("").Steps; !slices.EqualFunc(got, want, stepEqual) {
		t.Errorf("steps\n got %+v\nwant %+v", got, want)
	}
}

func TestVerdictDetailsBelongToTheCheck(t *testing.T) {
	for _, st := range []Status{Pass, Fail} {
		var v Verdict
		v.Detail("region", "eu-west-1")
		v.Add(Step{Name: "a", Status: st, Message: "m"})
		r := v.Result("ok")
		if got, _ := r.Details.Get("region"); got != "eu-west-1" || len(r.Details) != 1 {
			t.Errorf("%s: details %v", st, r.Details)
		}
	}
}

func TestVerdictStopped(t *testing.T) {
	for _, c := range []struct {
		st   Status
		want bool
	}{{Skip, false}, {Pass, false}, {Warn, false}, {Fail, true}, {Error, true}} {
		var v Verdict
		v.Pass("before", "ok")
		v.Add(Step{Status: c.st, Message: "m"})
		if got := v.Stopped(); got != c.want {
			t.Errorf("after a %s step Stopped() = %v, want %v", c.st, got, c.want)
		}
	}
	var empty Verdict
	if empty.Stopped() || empty.Status() != Pass {
		t.Errorf("an empty verdict: Stopped %v, Status %s", empty.Stopped(), empty.Status())
	}
}

// The Result must not share memory with the Verdict: a check may keep
// adding steps after taking an intermediate result.
func TestVerdictResultIsACopy(t *testing.T) {
	var v Verdict
	v.Detail("k", "v")
	v.Fail("a", "", "bad")
	r := v.Result("")
	r.Steps[0].Message = "changed"
	r.Details[0].Value = "changed"
	again := v.Result("")
	if again.Steps[0].Message != "bad" || again.Details[0].Value != "v" {
		t.Errorf("the result aliases the verdict: %+v", again)
	}
}

func TestMoreProblems(t *testing.T) {
	for n, want := range map[int]string{-1: "", 0: "", 1: " (and 1 more problem)", 2: " (and 2 more problems)", 11: " (and 11 more problems)"} {
		if got := MoreProblems(n); got != want {
			t.Errorf("MoreProblems(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestScrubbedCopies(t *testing.T) {
	up := func(s string) string { return "<" + s + ">" }
	d := Details{{Key: "k", Value: "v"}}
	if got := d.Scrubbed(up); got[0] != (Detail{Key: "<k>", Value: "<v>"}) || d[0].Value != "v" {
		t.Errorf("Details.Scrubbed: got %v, original %v", got, d)
	}
	if Details(nil).Scrubbed(up) != nil || ScrubSteps(nil, up) != nil {
		t.Error("nil must stay nil")
	}
	steps := []Step{{Name: "n", Status: Warn, Message: "m", Advice: "a", Evidence: d}}
	got := ScrubSteps(steps, up)
	want := Step{Name: "<n>", Status: Warn, Message: "<m>", Advice: "<a>", Evidence: Details{{Key: "<k>", Value: "<v>"}}}
	if !stepEqual(got[0], want) || steps[0].Name != "n" || steps[0].Evidence[0].Key != "k" {
		t.Errorf("ScrubSteps: got %+v, original %+v", got, steps)
	}
}

// NotChecked phrases the count: unit, plural, and why.
func TestVerdictNotChecked(t *testing.T) {
	skip := func(name string) Step {
		return Step{Name: name, Status: Skip, Message: "not checked: its own check reports it"}
	}
	for _, c := range []struct {
		steps   []Step
		status  Status
		message string
	}{
		{[]Step{skip("a"), {Name: "b", Status: Pass, Message: "fine"}}, Pass, "all good (1 bucket not checked: their own checks report them)"},
		{[]Step{skip("a"), skip("b"), {Name: "c", Status: Pass, Message: "fine"}}, Pass, "all good (2 buckets not checked: their own checks report them)"},
		{[]Step{skip("a"), skip("b")}, Skip, "2 buckets not checked: their own checks report them"},
	} {
		var v Verdict
		v.NotChecked("bucket", "their own checks report them")
		for _, s := range c.steps {
			v.Add(s)
		}
		if r := v.Result("all good"); r.Status != c.status || r.Message != c.message {
			t.Errorf("got %s %q, want %s %q", r.Status, r.Message, c.status, c.message)
		}
	}
	var v Verdict
	v.Skip("a", "not %s", "tested")
	if r := v.Result("all good"); r.Status != Skip || r.Steps[0].Status != Skip || r.Message != "a: not tested" {
		t.Errorf("Skip: %+v", r)
	}
}
