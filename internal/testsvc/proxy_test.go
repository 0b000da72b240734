package testsvc

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// TestForwardProxy: plain requests are forwarded and CONNECT tunnels
// opened to the mapped address, both logged; denied hosts get 403.
func TestForwardProxy(t *testing.T) {
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "plain") }))
	defer plain.Close()
	tlsSrv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "tls") }))
	defer tlsSrv.Close()
	p := ForwardProxy(t, map[string]string{"plain.test": "127.0.0.1", "secure.test:443": strings.TrimPrefix(tlsSrv.URL, "https://")}, "denied.test")
	pu, _ := url.Parse(p.URL())
	tr := tlsSrv.Client().Transport.(*http.Transport).Clone()
	tr.Proxy = http.ProxyURL(pu)
	tr.TLSClientConfig.ServerName = "example.com" // httptest's certificate names example.com
	c := &http.Client{Transport: tr}
	port := plain.URL[strings.LastIndex(plain.URL, ":")+1:]
	for _, tc := range []struct{ url, want string }{
		{"http://plain.test:" + port + "/x", "plain"},
		{"https://secure.test/", "tls"},
	} {
		resp, err := c.Get(tc.url)
		if err != nil {
			t.Fatalf("%s: %v", tc.url, err)
		}
		body, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if string(body) != tc.want {
			t.Errorf("%s: %q", tc.url, body)
		}
	}
	if !p.Saw("http://plain.test:"+port+"/x") || !p.Saw("secure.test:443") {
		t.Errorf("log %q", p.Requests())
	}
	resp, err := c.Get("http://denied.test/")
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("denied host: %s", resp.Status)
	}
}
