// Package docs embeds the check pages, so `spacectl-preflight explain ID`
// prints exactly what is published in docs/checks/.
package docs

import (
	"embed"
	"io/fs"
)

//go:embed checks/*.md
var checkPages embed.FS

// CheckPage returns the page docs/checks/<name>.md.
func CheckPage(name string) ([]byte, error) {
	return fs.ReadFile(checkPages, "checks/"+name+".md")
}

// CheckPageNames lists the pages, without the .md suffix.
func CheckPageNames() ([]string, error) {
	entries, err := fs.ReadDir(checkPages, "checks")
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(entries))
	for _, e := range entries {
		if n := e.Name(); len(n) > 3 && n[len(n)-3:] == ".md" {
			out = append(out, n[:len(n)-3])
		}
	}
	return out, nil
}
