package worker

import (
	"crypto/rsa"
	"encoding/base64"
	"strings"
	"sync"
	"testing"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/encryption/rsakey"
	kt "github.com/spacelift-io/spacectl-preflight/internal/checks/encryption/rsakey/rsakeytest"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/messaging/msgtest"
	"github.com/spacelift-io/spacectl-preflight/internal/secret"
)

var (
	keysOnce                  sync.Once
	key4096, key2048, key1024 *rsa.PrivateKey
)

// testKeys makes the decoder's key sizes once per test binary (4096-bit
// keys take seconds).
func testKeys(t *testing.T) (k4096, k2048, k1024 *rsa.PrivateKey) {
	keysOnce.Do(func() {
		key4096, key2048, key1024 = kt.GenerateRSA(t, 4096), kt.GenerateRSA(t, 2048), kt.GenerateRSA(t, 1024)
	})
	if key4096 == nil {
		t.Fatal("key generation failed earlier")
	}
	return key4096, key2048, key1024
}

// token is a value shaped like the documented token: base64 of bytes whose
// layout nobody documents; JSON here, so the check can list its keys.
func token(json string) string { return base64.StdEncoding.EncodeToString([]byte(json)) }

func TestCredentialsKeyDiagnoses(t *testing.T) {
	k4096, k2048, k1024 := testKeys(t)
	for _, c := range kt.Cases(t, k4096, k2048, k1024) {
		t.Run(c.Name, func(t *testing.T) {
			tok := token(`{"broker":"x"}`)
			o := run(t, CredentialsID, vars(Token, tok, PrivateKey, c.Value), defaultDeps())
			want := checks.Pass
			switch c.Severity {
			case rsakey.Fail:
				want = checks.Fail
			case rsakey.Warn:
				want = checks.Warn
			}
			text := msgtest.Text(o.Result)
			if o.Result.Status != want {
				t.Fatalf("status %s, want %s (%s)\n%s", o.Result.Status, want, c.Worst, text)
			}
			if c.Msg != "" && !strings.Contains(text, c.Msg) {
				t.Errorf("the result lacks %q", c.Msg)
			}
			if strings.Contains(text, "ENCRYPTION_RSA_PRIVATE_KEY") {
				t.Errorf("the advice names the encryption key, not the worker pool's:\n%s", text)
			}
			for _, v := range []string{c.Value, c.PEM} {
				for _, variant := range secret.Variants(v) {
					if len(variant) >= 16 && strings.Contains(text, variant) {
						t.Fatalf("the result holds key material (%d characters of a variant)", len(variant))
					}
				}
			}
		})
	}
}

func TestCredentials(t *testing.T) {
	k4096, _, _ := testKeys(t)
	key := kt.B64(kt.PKCS8PEM(t, k4096))
	csr := kt.B64(kt.CSRPEM(t, k4096))
	good := token(`{"cert":"x","config":{"a":1}}`)
	for _, tc := range []struct {
		name   string
		vars   map[string]string
		status checks.Status
		wants  []string
	}{
		{"documented shapes pass", vars(Token, good, PrivateKey, key),
			checks.Pass, []string{"JSON object with the keys cert, config", "PKCS#8 RSA 4096-bit private key", "public key SHA-256: "}},
		{"a token that is not JSON passes on base64 alone", vars(Token, base64.StdEncoding.EncodeToString([]byte{0x1f, 0x8b, 8, 0, 1, 2, 3}), PrivateKey, key),
			checks.Pass, []string{"decodes from base64 to 7 bytes", "not documented"}},
		{"only the token is set", vars(Token, good),
			checks.Fail, []string{"SPACELIFT_POOL_PRIVATE_KEY: not set, while SPACELIFT_TOKEN is", "must be set together"}},
		{"only the key is set", vars(PrivateKey, key),
			checks.Fail, []string{"SPACELIFT_TOKEN: not set, while SPACELIFT_POOL_PRIVATE_KEY is"}},
		{"Kubernetes names the Secret's keys", vars(PrivateKey, key, Type, TypeKubernetes),
			checks.Fail, []string{"token (SPACELIFT_TOKEN): not set, while privateKey (SPACELIFT_POOL_PRIVATE_KEY) is"}},
		{"neither, on a Docker worker", vars(),
			checks.Fail, []string{"SPACELIFT_TOKEN and SPACELIFT_POOL_PRIVATE_KEY are not set"}},
		{"neither, on Kubernetes: auto-registration", vars(Type, TypeKubernetes),
			checks.Skip, []string{"spacelift-api-credentials"}},
		{"a token with a space", vars(Token, good[:10]+" "+good[10:], PrivateKey, key),
			checks.Fail, []string{"illegal base64 data at input byte 10", "spaces", "unable to base64 decode token"}},
		{"a token cut short", vars(Token, strings.TrimRight(good, "=")[:len(good)-3], PrivateKey, key),
			checks.Fail, []string{"is not standard base64"}},
		{"a URL-safe token", vars(Token, base64.URLEncoding.EncodeToString([]byte("\xfb\xff\xfe{}")), PrivateKey, key),
			checks.Fail, []string{"URL-safe alphabet"}},
		{"a quoted token", vars(Token, `"`+good+`"`, PrivateKey, key),
			checks.Fail, []string{"wrapped in quotes"}},
		{"a token wrapped over lines still decodes", vars(Token, good[:8]+"\n"+good[8:], PrivateKey, key),
			checks.Warn, []string{"wrapped over several lines"}},
		{"the CSR instead of the token", vars(Token, csr, PrivateKey, key),
			checks.Fail, []string{"CERTIFICATE REQUEST: the CSR you gave Spacelift"}},
		{"token and key swapped", vars(Token, key, PrivateKey, good),
			checks.Fail, []string{"look swapped", "PRIVATE KEY: the private key"}},
		{"raw PEM in the token", vars(Token, kt.PKCS8PEM(t, k4096), PrivateKey, key),
			checks.Fail, []string{"holds PEM text"}},
		{"a token encoded twice", vars(Token, base64.StdEncoding.EncodeToString([]byte(good)), PrivateKey, key),
			checks.Warn, []string{"encoded twice"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := run(t, CredentialsID, tc.vars, defaultDeps())
			msgtest.Expect(t, CredentialsID, o, tc.status, tc.wants...)
			msgtest.NoSecret(t, CredentialsID, o.Result, tc.vars[Token], tc.vars[PrivateKey])
		})
	}
}

func TestWorkerPoolKeyAdviceGivesTheWorkerPoolCommands(t *testing.T) {
	r := rsakey.DecodeAs(kt.B64(kt.ECPKCS8PEM(t)), rsakey.WorkerPoolKey())
	w, _ := r.Worst()
	for _, want := range []string{rsakey.WorkerPoolGenerateCommand, "new CSR", "the worker pool docs generate an RSA key"} {
		if !strings.Contains(w.Message+w.Advice, want) {
			t.Errorf("lacks %q: %s / %s", want, w.Message, w.Advice)
		}
	}
	r = rsakey.DecodeAs("", rsakey.WorkerPoolKey())
	if w, _ := r.Worst(); !strings.HasPrefix(w.Message, "SPACELIFT_POOL_PRIVATE_KEY is empty") {
		t.Errorf("message %q", w.Message)
	}
}
