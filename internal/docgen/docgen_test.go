package docgen

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// committed is where `make docs` writes the generated documents.
var committed = filepath.Join("..", "..", "docs")

// generated lists the generated files under dir, relative to it.
func generated(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	for _, sub := range []string{"completions", "man"} {
		err := filepath.WalkDir(filepath.Join(dir, sub), func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			data, err := os.ReadFile(p)
			rel, _ := filepath.Rel(dir, p)
			files[filepath.ToSlash(rel)] = data
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile(filepath.Join(dir, "config.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	files["config.schema.json"] = data
	return files
}

// TestCommittedDocsAreUpToDate regenerates the completions, man pages and
// schema and compares them with docs/: a flag or command added without
// `make docs` fails here.
func TestCommittedDocsAreUpToDate(t *testing.T) {
	tmp := t.TempDir()
	if err := Generate(Options{Dir: tmp, Date: FixedDate}); err != nil {
		t.Fatal(err)
	}
	want, have := generated(t, tmp), generated(t, committed)
	var stale []string
	for name, data := range want {
		if got, ok := have[name]; !ok {
			stale = append(stale, "missing docs/"+name)
		} else if !bytes.Equal(got, data) {
			stale = append(stale, "outdated docs/"+name)
		}
	}
	for name := range have {
		if _, ok := want[name]; !ok {
			stale = append(stale, "no longer generated: docs/"+name)
		}
	}
	sort.Strings(stale)
	if len(stale) > 0 {
		t.Fatalf("the committed docs are stale; run `make docs` and commit the result:\n  %s", strings.Join(stale, "\n  "))
	}
}

func TestGeneratedDocsCoverEveryShellAndCommand(t *testing.T) {
	tmp := t.TempDir()
	if err := Generate(Options{Dir: tmp, Date: FixedDate}); err != nil {
		t.Fatal(err)
	}
	files := generated(t, tmp)
	for _, name := range []string{
		"completions/spacectl-preflight.bash", "completions/spacectl-preflight.zsh",
		"completions/spacectl-preflight.fish", "completions/spacectl-preflight.ps1",
		"man/spacectl-preflight.1", "man/spacectl-preflight-check.1", "man/spacectl-preflight-explain.1",
		"man/spacectl-preflight-config-init.1", "man/spacectl-preflight-config-schema.1",
	} {
		if len(files[name]) == 0 {
			t.Errorf("%s was not generated", name)
		}
	}
	page := string(files["man/spacectl-preflight-check.1"])
	if !strings.Contains(page, `"Jan 2026"`) || strings.Contains(page, "Auto generated") {
		t.Errorf("the man page is not dated with the fixed date, or carries cobra's dated footer:\n%s", page[:200])
	}
	if !strings.Contains(page, "--from-env") {
		t.Errorf("the check man page does not document --from-env")
	}
}

// The release packages gzip the man pages; the archives must not change
// when nothing else did, so gzip output depends on the content only.
func TestGzippedManPagesAreReproducible(t *testing.T) {
	date := time.Date(2027, time.March, 4, 5, 6, 7, 0, time.UTC)
	var runs [2]map[string][]byte
	for i := range runs {
		dir := t.TempDir()
		if err := Generate(Options{Dir: dir, Date: date, GzipMan: true}); err != nil {
			t.Fatal(err)
		}
		runs[i] = generated(t, dir)
	}
	if len(runs[0]["man/spacectl-preflight.1.gz"]) == 0 || len(runs[0]["man/spacectl-preflight.1"]) != 0 {
		t.Fatalf("want only gzipped man pages")
	}
	for name, data := range runs[0] {
		if !bytes.Equal(data, runs[1][name]) {
			t.Errorf("%s differs between two runs", name)
		}
	}
}
