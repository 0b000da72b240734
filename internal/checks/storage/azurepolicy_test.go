package storage

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
)

// The official Azure module's containers (terraform-azure-spacelift-selfhosted
// @99a440d modules/container_storage/main.tf), by purpose.
func moduleContainers() map[string]string {
	names := map[string]string{}
	for _, p := range purposes() {
		names[p] = "spacelift-" + p
	}
	names["workspace"] = "spacelift-workspaces"
	return names
}

// staticToken is a credential that always presents one token.
type staticToken string

func (s staticToken) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{Token: string(s), ExpiresOn: time.Now().Add(time.Hour)}, nil
}

// fakeARM stands in for Azure Resource Manager, which has no local
// emulator (Azurite serves the data plane only). It answers the GET of one
// storage account's child resources (the management policy, the Blob
// service properties) with the status and body set for each, and refuses,
// as ARM does, a request without the expected bearer token.
type fakeARM struct {
	srv   *httptest.Server
	token string

	mu      sync.Mutex
	answers map[string]armAnswer // by child resource, e.g. managementPolicies/default
	hits    map[string]int
}

type armAnswer struct {
	status int
	body   string
}

const (
	armSubscription = "00000000-1111-2222-3333-444444444444"
	armGroup        = "spacelift-rg"
	armAccount      = "spaceliftseed"
)

