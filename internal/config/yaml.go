package config

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/spacelift-io/spacectl-preflight/internal/safetext"
)

// schema is the tree of accepted YAML keys, derived from Vars so the file
// and the environment can never disagree.
type schema struct {
	children map[string]*schema
	v        *Var
	viaFile  bool     // the leaf is <key>File for v
	special  string   // "version", or "checks" (the per-check deadlines)
	setting  *Setting // a key of the preflight: section
}

func buildSchema(cat *Catalog) *schema {
	root := &schema{children: map[string]*schema{}}
	for _, v := range cat.Vars() {
		parts := strings.Split(v.Path, ".")
		n := root
		for _, p := range parts[:len(parts)-1] {
			if n.children[p] == nil {
				n.children[p] = &schema{children: map[string]*schema{}}
			}
			n = n.children[p]
		}
		leaf := parts[len(parts)-1]
		n.children[leaf] = &schema{v: &v}
		if v.FileKey {
			n.children[leaf+"File"] = &schema{v: &v, viaFile: true}
		}
	}
	root.children["version"] = &schema{special: "version"}
	pf := &schema{children: map[string]*schema{"checks": {special: "checks"}}}
	for _, s := range Settings() {
		pf.children[s.Key] = &schema{setting: &s}
	}
	root.children["preflight"] = pf
	return root
}

func (s *schema) keys() []string {
	out := make([]string, 0, len(s.children))
	for k := range s.children {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

var refRe = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

type yamlLoader struct {
	file string
	dir  string
	env  map[string]string
	cfg  *Config
	ds   *Diagnostics
	// readFile reads <key>File references (the loader's injected reader).
	readFile func(string) ([]byte, error)
	// fileRefs are the <key>File references, read once the walk is done
	// (readFileRefs), so the file's own preflight.maxInputSize, wherever it
	// is written, applies to them.
	fileRefs []fileRef
}

type fileRef struct {
	key  string
	v    Var
	n    *yaml.Node
	path string
}

func (l *yamlLoader) pos(n *yaml.Node) Source {
	return Source{Kind: FromYAML, File: l.file, Line: n.Line, Col: n.Column}
}

// load parses the file; every problem is collected, none stops the walk.
func (l *yamlLoader) load(data []byte) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		l.ds.errorf(yamlErrSource(Source{Kind: FromYAML, File: l.file}, err, data), "", "check indentation (spaces, not tabs), colons and quotes", "%s", yamlErrMsg(err))
		return
	}
	if len(doc.Content) == 0 {
		return // an empty file is a valid, empty configuration
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		l.ds.errorf(l.pos(root), "", "the file must be a mapping of keys, e.g. `server:` / `database:`", "expected a mapping at the top level, got %s", kindName(root))
		return
	}
	l.walk(root, buildSchema(l.cfg.cat), "")
}

func (l *yamlLoader) walk(n *yaml.Node, sc *schema, prefix string) {
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		// The key is printed in diagnostics: escaped, as it is the input's.
		key := prefix + safetext.EscapeLine(k.Value)
		if seen[k.Value] {
			l.ds.errorf(l.pos(k), key, "remove one of the two", "duplicate key")
			continue
		}
		seen[k.Value] = true
		child, ok := sc.children[k.Value]
		if !ok {
			hint := "allowed keys here: " + strings.Join(sc.keys(), ", ")
			if s := suggest(k.Value, sc.keys()); s != "" {
				hint = fmt.Sprintf("did you mean %q?", s)
			}
			l.ds.errorf(l.pos(k), key, hint, "unknown key")
			continue
		}
		switch {
		case child.children != nil:
			if v.Kind == yaml.ScalarNode && v.Tag == "!!null" {
				continue
			}
			if v.Kind != yaml.MappingNode {
				l.ds.errorf(l.pos(v), key, "indent the keys below it, e.g. `"+k.Value+":\\n  "+child.keys()[0]+": …`", "expected a mapping, got %s", kindName(v))
				continue
			}
			l.walk(v, child, key+".")
		case child.setting != nil:
			l.setting(key, *child.setting, v)
		case child.special != "":
			l.preflightKey(key, child.special, v)
		default:
			l.leaf(key, child, v)
		}
	}
}

