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
// nothing. At most one output may go to stdout, to keep it parseable, and
// no two to the same file, where the second would silently replace the
// first; a directory is not a report file.
func parseOutputs(specs []string) ([]outputSpec, error) {
	if len(specs) == 0 {
		specs = []string{"table"}
	}
	var out []outputSpec
	stdout := 0
	byDest := map[string]string{}
	var files []existingOutput
	for _, s := range specs {
		format, path, _ := strings.Cut(s, "=")
		r, err := report.Lookup(format)
		if err != nil {
			return nil, usageErrorf("-o %s: %v", s, err)
		}
		if path == "" || path == "-" {
			path = ""
		}
		dest := destination(path)
		if dest == stdoutDest {
			stdout++
			if stdout > 1 {
				return nil, usageErrorf("only one -o may write to stdout; give the others a path, e.g. -o junit=report.xml")
			}
		} else if prev, dup := byDest[dest]; dup {
			return nil, usageErrorf("-o %s and -o %s write to the same file; give each report its own path", prev, s)
		}
		byDest[dest] = s
		if dest != stdoutDest {
			fi, err := os.Stat(path)
			switch {
			case err == nil && fi.IsDir():
				return nil, usageErrorf("-o %s: %s is a directory; name the report file, e.g. %s", s, path, filepath.Join(path, "report."+format))
			case err == nil && fi.Mode().IsRegular():
				// Two names for one file (a link, ./x and x/../x).
				for _, f := range files {
					if os.SameFile(f.info, fi) {
						return nil, usageErrorf("-o %s and -o %s write to the same file; give each report its own path", f.spec, s)
					}
				}
				files = append(files, existingOutput{spec: s, info: fi})
			}
		}
		out = append(out, outputSpec{Format: format, Path: path, render: r})
	}
	return out, nil
}

// stdoutDest is the destination key of every name for stdout.
const stdoutDest = "<stdout>"

type existingOutput struct {
	spec string
	info os.FileInfo
}

// destination is what a -o path writes to, for finding two outputs that
// would overwrite each other: stdout under any of its names, else the
// cleaned absolute path.
func destination(path string) string {
	if path == "" {
		return stdoutDest
	}
	switch filepath.ToSlash(filepath.Clean(path)) {
	case "/dev/stdout", "/dev/fd/1", "/proc/self/fd/1":
		return stdoutDest
	}
	if abs, err := filepath.Abs(path); err == nil {
		return abs
	}
	return filepath.Clean(path)
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
