package storage

import (
	"strings"
	"testing"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
)

// TestMinioProbeSparesStatesAndModules: a default run writes nothing in
// the states and modules buckets, which hold Terraform state and modules
// (nor in a bucket another purpose shares with states), and probes every
// other bucket; --probe-all-buckets probes them too. The identity may not
// delete, so every object any check writes stays: listing the buckets after
// the run shows every write, the ones a probe would have removed included.
// It may not list the modules bucket either, so there HeadBucket is denied
// and no write probe may stand in for it: the read check (MinIO answers a
// read of a missing key with NoSuchKey even without s3:ListBucket) proves
// the bucket and the credentials, and the denied listing warns.
func TestMinioProbeSparesStatesAndModules(t *testing.T) {
	m := requireMinio(t)
	names := m.store.createAll(t)
	names["deliveries"] = names["states"]
	var listable []string
	for p, n := range names {
		if p != "modules" {
			listable = append(listable, `"arn:aws:s3:::`+n+`"`)
		}
	}
	creds := stsWithPolicy(t, m, `{"Version":"2012-10-17","Statement":[`+
		`{"Effect":"Allow","Action":["s3:PutObject","s3:GetObject"],"Resource":["arn:aws:s3:::spt-*/*"]},`+
		`{"Effect":"Allow","Action":["s3:GetBucketLocation"],"Resource":["arn:aws:s3:::spt-*"]},`+
		`{"Effect":"Allow","Action":["s3:ListBucket"],"Resource":[`+strings.Join(listable, ",")+`]}]}`)
	probes := func(purpose string) []string { return keysWithPrefix(m.store.keys(t, names[purpose], true)) }

	outs := run(t, m.cfg(t, names, nil), checks.Options{}, seams{minioCreds: creds})
	for _, p := range []string{"states", "deliveries"} {
		r := expect(t, outs, "storage.bucket."+p, checks.Pass, "bucket "+names["states"]+" exists and is reachable (no probe object written: it holds Terraform state; --probe-all-buckets writes one)")
		if _, ok := r.Details.Get("write probe"); !ok {
			t.Errorf("storage.bucket.%s: no write-probe detail in %v", p, r.Details)
		}
	}
	r := expect(t, outs, "storage.bucket.modules", checks.Warn, "exists and accepts the credentials, but listing it is denied",
		"(no probe object written: it holds Terraform modules; --probe-all-buckets writes one)", "s3:ListBucket on arn:aws:s3:::"+names["modules"])
	if rc, _ := r.Details.Get("read check"); !strings.Contains(rc, "NoSuchKey") {
		t.Errorf("storage.bucket.modules: read check %q", rc)
	}
	// It warns of the probe objects it could not delete elsewhere.
	pa := outs["storage.public-access"].Result
	for _, step := range []string{names["states"] + " (deliveries, states)", names["modules"] + " (modules)"} {
		if st := stepNamed(t, pa, step); !strings.Contains(st.Message, "anonymous read not tested: no probe object written (it holds Terraform") {
			t.Errorf("storage.public-access: step %+v does not say why it wrote no probe object", st)
		}
	}
	for _, p := range purposes() {
		left := probes(p)
		switch {
		case sparedByDefault(p) || p == "deliveries":
			if len(left) > 0 {
				t.Errorf("the %s bucket was written to: %v", p, left)
			}
		case len(left) == 0:
			t.Errorf("the %s bucket was not probed", p)
		}
	}

	outs = run(t, m.cfg(t, names, nil), checks.Options{ProbeAllBuckets: true}, seams{minioCreds: creds}, "storage.bucket.states", "storage.bucket.modules")
	for _, p := range []string{"states", "modules"} {
		// The probe wrote, and could not delete what it wrote.
		if r := outs["storage.bucket."+p].Result; !strings.Contains(r.Message, "was left in bucket "+names[p]) {
			t.Errorf("--probe-all-buckets: storage.bucket.%s: %s: %s", p, r.Status, r.Message)
		}
		if len(probes(p)) == 0 {
			t.Errorf("--probe-all-buckets: the %s bucket was not probed", p)
		}
	}
}
