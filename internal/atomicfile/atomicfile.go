// Package atomicfile writes a file so that a reader sees either the old
// content or the whole new content, never half of it, and a failed write
// leaves nothing behind.
package atomicfile

import (
	"io"
	"os"
	"path/filepath"
)

// Write creates a temporary file next to path (a rename is only atomic
// within one file system), sets its mode before anything is written (so a
// secret is never readable by others, even briefly), lets write fill it,
// syncs it to disk and renames it over path. On any error, or a panic in
// write, the temporary file is removed and path is left as it was.
//
// mode is applied with chmod, so the umask does not narrow it.
func Write(path string, mode os.FileMode, write func(io.Writer) error) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	done := false
	defer func() {
		if !done {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err := f.Chmod(mode); err != nil {
		return err
	}
	if err := write(f); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	done = true
	return nil
}
