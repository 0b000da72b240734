package config

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/spacelift-io/spacectl-preflight/internal/safetext"
)

// The loaders read operator-written files: no input may panic them, and a
// secret written in a bad line must never come back in a diagnostic.
func FuzzLoadInputs(f *testing.F) {
	f.Add([]byte("server:\n  domain: x\npreflight:\n  checks:\n    - id: a.b\n      timeout: 1s\n"), []byte("export A=1\nDATABASE_URL='postgres://u:p@h/d'\n"))
	f.Add([]byte("a: [b, {c: d}]\n---\nkind: Secret\n"), []byte("X=\"unterminated\n=bad\n"))
	f.Add([]byte("kind: Secret\nstringData:\n  SERVER_DOMAIN: x\ndata:\n  DATABASE_URL: '!!'\n"), []byte(""))
	f.Fuzz(func(t *testing.T, yamlData, envData []byte) {
		files := map[string][]byte{"c.yaml": yamlData, "s.env": envData, "k.yaml": yamlData}
		read := func(p string) ([]byte, error) { return files[p], nil }
		_, ds := Load(LoadOptions{Catalog: testCatalog(), ConfigPath: "c.yaml", EnvFiles: []string{"s.env"}, K8sSecrets: []string{"k.yaml"}, Env: map[string]string{}, ReadFile: read})
		_ = ds.Error()
		checkPrintable(t, ds)
	})
}

// fuzzCanary is a secret in the fuzz seeds; with ':' and '@' it is no
// valid variable name, so the dotenv parser has no reason to print it.
const fuzzCanary = "s3cr3t:Pa55@w0rd"

// random is /dev/urandom-like input, the same at every run.
func random(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, seed))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// huge repeats data up to about 1 MiB (times depends on the fuzzer), so
// every target also sees long lines and large files while the seeds stay
// small enough for the fuzzer to mutate and minimise quickly.
func huge(data []byte, times uint16) []byte {
	if len(data) == 0 || times < 2 {
		return data
	}
	n := min(int(times), (1<<20)/len(data)+1)
	return bytes.Repeat(data, n)
}

// checkPrintable fails when a diagnostic holds a control character or
// invalid UTF-8: keys and escaped names only, never raw input.
func checkPrintable(t *testing.T, ds Diagnostics) {
	t.Helper()
	for _, d := range ds {
		for _, s := range []string{d.Summary, d.Hint, d.Key, d.Pos.String(), d.Pos.Object} {
			if safetext.EscapeLine(s) != s {
				t.Fatalf("raw text in a diagnostic: %q", s)
			}
		}
	}
}

func FuzzDotenv(f *testing.F) {
	f.Add([]byte("A=1\nDATABASE_URL=\n  postgres://u:"+fuzzCanary+"@h/db\n"), uint16(0))
	f.Add([]byte("FOO\x1b]0;PWNED\a\x1b[2J=1\n"+fuzzCanary+"\nX=\""+fuzzCanary+"\n"), uint16(3))
	f.Add([]byte("K="+strings.Repeat("v", 1000)), uint16(5000))
	f.Add([]byte("\ufeffexport\tA='x' # c\r\n=\n1A=2\n"), uint16(1))
	f.Add(random(512, 1), uint16(0))
	f.Add(bytes.ReplaceAll(random(512, 2), []byte{0}, []byte{'='}), uint16(1000))
	f.Fuzz(func(t *testing.T, data []byte, times uint16) {
		data = huge(data, times)
		var ds Diagnostics
		parseDotenv("s.env", data, func(name, _ string, _ int) {
			if badNameByte([]byte(name)) >= 0 {
				t.Fatalf("invalid name %q accepted", name)
			}
		}, &ds)
		if len(ds) > maxDiagnosticsPerFile+1 {
			t.Fatalf("%d diagnostics for one file", len(ds))
		}
		checkPrintable(t, ds)
		if strings.Contains(diagLines(ds), fuzzCanary) {
			t.Fatalf("the input came back:\n%s", diagLines(ds))
		}
	})
}

func FuzzK8sSecrets(f *testing.F) {
	f.Add([]byte("kind: List\nitems:\n- kind: Secret\n  data:\n    DATABASE_URL: '"+fuzzCanary+"'\n  stringData:\n    A: [x]\n"), uint16(0))
	f.Add([]byte("kind: Secret\nmetadata: {name: \"a\\e[2J\"}\ndata: {K: {a: b}}\n---\nkind: ConfigMap\ndata: [x]\n---\n"), uint16(2))
	f.Add([]byte("- kind: Secret\n  stringData: &a {A: *a}\n"), uint16(100))
	f.Add(random(512, 3), uint16(0))
	f.Add([]byte("kind: Secret\nstringData:\n  K"+strings.Repeat("x", 100)+": v\n"), uint16(3000))
	f.Fuzz(func(t *testing.T, data []byte, times uint16) {
		var ds Diagnostics
		parseK8sSecrets("k.yaml", huge(data, times), func(string, string, Source) {}, &ds)
		checkPrintable(t, ds)
	})
}

func FuzzYAMLConfig(f *testing.F) {
	f.Add([]byte("database:\n  url: {p: '"+fuzzCanary+"'}\npreflight:\n  maxInputSize: 1KiB\n  only: [a]\n"), uint16(0))
	f.Add([]byte("encryption:\n  rsa:\n    privateKeyFile: k\nserver: &s {domain: *s}\n"), uint16(2))
	f.Add([]byte("\"k\\e]0;x\\a\": [[[[[[[[[[]]]]]]]]]]\n"), uint16(500))
	f.Add(random(512, 4), uint16(0))
	f.Fuzz(func(t *testing.T, data []byte, times uint16) {
		data = huge(data, times)
		_, ds := Load(LoadOptions{Catalog: testCatalog(), ConfigPath: "c.yaml", Env: map[string]string{},
			ReadFile: func(p string) ([]byte, error) {
				if p == "c.yaml" {
					return data, nil
				}
				return nil, errors.New("no such file")
			}})
		checkPrintable(t, ds)
	})
}

// FuzzReadBounded: whatever the input and however the reader splits it,
// the bounded reader returns it whole when it fits and refuses it when it
// does not.
func FuzzReadBounded(f *testing.F) {
	f.Add([]byte("abc"), int64(3), uint8(1), int64(0))
	f.Add([]byte("abcd"), int64(3), uint8(2), int64(100))
	f.Add(random(2000, 5), int64(1500), uint8(7), int64(0))
	f.Fuzz(func(t *testing.T, data []byte, max int64, chunk uint8, hint int64) {
		if max < 1 || max > 1<<20 {
			return
		}
		r := &chunked{data: data, n: int(chunk%16) + 1}
		got, err := readBounded(r, "f", max, hint)
		var ie *InputError
		switch {
		case int64(len(data)) <= max && (err != nil || !bytes.Equal(got, data)):
			t.Fatalf("%d bytes under a cap of %d: %v", len(data), max, err)
		case int64(len(data)) > max && !errors.As(err, &ie):
			t.Fatalf("%d bytes over a cap of %d: %v", len(data), max, err)
		}
	})
}

// chunked returns at most n bytes per Read.
type chunked struct {
	data []byte
	n    int
}

func (c *chunked) Read(p []byte) (int, error) {
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	k := copy(p[:min(len(p), c.n)], c.data)
	c.data = c.data[k:]
	return k, nil
}
