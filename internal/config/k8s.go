package config

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/spacelift-io/spacectl-preflight/internal/safetext"
)

// parseK8sSecrets reads Kubernetes Secret (and ConfigMap) manifests as
// kubectl prints them: one or many documents, or a List of them (what
// `kubectl get secret a b -o yaml` prints), and hands each data/stringData
// entry to fn with its position. stringData wins over data, as the API
// server does. A value that is not a string, or not base64 under a
// Secret's data, is an error; a file that holds no Secret or ConfigMap is
// a warning (the caller refuses a run whose inputs set nothing).
func parseK8sSecrets(file string, data []byte, fn func(name, value string, pos Source), ds *Diagnostics) {
	k := k8sParser{file: file, fn: fn, ds: ds}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	docs, found := 0, 0
	for docNo := 1; ; docNo++ {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			ds.errorf(yamlErrSource(Source{Kind: FromK8s, File: file}, err, data), "", "check the YAML syntax (indentation, tabs, quotes)", "%s", yamlErrMsg(err))
			return
		}
		if len(doc.Content) == 0 || isNull(doc.Content[0]) {
			continue // an empty document, e.g. between two ---
		}
		docs++
		found += k.object(doc.Content[0], fmt.Sprintf("document %d", docNo))
	}
	if found > 0 {
		return
	}
	hint := "pass what `kubectl get secret NAME -o yaml` prints: a Secret, several separated by ---, or a List of them"
	if docs == 0 {
		ds.warnf(Source{Kind: FromK8s, File: file}, "", hint, "the file is empty: it holds no Secret or ConfigMap")
		return
	}
	ds.warnf(Source{Kind: FromK8s, File: file}, "", hint, "the file holds no Secret or ConfigMap: nothing was read from it")
}

type k8sParser struct {
	file string
	fn   func(name, value string, pos Source)
	ds   *Diagnostics
}

func (k *k8sParser) pos(n *yaml.Node, object string) Source {
	return Source{Kind: FromK8s, File: k.file, Line: n.Line, Col: n.Column, Object: object}
}

// object reads one manifest (a document, or an item of a List) and returns
// how many Secrets and ConfigMaps it held.
func (k *k8sParser) object(n *yaml.Node, what string) int {
	if n.Kind != yaml.MappingNode {
		k.ds.warnf(k.pos(n, ""), "", "pass only Secret or ConfigMap manifests with --k8s-secret",
			"%s is %s, not a Kubernetes object; ignored", what, kindName(n))
		return 0
	}
	kind := scalarAt(n, "kind")
	switch kind {
	case "Secret", "ConfigMap":
		k.secret(n, kind)
		return 1
	case "List", "SecretList", "ConfigMapList":
		items := valueAt(n, "items")
		if items == nil || isNull(items) {
			return 0
		}
		if items.Kind != yaml.SequenceNode {
			k.ds.errorf(k.pos(items, ""), "items", "a List's items: is a list of Secrets", "expected a list, got %s", kindName(items))
			return 0
		}
		found := 0
		for i, item := range items.Content {
			found += k.object(item, fmt.Sprintf("item %d of the %s", i+1, kind))
		}
		return found
	case "":
		k.ds.warnf(k.pos(n, ""), "", "pass only Secret or ConfigMap manifests with --k8s-secret", "%s has no kind, so it is not a Secret; ignored", what)
	default:
		k.ds.warnf(k.pos(n, ""), "", "pass only Secret or ConfigMap manifests with --k8s-secret", "%s is a %q, not a Secret; ignored", what, kind)
	}
	return 0
}

// secret reads a Secret's or a ConfigMap's data and stringData.
func (k *k8sParser) secret(n *yaml.Node, kind string) {
	object := kind
	if name := scalarAt(mappingAt(n, "metadata"), "name"); name != "" {
		object += " " + safetext.EscapeLine(name)
	}
	data, dataOK := k.section(n, "data", object)
	stringData, stringDataOK := k.section(n, "stringData", object)
	if data == nil && stringData == nil && dataOK && stringDataOK {
		k.ds.warnf(k.pos(n, object), "", "its variables go under data: (base64) or stringData: (plain text)", "%s has no data: nothing was read from it", object)
	}
	k.entries(data, kind == "Secret", object)
	k.entries(stringData, false, object)
}

// section returns the mapping under key, or nil when it is absent or
// empty (ok) or, reported, not a mapping (not ok).
func (k *k8sParser) section(n *yaml.Node, key, object string) (m *yaml.Node, ok bool) {
	v := deref(valueAt(n, key))
	if v == nil || isNull(v) {
		return nil, true
	}
	if v.Kind != yaml.MappingNode {
		k.ds.errorf(k.pos(v, object), key, "write one NAME: value per line under "+key+":", "expected a mapping of variable names to values, got %s", kindName(v))
		return nil, false
	}
	if len(v.Content) == 0 {
		return nil, true
	}
	return v, true
}

// entries hands each NAME: value of a data or stringData mapping to fn.
// Problems name the variable, never its value.
func (k *k8sParser) entries(m *yaml.Node, base64Values bool, object string) {
	if m == nil {
		return
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		kn, v := m.Content[i], deref(m.Content[i+1])
		if kn.Kind != yaml.ScalarNode {
			k.ds.errorf(k.pos(kn, object), "", "each key is a variable name", "expected a variable name as the key, got %s", kindName(kn))
			continue
		}
		name := safetext.EscapeLine(kn.Value)
		if v.Kind != yaml.ScalarNode {
			hint := "each value under stringData: is one string; quote it if it contains ': ' or '#'"
			if base64Values {
				hint = "each value under data: is one base64 string; put plain text under stringData: instead"
			}
			k.ds.errorf(k.pos(v, object), name, hint, "expected a string, got %s", kindName(v))
			continue
		}
		value := v.Value
		if isNull(v) {
			value = ""
		}
		if base64Values {
			dec, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(value), ""))
			if err != nil {
				k.ds.errorf(k.pos(v, object), name, "values under data: are base64; put plain text under stringData: instead", "not valid base64")
				continue
			}
			value = string(dec)
		}
		k.fn(kn.Value, value, k.pos(kn, object))
	}
}

// valueAt returns the value of key in mapping n, or nil.
func valueAt(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

func mappingAt(n *yaml.Node, key string) *yaml.Node {
	if v := deref(valueAt(n, key)); v != nil && v.Kind == yaml.MappingNode {
		return v
	}
	return nil
}

func scalarAt(n *yaml.Node, key string) string {
	if v := deref(valueAt(n, key)); v != nil && v.Kind == yaml.ScalarNode && !isNull(v) {
		return v.Value
	}
	return ""
}

// deref follows an alias (*name) to its anchored node.
func deref(n *yaml.Node) *yaml.Node {
	if n != nil && n.Kind == yaml.AliasNode && n.Alias != nil {
		return n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.Tag == "!!null" }
