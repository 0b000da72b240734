package bundle

import (
	"archive/tar"
	"compress/gzip"
	"fmt"
	"io"
	"sort"
	"time"

	"github.com/spacelift-io/spacectl-preflight/internal/atomicfile"
)

// Write sweeps the files and, only when they are clean, writes them as a
// gzip'd tar to path: mode 0600, through a temporary file in the same
// directory that is renamed into place, so no reader ever sees half a
// bundle and a refused bundle leaves nothing behind. Members are sorted by
// name and carry the same timestamp, so equal inputs give equal archives.
func Write(path string, files []File, f Finder, modTime time.Time) error {
	if err := Sweep(files, f); err != nil {
		return err
	}
	sorted := append([]File(nil), files...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
	for i := 1; i < len(sorted); i++ {
		if sorted[i].Name == sorted[i-1].Name {
			return fmt.Errorf("bundle: two files named %s", sorted[i].Name)
		}
	}
	err := atomicfile.Write(path, 0o600, func(w io.Writer) error { return writeArchive(w, sorted, modTime) })
	if err != nil {
		return fmt.Errorf("writing the support bundle: %w", err)
	}
	return nil
}

func writeArchive(w io.Writer, files []File, modTime time.Time) error {
	gz, err := gzip.NewWriterLevel(w, gzip.BestCompression)
	if err != nil {
		return err
	}
	gz.ModTime = modTime.UTC()
	gz.Name = ""
	tw := tar.NewWriter(gz)
	for _, f := range files {
		hdr := &tar.Header{
			Name: f.Name, Mode: 0o600, Size: int64(len(f.Data)), ModTime: modTime.UTC().Truncate(time.Second),
			Typeflag: tar.TypeReg,
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if _, err := tw.Write(f.Data); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return gz.Close()
}
