//go:build !unix

package worker

import "github.com/spacelift-io/spacectl-preflight/internal/checks"

// socketAccess is Unix-only: Spacelift's Docker workers run on Linux.
func socketAccess(v *checks.Verdict, path string, _ deps) {
	v.Detail("socket", path+": permissions not inspected on this platform")
}
