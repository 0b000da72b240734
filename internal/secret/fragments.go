package secret

import (
	"net/url"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// FragmentLen is the length, in bytes, of the windows of a secret that the
// fragment sweep searches for: any 6 consecutive characters of a secret
// found in a text mean part of it leaked (a driver quoting half a
// password, a parser error quoting the text after a delimiter).
const FragmentLen = 6

// MinPartLen is the shortest part of a secret, split at URL delimiters,
// that the sweep searches for: a password pasted without URL-encoding is
// cut at those delimiters by parsers, which then quote the pieces.
const MinPartLen = 4

// urlDelimiters are where parsers cut a password that was not URL-encoded.
const urlDelimiters = "@:/%#?&"

// Forms of fragment findings.
const (
	FormFragment = "fragment (6 characters)"
	FormPart     = "part between URL delimiters"
)

// fragments is the fragment sweep of one scrubber: every window of every
// secret's secret part, and every part of it between URL delimiters, minus
// those that are ordinary text or printed legitimately elsewhere.
type fragments struct {
	windows map[uint64]string // window (6 bytes, packed) -> rule
	// bloom has one bit per hash of a window, so that almost every
	// position of a text is ruled out without a map lookup.
	bloom []uint64
	parts []needle // longest first
}

const (
	windowMask = 1<<(8*FragmentLen) - 1
	bloomBits  = 16
)

// pack returns the FragmentLen bytes of w as one number.
func pack(w string) uint64 {
	var x uint64
	for i := 0; i < len(w); i++ {
		x = x<<8 | uint64(w[i])
	}
	return x
}

func bloomIndex(x uint64) uint64 { return (x * 0x9E3779B97F4A7C15) >> (64 - bloomBits) }

func (f *fragments) addWindow(w, rule string) bool {
	x := pack(w)
	if _, dup := f.windows[x]; dup {
		return false
	}
	f.windows[x] = rule
	h := bloomIndex(x)
	f.bloom[h>>6] |= 1 << (h & 63)
	return true
}

// scan calls hit with the start and rule of every window of text that is a
// fragment, in order, until hit returns false.
func (f *fragments) scan(text string, hit func(start int, rule string) bool) {
	if len(f.windows) == 0 {
		return
	}
	var x uint64
	for i := 0; i < len(text); i++ {
		x = (x<<8 | uint64(text[i])) & windowMask
		if i < FragmentLen-1 {
			continue
		}
		if h := bloomIndex(x); f.bloom[h>>6]&(1<<(h&63)) == 0 {
			continue
		}
		if rule, ok := f.windows[x]; ok && !hit(i-FragmentLen+1, rule) {
			return
		}
	}
}

// knownText indexes text that is printed legitimately (non-secret values
// of the configuration, the public parts of secrets, the masks Scrub
// writes), so that a window of a secret that also occurs there is not a
// leak.
type knownText struct {
	windows map[string]bool
	joined  string
}

func newKnownText(texts []string) knownText {
	k := knownText{windows: map[string]bool{}}
	var b strings.Builder
	for _, t := range texts {
		for i := 0; i+FragmentLen <= len(t); i++ {
			k.windows[t[i:i+FragmentLen]] = true
		}
		b.WriteString(t)
		b.WriteByte(0)
	}
	k.joined = b.String()
	return k
}

func (k knownText) has(s string) bool {
	if len(s) == FragmentLen {
		return k.windows[s]
	}
	return strings.Contains(k.joined, s)
}

// maskTexts are what Scrub and RedactURL write in place of a secret; a
// secret that shares a window with them must not match its own mask.
func maskTexts() []string { return []string{Redacted, "xxxxx", placeholder, "[query removed]"} }

// newFragments builds the sweep for the secrets, given the known texts.
func newFragments(secrets []Named, known []string) *fragments {
	var publics []string
	type core struct{ value, rule string }
	var cores []core
	for _, s := range secrets {
		secretParts, public := splitSecret(s.Value.Reveal())
		publics = append(publics, public...)
		for _, c := range secretParts {
			cores = append(cores, core{c, s.Rule})
		}
	}
	kt := newKnownText(append(append(append([]string(nil), known...), publics...), maskTexts()...))
	f := &fragments{windows: map[uint64]string{}, bloom: make([]uint64, 1<<bloomBits/64)}
	seenPart := map[string]bool{}
	for _, c := range cores {
		for i := 0; i+FragmentLen <= len(c.value); i++ {
			if w := c.value[i : i+FragmentLen]; !ordinary(w) && !kt.has(w) {
				f.addWindow(w, c.rule)
			}
		}
		for _, p := range strings.FieldsFunc(c.value, func(r rune) bool { return strings.ContainsRune(urlDelimiters, r) }) {
			if len(p) < MinPartLen || p == c.value || seenPart[p] || ordinary(p) || kt.has(p) {
				continue
			}
			seenPart[p] = true
			f.parts = append(f.parts, needle{value: p, rule: c.rule, form: FormPart})
		}
	}
	sort.SliceStable(f.parts, func(i, j int) bool { return len(f.parts[i].value) > len(f.parts[j].value) })
	return f
}

// ordinary reports whether s reads as ordinary text rather than as a piece
// of a credential: digits only, or letters in one natural case (lower,
// UPPER or Capitalised), either possibly with '-', '_', '.' or spaces
// between them. Such a fragment also occurs in words, numbers, durations
// and names, so finding it proves nothing.
func ordinary(s string) bool {
	var letters []rune
	digits := 0
	for _, r := range s {
		switch {
		case r == '-' || r == '_' || r == '.' || r == ' ':
		case unicode.IsDigit(r):
			digits++
		case unicode.IsLetter(r):
			letters = append(letters, r)
		default:
			return false
		}
	}
	if len(letters) == 0 {
		return true
	}
	if digits > 0 {
		return false
	}
	lower, upper := 0, 0
	for _, r := range letters[1:] {
		if unicode.IsUpper(r) {
			upper++
		} else {
			lower++
		}
	}
	if upper == 0 {
		return true // lower case, or Capitalised
	}
	return lower == 0 && unicode.IsUpper(letters[0])
}

// splitSecret returns the parts of a secret value that are secret, and the
// parts that are not (printed legitimately, e.g. the user name and host of
// a database URL):
//   - a URL: the password of its user-info (as written and decoded) and
//     its credential query parameters;
//   - key=value text (a DSN or an Azure connection string): the values of
//     the credential keys;
//   - a PEM block, or base64 of one: the body, without the armour;
//   - a JWT: everything after its (standard) header;
//   - anything else: the whole value.
func splitSecret(v string) (secretParts, public []string) {
	t := strings.TrimSpace(v)
	if t == "" {
		return nil, nil
	}
	if strings.Contains(t, "-----BEGIN") {
		return pemBodyLines(t), armourLines(t)
	}
	if dec, ok := decodeBase64(t); ok && strings.Contains(dec, "-----BEGIN") {
		return append(pemBodyLines(dec), base64Body(t, dec)), armourLines(dec)
	}
	if sp, pub, ok := urlParts(t); ok {
		return sp, pub
	}
	if sp, pub, ok := keyValueParts(t); ok {
		return sp, pub
	}
	if h, rest, ok := strings.Cut(t, "."); ok && strings.HasPrefix(h, "eyJ") && strings.Count(rest, ".") == 1 {
		return []string{rest}, []string{h}
	}
	return []string{t}, nil
}

func urlParts(t string) (secretParts, public []string, ok bool) {
	ui := ParseUserinfo(t)
	creds := queryCredentials(t)
	if !(ui.Found && ui.Password != "") && len(creds) == 0 {
		return nil, nil, false
	}
	if ui.Found {
		public = append(public, ui.Prefix+ui.User, ui.User)
		if ui.Password != "" {
			secretParts = append(secretParts, ui.Password)
			if d, err := url.PathUnescape(ui.Password); err == nil && d != ui.Password {
				secretParts = append(secretParts, d)
			}
		}
	}
	secretParts = append(secretParts, creds...)
	rest := t
	if ui.Found {
		rest = ui.Rest
	}
	hostPath, query, _ := strings.Cut(rest, "?")
	public = append(public, hostPath)
	for _, pair := range strings.Split(query, "&") {
		if k, v, ok := strings.Cut(pair, "="); ok && !credentialName(k) {
			public = append(public, pair, v)
		} else if ok {
			public = append(public, k)
		}
	}
	return secretParts, public, true
}

// keyValueParts splits "k=v;k=v" or "k=v k=v" text (two pairs or more,
// so that base64 padding is not read as one) with at least one credential
// key.
func keyValueParts(t string) (secretParts, public []string, ok bool) {
	sep := func(r rune) bool { return r == ';' || unicode.IsSpace(r) }
	pairs := strings.FieldsFunc(t, sep)
	if len(pairs) < 2 {
		return nil, nil, false
	}
	for _, pair := range pairs {
		k, v, found := strings.Cut(pair, "=")
		if !found {
			continue
		}
		if credentialName(k) && v != "" {
			secretParts = append(secretParts, strings.Trim(v, "'"))
			public = append(public, k)
		} else {
			public = append(public, pair)
		}
	}
	return secretParts, public, len(secretParts) > 0
}

func armourLines(pemText string) []string {
	var out []string
	for _, l := range strings.Split(pemText, "\n") {
		if l = strings.TrimSpace(l); strings.HasPrefix(l, "-----") || strings.Contains(l, ":") {
			out = append(out, l)
		}
	}
	return out
}

// base64Body is the base64 text of a PEM block without the characters
// that encode its first and last lines: those encode the public armour
// ("-----BEGIN RSA PRIVATE KEY-----"), the same in every key.
func base64Body(enc, dec string) string {
	compact := strings.Join(strings.Fields(enc), "")
	first := strings.IndexByte(dec, '\n') + 1
	last := len(dec) - strings.LastIndex(strings.TrimRight(dec, "\n"), "\n")
	from := (first+2)/3*4 + 4
	to := len(compact) - (last+2)/3*4 - 4
	if from >= to {
		return ""
	}
	return compact[from:to]
}

// find returns the rule and form of the first fragment in text.
func (f *fragments) find(text string) (Finding, bool) {
	if f == nil {
		return Finding{}, false
	}
	var found Finding
	f.scan(text, func(_ int, rule string) bool {
		found = Finding{Rule: rule, Form: FormFragment}
		return false
	})
	if found.Rule != "" {
		return found, true
	}
	for _, p := range f.parts {
		if strings.Contains(text, p.value) {
			return Finding{Rule: p.rule, Form: p.form}, true
		}
	}
	return Finding{}, false
}

// mask replaces every run of text made of fragments with Redacted and
// calls count once per run with the rule that matched first.
func (f *fragments) mask(text string, count func(rule string)) string {
	if f == nil || len(text) < MinPartLen || (len(f.windows) == 0 && len(f.parts) == 0) {
		return text
	}
	type span struct {
		from, to int
		rule     string
	}
	var spans []span
	f.scan(text, func(i int, rule string) bool {
		spans = append(spans, span{i, i + FragmentLen, rule})
		return true
	})
	for _, p := range f.parts {
		for off := 0; ; {
			j := strings.Index(text[off:], p.value)
			if j < 0 {
				break
			}
			spans = append(spans, span{off + j, off + j + len(p.value), p.rule})
			off += j + len(p.value)
		}
	}
	if len(spans) == 0 {
		return text
	}
	sort.SliceStable(spans, func(i, j int) bool { return spans[i].from < spans[j].from })
	var b strings.Builder
	b.Grow(len(text))
	pos := 0
	for i := 0; i < len(spans); {
		cur := spans[i]
		for i++; i < len(spans) && spans[i].from <= cur.to; i++ {
			cur.to = max(cur.to, spans[i].to)
		}
		// Never cut a character in two: its other bytes would be
		// printed as escapes of the secret's bytes.
		for cur.from > pos && !utf8.RuneStart(text[cur.from]) {
			cur.from--
		}
		for cur.to < len(text) && !utf8.RuneStart(text[cur.to]) {
			cur.to++
		}
		if cur.from < pos {
			cur.from = pos
		}
		b.WriteString(text[pos:cur.from])
		b.WriteString(Redacted)
		count(cur.rule)
		pos = cur.to
	}
	b.WriteString(text[pos:])
	return b.String()
}

// count returns how many windows and parts the sweep searches for.
func (f *fragments) count() int {
	if f == nil {
		return 0
	}
	return len(f.windows) + len(f.parts)
}
