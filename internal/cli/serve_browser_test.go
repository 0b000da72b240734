//go:build browser

// The page of `serve` in a real browser: `make test-browser` (built with the
// browser tag, which makes a missing Chromium a failure, not a skip).

package cli

import (
	"context"
	"encoding/json"
	"image"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/spacelift-io/spacectl-preflight/internal/testsvc"
)

// chromium runs headless Chromium on url with extra flags (--dump-dom or
// --screenshot=PATH) and returns its stdout and the console messages it
// logged (with --enable-logging=stderr, the page's console lines carry
// ":CONSOLE").
func chromium(t *testing.T, url string, flags ...string) (stdout string, console []string) {
	t.Helper()
	bin, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatalf("chromium is not installed (make test-browser installs it with apt): %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	args := append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
		"--user-data-dir=" + t.TempDir(), "--enable-logging=stderr", "--v=0", "--window-size=1280,2000"}, flags...)
	cmd := exec.CommandContext(ctx, bin, append(args, url)...)
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium %v: %v\n%s", flags, err, errOut.String())
	}
	for _, l := range strings.Split(errOut.String(), "\n") {
		if strings.Contains(l, ":CONSOLE") || strings.Contains(l, "Uncaught") {
			console = append(console, l)
		}
	}
	return out.String(), console
}

// TestBrowserSeesConsoleErrors is the control: the way the page test reads
// console errors does catch them (a script error and a blocked style).
func TestBrowserSeesConsoleErrors(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'none'; script-src 'unsafe-inline'")
		_, _ = w.Write([]byte(`<!doctype html><html><head><style>p{color:red}</style></head><body><p>x</p><script>console.error("boom"); nosuchfunction();</script></body></html>`))
	}))
	defer srv.Close()
	_, console := chromium(t, srv.URL, "--dump-dom")
	joined := strings.Join(console, "\n")
	for _, want := range []string{`"boom"`, "nosuchfunction", "inline style"} {
		if !strings.Contains(joined, want) {
			t.Errorf("the console lines lack %q:\n%s", want, joined)
		}
	}
}

// TestBrowserRendersTheServePage: against real PostgreSQL (passing) and
// MinIO with a wrong secret (failing), the page Chromium renders shows each
// group and check, logs nothing to the console (no script error, nothing
// blocked by its Content-Security-Policy), and the screenshot shows the
// stylesheet applied (the FAIL badge's red).
func TestBrowserRendersTheServePage(t *testing.T) {
	env := testsvc.RequireMap(t, "SPT_PG17_URL", "SPT_MINIO_ENDPOINT", "SPT_MINIO_ACCESS_KEY")
	cfg := minioEnvFile(t, env["SPT_PG17_URL"], env["SPT_MINIO_ENDPOINT"], env["SPT_MINIO_ACCESS_KEY"], "not-the-minio-secret",
		"OBJECT_STORAGE_BUCKET_STATES=spacelift-states", "OBJECT_STORAGE_BUCKET_MODULES=spacelift-modules")
	s := startServe(t, nil, nil, nil, "--env-file", cfg, "--listen", "127.0.0.1:0", "--interval", "1m",
		"--only", "postgres.*", "--only", "storage.bucket.states", "--only", "storage.bucket.modules")
	s.waitReady(t, 90*time.Second)

	dom, console := chromium(t, s.base+"/", "--dump-dom")
	if len(console) > 0 {
		t.Errorf("the page logged to the console:\n%s", strings.Join(console, "\n"))
	}
	for _, want := range []string{"Configuration", "PostgreSQL", "Object storage", "config.required", "postgres.connect",
		"postgres.version", "storage.bucket.states", "storage.bucket.modules", `<span class="badge s-pass">pass</span>`,
		`<span class="badge s-fail">fail</span>`, "Status since"} {
		if !strings.Contains(dom, want) {
			t.Errorf("the rendered page lacks %q", want)
		}
	}
	// Every group is on the page; those the run did not cover list their
	// checks as not run.
	_, results := fetch(t, http.MethodGet, s.base+"/results.json", nil)
	var r struct {
		Results []struct{ Group string } `json:"results"`
	}
	if err := json.Unmarshal([]byte(results), &r); err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for _, e := range r.Results {
		want[e.Group] = true
	}
	groups := regexp.MustCompile(`<section id="group-([a-z]+)">`).FindAllStringSubmatch(dom, -1)
	for _, g := range groups {
		delete(want, g[1])
	}
	if len(groups) < 8 || len(want) > 0 {
		t.Errorf("%d groups rendered; missing %v", len(groups), want)
	}
	if !strings.Contains(dom, `<li id="mqtt.connect"><span class="badge small s-skip">skip</span>`) {
		t.Errorf("mqtt.connect, not selected, is not listed as not run")
	}

	shot := os.Getenv("SPT_BROWSER_SCREENSHOT")
	if shot == "" {
		shot = filepath.Join(t.TempDir(), "serve.png")
	}
	if _, console := chromium(t, s.base+"/", "--screenshot="+shot, "--hide-scrollbars"); len(console) > 0 {
		t.Errorf("the page logged to the console:\n%s", strings.Join(console, "\n"))
	}
	f, err := os.Open(shot)
	if err != nil {
		t.Fatalf("no screenshot: %v", err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	// The FAIL badge's red and the body text's colour (the browser's
	// default is black) come from the page's own stylesheet.
	if !hasColor(img, 0xcf, 0x22, 0x2e) || !hasColor(img, 0x1f, 0x23, 0x28) {
		t.Errorf("the screenshot %s lacks the FAIL red or the text colour: the stylesheet did not apply", shot)
	}
	t.Logf("screenshot: %s", shot)
}

// hasColor reports whether a run of pixels of about that colour (a badge,
// not a stray anti-aliased pixel) is in img.
func hasColor(img image.Image, r, g, b uint8) bool {
	near := func(a, b uint32) bool { d := int(a>>8) - int(b); return d > -12 && d < 12 }
	n := 0
	bounds := img.Bounds()
	for y := bounds.Min.Y; y < bounds.Max.Y; y++ {
		for x := bounds.Min.X; x < bounds.Max.X; x++ {
			pr, pg, pb, _ := img.At(x, y).RGBA()
			if near(pr, uint32(r)) && near(pg, uint32(g)) && near(pb, uint32(b)) {
				n++
			}
		}
	}
	return n > 50
}
