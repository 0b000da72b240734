package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

func writeString(s string) func(io.Writer) error {
	return func(w io.Writer) error {
		_, err := io.WriteString(w, s)
		return err
	}
}

// entries lists dir's names, so a test sees a leftover temporary file.
func entries(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

// While write runs, the target still holds its old content; afterwards the
// new content, through a temporary file in the same directory.
func TestWriteReplacesAnExistingFileAtOnce(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "report.xml")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := Write(path, 0o644, func(w io.Writer) error {
		if _, err := io.WriteString(w, "new, "); err != nil {
			return err
		}
		if got, _ := os.ReadFile(path); string(got) != "old" {
			t.Errorf("mid-write the target holds %q, want old", got)
		}
		if names := entries(t, dir); len(names) != 2 {
			t.Errorf("mid-write the directory holds %v, want the target and one temporary file", names)
		}
		_, err := io.WriteString(w, "complete")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(path); string(got) != "new, complete" {
		t.Errorf("content %q, want the new content", got)
	}
	if names := entries(t, dir); len(names) != 1 {
		t.Errorf("directory holds %v, want only report.xml", names)
	}
}

func TestFailedWriteLeavesNothing(t *testing.T) {
	boom := errors.New("boom")
	fail := func(w io.Writer) error {
		io.WriteString(w, "half")
		return boom
	}
	t.Run("new file", func(t *testing.T) {
		dir := t.TempDir()
		if err := Write(filepath.Join(dir, "b.tar.gz"), 0o600, fail); !errors.Is(err, boom) {
			t.Fatalf("err %v, want the write func's error", err)
		}
		if names := entries(t, dir); len(names) != 0 {
			t.Errorf("a failed write left %v", names)
		}
	})
	t.Run("existing file", func(t *testing.T) {
		dir := t.TempDir()
		path := filepath.Join(dir, "b.tar.gz")
		if err := os.WriteFile(path, []byte("old"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := Write(path, 0o600, fail); !errors.Is(err, boom) {
			t.Fatalf("err %v, want the write func's error", err)
		}
		if got, _ := os.ReadFile(path); string(got) != "old" {
			t.Errorf("a failed write changed the target to %q", got)
		}
		if names := entries(t, dir); len(names) != 1 {
			t.Errorf("a failed write left %v", names)
		}
	})
}

func TestPanickingWriteLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	func() {
		defer func() {
			if recover() == nil {
				t.Error("the panic did not reach the caller")
			}
		}()
		Write(filepath.Join(dir, "out"), 0o644, func(w io.Writer) error {
			io.WriteString(w, "half")
			panic("boom")
		})
	}()
	if names := entries(t, dir); len(names) != 0 {
		t.Errorf("a panicking write left %v", names)
	}
}

func TestWriteIntoAMissingDirectoryFails(t *testing.T) {
	path := filepath.Join(t.TempDir(), "no", "such", "dir", "out")
	called := false
	err := Write(path, 0o644, func(io.Writer) error { called = true; return nil })
	if err == nil || called {
		t.Errorf("err %v, write called %v; want an error before writing", err, called)
	}
}
