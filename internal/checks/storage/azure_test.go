package storage

import (
	"context"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/configcheck"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/sas"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/service"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/config"
	"github.com/spacelift-io/spacectl-preflight/internal/testsvc"
)

type azureEnv struct {
	url, account, key, conn string
	svc                     *service.Client
}

func requireAzurite(t *testing.T) azureEnv {
	t.Helper()
	v := testsvc.Require(t, "SPT_AZURITE_BLOB_URL", "SPT_AZURITE_ACCOUNT", "SPT_AZURITE_KEY", "SPT_AZURITE_CONNECTION_STRING")
	svc, err := service.NewClientFromConnectionString(v[3], nil)
	if err != nil {
		t.Fatal(err)
	}
	return azureEnv{url: v[0], account: v[1], key: v[2], conn: v[3], svc: svc}
}

func (a azureEnv) create(t *testing.T, name string, access *container.PublicAccessType) {
	t.Helper()
	if _, err := a.svc.CreateContainer(testCtx(t), name, &container.CreateOptions{Access: access}); err != nil {
		t.Fatalf("create container %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, _ = a.svc.DeleteContainer(ctx, name, nil)
	})
}

func (a azureEnv) createAll(t *testing.T) map[string]string {
	t.Helper()
	names := map[string]string{}
	for _, p := range purposes() {
		n := randName(shortPurpose(p))
		a.create(t, n, nil)
		names[p] = n
	}
	return names
}

// createAllPublic is createAll with the container of purpose replaced by
// one with the public access level access.
func (a azureEnv) createAllPublic(t *testing.T, purpose string, access container.PublicAccessType) map[string]string {
	t.Helper()
	names := a.createAll(t)
	names[purpose] = randName("public")
	a.create(t, names[purpose], to.Ptr(access))
	return names
}

func (a azureEnv) keys(t *testing.T, name string) []string {
	t.Helper()
	var out []string
	pager := a.svc.NewContainerClient(name).NewListBlobsFlatPager(&container.ListBlobsFlatOptions{
		Include: container.ListBlobsInclude{Versions: true, Deleted: true}})
	for pager.More() {
		page, err := pager.NextPage(testCtx(t))
		if err != nil {
			t.Fatalf("list %s: %v", name, err)
		}
		for _, b := range page.Segment.BlobItems {
			out = append(out, *b.Name)
		}
	}
	return out
}

func (a azureEnv) assertEmpty(t *testing.T, names map[string]string) {
	t.Helper()
	for _, n := range names {
		if left := a.keys(t, n); len(left) > 0 {
			t.Errorf("container %s is not empty: %v", n, left)
		}
	}
}

// setCORS replaces the account's Blob-service CORS rules (Azure has no
// per-container CORS) and clears them when the test ends.
func (a azureEnv) setCORS(t *testing.T, origins ...string) {
	t.Helper()
	var rules []*service.CORSRule
	for _, o := range origins {
		rules = append(rules, &service.CORSRule{AllowedOrigins: to.Ptr(o), AllowedMethods: to.Ptr("PUT,POST"),
			AllowedHeaders: to.Ptr("*"), ExposedHeaders: to.Ptr("*"), MaxAgeInSeconds: to.Ptr(int32(3600))})
	}
	if rules == nil {
		rules = []*service.CORSRule{}
	}
	if _, err := a.svc.SetProperties(testCtx(t), &service.SetPropertiesOptions{CORS: rules}); err != nil {
		t.Fatalf("set CORS: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, _ = a.svc.SetProperties(ctx, &service.SetPropertiesOptions{CORS: []*service.CORSRule{}})
	})
}

func (a azureEnv) cfg(t *testing.T, names map[string]string, extra map[string]string) *config.Config {
	return testCfg(t, merge(bucketVars(names), map[string]string{
		TypeVar:                  "azure",
		AzureAccountURL:          a.url,
		AzureConnectionString:    a.conn,
		configcheck.ServerDomain: "spacelift.spt.example",
		UploadsURL:               a.url,
	}, extra))
}

