package config

import (
	"gopkg.in/yaml.v3"
)

// HelmValues is a Helm values file (--helm-values): the scalar values it
// sets, by dotted path (shared.serverHostname), with where each is
// written. Only mappings are walked: list items have no stable path.
type HelmValues struct {
	File    string
	Scalars map[string]Located
}

// Located is a value and where it was written.
type Located struct {
	Value string
	Pos   Source
}

// Lookup returns the scalar at a dotted path.
func (h *HelmValues) Lookup(path string) (Located, bool) {
	if h == nil {
		return Located{}, false
	}
	l, ok := h.Scalars[path]
	return l, ok
}

// loadHelmValues reads a values file with the bounded reader. A file that
// cannot be read or parsed is an error, like any other input.
func loadHelmValues(file string, readFile func(string) ([]byte, error), ds *Diagnostics) *HelmValues {
	pos := Source{Kind: FromHelm, File: file}
	data, err := readFile(file)
	if err != nil {
		ds.readError(pos, "", err, "check the --helm-values path", "cannot read")
		return nil
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		ds.errorf(yamlErrSource(pos, err, data), "", "check the YAML syntax (indentation, tabs, quotes)", "%s", yamlErrMsg(err))
		return nil
	}
	h := &HelmValues{File: file, Scalars: map[string]Located{}}
	if len(doc.Content) == 0 || isNull(doc.Content[0]) {
		return h
	}
	root := deref(doc.Content[0])
	if root.Kind != yaml.MappingNode {
		ds.errorf(Source{Kind: FromHelm, File: file, Line: root.Line, Col: root.Column}, "", "pass a Helm values file (a mapping, e.g. shared: {serverHostname: …})",
			"expected a mapping of values, got %s", kindName(root))
		return nil
	}
	h.walk(root, "", 0)
	return h
}

// maxHelmDepth bounds the walk; real values files nest a handful of levels.
const maxHelmDepth = 32

func (h *HelmValues) walk(m *yaml.Node, prefix string, depth int) {
	if depth > maxHelmDepth {
		return
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			continue
		}
		if t := deref(v); t.Kind == yaml.ScalarNode {
			// An alias is followed to a scalar only: following it to a
			// mapping could expand a small file exponentially.
			v = t
		}
		path := k.Value
		if prefix != "" {
			path = prefix + "." + k.Value
		}
		switch {
		case v.Kind == yaml.MappingNode:
			h.walk(v, path, depth+1)
		case v.Kind == yaml.ScalarNode && !isNull(v):
			h.Scalars[path] = Located{Value: v.Value, Pos: Source{Kind: FromHelm, File: h.File, Line: v.Line, Col: v.Column}}
		}
	}
}
