package bundle

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spacelift-io/spacectl-preflight/internal/secret"
)

func readArchive(t *testing.T, path string) ([]string, map[string][]byte) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	var names []string
	data := map[string][]byte{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return names, data
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Mode != 0o600 {
			t.Errorf("%s: mode %o", h.Name, h.Mode)
		}
		b, _ := io.ReadAll(tr)
		names = append(names, h.Name)
		data[h.Name] = b
	}
}

func TestWriteIsDeterministicPrivateAndSorted(t *testing.T) {
	dir := t.TempDir()
	files := []File{{Name: "b.txt", Data: []byte("bee")}, {Name: "a.json", Data: []byte("{}")}, {Name: "manifest.json", Data: []byte("{}")}}
	sc := secret.NewNamedScrubber(secret.Named{Rule: "X", Value: secret.New("not-in-any-file")})
	when := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	p1, p2 := filepath.Join(dir, "one.tar.gz"), filepath.Join(dir, "two.tar.gz")
	for _, p := range []string{p1, p2} {
		if err := Write(p, files, sc, when); err != nil {
			t.Fatal(err)
		}
	}
	b1, _ := os.ReadFile(p1)
	b2, _ := os.ReadFile(p2)
	if !bytes.Equal(b1, b2) {
		t.Error("the same files gave different archives")
	}
	st, err := os.Stat(p1)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v %v", st.Mode(), err)
	}
	names, data := readArchive(t, p1)
	if strings.Join(names, ",") != "a.json,b.txt,manifest.json" || string(data["b.txt"]) != "bee" {
		t.Errorf("members %v", names)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("temporary files left behind: %v", entries)
	}
}

// TestSweepRefusesEveryForm plants each encoding of each secret into a
// collected file: the bundle is refused, names the file and the rule, and
// never the value; nothing is left on disk.
func TestSweepRefusesEveryForm(t *testing.T) {
	const minio = "Minio+Secret/Value&42"
	const dbpw = "db-pw-Zq9!"
	named := []secret.Named{
		{Rule: "OBJECT_STORAGE_MINIO_SECRET_ACCESS_KEY", Value: secret.New(minio)},
		{Rule: "DATABASE_URL", Value: secret.New("postgres://app:" + url.QueryEscape(dbpw) + "@127.0.0.1:5/x")},
	}
	sc := secret.NewNamedScrubber(named...)
	plants := []struct{ rule, text string }{
		{"OBJECT_STORAGE_MINIO_SECRET_ACCESS_KEY", minio},
		{"OBJECT_STORAGE_MINIO_SECRET_ACCESS_KEY", base64.StdEncoding.EncodeToString([]byte(minio))},
		{"OBJECT_STORAGE_MINIO_SECRET_ACCESS_KEY", base64.RawURLEncoding.EncodeToString([]byte(minio))},
		{"OBJECT_STORAGE_MINIO_SECRET_ACCESS_KEY", url.QueryEscape(minio)},
		{"OBJECT_STORAGE_MINIO_SECRET_ACCESS_KEY", "Minio+Secret/Value\\u002642"},
		{"OBJECT_STORAGE_MINIO_SECRET_ACCESS_KEY", "Minio+Secret/Value&amp;42"},
		{"DATABASE_URL", dbpw},
		{"DATABASE_URL", url.QueryEscape(dbpw)},
	}
	for _, p := range plants {
		dir := t.TempDir()
		path := filepath.Join(dir, "b.tar.gz")
		files := []File{{Name: "results.json", Data: []byte(`{"ok":true}`)}, {Name: "debug.log", Data: []byte("line\nerror: " + p.text + "\n")}}
		err := Write(path, files, sc, time.Now())
		le, ok := err.(*LeakError)
		if !ok {
			t.Fatalf("planted %s form: err %v, want *LeakError", p.rule, err)
		}
		msg := le.Error()
		if le.File != "debug.log" || le.Finding.Rule != p.rule || !strings.Contains(msg, "debug.log") || !strings.Contains(msg, p.rule) {
			t.Errorf("message %q does not name debug.log and %s", msg, p.rule)
		}
		for _, v := range []string{minio, dbpw, p.text} {
			if strings.Contains(msg, v) {
				t.Errorf("the refusal shows the value: %q", msg)
			}
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 0 {
			t.Errorf("a refused bundle left %v", entries)
		}
	}
}

func TestLogBufferKeepsHeadAndTail(t *testing.T) {
	b := NewLogBuffer(30, 40)
	for i := range 100 {
		b.Write([]byte(strings.Repeat(string(rune('a'+i%26)), 9) + "\n"))
	}
	out := string(b.Bytes())
	if !strings.HasPrefix(out, "aaaaaaaaa\nbbbbbbbbb\nccccccccc\n") {
		t.Errorf("head lost:\n%s", out)
	}
	if !strings.HasSuffix(out, "uuuuuuuuu\nvvvvvvvvv\n") || !strings.Contains(out, "bytes of debug log omitted") {
		t.Errorf("tail or marker lost:\n%s", out)
	}
	if len(out) > 30+40+120 || !b.Truncated() {
		t.Errorf("not capped: %d bytes", len(out))
	}
	small := NewLogBuffer(30, 40)
	small.Write([]byte("one\ntwo\n"))
	if string(small.Bytes()) != "one\ntwo\n" || small.Truncated() {
		t.Errorf("small log changed: %q", small.Bytes())
	}
}