func TestAzureAllBucketsPass(t *testing.T) {
	a := requireAzurite(t)
	names := a.createAll(t)
	a.setCORS(t, "https://spacelift.spt.example")
	outs := run(t, a.cfg(t, names, nil), checks.Options{}, seams{})
	expectBucketsPass(t, outs, "pre-signed URL")
	expect(t, outs, "storage.versioning", checks.Warn, "could not verify", "az storage account blob-service-properties show")
	expect(t, outs, "storage.lifecycle", checks.Warn, "could not verify", "management-policy show")
	expect(t, outs, "storage.cors", checks.Pass)
	expect(t, outs, "storage.public-access", checks.Pass, "refused")
	a.assertEmpty(t, names)
	noSecret(t, outs, a.key, a.conn)
}

// TestAzureSharedKey: OBJECT_STORAGE_AZURE_ACCOUNT_URL with
// AZURE_STORAGE_KEY, signing the SAS locally.
func TestAzureSharedKey(t *testing.T) {
	a := requireAzurite(t)
	names := a.createAll(t)
	outs := run(t, a.cfg(t, names, map[string]string{AzureConnectionString: "", AzureStorageKey: a.key}), checks.Options{}, seams{}, "storage.bucket.states")
	r := expect(t, outs, "storage.bucket.states", checks.Pass)
	if c, _ := r.Details.Get("credentials"); c != "shared key (AZURE_STORAGE_KEY from $AZURE_STORAGE_KEY)" {
		t.Errorf("credentials detail %q does not name the shared key and where it came from", c)
	}
	a.assertEmpty(t, names)
	noSecret(t, outs, a.key)
}

func TestAzureMissingContainer(t *testing.T) {
	a := requireAzurite(t)
	names := a.createAll(t)
	names["uploads"] = randName("missing")
	outs := run(t, a.cfg(t, names, nil), checks.Options{}, seams{}, "storage.bucket.uploads")
	expect(t, outs, "storage.bucket.uploads", checks.Fail, "does not exist", "ContainerNotFound", "Create the container")
}

func TestAzureWrongKey(t *testing.T) {
	a := requireAzurite(t)
	names := a.createAll(t)
	// A well-formed key that is not the account's.
	wrongKey := strings.ToUpper(a.key[:20]) + a.key[20:]
	wrongConn := strings.Replace(a.conn, a.key, wrongKey, 1)
	for name, extra := range map[string]map[string]string{
		"connection string": {AzureConnectionString: wrongConn},
		"shared key":        {AzureConnectionString: "", AzureStorageKey: wrongKey},
	} {
		t.Run(name, func(t *testing.T) {
			outs := run(t, a.cfg(t, names, extra), checks.Options{}, seams{}, "storage.bucket.states", "storage.public-access")
			expect(t, outs, "storage.bucket.states", checks.Fail, "signature", "AZURE_STORAGE_KEY")
			noSecret(t, outs, wrongKey, wrongConn, a.key)
		})
	}
}

// TestAzureReadOnlySAS: a connection string with an account SAS that may
// only read and list is an identity without write permission.
func TestAzureReadOnlySAS(t *testing.T) {
	a := requireAzurite(t)
	names := a.createAll(t)
	sasURL, err := a.svc.GetSASURL(sas.AccountResourceTypes{Service: true, Container: true, Object: true},
		sas.AccountPermissions{Read: true, List: true}, time.Now().Add(time.Hour), nil)
	if err != nil {
		t.Fatal(err)
	}
	query := sasURL[strings.IndexByte(sasURL, '?')+1:]
	conn := "BlobEndpoint=" + a.url + ";SharedAccessSignature=" + query
	outs := run(t, a.cfg(t, names, map[string]string{AzureConnectionString: conn}), checks.Options{}, seams{}, bucketIDs()...)
	for _, p := range purposes() {
		if sparedByDefault(p) {
			expect(t, outs, "storage.bucket."+p, checks.Pass, "no probe object written")
			continue
		}
		expect(t, outs, "storage.bucket."+p, checks.Fail, "access denied", "Storage Blob Data Contributor", "blobs/write", names[p])
	}
	sig := ""
	for _, kv := range strings.Split(query, "&") {
		if strings.HasPrefix(kv, "sig=") {
			sig = strings.TrimPrefix(kv, "sig=")
		}
	}
	noSecret(t, outs, sig, conn)
	a.assertEmpty(t, names)
}

