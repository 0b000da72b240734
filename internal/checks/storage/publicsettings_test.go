package storage

import (
	"strings"
	"testing"

	"cloud.google.com/go/storage"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
)

// TestS3PublicAccessBlock: neither MinIO nor versitygw implements
// GetPublicAccessBlock (both answer NotImplemented, see
// TestAWSPublicAccessBlockNotImplemented), so the judging is unit-tested:
// absent, or any of the four flags off or missing, leaves the bucket open.
func TestS3PublicAccessBlock(t *testing.T) {
	all := func(v bool) *types.PublicAccessBlockConfiguration {
		return &types.PublicAccessBlockConfiguration{BlockPublicAcls: aws.Bool(v), IgnorePublicAcls: aws.Bool(v), BlockPublicPolicy: aws.Bool(v), RestrictPublicBuckets: aws.Bool(v)}
	}
	oneOff := all(true)
	oneOff.RestrictPublicBuckets = aws.Bool(false)
	missing := all(true)
	missing.IgnorePublicAcls = nil
	cases := []struct {
		name  string
		c     *types.PublicAccessBlockConfiguration
		value string
		open  string
	}{
		{"absent", nil, "absent", "no S3 public access block"},
		{"all on", all(true), "BlockPublicAcls=true, IgnorePublicAcls=true, BlockPublicPolicy=true, RestrictPublicBuckets=true", ""},
		{"all off", all(false), "BlockPublicAcls=false", "leaves BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy, RestrictPublicBuckets off"},
		{"one off", oneOff, "RestrictPublicBuckets=false", "leaves RestrictPublicBuckets off"},
		{"one missing", missing, "IgnorePublicAcls=false", "leaves IgnorePublicAcls off"},
	}
	for _, c := range cases {
		value, open := s3PublicAccessBlock(c.c)
		if !strings.Contains(value, c.value) || (c.open == "") != (open == "") || !strings.Contains(open, c.open) {
			t.Errorf("%s: value %q open %q, want %q and %q", c.name, value, open, c.value, c.open)
		}
	}
}

// TestGCSPublicAccessPrevention: fake-gcs-server does not report the
// setting (see TestGCSPublicAccessPreventionNotReported), so the judging
// is unit-tested: only enforced is closed.
func TestGCSPublicAccessPrevention(t *testing.T) {
	for p, want := range map[storage.PublicAccessPrevention]struct {
		open, ok bool
	}{
		storage.PublicAccessPreventionEnforced:    {false, true},
		storage.PublicAccessPreventionInherited:   {true, true},
		storage.PublicAccessPreventionUnspecified: {true, true},
		storage.PublicAccessPreventionUnknown:     {false, false},
	} {
		value, open, ok := gcsPublicAccessPrevention(p)
		if (open != "") != want.open || ok != want.ok || ok && value == "" {
			t.Errorf("%d: value %q open %q ok %v, want open %v ok %v", p, value, open, ok, want.open, want.ok)
		}
		if want.open && !strings.Contains(open, "not enforced") {
			t.Errorf("%d: %q does not say it is not enforced", p, open)
		}
	}
}

func TestAzureContainerAccess(t *testing.T) {
	for _, c := range []struct {
		p    *container.PublicAccessType
		open string
	}{
		{nil, ""},
		{to.Ptr(container.PublicAccessType("")), ""},
		{to.Ptr(container.PublicAccessTypeBlob), "public access level is blob"},
		{to.Ptr(container.PublicAccessTypeContainer), "public access level is container"},
	} {
		value, open := azureContainerAccess(c.p)
		if value == "" || (c.open == "") != (open == "") || !strings.Contains(open, c.open) {
			t.Errorf("%v: value %q open %q, want %q", c.p, value, open, c.open)
		}
	}
}

