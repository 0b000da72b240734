package checks

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// benchPlan builds n instant checks in groups of eight; with chained set,
// every check after a group's first needs that first one, the shape of
// "postgres.connect then seven queries".
func benchPlan(n int, chained bool) []Check {
	list := make([]Check, n)
	for i := range list {
		g := fmt.Sprintf("g%d", i/8)
		c := Check{ID: fmt.Sprintf("%s.c%d", g, i), Group: g, Title: "bench", Run: pass}
		if chained && i%8 != 0 {
			c.Needs = []string{fmt.Sprintf("%s.c%d", g, i-i%8)}
		}
		list[i] = c
	}
	return list
}

// BenchmarkRun measures the runner's own overhead per run: scheduling,
// needs, deadlines, scrubbing and progress, with checks that do nothing.
func BenchmarkRun(b *testing.B) {
	scrub := strings.NewReplacer("hunter2", "********").Replace
	for _, bc := range []struct {
		name        string
		n           int
		chained     bool
		concurrency int
		progress    bool
	}{
		{"independent/n=64/c=8", 64, false, 8, false},
		{"independent/n=64/c=1", 64, false, 1, false},
		{"needs/n=64/c=8", 64, true, 8, false},
		{"needs/n=64/c=8/progress", 64, true, 8, true},
		{"independent/n=512/c=8", 512, false, 8, false},
	} {
		b.Run(bc.name, func(b *testing.B) {
			list := benchPlan(bc.n, bc.chained)
			opts := RunOptions{Concurrency: bc.concurrency, Scrub: scrub}
			if bc.progress {
				opts.Progress = func(Event) {}
			}
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				out := Run(ctx, list, opts)
				if out[len(out)-1].Result.Status != Pass {
					b.Fatalf("last check: %s", out[len(out)-1].Result.Status)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(bc.n), "ns/check")
		})
	}
}
