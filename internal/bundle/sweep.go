package bundle

import (
	"fmt"

	"github.com/spacelift-io/spacectl-preflight/internal/secret"
)

// Finder searches text for secrets; *secret.Scrubber is one.
type Finder interface {
	Find(text string) (secret.Finding, bool)
}

// LeakError means the final sweep found a secret and no bundle was written.
// It names the file and the rule, never the value.
type LeakError struct {
	File    string
	Finding secret.Finding
}

func (e *LeakError) Error() string {
	return fmt.Sprintf("refusing to write the support bundle: %s contains the configured secret %s; nothing was written. "+
		"This is a redaction bug in spacectl-preflight (or a secret so short or common that it appears in ordinary text): "+
		"please report the file and rule named here, never the value", e.File, e.Finding)
}

// Sweep searches every file for every secret form and returns a *LeakError
// for the first file that contains one.
func Sweep(files []File, f Finder) error {
	for _, file := range files {
		if hit, ok := f.Find(string(file.Data)); ok {
			return &LeakError{File: file.Name, Finding: hit}
		}
	}
	return nil
}
