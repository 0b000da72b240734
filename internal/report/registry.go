package report

import (
	"fmt"
	"io"
	"sort"
	"strings"
)

// Options tune how a renderer writes, decided once by the caller for the
// writer it renders to (colour is never a process-global toggle).
type Options struct {
	Color bool // ANSI colour
	TTY   bool // the writer is a terminal (unicode borders, badges)
	Width int  // wrap width; 0 means 100
}

// Renderer writes a report in one format.
type Renderer func(w io.Writer, r Report, o Options) error

func renderers() map[string]Renderer {
	return map[string]Renderer{
		"table":      Table,
		"json":       JSON,
		"junit":      JUnit,
		"markdown":   Markdown,
		"prometheus": Prometheus,
	}
}

// Formats lists the output format names, sorted.
func Formats() []string {
	var out []string
	for k := range renderers() {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Lookup returns the renderer for a format name.
func Lookup(name string) (Renderer, error) {
	if r, ok := renderers()[name]; ok {
		return r, nil
	}
	return nil, fmt.Errorf("unknown output format %q (want one of: %s)", name, strings.Join(Formats(), ", "))
}
