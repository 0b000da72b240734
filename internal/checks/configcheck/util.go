package configcheck

import (
	"regexp"
	"sync"
)

// lazyRegexp compiles expr on first use: compiling at package init would
// cost every command, `version` included, about a millisecond and 400 KB
// (the counted repetitions expand into large programs).
func lazyRegexp(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}
