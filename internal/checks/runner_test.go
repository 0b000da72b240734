package checks

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

func chk(id string, run func(ctx context.Context) Result) Check {
	return Check{ID: id, Group: strings.Split(id, ".")[0], Title: id, Run: run}
}

func pass(context.Context) Result { return Passf("ok") }

func TestRunKeepsRegistryOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var list []Check
		for i, d := range []time.Duration{30, 10, 20} {
			list = append(list, chk("t.c"+string(rune('a'+i)), func(ctx context.Context) Result {
				time.Sleep(d * time.Millisecond)
				return Passf("slept %d", d)
			}))
		}
		out := Run(t.Context(), list, RunOptions{})
		for i, o := range out {
			if o.Check.ID != list[i].ID || o.Result.Status != Pass {
				t.Fatalf("outcome %d = %s %s", i, o.Check.ID, o.Result.Status)
			}
		}
		if out[0].Duration != 30*time.Millisecond {
			t.Errorf("duration = %s", out[0].Duration)
		}
	})
}

func TestRunTimeoutIsAnError(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ignoring := chk("t.hang", func(ctx context.Context) Result {
			time.Sleep(time.Hour) // ignores ctx on purpose
			return Passf("late")
		})
		honouring := chk("t.honour", func(ctx context.Context) Result {
			<-ctx.Done()
			return Failf("", "dial: %v", ctx.Err())
		})
		start := time.Now()
		out := Run(t.Context(), []Check{ignoring, honouring}, RunOptions{CheckTimeout: 2 * time.Second, CleanupGrace: time.Second})
		for _, o := range out {
			if o.Result.Status != Error || o.Result.Message != "timed out after 2s" {
				t.Errorf("%s: %s %q", o.Check.ID, o.Result.Status, o.Result.Message)
			}
		}
		// 2s deadline plus at most the 1s grace for the check that ignores ctx.
		if el := time.Since(start); el > 3*time.Second {
			t.Errorf("run took %s", el)
		}
		// Let the abandoned check finish so the bubble can end.
		time.Sleep(2 * time.Hour)
	})
}

func TestPerCheckTimeoutOverride(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := chk("t.slow", func(ctx context.Context) Result {
			select {
			case <-time.After(5 * time.Second):
				return Passf("done")
			case <-ctx.Done():
				return Errorf("", "cancelled")
			}
		})
		out := Run(t.Context(), []Check{c}, RunOptions{CheckTimeout: time.Second, Timeouts: map[string]time.Duration{"t.slow": 10 * time.Second}})
		if out[0].Result.Status != Pass {
			t.Fatalf("override ignored: %s %s", out[0].Result.Status, out[0].Result.Message)
		}
	})
}

func TestPanicBecomesError(t *testing.T) {
	out := Run(t.Context(), []Check{chk("t.panic", func(context.Context) Result { panic("boom") })}, RunOptions{})
	r := out[0].Result
	if r.Status != Error || !strings.Contains(r.Message, "panicked: boom") {
		t.Fatalf("got %s %q", r.Status, r.Message)
	}
	if _, ok := r.Details.Get("stack"); !ok {
		t.Error("want the stack in the details")
	}
}

func TestBlockedByAndNeeds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var ranAfter atomic.Bool
		var parentDone atomic.Bool
		parent := chk("t.parent", func(context.Context) Result {
			time.Sleep(time.Second)
			parentDone.Store(true)
			return Passf("ok")
		})
		child := chk("t.child", func(context.Context) Result {
			ranAfter.Store(parentDone.Load())
			return Passf("ok")
		})
		child.Needs = []string{"t.parent"}
		failing := chk("t.failing", func(context.Context) Result { return Failf("fix", "bad") })
		blocked := chk("t.blocked", func(context.Context) Result { t.Error("blocked check ran"); return Passf("") })
		blocked.Needs = []string{"t.failing", "t.parent"}
		out := Run(t.Context(), []Check{child, parent, failing, blocked}, RunOptions{})
		if !ranAfter.Load() || out[0].Result.Status != Pass {
			t.Error("child must start only after its need finished")
		}
		b := out[3].Result
		if b.Status != Skip || len(b.BlockedBy) != 1 || b.BlockedBy[0] != "t.failing" || !strings.Contains(b.Message, "t.failing: fail") {
			t.Errorf("blocked: %+v", b)
		}
	})
}

