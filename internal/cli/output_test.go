package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestOutputsThatWouldOverwriteEachOtherExit2: two reports to one file
// used to leave only the last; a directory failed after the run. Both are
// refused before anything runs, with nothing written.
func TestOutputsThatWouldOverwriteEachOtherExit2(t *testing.T) {
	valid, err := filepath.Abs(example("valid.env"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	t.Chdir(dir)
	if err := os.WriteFile("existing.out", []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("existing.out", "link.out"); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir("reports", 0o700); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		outputs []string
		want    string
	}{
		{[]string{"json=same.out", "junit=same.out"}, "-o json=same.out and -o junit=same.out write to the same file"},
		{[]string{"json=reports/../same.out", "markdown=" + filepath.Join(dir, "same.out")}, "write to the same file"},
		{[]string{"json=existing.out", "junit=link.out"}, "-o json=existing.out and -o junit=link.out write to the same file"},
		{[]string{"table", "json=/dev/stdout"}, "only one -o may write to stdout"},
		{[]string{"json=-", "markdown"}, "only one -o may write to stdout"},
		{[]string{"json=reports"}, "-o json=reports: reports is a directory; name the report file, e.g. reports/report.json"},
		{[]string{"junit=."}, "is a directory"},
	}
	for _, c := range cases {
		args := []string{"check", "--env-file", valid, "--only", "config.*"}
		for _, o := range c.outputs {
			args = append(args, "-o", o)
		}
		code, out, errOut := run(t, nil, args...)
		if code != ExitUsage || !strings.Contains(errOut, c.want) || out != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2 and %q", c.outputs, code, out, errOut, c.want)
		}
		if _, err := os.Stat("same.out"); err == nil {
			t.Fatalf("%v: a report was written", c.outputs)
		}
		if data, _ := os.ReadFile("existing.out"); string(data) != "old" {
			t.Fatalf("%v: the existing file was overwritten", c.outputs)
		}
	}
	// Distinct files are fine, and so is one report on stdout.
	if code, _, errOut := run(t, nil, "check", "--env-file", valid, "--only", "config.*", "-o", "table", "-o", "json=a.json", "-o", "junit=reports/a.xml"); code != ExitOK {
		t.Errorf("distinct outputs: exit %d: %s", code, errOut)
	}
}

// TestBundleDoesNotOverwriteWithoutForce: like `config init --file`, the
// bundle refuses to replace an existing file unless --force says so.
func TestBundleDoesNotOverwriteWithoutForce(t *testing.T) {
	out := filepath.Join(t.TempDir(), "support.tar.gz")
	if err := os.WriteFile(out, []byte("an earlier bundle"), 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"bundle", "--env-file", example("valid.env"), "--only", "config.*", "-o", out}
	code, stdout, errOut := run(t, nil, args...)
	if code != ExitUsage || !strings.Contains(errOut, "already exists; pass --force to overwrite it") || stdout != "" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, errOut)
	}
	if data, _ := os.ReadFile(out); string(data) != "an earlier bundle" {
		t.Fatal("the existing file was overwritten")
	}
	if code, stdout, errOut = run(t, nil, append(args, "--force")...); code != ExitOK || strings.TrimSpace(stdout) != out {
		t.Fatalf("--force: exit %d, stdout %q, stderr %s", code, stdout, errOut)
	}
	if _, files := readBundle(t, out); len(files) == 0 {
		t.Fatal("--force wrote no bundle")
	}
}

// TestBundleRefusesResultsThatAreNotAReport: any JSON used to be packed as
// an empty run; now a file that is not a results report exits 2 and no
// bundle is written.
func TestBundleRefusesResultsThatAreNotAReport(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"other.json":    `{"not":"results"}`,
		"version.json":  `{"schemaVersion":7,"tool":{"name":"x","version":"1"},"summary":{},"results":[]}`,
		"trailing.json": `{"schemaVersion":1,"tool":{"name":"spacectl-preflight","version":"1"},"summary":{"status":"skip"},"results":[]} garbage`,
	} {
		results := filepath.Join(dir, name)
		writeFile(t, results, body)
		out := filepath.Join(dir, name+".tar.gz")
		code, stdout, errOut := run(t, nil, "bundle", "--results", results, "-o", out)
		if code != ExitUsage || !strings.Contains(errOut, "--results "+results+": not a JSON report written by `check -o json`") || stdout != "" {
			t.Errorf("%s: exit %d, stdout %q, stderr %q", name, code, stdout, errOut)
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("%s: a bundle was written", name)
		}
	}
}
