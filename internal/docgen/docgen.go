// Package docgen writes the shell completions, man pages and JSON Schema
// that are committed under docs/ and shipped in the release packages. It is
// kept out of the spacectl-preflight binary (cobra/doc pulls in a Markdown
// renderer nobody needs at run time).
package docgen

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/cli"
	"github.com/spacelift-io/spacectl-preflight/internal/config"
)

// FixedDate dates the committed man pages, so they change only when the
// commands do. Releases pass SOURCE_DATE_EPOCH (the commit time) instead.
var FixedDate = time.Date(2026, time.January, 1, 0, 0, 0, 0, time.UTC)

// Binary is the command name every generated file is for.
const Binary = "spacectl-preflight"

// Options say where and how to write.
type Options struct {
	// Dir receives completions/, man/ and config.schema.json. The two
	// folders are replaced, so a removed command leaves no stale page.
	Dir string
	// Date goes in the man pages' header (only month and year are shown).
	Date time.Time
	// GzipMan writes man/*.1.gz, as distribution packages install them.
	GzipMan bool
}

// Generate writes every generated document.
func Generate(o Options) error {
	root := cli.NewRootCmd(&cli.Streams{Env: map[string]string{}, Now: time.Now}, cli.BuildInfo{})
	root.InitDefaultCompletionCmd()
	disableAutoGenTag(root)

	compDir, manDir := filepath.Join(o.Dir, "completions"), filepath.Join(o.Dir, "man")
	for _, d := range []string{compDir, manDir} {
		if err := os.RemoveAll(d); err != nil {
			return err
		}
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	if err := writeCompletions(root, compDir); err != nil {
		return err
	}
	if err := writeManPages(root, manDir, o.Date, o.GzipMan); err != nil {
		return err
	}
	schema, err := config.JSONSchema(checks.MustCatalog(cli.AllBackends()))
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(o.Dir, "config.schema.json"), schema, 0o644)
}

// disableAutoGenTag drops cobra's "Auto generated … on DATE" footer, which
// would make every page change every day.
func disableAutoGenTag(c *cobra.Command) {
	c.DisableAutoGenTag = true
	for _, sub := range c.Commands() {
		disableAutoGenTag(sub)
	}
}

func writeCompletions(root *cobra.Command, dir string) error {
	gens := []struct {
		file string
		gen  func(*bytes.Buffer) error
	}{
		{Binary + ".bash", func(b *bytes.Buffer) error { return root.GenBashCompletionV2(b, true) }},
		{Binary + ".zsh", func(b *bytes.Buffer) error { return root.GenZshCompletion(b) }},
		{Binary + ".fish", func(b *bytes.Buffer) error { return root.GenFishCompletion(b, true) }},
		{Binary + ".ps1", func(b *bytes.Buffer) error { return root.GenPowerShellCompletionWithDesc(b) }},
	}
	for _, g := range gens {
		var b bytes.Buffer
		if err := g.gen(&b); err != nil {
			return fmt.Errorf("%s: %w", g.file, err)
		}
		if err := os.WriteFile(filepath.Join(dir, g.file), b.Bytes(), 0o644); err != nil {
			return err
		}
	}
	return nil
}

func writeManPages(root *cobra.Command, dir string, date time.Time, gz bool) error {
	date = date.UTC()
	header := &doc.GenManHeader{Section: "1", Date: &date, Source: Binary, Manual: "spacectl-preflight manual"}
	if err := doc.GenManTree(root, header, dir); err != nil {
		return err
	}
	if !gz {
		return nil
	}
	pages, err := filepath.Glob(filepath.Join(dir, "*.1"))
	if err != nil {
		return err
	}
	for _, p := range pages {
		if err := gzipFile(p); err != nil {
			return err
		}
	}
	return nil
}

// gzipFile replaces p by p.gz. The gzip header carries no name or time, so
// the output depends on the content only.
func gzipFile(p string) error {
	data, err := os.ReadFile(p)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	w, err := gzip.NewWriterLevel(&b, gzip.BestCompression)
	if err != nil {
		return err
	}
	if _, err := w.Write(data); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	if err := os.WriteFile(p+".gz", b.Bytes(), 0o644); err != nil {
		return err
	}
	return os.Remove(p)
}
