package config

import (
	"encoding/json"
	"strings"
)

// SchemaURL is where the published JSON Schema of the YAML file lives; the
// starter config names it so editors complete and validate the file.
const SchemaURL = "https://raw.githubusercontent.com/spacelift-io/spacectl-preflight/main/docs/config.schema.json"

// envRefPattern matches a value that contains a ${VAR} reference. The loader
// expands references before it checks the value, so the schema accepts them
// for every kind of variable.
const envRefPattern = `\$\{[A-Za-z_][A-Za-z0-9_]*\}`

// durationPattern is a Go duration such as 30s, 2m or 1m30s.
const durationPattern = `^([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|µs|ms|s|m|h)(([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|µs|ms|s|m|h))*$`

// JSONSchema returns a JSON Schema (draft 2020-12) of the YAML config file.
// It is generated from the same key tree the loader walks (buildSchema, so
// from the catalog), so the two cannot disagree on which keys exist.
func JSONSchema(cat *Catalog) ([]byte, error) {
	root := objectSchema(buildSchema(cat), "")
	root["$schema"] = "https://json-schema.org/draft/2020-12/schema"
	root["$id"] = SchemaURL
	root["title"] = "spacectl-preflight configuration"
	root["description"] = "The configuration Spacelift Self-Hosted will receive, as checked by spacectl-preflight. Every key maps to one Spacelift variable; see docs/config.md."
	root["type"] = "object" // the document itself may not be null
	root["$defs"] = map[string]any{
		"envRef": map[string]any{
			"type":        "string",
			"pattern":     envRefPattern,
			"description": "A value containing ${VAR}, replaced from the process environment when the file is loaded.",
		},
		"duration": map[string]any{
			"type":        "string",
			"pattern":     durationPattern,
			"description": "A Go duration such as 30s, 2m or 1m30s.",
			"examples":    []string{"30s", "2m", "1m30s"},
		},
	}
	out, err := json.MarshalIndent(root, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(out, '\n'), nil
}

// objectSchema renders one mapping level. A section may be left empty
// (`server:`), which YAML reads as null, so null is accepted too.
func objectSchema(sc *schema, prefix string) map[string]any {
	props := map[string]any{}
	for _, k := range sc.keys() {
		child := sc.children[k]
		switch {
		case child.children != nil:
			props[k] = objectSchema(child, prefix+k+".")
		case child.setting != nil:
			props[k] = child.setting.typ.schema(*child.setting)
		case child.special != "":
			props[k] = specialSchema(child.special)
		default:
			props[k] = leafSchema(child)
		}
	}
	return map[string]any{
		"type":                 []string{"object", "null"},
		"properties":           props,
		"additionalProperties": false,
	}
}

func leafSchema(sc *schema) map[string]any {
	v := *sc.v
	desc := v.Name + ": " + v.Doc
	if v.Secret {
		desc += " Secret: write ${" + v.Name + "} so the file can be committed."
	}
	if sc.viaFile {
		return map[string]any{
			"type":        []string{"string", "null"},
			"description": "Path of a file holding " + v.Name + " (relative to this file). " + v.Doc,
		}
	}
	ref := map[string]any{"$ref": "#/$defs/envRef"}
	switch v.Kind {
	case KindBool:
		return map[string]any{"description": desc, "anyOf": []any{map[string]any{"type": []string{"boolean", "null"}}, ref}}
	case KindInt:
		return map[string]any{"description": desc, "anyOf": []any{map[string]any{"type": []string{"integer", "null"}}, ref}}
	case KindEnum:
		desc += " " + strings.ToUpper(v.DefaultNote()[:1]) + v.DefaultNote()[1:] + "."
		values := []any{}
		for _, e := range v.Enum {
			values = append(values, e)
		}
		values = append(values, "", nil)
		alts := []any{map[string]any{"enum": values}}
		if v.FoldCase {
			alts = append(alts, map[string]any{"type": "string", "pattern": foldCasePattern(v.Enum)})
		}
		alts = append(alts, ref)
		return map[string]any{"description": desc, "anyOf": alts, "default": v.Default}
	}
	// Plain strings: YAML numbers (a port, an account ID) are read as text.
	return map[string]any{"description": desc, "type": []string{"string", "number", "null"}}
}

// foldCasePattern matches any letter case of the values, without relying on
// regex flags, which JSON Schema's ECMA-262 dialect lacks.
func foldCasePattern(values []string) string {
	alts := make([]string, len(values))
	for i, v := range values {
		var b strings.Builder
		for _, r := range v {
			lo, up := strings.ToLower(string(r)), strings.ToUpper(string(r))
			if lo == up {
				b.WriteRune(r)
				continue
			}
			b.WriteString("[" + up + lo + "]")
		}
		alts[i] = b.String()
	}
	return "^(" + strings.Join(alts, "|") + ")$"
}

func specialSchema(typ string) map[string]any {
	duration := map[string]any{"$ref": "#/$defs/duration"}
	switch typ {
	case "version":
		return map[string]any{"description": "Config file format version; only 1 exists.", "enum": []any{1, "1", nil}}
	case "checks":
		return map[string]any{
			"description": "Per-check overrides, a list because check IDs contain dots.",
			"type":        []string{"array", "null"},
			"items": map[string]any{
				"type":                 "object",
				"required":             []string{"id"},
				"additionalProperties": false,
				"properties": map[string]any{
					"id":      map[string]any{"type": "string", "description": "Check ID, e.g. postgres.latency."},
					"timeout": duration,
				},
			},
		}
	}
	return map[string]any{}
}