// publicStep returns the public-access step of a bucket and its evidence
// for the setting.
func publicStep(t *testing.T, outs map[string]checks.Outcome, label, setting string) (checks.Step, string) {
	t.Helper()
	st := stepNamed(t, outs["storage.public-access"].Result, label)
	ev, ok := st.Evidence.Get(setting)
	if !ok && setting != "" {
		t.Errorf("step %s: no %q evidence in %v", label, setting, st.Evidence)
	}
	return st, ev
}

// TestAWSPublicAccessBlockNotImplemented: versitygw and MinIO answer
// GetPublicAccessBlock with NotImplemented; the step says so in its
// evidence and keeps the verdict of the anonymous requests. MinIO's own
// client reads nothing: MinIO has no such setting.
func TestAWSPublicAccessBlockNotImplemented(t *testing.T) {
	for name, env := range map[string]func(*testing.T) s3Env{"versitygw": requireVersity, "minio": requireMinioS3} {
		t.Run(name, func(t *testing.T) {
			e := env(t)
			names := e.store.createAll(t)
			outs := run(t, e.cfg(t, names, nil), checks.Options{}, seams{}, "storage.public-access")
			expect(t, outs, "storage.public-access", checks.Pass)
			for _, p := range []string{"states", "uploads"} {
				st, ev := publicStep(t, outs, names[p]+" ("+p+")", "S3 public access block")
				if st.Status != checks.Pass || !strings.Contains(ev, "could not be read: the server does not implement this API (NotImplemented, HTTP 501)") {
					t.Errorf("%s: step %+v, evidence %q", p, st, ev)
				}
			}
		})
	}
	m := requireMinio(t)
	names := m.store.createAll(t)
	outs := run(t, m.cfg(t, names, nil), checks.Options{}, seams{}, "storage.public-access")
	if st, _ := publicStep(t, outs, names["states"]+" (states)", ""); len(st.Evidence) != 0 {
		t.Errorf("MinIO's own client: evidence %v, want none", st.Evidence)
	}
}

// TestGCSPublicAccessPreventionNotReported: fake-gcs-server's bucket
// attributes carry no publicAccessPrevention (not even for a bucket
// created with it enforced); the step notes it could not be read.
func TestGCSPublicAccessPreventionNotReported(t *testing.T) {
	g := requireGCS(t)
	names := g.createAll(t, false)
	outs := run(t, g.cfg(t, names, nil), checks.Options{ReadOnly: true}, seams{}, "storage.public-access")
	for _, p := range purposes() {
		if _, ev := publicStep(t, outs, names[p]+" ("+p+")", "GCS public access prevention"); !strings.Contains(ev, "could not be read") || !strings.Contains(ev, "do not report publicAccessPrevention") {
			t.Errorf("%s: evidence %q", p, ev)
		}
	}
}

// TestAzureContainerAccessLevel: a states container with public access
// level blob refuses the anonymous list, and gets no probe object to read
// anonymously (it is spared), so only its setting shows it is open: a
// warning. Private containers pass, with the level as evidence.
func TestAzureContainerAccessLevel(t *testing.T) {
	a := requireAzurite(t)
	names := a.createAllPublic(t, "states", container.PublicAccessTypeBlob)
	states := names["states"]
	outs := run(t, a.cfg(t, names, nil), checks.Options{}, seams{}, "storage.public-access")
	expect(t, outs, "storage.public-access", checks.Warn, "anonymous list refused", "but the container's public access level is blob", "--public-access off")
	st, ev := publicStep(t, outs, states+" (states)", "container public access level")
	if st.Status != checks.Warn || ev != "blob" {
		t.Errorf("states: step %+v, evidence %q", st, ev)
	}
	st, ev = publicStep(t, outs, names["modules"]+" (modules)", "container public access level")
	if st.Status != checks.Pass || !strings.HasPrefix(ev, "private") {
		t.Errorf("modules: step %+v, evidence %q", st, ev)
	}
	a.assertEmpty(t, names)
}
