package config

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// Input files (the YAML file, env files, Secrets, <key>File references and
// `bundle --results`) are operator-written and small: a Spacelift
// configuration is a few kilobytes, a Kubernetes Secret at most 1 MiB. They
// are read whole, so each is capped, and only regular files are read: a
// device (/dev/zero, /dev/urandom) or a pipe has no size to check and may
// never end.
const (
	// DefaultMaxInputSize is the cap when nothing raises it.
	DefaultMaxInputSize int64 = 10 << 20
	// MaxMaxInputSize is the largest cap --max-input-size accepts: beyond
	// it a file is not a configuration, and reading it whole would cost
	// that much memory.
	MaxMaxInputSize int64 = 1 << 30
)

// InputError is an input file refused before or while reading it. Problem
// and Hint are the diagnostic's summary and hint; neither quotes the file.
type InputError struct {
	Path    string
	Problem string
	Hint    string
}

func (e *InputError) Error() string { return e.Path + ": " + e.Problem }

// ReadInput reads an input file whole, refusing anything but a regular
// file (checked before it is opened, so a FIFO is never opened and cannot
// block) and anything larger than max bytes (0 means
// DefaultMaxInputSize; at most MaxMaxInputSize). It is
// LoadOptions.ReadFile's default.
func ReadInput(path string, max int64) ([]byte, error) {
	if max <= 0 {
		max = DefaultMaxInputSize
	}
	max = min(max, MaxMaxInputSize)
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if err := regularFile(path, st); err != nil {
		return nil, err
	}
	if st.Size() > max {
		return nil, tooLarge(path, max)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	// The path may have been replaced between Stat and Open.
	if st, err = f.Stat(); err != nil {
		return nil, err
	}
	if err := regularFile(path, st); err != nil {
		return nil, err
	}
	return readBounded(f, path, max, st.Size())
}

// readBounded reads r to its end, at most max bytes: it reads through
// io.LimitReader(r, max+1), so one byte more than max proves the input is
// too large without reading the rest. sizeHint (the file's size, or 0)
// sizes the buffer, so a regular file is read in one allocation; without
// it the buffer doubles but never beyond max+1, so memory stays below
// about twice max whatever r is (an endless /dev/zero included).
func readBounded(r io.Reader, path string, max, sizeHint int64) ([]byte, error) {
	initial := min(max+1, 64<<10)
	if sizeHint > 0 {
		initial = min(max+1, sizeHint+1)
	}
	buf := make([]byte, 0, initial)
	lr := io.LimitReader(r, max+1)
	for {
		if len(buf) == cap(buf) {
			grown := make([]byte, len(buf), min(max+1, 2*int64(cap(buf))))
			copy(grown, buf)
			buf = grown
		}
		n, err := lr.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if int64(len(buf)) > max {
			return nil, tooLarge(path, max)
		}
		if errors.Is(err, io.EOF) {
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

func tooLarge(path string, max int64) error {
	e := &InputError{Path: path, Problem: fmt.Sprintf("the file is larger than the input size limit of %s", FormatSize(max))}
	if max >= MaxMaxInputSize {
		e.Hint = "no configuration file is that large: check the path"
		return e
	}
	s := maxInputSizeSetting()
	e.Hint = fmt.Sprintf("if it really is the input you meant, raise the limit with --%s (e.g. --%s %s), $%s or preflight.%s",
		s.Flag, s.Flag, FormatSize(min(max*5, MaxMaxInputSize)), s.Env, s.Key)
	return e
}

// regularFile refuses what cannot be size-checked before reading or may
// never end, saying what the path is instead.
func regularFile(path string, st fs.FileInfo) error {
	m := st.Mode()
	if m.IsRegular() {
		return nil
	}
	e := &InputError{Path: path, Hint: "pass the path of a regular file"}
	switch {
	case m.IsDir():
		e.Problem = "is a directory, not a file"
		e.Hint = "name a file inside it"
	case m&fs.ModeNamedPipe != 0:
		e.Problem = "is a pipe (a FIFO, or process substitution such as <(kubectl …)), not a regular file: a pipe cannot be size-checked before it is read"
		e.Hint = "write it to a file first, e.g. kubectl get secret NAME -o yaml > secret.yaml, and pass that file"
	case m&fs.ModeCharDevice != 0, m&fs.ModeDevice != 0:
		e.Problem = "is a device (such as /dev/null, /dev/zero or /dev/stdin), not a regular file"
	case m&fs.ModeSocket != 0:
		e.Problem = "is a socket, not a regular file"
	default:
		e.Problem = "is not a regular file"
	}
	return e
}

// FormatSize writes a byte count as the size flags take it: 10MiB, 512KiB,
// or a plain number of bytes.
func FormatSize(n int64) string {
	for _, u := range []struct {
		suffix string
		size   int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if n >= u.size && n%u.size == 0 {
			return fmt.Sprintf("%d%s", n/u.size, u.suffix)
		}
	}
	return fmt.Sprintf("%dB", n)
}
