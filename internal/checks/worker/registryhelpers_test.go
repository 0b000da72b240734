package worker

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// pushImage pushes a small OCI image (one config blob, one gzipped tar
// layer, a manifest) to repo:tag of the registry at base, authenticating
// with auth (nil: anonymous), as docker push does with a monolithic
// upload. It returns the manifest's digest.
func pushImage(t *testing.T, base, repo, tag string, auth func(*http.Request)) string {
	t.Helper()
	var layer bytes.Buffer
	gz := gzip.NewWriter(&layer)
	tw := tar.NewWriter(gz)
	body := []byte("spacectl-preflight worker test\n")
	if err := tw.WriteHeader(&tar.Header{Name: "hello.txt", Mode: 0o644, Size: int64(len(body))}); err != nil {
		t.Fatal(err)
	}
	_, _ = tw.Write(body)
	_ = tw.Close()
	_ = gz.Close()
	config := []byte(`{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}`)
	cfgDigest := pushBlob(t, base, repo, config, auth)
	layerDigest := pushBlob(t, base, repo, layer.Bytes(), auth)
	manifest, _ := json.Marshal(map[string]any{
		"schemaVersion": 2,
		"mediaType":     "application/vnd.oci.image.manifest.v1+json",
		"config":        map[string]any{"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cfgDigest, "size": len(config)},
		"layers":        []any{map[string]any{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": layerDigest, "size": layer.Len()}},
	})
	req, _ := http.NewRequest(http.MethodPut, base+"/v2/"+repo+"/manifests/"+tag, bytes.NewReader(manifest))
	req.Header.Set("Content-Type", "application/vnd.oci.image.manifest.v1+json")
	mustStatus(t, req, auth, http.StatusCreated)
	return digestOf(manifest)
}

func pushBlob(t *testing.T, base, repo string, data []byte, auth func(*http.Request)) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, base+"/v2/"+repo+"/blobs/uploads/", nil)
	resp := mustStatus(t, req, auth, http.StatusAccepted)
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	if !loc.IsAbs() {
		b, _ := url.Parse(base)
		loc = b.ResolveReference(loc)
	}
	digest := digestOf(data)
	q := loc.Query()
	q.Set("digest", digest)
	loc.RawQuery = q.Encode()
	req, _ = http.NewRequest(http.MethodPut, loc.String(), bytes.NewReader(data))
	req.Header.Set("Content-Type", "application/octet-stream")
	mustStatus(t, req, auth, http.StatusCreated)
	return digest
}

func mustStatus(t *testing.T, req *http.Request, auth func(*http.Request), want int) *http.Response {
	t.Helper()
	if auth != nil {
		auth(req)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("%s %s: %s, want %d: %s", req.Method, req.URL.Path, resp.Status, want, body)
	}
	return resp
}

func digestOf(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

func basic(user, pass string) func(*http.Request) {
	return func(r *http.Request) { r.SetBasicAuth(user, pass) }
}

// tokenIssuer is the token service of the harness's token-auth registry:
// the registry names its realm, SPT_REGISTRY_TOKEN_REALM, in its Bearer
// challenge and trusts only tokens signed with SPT_REGISTRY_TOKEN_KEY.
// It runs in the test, like Docker Hub's or ECR Public's auth service:
// anonymous callers get pull tokens when anonymous is set, the user and
// password get pull and push.
type tokenIssuer struct {
	key              *rsa.PrivateKey
	certDER          []byte
	service, issuer  string
	user, pass       string
	anonymous        atomic.Bool
	issued, refusals atomic.Int32
}

// serveTokens starts the realm on its port (one test at a time may).
func serveTokens(t *testing.T, v map[string]string) *tokenIssuer {
	t.Helper()
	keyPEM, err := os.ReadFile(v["SPT_REGISTRY_TOKEN_KEY"])
	if err != nil {
		t.Fatal(err)
	}
	certPEM, err := os.ReadFile(v["SPT_REGISTRY_TOKEN_CERT"])
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := pem.Decode(keyPEM)
	cb, _ := pem.Decode(certPEM)
	if kb == nil || cb == nil {
		t.Fatal("the token signer's key or certificate is not PEM")
	}
	k, err := x509.ParsePKCS8PrivateKey(kb.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	ti := &tokenIssuer{key: k.(*rsa.PrivateKey), certDER: cb.Bytes, service: v["SPT_REGISTRY_TOKEN_SERVICE"], issuer: v["SPT_REGISTRY_TOKEN_ISSUER"],
		user: v["SPT_REGISTRY_USER"], pass: v["SPT_REGISTRY_PASS"]}
	realm, err := url.Parse(v["SPT_REGISTRY_TOKEN_REALM"])
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", realm.Host)
	if err != nil {
		t.Fatalf("serve the token realm on %s: %v", realm.Host, err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(ti.serve), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return ti
}

func (ti *tokenIssuer) serve(w http.ResponseWriter, r *http.Request) {
	user, pass, hasAuth := r.BasicAuth()
	actions := []string{"pull"}
	switch {
	case hasAuth && user == ti.user && pass == ti.pass:
		actions = []string{"pull", "push"}
	case hasAuth || !ti.anonymous.Load():
		ti.refusals.Add(1)
		http.Error(w, `{"details":"incorrect username or password"}`, http.StatusUnauthorized)
		return
	}
	var access []map[string]any
	for _, scope := range r.URL.Query()["scope"] {
		parts := strings.SplitN(scope, ":", 3)
		if len(parts) == 3 && parts[0] == "repository" {
			access = append(access, map[string]any{"type": "repository", "name": parts[1], "actions": actions})
		}
	}
	tok, err := ti.sign(user, access)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	ti.issued.Add(1)
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"token": tok, "expires_in": 300})
}

// sign makes the JWT distribution 2.8 verifies: RS256, the signer's
// certificate in x5c, iss/aud/exp/nbf and the access claim.
func (ti *tokenIssuer) sign(sub string, access []map[string]any) (string, error) {
	now := time.Now()
	header, _ := json.Marshal(map[string]any{"typ": "JWT", "alg": "RS256", "x5c": []string{base64.StdEncoding.EncodeToString(ti.certDER)}})
	claims, _ := json.Marshal(map[string]any{"iss": ti.issuer, "sub": sub, "aud": ti.service, "exp": now.Add(5 * time.Minute).Unix(),
		"nbf": now.Add(-time.Minute).Unix(), "iat": now.Unix(), "jti": fmt.Sprint(now.UnixNano()), "access": access})
	enc := base64.RawURLEncoding
	signing := enc.EncodeToString(header) + "." + enc.EncodeToString(claims)
	sum := sha256.Sum256([]byte(signing))
	sig, err := rsa.SignPKCS1v15(rand.Reader, ti.key, crypto.SHA256, sum[:])
	if err != nil {
		return "", err
	}
	return signing + "." + enc.EncodeToString(sig), nil
}

// pushAuth authenticates a push as the user, through the token service.
func (ti *tokenIssuer) pushAuth(repo string) func(*http.Request) {
	return func(r *http.Request) {
		tok, err := ti.sign(ti.user, []map[string]any{{"type": "repository", "name": repo, "actions": []string{"pull", "push"}}})
		if err == nil {
			r.Header.Set("Authorization", "Bearer "+tok)
		}
	}
}

// dockerConfigDir writes a Docker config.json (as docker login does) and
// returns its directory.
func dockerConfigDir(t *testing.T, doc map[string]any) string {
	t.Helper()
	d := t.TempDir()
	data, _ := json.Marshal(doc)
	if err := os.WriteFile(d+"/config.json", data, 0o600); err != nil {
		t.Fatal(err)
	}
	return d
}

// loginConfig is the config docker login writes for one registry.
func loginConfig(registry, user, pass string) map[string]any {
	return map[string]any{"auths": map[string]any{registry: map[string]any{"auth": base64.StdEncoding.EncodeToString([]byte(user + ":" + pass))}}}
}
