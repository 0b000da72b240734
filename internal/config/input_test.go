package config

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/spacelift-io/spacectl-preflight/internal/testsvc"
)

// TestReadInputRefusesWhatIsNotARegularFile: directories and devices are
// refused before they are read, each said for what it is.
func TestReadInputRefusesWhatIsNotARegularFile(t *testing.T) {
	cases := map[string]string{
		t.TempDir():    "is a directory, not a file",
		os.DevNull:     "is a device (such as /dev/null, /dev/zero or /dev/stdin), not a regular file",
		"/dev/zero":    "is a device",
		"/dev/urandom": "is a device",
	}
	for path, want := range cases {
		if _, err := os.Stat(path); err != nil {
			t.Logf("skipping %s: %v", path, err)
			continue
		}
		data, err := ReadInput(path, 0)
		var ie *InputError
		if !errors.As(err, &ie) || !strings.HasPrefix(ie.Problem, want) || ie.Hint == "" || data != nil {
			t.Errorf("%s: %v (%d bytes), want %q", path, err, len(data), want)
		}
	}
	if _, err := ReadInput(filepath.Join(t.TempDir(), "nope"), 0); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

// TestReadInputSizeCap: a file of exactly the cap is read; one byte more is
// refused, naming the cap and how to raise it.
func TestReadInputSizeCap(t *testing.T) {
	dir := t.TempDir()
	at := write(t, dir, "at.env", strings.Repeat("a", 4096))
	over := write(t, dir, "over.env", strings.Repeat("a", 4097))
	if data, err := ReadInput(at, 4096); err != nil || len(data) != 4096 {
		t.Errorf("a file at the cap: %v, %d bytes", err, len(data))
	}
	_, err := ReadInput(over, 4096)
	var ie *InputError
	if !errors.As(err, &ie) || ie.Problem != "the file is larger than the input size limit of 4KiB" ||
		ie.Hint != "if it really is the input you meant, raise the limit with --max-input-size (e.g. --max-input-size 20KiB), $SPACECTL_PREFLIGHT_MAX_INPUT_SIZE or preflight.maxInputSize" {
		t.Errorf("over the cap: %#v", err)
	}
	if _, err := ReadInput(over, MaxMaxInputSize); err != nil {
		t.Errorf("under the largest cap: %v", err)
	}
}

// endless is /dev/zero as an io.Reader: it never ends.
type endless struct{}

func (endless) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// allocated returns the bytes fn allocated (runtime.MemStats.TotalAlloc:
// cumulative, so a collection during fn cannot hide an allocation).
func allocated(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestInputMemoryIsBoundedByTheCap: whatever the input (an endless reader,
// a 50 MB one-line file), reading and parsing it allocates at most a small
// multiple of the cap: the issue's `config validate -c /dev/urandom` grew
// to 22 GB.
func TestInputMemoryIsBoundedByTheCap(t *testing.T) {
	if testing.Short() {
		testsvc.SkipUnlessRequired(t, "writes a 50 MB file")
	}
	const limit = 10 << 20
	var err error
	if n := allocated(func() { _, err = readBounded(endless{}, "zero", limit, 0) }); n > 4*limit || err == nil {
		t.Errorf("an endless reader under a %d-byte cap: %v, %d bytes allocated", limit, err, n)
	}

	dir := t.TempDir()
	big := filepath.Join(dir, "big.env")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("ENCRYPTION_RSA_PRIVATE_KEY="); err != nil {
		t.Fatal(err)
	}
	if _, err := io.CopyN(f, strings.NewReader(strings.Repeat("k", 50_000_000)), 50_000_000); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}

	var ds Diagnostics
	n := allocated(func() {
		_, ds = Load(LoadOptions{Catalog: testCatalog(), EnvFiles: []string{big}, Env: map[string]string{}})
	})
	if n > 4*limit || !strings.Contains(diagLines(ds), "the file is larger than the input size limit of 10MiB") {
		t.Errorf("a 50 MB one-line file under the default cap: %d bytes allocated\n%s", n, diagLines(ds))
	}

	const raised = 64 << 20
	var cfg *Config
	n = allocated(func() {
		cfg, ds = Load(LoadOptions{Catalog: testCatalog(), EnvFiles: []string{big}, Env: map[string]string{}, Limit: InputLimit{Bytes: raised, Fixed: true}})
	})
	if ds.HasErrors() || len(cfg.Secret(RSAPrivateKey).Reveal()) != 50_000_000 {
		t.Fatalf("a 50 MB one-line file under a raised cap was not read:\n%s", diagLines(ds))
	}
	if n > 4*raised {
		t.Errorf("a 50 MB one-line file under a %d-byte cap: %d bytes allocated", raised, n)
	}
}

// TestYAMLLoadersMemoryIsBoundedByTheCap: a Secret or a config file with
// one value nearly as large as the default cap. yaml.v3 copies a scalar
// several times on its way (its read buffer, the token, the node's
// string), so the bound is looser than the env file's, still a constant
// multiple of the cap.
func TestYAMLLoadersMemoryIsBoundedByTheCap(t *testing.T) {
	const limit = DefaultMaxInputSize
	dir := t.TempDir()
	value := strings.Repeat("k", int(limit)-100)
	for _, o := range []LoadOptions{
		{K8sSecrets: []string{write(t, dir, "string.yaml", "kind: Secret\nstringData:\n  ENCRYPTION_RSA_PRIVATE_KEY: "+value+"\n")}},
		{K8sSecrets: []string{write(t, dir, "data.yaml", "kind: Secret\ndata:\n  ENCRYPTION_RSA_PRIVATE_KEY: "+value[:len(value)/4*4]+"\n")}},
		{ConfigPath: write(t, dir, "c.yaml", "encryption:\n  rsa:\n    privateKey: "+value+"\n")},
	} {
		o.Catalog, o.Env = testCatalog(), map[string]string{}
		var cfg *Config
		var ds Diagnostics
		n := allocated(func() { cfg, ds = Load(o) })
		if ds.HasErrors() || !cfg.Has(RSAPrivateKey) {
			t.Fatalf("%v: not read:\n%s", append(o.K8sSecrets, o.ConfigPath), diagLines(ds))
		}
		if n > 12*uint64(limit) {
			t.Errorf("%v: %d bytes allocated for a %d-byte file", append(o.K8sSecrets, o.ConfigPath), n, limit)
		}
	}
}

// TestYAMLSetsTheCapOfTheFilesReadAfterIt: preflight.maxInputSize applies to
// the <key>File references, env files and Secrets; a flag or the
// environment (Fixed) wins over it.
func TestYAMLSetsTheCapOfTheFilesReadAfterIt(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "key.pem", strings.Repeat("k", 3000))
	env := write(t, dir, "s.env", "SERVER_DOMAIN="+strings.Repeat("d", 3000)+"\n")
	// The key file is named before the setting: it is read after the walk.
	y := write(t, dir, "c.yaml", "encryption:\n  rsa:\n    privateKeyFile: key.pem\npreflight:\n  maxInputSize: 2KiB\n")
	_, ds := Load(LoadOptions{Catalog: testCatalog(), ConfigPath: y, EnvFiles: []string{env}, Env: map[string]string{}})
	out := diagLines(ds)
	for _, want := range []string{
		"error: " + y + ":3:21: encryption.rsa.privateKeyFile: the file is larger than the input size limit of 2KiB",
		"error: " + env + ": the file is larger than the input size limit of 2KiB",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("diagnostics lack %q:\n%s", want, out)
		}
	}
	cfg, ds := Load(LoadOptions{Catalog: testCatalog(), ConfigPath: y, EnvFiles: []string{env}, Env: map[string]string{}, Limit: InputLimit{Bytes: DefaultMaxInputSize, Fixed: true}})
	if ds.HasErrors() || len(cfg.Secret(RSAPrivateKey).Reveal()) != 3000 {
		t.Errorf("a fixed cap must win over the YAML file's:\n%s", diagLines(ds))
	}
}