func TestConcurrencyBound(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var cur, peak atomic.Int32
		var list []Check
		for i := range 10 {
			list = append(list, chk("t.c"+string(rune('a'+i)), func(context.Context) Result {
				n := cur.Add(1)
				for {
					p := peak.Load()
					if n <= p || peak.CompareAndSwap(p, n) {
						break
					}
				}
				time.Sleep(100 * time.Millisecond)
				cur.Add(-1)
				return Passf("ok")
			}))
		}
		start := time.Now()
		Run(t.Context(), list, RunOptions{Concurrency: 3})
		if peak.Load() != 3 {
			t.Errorf("peak concurrency = %d, want 3", peak.Load())
		}
		if el := time.Since(start); el != 400*time.Millisecond {
			t.Errorf("10 checks of 100ms at concurrency 3 took %s, want 400ms", el)
		}
	})
}

func TestInterrupt(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancelCause(t.Context())
		var cleaned atomic.Bool
		running := chk("t.running", func(ctx context.Context) Result {
			<-ctx.Done()
			// Cleanup outlives the cancellation, with its own deadline.
			cctx, c := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
			defer c()
			select {
			case <-time.After(200 * time.Millisecond):
				cleaned.Store(true)
			case <-cctx.Done():
			}
			return Errorf("", "cancelled")
		})
		waiting := chk("t.waiting", pass)
		waiting.Needs = []string{"t.running"}
		done := chk("t.done", pass)
		go func() {
			time.Sleep(time.Second)
			cancel(ErrInterrupted)
		}()
		out := Run(ctx, []Check{running, waiting, done}, RunOptions{Concurrency: 2})
		if out[0].Result.Status != Error || out[0].Result.Message != "interrupted" {
			t.Errorf("running: %s %q", out[0].Result.Status, out[0].Result.Message)
		}
		if out[1].Result.Status != Skip || !strings.Contains(out[1].Result.Message, "interrupted") {
			t.Errorf("waiting: %s %q", out[1].Result.Status, out[1].Result.Message)
		}
		if out[2].Result.Status != Pass {
			t.Errorf("finished check lost: %s", out[2].Result.Status)
		}
		if !cleaned.Load() {
			t.Error("the runner returned before the interrupted check finished its cleanup")
		}
	})
}

func TestOnlySkipAndDisabled(t *testing.T) {
	list := []Check{chk("storage.a", pass), chk("storage.b", pass), chk("postgres.a", pass), chk("mqtt.a", pass)}
	list[3].Disabled = "MQTT_BROKER_ENDPOINT is not set"
	out := Run(t.Context(), list, RunOptions{Only: []string{"storage.*", "mqtt.*"}, Skip: []string{"storage.b"}})
	want := []struct {
		s   Status
		msg string
	}{{Pass, "ok"}, {Skip, "skipped by --skip storage.b"}, {Skip, "not selected by --only"}, {Skip, "MQTT_BROKER_ENDPOINT is not set"}}
	for i, w := range want {
		if out[i].Result.Status != w.s || out[i].Result.Message != w.msg {
			t.Errorf("%s: %s %q, want %s %q", out[i].Check.ID, out[i].Result.Status, out[i].Result.Message, w.s, w.msg)
		}
	}
}

func TestScrubAppliesToEveryText(t *testing.T) {
	c := chk("t.leak", func(context.Context) Result {
		return Failf("retry with pw=TOPSECRET", "dial TOPSECRET failed").With(KV("dsn", "x TOPSECRET y"))
	})
	out := Run(t.Context(), []Check{c}, RunOptions{Scrub: func(s string) string { return strings.ReplaceAll(s, "TOPSECRET", "[redacted]") }})
	r := out[0].Result
	if strings.Contains(r.Message+r.Advice+r.Details[0].Value, "TOPSECRET") {
		t.Fatalf("leak: %+v", r)
	}
}

