package perf

import (
	"bufio"
	"bytes"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// InitCost is one package's init time, from GODEBUG=inittrace=1.
type InitCost struct {
	Package string
	Clock   time.Duration
	Bytes   int64
}

// ParseInitTrace reads the runtime's inittrace lines:
//
//	init github.com/x/y @1.8 ms, 1.5 ms clock, 448592 bytes, 3374 allocs
//
// Other lines are ignored.
func ParseInitTrace(stderr []byte) []InitCost {
	var out []InitCost
	sc := bufio.NewScanner(bytes.NewReader(stderr))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		// init PKG @X ms, Y ms clock, Z bytes, N allocs
		if len(f) < 10 || f[0] != "init" || !strings.HasPrefix(f[2], "@") || f[6] != "clock," {
			continue
		}
		ms, err := strconv.ParseFloat(f[4], 64)
		if err != nil {
			continue
		}
		b, _ := strconv.ParseInt(f[7], 10, 64)
		out = append(out, InitCost{Package: f[1], Clock: time.Duration(ms * float64(time.Millisecond)), Bytes: b})
	}
	return out
}

// InitSummary is the median over several traced runs.
type InitSummary struct {
	Total time.Duration // median of the per-run sum of init clocks
	Top   []InitCost    // packages by median clock, most expensive first
}

// SummarizeInit takes the median clock per package over runs and the
// median total, keeping the n most expensive packages.
func SummarizeInit(runs [][]InitCost, n int) InitSummary {
	per := map[string][]time.Duration{}
	bytesOf := map[string]int64{}
	var totals []time.Duration
	for _, r := range runs {
		var t time.Duration
		for _, c := range r {
			per[c.Package] = append(per[c.Package], c.Clock)
			bytesOf[c.Package] = c.Bytes
			t += c.Clock
		}
		totals = append(totals, t)
	}
	var all []InitCost
	for p, ds := range per {
		all = append(all, InitCost{Package: p, Clock: Median(ds), Bytes: bytesOf[p]})
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].Clock != all[j].Clock {
			return all[i].Clock > all[j].Clock
		}
		return all[i].Package < all[j].Package
	})
	if len(all) > n {
		all = all[:n]
	}
	return InitSummary{Total: Median(totals), Top: all}
}

// ModuleOf names the module a package most likely belongs to, to group
// init costs: "std" for the standard library, three path elements for
// hosts that nest modules under an owner (github.com/aws/aws-sdk-go-v2,
// cloud.google.com/go/storage, golang.org/x/net), two otherwise
// (google.golang.org/grpc).
func ModuleOf(pkg string) string {
	parts := strings.Split(pkg, "/")
	if !strings.Contains(parts[0], ".") {
		return "std"
	}
	n := 2
	switch parts[0] {
	case "github.com", "gitlab.com", "bitbucket.org", "golang.org", "cloud.google.com", "go.opentelemetry.io":
		n = 3
	}
	if len(parts) < n {
		n = len(parts)
	}
	return strings.Join(parts[:n], "/")
}

// ByModule sums the median init clock and heap of the packages of each
// module (from the whole trace, not just the top packages), most expensive
// first; Package holds the module and the package count.
func ByModule(runs [][]InitCost) []InitCost {
	all := SummarizeInit(runs, 1<<30).Top
	sum := map[string]*InitCost{}
	count := map[string]int{}
	for _, c := range all {
		m := ModuleOf(c.Package)
		if sum[m] == nil {
			sum[m] = &InitCost{Package: m}
		}
		sum[m].Clock += c.Clock
		sum[m].Bytes += c.Bytes
		count[m]++
	}
	out := make([]InitCost, 0, len(sum))
	for m, c := range sum {
		c.Package = fmt.Sprintf("%s (%d packages)", m, count[m])
		out = append(out, *c)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Clock != out[j].Clock {
			return out[i].Clock > out[j].Clock
		}
		return out[i].Package < out[j].Package
	})
	return out
}
