package storage

import (
	"net/http"
	"strings"
	"testing"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
)

// TestAzureVersioningThroughARM: with the subscription and the resource
// group, storage.versioning reads the account's Blob service properties
// through (a fake) Azure Resource Manager, once for every container:
// versioning off fails the states container and warns on the ones
// Spacelift suggests it for; absent counts as off.
func TestAzureVersioningThroughARM(t *testing.T) {
	names := moduleContainers()
	f := newFakeARM(t, http.StatusOK, `{}`).serve(blobServices, http.StatusOK,
		`{"id":"/subscriptions/x/resourceGroups/spacelift-rg/providers/Microsoft.Storage/storageAccounts/spaceliftseed/blobServices/default","name":"default","properties":{"isVersioningEnabled":true,"deleteRetentionPolicy":{"enabled":true,"days":7}}}`)
	outs := run(t, testCfg(t, azurePolicyCfg(t, names)), checks.Options{}, f.seam(f.token), "storage.versioning")
	r := expect(t, outs, "storage.versioning", checks.Pass)
	if len(r.Steps) != 6 {
		t.Errorf("%d steps, want one per container that requires or suggests versioning: %+v", len(r.Steps), r.Steps)
	}
	if w, _ := r.Details.Get("blob service properties"); !strings.Contains(w, "/storageAccounts/"+armAccount+"/blobServices/default at "+f.srv.URL) {
		t.Errorf("blob service properties detail %q", w)
	}
	if n := f.requests(blobServices); n != 1 {
		t.Errorf("%d requests to ARM, want 1 (one setting for the account)", n)
	}

	for _, body := range []string{`{"properties":{"isVersioningEnabled":false}}`, `{"name":"default","properties":{"cors":{"corsRules":[]}}}`} {
		f := newFakeARM(t, http.StatusOK, `{}`).serve(blobServices, http.StatusOK, body)
		outs := run(t, testCfg(t, azurePolicyCfg(t, names)), checks.Options{}, f.seam(f.token), "storage.versioning")
		r := expect(t, outs, "storage.versioning", checks.Fail, "spacelift-states", "off for the whole storage account",
			"az storage account blob-service-properties update --account-name ACCOUNT --resource-group "+armGroup+" --enable-versioning true")
		for _, st := range r.Steps {
			want := checks.Warn
			if st.Name == "spacelift-states (states)" {
				want = checks.Fail
			}
			if st.Status != want {
				t.Errorf("%s: step %+v, want %s", body, st, want)
			}
		}
	}

	// Without the states container, versioning off only warns.
	f = newFakeARM(t, http.StatusOK, `{}`).serve(blobServices, http.StatusOK, `{"properties":{"isVersioningEnabled":false}}`)
	kv := azurePolicyCfg(t, names)
	delete(kv, "OBJECT_STORAGE_BUCKET_STATES")
	outs = run(t, testCfg(t, kv), checks.Options{}, f.seam(f.token), "storage.versioning")
	expect(t, outs, "storage.versioning", checks.Warn, "Spacelift suggests enabling it")
}

// TestAzureVersioningUnreadable: a refused token, a denied read or an
// unknown account warns once that versioning could not be verified; without
// the resource group nothing is asked and the honest warning stays.
func TestAzureVersioningUnreadable(t *testing.T) {
	names := moduleContainers()
	f := newFakeARM(t, http.StatusOK, `{}`).serve(blobServices, http.StatusOK, `{"properties":{"isVersioningEnabled":true}}`)
	outs := run(t, testCfg(t, azurePolicyCfg(t, names)), checks.Options{}, f.seam("wrong-token"), "storage.versioning")
	r := expect(t, outs, "storage.versioning", checks.Warn, "could not verify versioning", "refused the token", "Azure AD identity", "az storage account blob-service-properties show")
	if len(r.Steps) != 0 {
		t.Errorf("one finding for the account, not one per container: %+v", r.Steps)
	}

	f = newFakeARM(t, http.StatusOK, `{}`).serve(blobServices, http.StatusForbidden,
		`{"error":{"code":"AuthorizationFailed","message":"The client does not have authorization to perform action 'Microsoft.Storage/storageAccounts/blobServices/read'."}}`)
	outs = run(t, testCfg(t, azurePolicyCfg(t, names)), checks.Options{}, f.seam(f.token), "storage.versioning")
	expect(t, outs, "storage.versioning", checks.Warn, "AuthorizationFailed", "blobServices/read")

	f = newFakeARM(t, http.StatusOK, `{}`).serve(blobServices, http.StatusNotFound, `{"error":{"code":"ResourceNotFound","message":"The Resource 'Microsoft.Storage/storageAccounts/spaceliftseed' was not found."}}`)
	outs = run(t, testCfg(t, azurePolicyCfg(t, names)), checks.Options{}, f.seam(f.token), "storage.versioning")
	expect(t, outs, "storage.versioning", checks.Warn, "ResourceNotFound", AzureResourceGroup, "az storage account show --name "+armAccount)

	f = newFakeARM(t, http.StatusOK, `{}`).serve(blobServices, http.StatusOK, `{"properties":{"isVersioningEnabled":true}}`)
	kv := azurePolicyCfg(t, names)
	delete(kv, AzureResourceGroup)
	outs = run(t, testCfg(t, kv), checks.Options{}, f.seam(f.token), "storage.versioning")
	expect(t, outs, "storage.versioning", checks.Warn, "could not verify", AzureSubscriptionID, AzureResourceGroup, "az storage account blob-service-properties show")
	if n := f.requests(blobServices); n != 0 {
		t.Errorf("%d requests without a resource group", n)
	}
}