func (l *yamlLoader) leaf(key string, sc *schema, n *yaml.Node) {
	v := *sc.v
	if n.Kind != yaml.ScalarNode {
		l.ds.errorf(l.pos(n), key, "write a single value; quote it if it contains ': ' or '#'", "expected %s, got %s", kindWord(v, sc.viaFile), kindName(n))
		return
	}
	if n.Tag == "!!null" {
		return
	}
	text := n.Value
	switch v.Kind {
	case KindBool:
		if n.Tag != "!!bool" && n.Tag != "!!str" {
			l.ds.errorf(l.pos(n), key, "use true or false", "expected a boolean, got %s", kindName(n))
			return
		}
	case KindInt:
		if n.Tag != "!!int" && n.Tag != "!!str" {
			l.ds.errorf(l.pos(n), key, "use a whole number, e.g. 10", "expected a whole number, got %s", kindName(n))
			return
		}
	default:
		if n.Tag == "!!bool" && !sc.viaFile {
			l.ds.errorf(l.pos(n), key, `quote the value, e.g. "`+text+`"`, "expected a string, got the boolean %s", text)
			return
		}
	}
	expanded, ok := l.expand(key, n, text)
	if !ok {
		return
	}
	if sc.viaFile {
		l.fileRefs = append(l.fileRefs, fileRef{key: key, v: v, n: n, path: expanded})
		return
	}
	if v.Secret && expanded != "" && !refRe.MatchString(text) {
		hint := fmt.Sprintf("use %s: ${%s} so the file can be committed without the secret", lastSeg(key), v.Name)
		if v.FileKey {
			hint = fmt.Sprintf("use %s: ${%s}, or %sFile: PATH, so the file can be committed without the secret", lastSeg(key), v.Name, lastSeg(key))
		}
		l.ds.warnf(l.pos(n), key, hint, "a secret is written in clear in the config file")
	}
	if p, h := checkValue(v, expanded); p != "" {
		if v.Secret {
			p = "invalid value"
		}
		l.ds.errorf(l.pos(n), key, h, "%s", p)
		return
	}
	if prev, ok := l.cfg.vars[v.Name]; ok && prev.Source.Kind == FromYAML {
		l.ds.errorf(l.pos(n), key, fmt.Sprintf("it is also set at %s; keep one", prev.Source), "set twice (as %s and as %sFile)", lastSeg(key), lastSeg(key))
		return
	}
	l.cfg.Set(v, expanded, l.pos(n))
}

// readFileRefs reads the <key>File references the walk found.
func (l *yamlLoader) readFileRefs() {
	for _, r := range l.fileRefs {
		l.fromFile(r.key, r.v, r.n, r.path)
	}
}

func (l *yamlLoader) fromFile(key string, v Var, n *yaml.Node, path string) {
	if path == "" {
		return
	}
	if !filepath.IsAbs(path) {
		path = filepath.Join(l.dir, path)
	}
	data, err := l.readFile(path)
	if err != nil {
		l.ds.readError(l.pos(n), key, err, "the path is relative to the config file's folder", "cannot read the file")
		return
	}
	if prev, ok := l.cfg.vars[v.Name]; ok && prev.Source.Kind == FromYAML {
		l.ds.errorf(l.pos(n), key, fmt.Sprintf("it is also set at %s; keep one", prev.Source), "set twice (as a value and as a file)")
		return
	}
	l.cfg.Set(v, strings.TrimRight(string(data), "\r\n"), l.pos(n))
}

// expand replaces ${NAME} references with the process environment's values,
// so a committed file can point at secrets without containing them.
func (l *yamlLoader) expand(key string, n *yaml.Node, text string) (string, bool) {
	ok := true
	out := refRe.ReplaceAllStringFunc(text, func(m string) string {
		name := refRe.FindStringSubmatch(m)[1]
		val, set := l.env[name]
		if !set {
			l.ds.errorf(l.pos(n), key, fmt.Sprintf("export %s before running, or write the value here", name), "references ${%s}, which is not set in the environment", name)
			ok = false
		}
		return val
	})
	return out, ok
}

// setting reads one key of the preflight: section as its Settings entry
// says.
func (l *yamlLoader) setting(key string, s Setting, n *yaml.Node) {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return
	}
	pf := &l.cfg.Preflight
	problems := s.typ.fromYAML(n, &pf.SettingValues)
	l.report(key, problems)
	if len(problems) > 0 {
		return
	}
	if pf.Pos == nil {
		pf.Pos = map[string]Source{}
	}
	pf.Pos[s.Key] = l.pos(n)
}

func (l *yamlLoader) report(key string, problems []yamlProblem) {
	for _, p := range problems {
		l.ds.errorf(l.pos(p.n), key, p.hint, "%s", p.summary)
	}
}

func (l *yamlLoader) preflightKey(key, typ string, n *yaml.Node) {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return
	}
	switch typ {
	case "version":
		s, problems := scalarText(n, "a number")
		l.report(key, problems)
		if problems == nil && s != "1" {
			l.ds.errorf(l.pos(n), key, "set `version: 1`", "unsupported config version %s", s)
		}
	case "checks":
		l.checkOverrides(key, n)
	}
}

