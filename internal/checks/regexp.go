package checks

import (
	"regexp"
	"sync"
)

// LazyRegexp compiles expr on first use: compiling at package init would
// cost every command, `version` included, about a millisecond and 400 KB
// (the counted repetitions of name rules expand into large programs).
func LazyRegexp(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}
