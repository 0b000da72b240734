package worker

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"unicode"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
)

// What is documented about the token (spacelift-io/user-documentation
// concepts/worker-pools/README.md): "a base64-encoded Spacelift worker
// pool token containing configuration for your worker pool launchers and
// the certificate generated from the CSR", used as is; the controller
// base64-decodes it ("unable to base64 decode token: illegal base64 data
// at input byte 2580", kubernetes-workers.md). Its layout is not
// documented, so nothing beyond that is checked: no field is assumed.
const tokenAdvice = "Use the content of the worker pool's .config file that Spacelift gave when the pool was created, unchanged: " +
	"`export SPACELIFT_TOKEN=$(cat worker-pool-<id>.config)`; in a Kubernetes Secret, put it under stringData.token as is (or under data.token base64-encoded once more)."

// maxKeysShown bounds the JSON keys a token step lists.
const maxKeysShown = 20

// tokenSteps diagnoses the token as far as its format is documented.
func tokenSteps(v *checks.Verdict, name, raw string) {
	t := strings.TrimSpace(raw)
	switch {
	case t == "":
		v.Fail(name, tokenAdvice, "is blank")
		return
	case strings.Contains(t, "-----BEGIN"):
		v.Fail(name, tokenAdvice, "holds PEM text (%s); the token is base64 text, not a key or certificate", pemKind([]byte(t)))
		return
	case len(t) >= 2 && strings.ContainsRune(`"'`, rune(t[0])) && t[0] == t[len(t)-1]:
		v.Fail(name, tokenAdvice, "is wrapped in quotes, which are not part of base64: remove them where the variable is set")
		return
	}
	data, err := base64.StdEncoding.DecodeString(t)
	if err != nil {
		// The controller reports the error of Go's standard decoder,
		// which quotes only a byte offset.
		hint := ""
		if strings.IndexFunc(t, unicode.IsSpace) >= 0 {
			hint = " (it contains spaces or tabs: the token is one unbroken line)"
		} else if _, rawErr := base64.RawStdEncoding.DecodeString(t); rawErr == nil {
			hint = " (its = padding is missing: it was probably cut short or edited)"
		} else if _, urlErr := base64.URLEncoding.DecodeString(t); urlErr == nil {
			hint = " (it uses the URL-safe alphabet, - and _, instead of + and /)"
		}
		v.Fail(name, tokenAdvice, "is not standard base64: %v%s; the worker pool controller reports this as \"unable to base64 decode token\"", err, hint)
		return
	}
	if strings.ContainsAny(t, "\r\n") {
		v.Warn(name, "Put the token on one line: it is the .config file's content as is, and tools other than Go's decoder may reject line breaks.",
			"is wrapped over several lines; Go's decoder ignores the line breaks, so it still decodes")
	}
	describeToken(v, name, data)
}

// describeToken reports what the decoded token is, as far as that is
// documented: a token that decodes to a key, a CSR or a lone certificate
// is one of the other files of the same procedure.
func describeToken(v *checks.Verdict, name string, data []byte) {
	trimmed := bytes.TrimSpace(data)
	switch {
	case bytes.Contains(trimmed, []byte("-----BEGIN")):
		what := pemKind(trimmed)
		advice := tokenAdvice
		if strings.Contains(what, "PRIVATE KEY") {
			advice = "The token and the private key look swapped. " + advice
		}
		v.Fail(name, advice, "decodes to a PEM file (%s), not to the worker pool token Spacelift returns", what)
		return
	case len(trimmed) > 0 && trimmed[0] == '{':
		var doc map[string]json.RawMessage
		if err := json.Unmarshal(trimmed, &doc); err == nil {
			v.Pass(name, "decodes from base64 to a JSON object with the keys %s (their meaning is not documented, so they are not judged)", jsonKeys(doc))
			return
		}
	}
	if inner, err := base64.StdEncoding.DecodeString(string(trimmed)); err == nil && len(inner) > 0 && len(trimmed) >= 16 {
		v.Warn(name, tokenAdvice, "decodes from base64 to more base64: it may have been encoded twice (the .config file's content is already base64)")
		return
	}
	v.Pass(name, "decodes from base64 to %d bytes; the token's layout is not documented, so it is not checked further", len(data))
}

// pemKind names the first PEM block's type, e.g. "CERTIFICATE REQUEST".
func pemKind(data []byte) string {
	i := bytes.Index(data, []byte("-----BEGIN "))
	if i < 0 {
		return "unknown block"
	}
	rest := data[i+len("-----BEGIN "):]
	j := bytes.Index(rest, []byte("-----"))
	if j < 0 || j > 40 {
		return "unknown block"
	}
	kind := strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e {
			return '?'
		}
		return r
	}, string(rest[:j]))
	switch {
	case strings.Contains(kind, "REQUEST"):
		return kind + ": the CSR you gave Spacelift"
	case strings.Contains(kind, "PRIVATE KEY"):
		return kind + ": the private key"
	}
	return kind
}

// jsonKeys lists a JSON object's top-level keys, sorted, printable and
// bounded: names only, never a value.
func jsonKeys(doc map[string]json.RawMessage) string {
	keys := make([]string, 0, len(doc))
	for k := range doc {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	more := 0
	if len(keys) > maxKeysShown {
		keys, more = keys[:maxKeysShown], len(keys)-maxKeysShown
	}
	for i, k := range keys {
		k = strings.Map(func(r rune) rune {
			if !unicode.IsPrint(r) {
				return '?'
			}
			return r
		}, k)
		if len(k) > 40 {
			k = k[:40] + "…"
		}
		keys[i] = k
	}
	out := strings.Join(keys, ", ")
	if len(keys) == 0 {
		out = "(none)"
	}
	if more > 0 {
		out += fmt.Sprintf(" and %d more", more)
	}
	return out
}