// checkOverrides reads `checks:` as a list of {id, timeout}. A list, not a
// map, because check IDs contain dots.
func (l *yamlLoader) checkOverrides(key string, n *yaml.Node) {
	pf := &l.cfg.Preflight
	if n.Kind != yaml.SequenceNode {
		l.ds.errorf(l.pos(n), key, "write a list, e.g. `- id: postgres.latency` / `  timeout: 5s`", "expected a list, got %s", kindName(n))
		return
	}
	if pf.CheckTimeouts == nil {
		pf.CheckTimeouts, pf.CheckIDPos = map[string]time.Duration{}, map[string]Source{}
	}
	for idx, item := range n.Content {
		ik := fmt.Sprintf("%s[%d]", key, idx)
		if item.Kind != yaml.MappingNode {
			l.ds.errorf(l.pos(item), ik, "each item has id: and timeout:", "expected a mapping, got %s", kindName(item))
			continue
		}
		var id string
		var idPos Source
		var timeout time.Duration
		for i := 0; i+1 < len(item.Content); i += 2 {
			k, v := item.Content[i], item.Content[i+1]
			switch k.Value {
			case "id":
				id, idPos = v.Value, l.pos(v)
			case "timeout":
				if d, ok := l.duration(ik+".timeout", v, v.Value); ok {
					timeout = d
				}
			default:
				hint := "allowed keys here: id, timeout"
				if s := suggest(k.Value, []string{"id", "timeout"}); s != "" {
					hint = fmt.Sprintf("did you mean %q?", s)
				}
				l.ds.errorf(l.pos(k), ik+"."+k.Value, hint, "unknown key")
			}
		}
		if id == "" {
			l.ds.errorf(l.pos(item), ik, "name the check, e.g. id: postgres.latency", "missing id")
			continue
		}
		pf.CheckIDPos[id] = idPos
		if timeout > 0 {
			pf.CheckTimeouts[id] = timeout
		}
	}
}

func (l *yamlLoader) duration(key string, n *yaml.Node, s string) (time.Duration, bool) {
	d, problems := yamlDuration(n, s)
	l.report(key, problems)
	return d, len(problems) == 0
}

// Compiled on first use, like the catalog's.
var (
	yamlLineRe   = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`) })
	yamlQuotedRe = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile("\\s*(?:`[^`]*`|\"[^\"]*\")") })
	yamlAnchorRe = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^(unknown anchor|anchor) '.*' (referenced|value contains itself)$`)
	})
)

// yamlErrSource locates a yaml.v3 parse error in the file at pos: its
// line, or, for the reader's errors, which carry none (a control
// character, invalid UTF-8: a binary file), the first such character.
func yamlErrSource(pos Source, err error, data []byte) Source {
	pos.Line, _ = yamlErrPos(err)
	if pos.Line == 0 {
		pos.Line, pos.Col, _ = notYAMLTextAt(data)
	}
	return pos
}

// yamlErrMsg is a yaml.v3 parse error's message, without its position.
func yamlErrMsg(err error) string {
	_, msg := yamlErrPos(err)
	return msg
}

// notYAMLTextAt finds the first character YAML does not allow (YAML 1.2
// §5.1: C0 controls but tab, line feed and carriage return; DEL; C1
// controls but NEL; invalid UTF-8), as 1-based line and column.
func notYAMLTextAt(data []byte) (line, col int, ok bool) {
	line, col = 1, 1
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		switch {
		case r == utf8.RuneError && size <= 1,
			r < 0x20 && r != '\t' && r != '\n' && r != '\r',
			r == 0x7f, r >= 0x80 && r <= 0x9f && r != 0x85:
			return line, col, true
		case r == '\n':
			line, col = line+1, 0
		}
		col++
		i += size
	}
	return 0, 0, false
}

// yamlErrPos splits a yaml.v3 parse error into its line and its message.
// A few messages quote the input (an anchor's name, a value that failed to
// decode, in backquotes or double quotes): the quoted text is dropped, and
// the rest escaped, so the message says what is wrong without repeating
// what the file holds. (The parser's other messages quote only its own
// syntax, e.g. "did not find expected ',' or ']'".)
func yamlErrPos(err error) (int, string) {
	msg, _, _ := strings.Cut(err.Error(), "\n") // "unmarshal errors:" lists one error per line
	msg = strings.TrimPrefix(msg, "yaml: ")
	line := 0
	if m := yamlLineRe().FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = m[2]
	}
	if m := yamlAnchorRe().FindStringSubmatch(msg); m != nil {
		msg = m[1] + " " + m[2]
	}
	return line, safetext.EscapeLine(yamlQuotedRe().ReplaceAllString(msg, ""))
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	}
	switch n.Tag {
	case "!!int":
		return "a number"
	case "!!float":
		return "a number"
	case "!!bool":
		return "a boolean"
	case "!!null":
		return "nothing"
	}
	return "a string"
}

func kindWord(v Var, viaFile bool) string {
	if viaFile {
		return "a file path"
	}
	switch v.Kind {
	case KindBool:
		return "a boolean"
	case KindInt:
		return "a whole number"
	}
	return "a string"
}

func lastSeg(key string) string { return key[strings.LastIndexByte(key, '.')+1:] }

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

// pathErr drops the operation ("open ", "stat ") os errors start with;
// the path is kept, escaped, with what went wrong.
func pathErr(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return safetext.EscapeLine(pe.Path) + ": " + pe.Err.Error()
	}
	return safetext.EscapeLine(err.Error())
}
