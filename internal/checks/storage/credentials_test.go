package storage

import (
	"strings"
	"testing"
	"time"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/awsenv"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/configcheck"
	"github.com/spacelift-io/spacectl-preflight/internal/leaktest"
)

// TestMinioEndpointWithCredentialsNeverLeaks: the MinIO endpoint pasted
// with a user name and password, once with a password minio-go cannot
// parse (its error quoted the endpoint) and once with one it accepts (it
// then showed the endpoint, password included, in every result). Neither
// reaches config.values, the storage checks or their details, not even in
// part; the checks fail with what to write instead.
func TestMinioEndpointWithCredentialsNeverLeaks(t *testing.T) {
	m := requireMinio(t)
	names := m.store.createAll(t)
	for _, pw := range []string{"Qw7%zzSecr:et/Unique", "Qw7-S3cret-Unique-pw"} {
		t.Run(pw[:6], func(t *testing.T) {
			cfg := m.cfg(t, names, map[string]string{MinioEndpoint: m.ak + ":" + pw + "@" + m.endpoint})
			rev := checks.ReviewAll([]checks.Backend{Backend{}, configcheck.Backend{}, awsenv.Backend{}}, cfg, time.Now())
			var texts []string
			found := false
			for _, s := range rev.Values.Steps() {
				texts = append(texts, s.Name, s.Message, s.Advice)
				found = found || s.Name == MinioEndpoint && s.Status == checks.Fail && strings.Contains(s.Message, "user name and password")
			}
			if !found {
				t.Errorf("config.values does not fail the endpoint: %+v", rev.Values.Steps())
			}
			outs := run(t, cfg, checks.Options{}, seams{}, "storage.bucket.states")
			expect(t, outs, "storage.bucket.states", checks.Error, "holds a user name and password", MinioAccessKeyID)
			r := outs["storage.bucket.states"].Result
			texts = append(texts, r.Message, r.Advice)
			for _, d := range r.Details {
				texts = append(texts, d.Key, d.Value)
			}
			for _, st := range r.Steps {
				texts = append(texts, st.Name, st.Message, st.Advice)
			}
			for _, txt := range texts {
				if f := leaktest.Found(txt, pw); f != "" {
					t.Errorf("%q (of the password) in %q", f, txt)
				}
			}
		})
	}
}