// TestYAMLFileReferenceToADevice: <key>File goes through the same reader.
func TestYAMLFileReferenceToADevice(t *testing.T) {
	y := write(t, t.TempDir(), "c.yaml", "encryption:\n  rsa:\n    privateKeyFile: /dev/zero\n")
	_, ds := Load(LoadOptions{Catalog: testCatalog(), ConfigPath: y, Env: map[string]string{}})
	if want := "error: " + y + ":3:21: encryption.rsa.privateKeyFile: is a device"; !strings.Contains(diagLines(ds), want) {
		t.Errorf("diagnostics lack %q:\n%s", want, diagLines(ds))
	}
}

func TestParseSize(t *testing.T) {
	good := map[string]int64{"1": 1, "10MiB": 10 << 20, "10 mib": 10 << 20, "512K": 512 << 10, "512Ki": 512 << 10, "2KB": 2000,
		"50MB": 50_000_000, "1GiB": 1 << 30, "1g": 1 << 30, " 7B ": 7, "1073741824": 1 << 30}
	for in, want := range good {
		if got, ok := ParseSize(in); !ok || got != want {
			t.Errorf("ParseSize(%q) = %d %v, want %d", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "0", "MiB", "-1MiB", "1.5MiB", "2GiB", "1TiB", "10 apples", "99999999999999999999"} {
		if got, ok := ParseSize(in); ok {
			t.Errorf("ParseSize(%q) = %d, want refused", in, got)
		}
	}
	for n, want := range map[int64]string{10 << 20: "10MiB", 1 << 30: "1GiB", 1536: "1536B", 2048: "2KiB", 1: "1B"} {
		if got := FormatSize(n); got != want {
			t.Errorf("FormatSize(%d) = %q, want %q", n, got, want)
		}
	}
}
