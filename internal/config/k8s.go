package config

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strings"

	"gopkg.in/yaml.v3"
)

// parseK8sSecrets reads Kubernetes Secret (and ConfigMap) manifests, one or
// many documents, and hands each data/stringData entry to fn with its
// position. stringData wins over data, as the API server does.
func parseK8sSecrets(file string, data []byte, fn func(name, value string, pos Source), ds *Diagnostics) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for docNo := 1; ; docNo++ {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			ds.errorf(Source{Kind: FromK8s, File: file}, "", "check the YAML syntax (indentation, tabs, quotes)", "%s", yamlErrText(err))
			return
		}
		if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
			continue
		}
		root := doc.Content[0]
		kind := scalarAt(root, "kind")
		name := scalarAt(mappingAt(root, "metadata"), "name")
		pos := Source{Kind: FromK8s, File: file, Line: root.Line, Col: root.Column}
		if kind != "Secret" && kind != "ConfigMap" {
			ds.warnf(pos, "", "pass only Secret or ConfigMap manifests with --k8s-secret", "document %d is a %q, not a Secret; ignored", docNo, kind)
			continue
		}
		object := kind + " " + name
		if d := mappingAt(root, "data"); d != nil {
			for i := 0; i+1 < len(d.Content); i += 2 {
				k, v := d.Content[i], d.Content[i+1]
				p := Source{Kind: FromK8s, File: file, Line: k.Line, Col: k.Column, Object: object}
				if kind == "ConfigMap" {
					fn(k.Value, v.Value, p)
					continue
				}
				dec, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(v.Value), ""))
				if err != nil {
					ds.errorf(p, k.Value, "values under data: are base64; put plain text under stringData: instead", "not valid base64")
					continue
				}
				fn(k.Value, string(dec), p)
			}
		}
		if d := mappingAt(root, "stringData"); d != nil {
			for i := 0; i+1 < len(d.Content); i += 2 {
				k, v := d.Content[i], d.Content[i+1]
				fn(k.Value, v.Value, Source{Kind: FromK8s, File: file, Line: k.Line, Col: k.Column, Object: object})
			}
		}
	}
}

func mappingAt(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key && n.Content[i+1].Kind == yaml.MappingNode {
			return n.Content[i+1]
		}
	}
	return nil
}

func scalarAt(n *yaml.Node, key string) string {
	if n == nil || n.Kind != yaml.MappingNode {
		return ""
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key && n.Content[i+1].Kind == yaml.ScalarNode {
			return n.Content[i+1].Value
		}
	}
	return ""
}

// yamlErrText drops yaml.v3's "yaml: " prefix; the caller adds the file.
func yamlErrText(err error) string {
	return strings.TrimPrefix(fmt.Sprint(err), "yaml: ")
}