func TestScrubAppliesToEveryStep(t *testing.T) {
	c := chk("t.leak", func(context.Context) Result {
		var v Verdict
		v.Pass("bucket TOPSECRET", "fine")
		v.Add(Step{Name: "n", Status: Fail, Message: "saw TOPSECRET", Advice: "rotate TOPSECRET",
			Evidence: Details{{Key: "key TOPSECRET", Value: "value TOPSECRET"}}})
		return v.Result("ok")
	})
	out := Run(t.Context(), []Check{c}, RunOptions{Scrub: func(s string) string { return strings.ReplaceAll(s, "TOPSECRET", "[redacted]") }})
	r := out[0].Result
	if len(r.Steps) != 2 {
		t.Fatalf("steps lost: %+v", r.Steps)
	}
	for _, s := range r.Steps {
		texts := []string{s.Name, s.Message, s.Advice}
		for _, kv := range s.Evidence {
			texts = append(texts, kv.Key, kv.Value)
		}
		if all := strings.Join(texts, "|"); strings.Contains(all, "TOPSECRET") || !strings.Contains(all, "[redacted]") {
			t.Errorf("step not scrubbed: %q", all)
		}
	}
}

// TestControlCharactersAreEscapedInEveryText: a server or an input file
// that answers with a terminal escape sequence (retitle the window, clear
// the screen) must not reach the terminal, a log or a report as bytes.
func TestControlCharactersAreEscapedInEveryText(t *testing.T) {
	const evil = "\x1b]0;PWNED\a\x1b[2J"
	c := chk("t.evil", func(context.Context) Result {
		var v Verdict
		v.Add(Step{Name: "bucket " + evil, Status: Fail, Message: "server said " + evil, Advice: "fix " + evil,
			Evidence: Details{{Key: "key " + evil, Value: "value " + evil}}})
		res := v.Result("ok")
		res.Message, res.Advice = "message "+evil, "advice "+evil+"\nsecond line"
		return res.With(KV("detail "+evil, "value "+evil))
	})
	for _, scrub := range []func(string) string{nil, func(s string) string { return s }} {
		r := Run(t.Context(), []Check{c}, RunOptions{Scrub: scrub})[0].Result
		texts := []string{r.Message, r.Advice}
		for _, kv := range r.Details {
			texts = append(texts, kv.Key, kv.Value)
		}
		for _, s := range r.Steps {
			texts = append(texts, s.Name, s.Message, s.Advice)
			for _, kv := range s.Evidence {
				texts = append(texts, kv.Key, kv.Value)
			}
		}
		for _, text := range texts {
			if strings.ContainsAny(text, "\x1b\a") || !strings.Contains(text, `\x1b]0;PWNED\x07\x1b[2J`) {
				t.Errorf("not escaped: %q", text)
			}
		}
		if !strings.Contains(r.Advice, "\nsecond line") {
			t.Errorf("a newline in advice must stay a newline: %q", r.Advice)
		}
	}
}

func TestPlanValidate(t *testing.T) {
	cases := map[string][]Check{
		"not lowercase dotted": {chk("Bad", pass)},
		"registered twice":     {chk("a.b", pass), chk("a.b", pass)},
		"needs unknown":        {{ID: "a.b", Group: "a", Title: "x", Run: pass, Needs: []string{"a.zz"}}},
	}
	for want, list := range cases {
		p := &Plan{}
		p.Add(list...)
		if err := p.Validate(); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("want %q, got %v", want, err)
		}
	}
}

func TestReserveForReport(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		defer cancel()
		r, rc := ReserveForReport(ctx)
		defer rc()
		dl, _ := r.Deadline()
		if got := time.Until(dl); got != 4500*time.Millisecond {
			t.Errorf("5s leaves %s, want 4.5s", got)
		}
		long, lc := context.WithTimeout(t.Context(), time.Minute)
		defer lc()
		r2, rc2 := ReserveForReport(long)
		defer rc2()
		dl, _ = r2.Deadline()
		if got := time.Until(dl); got != 59*time.Second {
			t.Errorf("1m leaves %s, want 59s (the reserve is capped at 1s)", got)
		}
	})
}