func TestAzureCORS(t *testing.T) {
	a := requireAzurite(t)
	names := a.createAll(t)
	a.setCORS(t)
	outs := run(t, a.cfg(t, names, nil), checks.Options{}, seams{}, "storage.cors")
	expect(t, outs, "storage.cors", checks.Fail, "would be refused", "az storage cors add --services b")
	a.setCORS(t, "https://spacelift.spt.example")
	outs = run(t, a.cfg(t, names, nil), checks.Options{}, seams{}, "storage.cors")
	expect(t, outs, "storage.cors", checks.Pass)
	outs = run(t, a.cfg(t, names, map[string]string{configcheck.ServerDomain: "elsewhere.spt.example"}), checks.Options{}, seams{}, "storage.cors")
	expect(t, outs, "storage.cors", checks.Fail, "https://elsewhere.spt.example")

	// A rule that allows only a metadata header refuses the Content-Type
	// a browser sends with the upload.
	_, err := a.svc.SetProperties(testCtx(t), &service.SetPropertiesOptions{CORS: []*service.CORSRule{{AllowedOrigins: to.Ptr("https://spacelift.spt.example"),
		AllowedMethods: to.Ptr("PUT,POST"), AllowedHeaders: to.Ptr("x-ms-meta-*"), ExposedHeaders: to.Ptr("*"), MaxAgeInSeconds: to.Ptr(int32(60))}}})
	if err != nil {
		t.Fatalf("set CORS: %v", err)
	}
	outs = run(t, a.cfg(t, names, nil), checks.Options{}, seams{}, "storage.cors")
	expect(t, outs, "storage.cors", checks.Fail, "would be refused", "az storage cors add")
}

// TestAzureUploadsURLHost: the official value is the account URL; another
// host warns.
func TestAzureUploadsURLHost(t *testing.T) {
	a := requireAzurite(t)
	names := a.createAll(t)
	a.setCORS(t, "https://spacelift.spt.example")
	outs := run(t, a.cfg(t, names, nil), checks.Options{}, seams{}, "storage.cors")
	if st := stepNamed(t, expect(t, outs, "storage.cors", checks.Pass), UploadsURL); st.Status != checks.Pass {
		t.Errorf("the account URL: %+v", st)
	}
	outs = run(t, a.cfg(t, names, map[string]string{UploadsURL: "https://spaceliftacct.blob.core.windows.net"}), checks.Options{}, seams{}, "storage.cors")
	expect(t, outs, "storage.cors", checks.Warn, "Content-Security-Policy", UploadsURL+"=https://"+hostOf(a.url))
}

func TestAzureReadOnlyWritesNothing(t *testing.T) {
	a := requireAzurite(t)
	names := a.createAll(t)
	outs := run(t, a.cfg(t, names, nil), checks.Options{ReadOnly: true}, seams{})
	for _, id := range bucketIDs() {
		expect(t, outs, id, checks.Pass, "read-only")
	}
	expect(t, outs, "storage.public-access", checks.Pass)
	a.assertEmpty(t, names)
}

func TestAzurePublicContainerWarns(t *testing.T) {
	a := requireAzurite(t)
	names := a.createAllPublic(t, "metadata", container.PublicAccessTypeContainer)
	pub := names["metadata"]
	outs := run(t, a.cfg(t, names, nil), checks.Options{}, seams{}, "storage.public-access")
	expect(t, outs, "storage.public-access", checks.Warn, pub, "without credentials", "--public-access off")
	a.assertEmpty(t, names)
}

func TestAzureDeadline(t *testing.T) {
	a := requireAzurite(t)
	names := a.createAll(t)
	hole := "http://" + testsvc.SilentListener(t).Addr() + "/" + a.account
	deadlineTest(t, a.cfg(t, names, map[string]string{AzureConnectionString: strings.Replace(a.conn, a.url, hole, 1)}))
}
