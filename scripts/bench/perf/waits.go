package perf

import (
	"bufio"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Block is one stack of a delay profile that `go tool trace -pprof=sync`
// or `-pprof=sched` derives from an execution trace (`check --trace`),
// as `go tool pprof -traces` prints it: how long goroutines with this
// stack were blocked on a channel or lock (sync), or runnable but not
// running for lack of a CPU (sched).
type Block struct {
	Delay time.Duration
	Stack []string // function names, innermost first
}

// ParsePprofTraces reads the text of `go tool pprof -traces`.
func ParsePprofTraces(text string) []Block {
	var out []Block
	var cur *Block
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "-----------+") {
			if cur != nil && len(cur.Stack) > 0 {
				out = append(out, *cur)
			}
			cur = &Block{}
			continue
		}
		if cur == nil {
			continue // the header
		}
		f := strings.Fields(line)
		switch {
		case len(f) == 2 && len(cur.Stack) == 0:
			d, err := time.ParseDuration(strings.Replace(f[0], "us", "µs", 1))
			if err != nil {
				continue
			}
			cur.Delay, cur.Stack = d, []string{f[1]}
		case len(f) == 1 && len(cur.Stack) > 0:
			cur.Stack = append(cur.Stack, f[0])
		}
	}
	if cur != nil && len(cur.Stack) > 0 {
		out = append(out, *cur)
	}
	return out
}

const (
	module = "github.com/spacelift-io/spacectl-preflight/"
	// checkFrame is the runner's goroutine that calls a check's Run: the
	// frame under it is the check.
	checkFrame = module + "internal/checks.(*run).execute.func1"
)

// Wait is delay attributed to a check function.
type Wait struct {
	// Check is the check's Run function, e.g. postgres.(*session).checkClockSkew.
	Check string
	// Site is where it blocked, e.g. postgres.(*session).use.
	Site  string
	Delay time.Duration
}

// checkOf returns the check function of a stack run by the runner.
func checkOf(stack []string) (string, bool) {
	for i, fn := range stack {
		// A runtime frame right under the runner is its own send of the
		// result, not a check.
		if fn == checkFrame && i > 0 && !strings.HasPrefix(stack[i-1], "runtime.") {
			return strings.TrimPrefix(stack[i-1], module+"internal/checks/"), true
		}
	}
	return "", false
}

// CodeWaits finds where checks blocked on a channel or lock in the
// project's own code: the first frame above the runtime's is the
// project's, not a library's. Blocking inside a library (a gRPC call
// waiting for its connection, a driver waiting for the network) is the
// check waiting for its own I/O and is not counted. Results are summed per
// (check, site), largest first.
func CodeWaits(blocks []Block) []Wait {
	sum := map[[2]string]time.Duration{}
	for _, b := range blocks {
		chk, ok := checkOf(b.Stack)
		if !ok {
			continue
		}
		i := 0
		for i < len(b.Stack) && (strings.HasPrefix(b.Stack[i], "runtime.") || strings.HasPrefix(b.Stack[i], "sync.") ||
			strings.HasPrefix(b.Stack[i], "internal/sync.")) {
			i++
		}
		if i == 0 || i >= len(b.Stack) || !strings.HasPrefix(b.Stack[i], module) || b.Stack[i] == checkFrame {
			continue
		}
		site := strings.TrimPrefix(b.Stack[i], module+"internal/checks/")
		sum[[2]string{chk, site}] += b.Delay
	}
	return sorted(sum)
}

// Shared splits waits into those at a site where more than one check
// blocked (a primitive the checks share: one connection's turn, the mutex
// around a lazily created client), which is one check waiting for another,
// and the rest (a check waiting on its own goroutines).
func Shared(ws []Wait) (shared, own []Wait) {
	checksAt := map[string]map[string]bool{}
	for _, w := range ws {
		if checksAt[w.Site] == nil {
			checksAt[w.Site] = map[string]bool{}
		}
		checksAt[w.Site][w.Check] = true
	}
	for _, w := range ws {
		if len(checksAt[w.Site]) > 1 {
			shared = append(shared, w)
		} else {
			own = append(own, w)
		}
	}
	return shared, own
}

// CheckDelays sums the delay of every stack under each check function,
// e.g. from the sched profile: how long each check was runnable but had no
// CPU.
func CheckDelays(blocks []Block) []Wait {
	sum := map[[2]string]time.Duration{}
	for _, b := range blocks {
		if chk, ok := checkOf(b.Stack); ok {
			sum[[2]string{chk, ""}] += b.Delay
		}
	}
	return sorted(sum)
}

// BySite sums waits per site: the total and how many check functions
// blocked there.
func BySite(ws []Wait) []Wait {
	sum := map[[2]string]time.Duration{}
	n := map[string]int{}
	for _, w := range ws {
		sum[[2]string{"", w.Site}] += w.Delay
		n[w.Site]++
	}
	out := sorted(sum)
	for i := range out {
		out[i].Check = fmt.Sprintf("%d checks", n[out[i].Site])
	}
	return out
}

func sorted(sum map[[2]string]time.Duration) []Wait {
	out := make([]Wait, 0, len(sum))
	for k, d := range sum {
		out = append(out, Wait{Check: k[0], Site: k[1], Delay: d})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Delay != out[j].Delay {
			return out[i].Delay > out[j].Delay
		}
		return out[i].Check+out[i].Site < out[j].Check+out[j].Site
	})
	return out
}
