//go:build unix

package atomicfile

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// File modes and the umask are Unix notions; on Windows chmod only toggles
// read-only.
func TestWriteCreatesTheFileWithItsMode(t *testing.T) {
	// A umask that would narrow 0644 proves the mode is set, not requested.
	old := syscall.Umask(0o077)
	defer syscall.Umask(old)
	for _, mode := range []os.FileMode{0o600, 0o644} {
		dir := t.TempDir()
		path := filepath.Join(dir, "out.json")
		if err := Write(path, mode, writeString("hello")); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(path)
		if err != nil || string(got) != "hello" {
			t.Fatalf("content %q, %v; want hello", got, err)
		}
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != mode {
			t.Errorf("mode %v, want %v", st.Mode().Perm(), mode)
		}
		if names := entries(t, dir); len(names) != 1 {
			t.Errorf("directory holds %v, want only out.json", names)
		}
	}
}
