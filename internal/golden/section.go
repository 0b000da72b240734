// Package golden keeps generated sections of committed documents in step
// with the code that generates them: a test compares, `-update` rewrites.
package golden

import (
	"os"
	"strings"
	"testing"
)

// Section compares the text of path between the markers of the named
// section with body, and rewrites it when update is set. regen is the
// command that regenerates it, written in the begin marker and the failure.
func Section(t testing.TB, path, name, regen, body string, update bool) {
	t.Helper()
	begin := "<!-- BEGIN GENERATED: " + name + " (" + regen + ") -->"
	end := "<!-- END GENERATED: " + name + " -->"
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	i, j := strings.Index(doc, begin), strings.Index(doc, end)
	if i < 0 || j < i {
		t.Fatalf("%s lacks the markers of the generated section %s:\n%s\n%s", path, name, begin, end)
	}
	want := doc[:i+len(begin)] + "\n" + body + doc[j:]
	if want == doc {
		return
	}
	if update {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Fatalf("%s is stale (section %s): run %s", path, name, regen)
}
