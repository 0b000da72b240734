package cli

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spacelift-io/spacectl-preflight/internal/atomicfile"
	"github.com/spacelift-io/spacectl-preflight/internal/report"
	"github.com/spacelift-io/spacectl-preflight/internal/secret"
)

// outputSpec is one -o FORMAT[=PATH]; an empty Path means stdout.
type outputSpec struct {
	Format string
	Path   string
	render report.Renderer
}

// parseOutputs validates every -o before anything runs, so a typo costs
// nothing. At most one output may go to stdout, to keep it parseable.
func parseOutputs(specs []string) ([]outputSpec, error) {
	if len(specs) == 0 {
		specs = []string{"table"}
	}
	var out []outputSpec
	stdout := 0
	for _, s := range specs {
		format, path, _ := strings.Cut(s, "=")
		r, err := report.Lookup(format)
		if err != nil {
			return nil, usageErrorf("-o %s: %v", s, err)
		}
		if path == "" || path == "-" {
			path = ""
			stdout++
		}
		out = append(out, outputSpec{Format: format, Path: path, render: r})
	}
	if stdout > 1 {
		return nil, usageErrorf("only one -o may write to stdout; give the others a path, e.g. -o junit=report.xml")
	}
	return out, nil
}

// writeOutputs renders the report to each destination. Files are written
// to a temporary name and renamed, so a reader never sees half a report.
// Each rendered output goes through the final sweep first (sc.Mask): the
// results were scrubbed by the runner, but a renderer's own encoding or
// wrapping must not bring a secret, or a fragment of one, back.
func writeOutputs(s *Streams, specs []outputSpec, r report.Report, colorMode string, sc *secret.Scrubber) error {
	var errs []string
	for _, o := range specs {
		var buf bytes.Buffer
		opts := report.Options{Width: s.Width}
		if o.Path == "" {
			opts.TTY = s.StdoutTTY
			opts.Color = s.colorFor(s.StdoutTTY, colorMode)
		}
		if err := o.render(&buf, r, opts); err != nil {
			errs = append(errs, fmt.Sprintf("rendering %s: %v", o.Format, err))
			continue
		}
		if swept, n := sc.Mask(buf.String()); n > 0 {
			fmt.Fprintf(s.Err, "spacectl-preflight: warning: the final sweep redacted %d secret value(s) or fragment(s) from the %s output; "+
				"this is a redaction bug in spacectl-preflight, please report it (the output names no value)\n", n, o.Format)
			buf.Reset()
			buf.WriteString(swept)
		}
		if o.Path == "" {
			if _, err := s.Out.Write(buf.Bytes()); err != nil {
				errs = append(errs, fmt.Sprintf("writing %s to stdout: %v", o.Format, err))
			}
			continue
		}
		write := writeFileAtomic
		if isStream(o.Path) {
			write = writeInPlace
		}
		if err := write(o.Path, buf.Bytes()); err != nil {
			errs = append(errs, fmt.Sprintf("writing %s report: %v", o.Format, err))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	return nil
}

// writeFileAtomic writes a report file through atomicfile: readable by
// everyone (0644), as reports are shared.
func writeFileAtomic(path string, data []byte) error {
	return atomicfile.Write(path, 0o644, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// isStream reports whether path is a device or a pipe, e.g. /dev/stderr in
// a Kubernetes Job, so `-o json=/dev/stderr` puts a second report in the
// pod's log. Such a path is written in place: no temporary file can be
// created beside it, and renaming one over /dev/stderr would replace it.
func isStream(path string) bool {
	if strings.HasPrefix(filepath.ToSlash(path), "/dev/") {
		return true
	}
	fi, err := os.Stat(path)
	return err == nil && fi.Mode()&(os.ModeDevice|os.ModeCharDevice|os.ModeNamedPipe) != 0
}

func writeInPlace(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
