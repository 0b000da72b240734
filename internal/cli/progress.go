package cli

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
)

// progress draws one self-rewriting status line on stderr while checks
// run. It is used only when stderr is a terminal and -q is not given.
type progress struct {
	mu      sync.Mutex
	w       io.Writer
	running map[string]bool
	width   int
}

func newProgress(w io.Writer, width int) *progress {
	if width <= 0 {
		width = 80
	}
	return &progress{w: w, running: map[string]bool{}, width: width}
}

func (p *progress) event(e checks.Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if e.Finished {
		delete(p.running, e.ID)
	} else {
		p.running[e.ID] = true
	}
	ids := make([]string, 0, len(p.running))
	for id := range p.running {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	line := fmt.Sprintf("%d/%d done", e.Done, e.Total)
	if len(ids) > 0 {
		line += " · running: " + strings.Join(ids, ", ")
	}
	if r := []rune(line); len(r) > p.width-1 {
		line = string(r[:p.width-2]) + "…"
	}
	fmt.Fprintf(p.w, "\r\x1b[2K%s", line)
}

func (p *progress) clear() {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprint(p.w, "\r\x1b[2K")
}