// newFakeARM serves the management policy with status and body.
func newFakeARM(t *testing.T, status int, body string) *fakeARM {
	t.Helper()
	f := &fakeARM{token: "spt-arm-token-" + randName("t"), answers: map[string]armAnswer{}, hits: map[string]int{}}
	f.serve(managementPolicy, status, body)
	prefix := "/subscriptions/" + armSubscription + "/resourceGroups/" + armGroup + "/providers/Microsoft.Storage/storageAccounts/" + armAccount + "/"
	f.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		sub := strings.TrimPrefix(r.URL.Path, prefix)
		f.hits[sub]++
		a, known := f.answers[sub]
		f.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.Header.Get("Authorization") != "Bearer "+f.token:
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"error":{"code":"InvalidAuthenticationToken","message":"The access token is invalid."}}`))
		case r.Method != http.MethodGet || !known || !strings.HasPrefix(r.URL.Path, prefix) || r.URL.Query().Get("api-version") != armAPIVersion:
			t.Errorf("unexpected request %s %s", r.Method, r.URL)
			w.WriteHeader(http.StatusBadRequest)
		default:
			w.WriteHeader(a.status)
			_, _ = w.Write([]byte(a.body))
		}
	}))
	t.Cleanup(f.srv.Close)
	return f
}

// serve sets the answer to the GET of the account's child resource sub.
func (f *fakeARM) serve(sub string, status int, body string) *fakeARM {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.answers[sub] = armAnswer{status, body}
	return f
}

// requests counts the GETs of sub.
func (f *fakeARM) requests(sub string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.hits[sub]
}

// seam points the reader at the fake: a cloud whose Resource Manager is the
// fake's URL, the fake's TLS client as transport, and a credential.
func (f *fakeARM) seam(token string) seams {
	c := cloud.Configuration{ActiveDirectoryAuthorityHost: f.srv.URL + "/", Services: map[cloud.ServiceName]cloud.ServiceConfiguration{
		cloud.ResourceManager: {Audience: "https://management.spt.example", Endpoint: f.srv.URL},
	}}
	return seams{azureARM: &armOptions{Cloud: c, Transport: f.srv.Client(), Credential: staticToken(token)}}
}

func azurePolicyCfg(t *testing.T, names map[string]string) map[string]string {
	t.Helper()
	return merge(bucketVars(names), map[string]string{
		TypeVar: "azure", AzureAccountURL: "https://" + armAccount + ".blob.core.windows.net",
		AzureSubscriptionID: armSubscription, AzureResourceGroup: armGroup,
	})
}

// TestAzureModulePolicyDeletesStates: the official module's own policy,
// read through (a fake) Azure Resource Manager, deletes state files after
// two days: storage.lifecycle fails on the states container and on nothing
// else (modules are matched by no rule, the temporary containers keep
// blobs as long as Spacelift documents).
func TestAzureModulePolicyDeletesStates(t *testing.T) {
	body, err := os.ReadFile("testdata/azure-module-management-policy.json")
	if err != nil {
		t.Fatal(err)
	}
	f := newFakeARM(t, http.StatusOK, string(body))
	names := moduleContainers()
	outs := run(t, testCfg(t, azurePolicyCfg(t, names)), checks.Options{}, f.seam(f.token), "storage.lifecycle")
	r := expect(t, outs, "storage.lifecycle", checks.Fail, "spacelift-states", "DeleteAfter2Days", "forever", "prefixMatch")
	for _, st := range r.Steps {
		want := checks.Pass
		if st.Name == "spacelift-states (states)" {
			want = checks.Fail
		}
		if st.Status != want {
			t.Errorf("step %+v, want %s", st, want)
		}
	}
	if st := stepNamed(t, r, "spacelift-modules (modules)"); st.Message != "no expiry rule" {
		t.Errorf("modules step %+v: no rule of the module matches it", st)
	}
	if w, _ := r.Details.Get("management policy"); !strings.Contains(w, "/storageAccounts/"+armAccount+"/managementPolicies/default at "+f.srv.URL) {
		t.Errorf("management policy detail %q", w)
	}
	if f.requests(managementPolicy) != 1 {
		t.Errorf("%d requests to ARM, want 1 (one policy for the account)", f.requests(managementPolicy))
	}

	// Renaming the states container out of the rule's prefixes passes.
	names["states"] = "tfstates"
	outs = run(t, testCfg(t, azurePolicyCfg(t, names)), checks.Options{}, f.seam(f.token), "storage.lifecycle")
	expect(t, outs, "storage.lifecycle", checks.Pass)
}

// TestAzurePolicyUnreadable: without the bearer token ARM expects, or with
// an identity that may not read the policy, the check warns that it could
// not verify, once; without a policy nothing expires.
func TestAzurePolicyUnreadable(t *testing.T) {
	names := moduleContainers()
	f := newFakeARM(t, http.StatusOK, `{"properties":{"policy":{"rules":[]}}}`)
	outs := run(t, testCfg(t, azurePolicyCfg(t, names)), checks.Options{}, f.seam("wrong-token"), "storage.lifecycle")
	r := expect(t, outs, "storage.lifecycle", checks.Warn, "could not verify", "refused the token", "Azure AD identity")
	if len(r.Steps) != 0 {
		t.Errorf("one finding for the account, not one per container: %+v", r.Steps)
	}

	f = newFakeARM(t, http.StatusForbidden, `{"error":{"code":"AuthorizationFailed","message":"The client does not have authorization to perform action 'Microsoft.Storage/storageAccounts/managementPolicies/read'."}}`)
	outs = run(t, testCfg(t, azurePolicyCfg(t, names)), checks.Options{}, f.seam(f.token), "storage.lifecycle")
	expect(t, outs, "storage.lifecycle", checks.Warn, "AuthorizationFailed", "managementPolicies/read")

	f = newFakeARM(t, http.StatusNotFound, `{"error":{"code":"ResourceGroupNotFound","message":"Resource group 'spacelift-rg' could not be found."}}`)
	outs = run(t, testCfg(t, azurePolicyCfg(t, names)), checks.Options{}, f.seam(f.token), "storage.lifecycle")
	expect(t, outs, "storage.lifecycle", checks.Warn, "ResourceGroupNotFound", AzureResourceGroup)

	f = newFakeARM(t, http.StatusNotFound, `{"error":{"code":"ManagementPolicyNotFound","message":"No ManagementPolicy found for account spaceliftseed"}}`)
	outs = run(t, testCfg(t, azurePolicyCfg(t, names)), checks.Options{}, f.seam(f.token), "storage.lifecycle")
	expect(t, outs, "storage.lifecycle", checks.Pass)

	// Without the resource group: the honest "could not verify", no request.
	f = newFakeARM(t, http.StatusOK, `{}`)
	kv := azurePolicyCfg(t, names)
	delete(kv, AzureResourceGroup)
	outs = run(t, testCfg(t, kv), checks.Options{}, f.seam(f.token), "storage.lifecycle")
	expect(t, outs, "storage.lifecycle", checks.Warn, "could not verify", AzureSubscriptionID, AzureResourceGroup)
	if n := f.requests(managementPolicy); n != 0 {
		t.Errorf("%d requests without a resource group", n)
	}
}

func TestAzureExpiryRules(t *testing.T) {
	var rules []armRule
	if err := json.Unmarshal([]byte(`[
	 {"name":"all","definition":{"actions":{"baseBlob":{"delete":{"daysAfterModificationGreaterThan":30,"daysAfterCreationGreaterThan":10}}}}},
	 {"name":"off","enabled":false,"definition":{"actions":{"baseBlob":{"delete":{"daysAfterCreationGreaterThan":1}}}}},
	 {"name":"append","definition":{"filters":{"blobTypes":["appendBlob"]},"actions":{"baseBlob":{"delete":{"daysAfterCreationGreaterThan":1}}}}},
	 {"name":"versions","definition":{"actions":{"version":{"delete":{"daysAfterCreationGreaterThan":1}}}}},
	 {"name":"tier","definition":{"actions":{"baseBlob":{"tierToCool":{"daysAfterModificationGreaterThan":1}}}}},
	 {"name":"part","definition":{"filters":{"prefixMatch":["other","states/env/"]},"actions":{"baseBlob":{"delete":{"daysAfterCreationGreaterThan":3}}}}},
	 {"name":"longer","definition":{"filters":{"prefixMatch":["state"],"blobIndexMatch":[{"name":"k","op":"==","value":"v"}]},"actions":{"baseBlob":{"delete":{"daysAfterLastAccessTimeGreaterThan":5}}}}}
	]`), &rules); err != nil {
		t.Fatal(err)
	}
	got := azureExpiryRules(rules, "states")
	want := []expiryRule{{ID: "all", Days: 10}, {ID: "part", Prefix: "env/", Days: 3}, {ID: "longer (blobs with matching index tags only)", Days: 5}}
	if len(got) != len(want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("rule %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
	if got := azureExpiryRules(rules, "statesx"); len(got) != 2 || got[1].ID != "longer (blobs with matching index tags only)" {
		t.Errorf("a prefix of the name matches every container it starts: %+v", got)
	}
}
