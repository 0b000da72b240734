// Package bundle builds the support bundle: one gzip'd tar holding the
// results in every format, the effective configuration with secrets
// redacted and where each value came from, the runtime environment, DNS and
// TLS facts about every configured endpoint, per-check timings, the debug
// log and a manifest. Every text is scrubbed while it is collected, and a
// final sweep refuses to write the archive if any configured secret value,
// in any of its encodings, or any fragment of one, is still present
// anywhere (fail closed).
package bundle

import (
	"fmt"
	"time"
)

// File is one member of the archive.
type File struct {
	Name  string
	Data  []byte
	About string // what it holds, for the manifest
}

// Item is one thing the bundle collected or could not collect.
type Item struct {
	Item   string `json:"item"`
	File   string `json:"file,omitempty"`
	Reason string `json:"reason,omitempty"`
}

// Build identifies the binary that made the bundle.
type Build struct {
	Version   string `json:"version"`
	Commit    string `json:"commit"`
	Date      string `json:"date"`
	GoVersion string `json:"goVersion"`
}

// DefaultName is the archive name when -o is not given.
func DefaultName(now time.Time) string {
	return fmt.Sprintf("spacectl-preflight-bundle-%s.tar.gz", now.UTC().Format("20060102T150405Z"))
}
