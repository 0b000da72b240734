package storage

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
)

// managementPolicyAPIVersion is the Microsoft.Storage API version of the
// management policy GET (a stable version that has every field read here).
const managementPolicyAPIVersion = "2023-05-01"

// armOptions point the Azure Resource Manager client somewhere else than
// the cloud of the storage account (tests: a local fake ARM endpoint): the
// cloud configuration's ResourceManager endpoint, the transport and the
// credential replace the public cloud and DefaultAzureCredential.
type armOptions struct {
	Cloud      cloud.Configuration
	Transport  policy.Transporter
	Credential azcore.TokenCredential
}

// policyReader reads a storage account's lifecycle management policy
// (Microsoft.Storage/storageAccounts/managementPolicies/default) through
// Azure Resource Manager, once per run: it is one account-wide setting.
type policyReader struct {
	subscription, group, account string
	opts                         armOptions

	mu     sync.Mutex
	loaded bool
	rules  []armRule
}

// newPolicyReader returns nil unless the subscription and the resource
// group are both known; accountURL names the account and its cloud.
func newPolicyReader(subscription, group, accountURL string, seam *armOptions) *policyReader {
	if subscription == "" || group == "" {
		return nil
	}
	r := &policyReader{subscription: subscription, group: group, account: azureAccountName(accountURL), opts: armOptions{Cloud: cloudOf(accountURL)}}
	if seam != nil {
		r.opts = *seam
	}
	return r
}

// cloudOf picks the Azure cloud from the account URL's DNS suffix, so a
// sovereign cloud's account is read through that cloud's Resource Manager.
func cloudOf(accountURL string) cloud.Configuration {
	host := strings.ToLower(hostOf(accountURL))
	switch {
	case strings.HasSuffix(host, ".chinacloudapi.cn"):
		return cloud.AzureChina
	case strings.HasSuffix(host, ".usgovcloudapi.net"):
		return cloud.AzureGovernment
	}
	return cloud.AzurePublic
}

// resource is the policy's ARM resource ID.
func (r *policyReader) resource() string {
	return "/subscriptions/" + url.PathEscape(r.subscription) + "/resourceGroups/" + url.PathEscape(r.group) +
		"/providers/Microsoft.Storage/storageAccounts/" + url.PathEscape(r.account) + "/managementPolicies/default"
}

// where describes, without secrets, what is read and with which identity.
func (r *policyReader) where() string {
	ep := r.opts.Cloud.Services[cloud.ResourceManager].Endpoint
	cred := "DefaultAzureCredential"
	if r.opts.Credential != nil {
		cred = "the credential given to the backend"
	}
	return r.resource() + " at " + ep + ", as " + cred
}

// load reads the policy on first use; a failure is not cached, so a later
// call may retry with its own deadline.
func (r *policyReader) load(ctx context.Context) ([]armRule, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.loaded {
		return r.rules, nil
	}
	rules, err := r.fetch(ctx)
	if err != nil {
		return nil, err
	}
	r.rules, r.loaded = rules, true
	return rules, nil
}

func (r *policyReader) fetch(ctx context.Context) ([]armRule, error) {
	cred := r.opts.Credential
	if cred == nil {
		c, err := azidentity.NewDefaultAzureCredential(&azidentity.DefaultAzureCredentialOptions{ClientOptions: policy.ClientOptions{Cloud: r.opts.Cloud}})
		if err != nil {
			return nil, &opError{Kind: kindNoCredentials, Text: sanitize(err.Error())}
		}
		cred = c
	}
	client, err := arm.NewClient("spacectl-preflight", "v0.0.0", cred, &arm.ClientOptions{
		ClientOptions:         policy.ClientOptions{Cloud: r.opts.Cloud, Transport: r.opts.Transport, Telemetry: policy.TelemetryOptions{Disabled: true}},
		DisableRPRegistration: true,
	})
	if err != nil {
		return nil, &opError{Kind: kindOther, Text: sanitize(err.Error())}
	}
	req, err := runtime.NewRequest(ctx, http.MethodGet, runtime.JoinPaths(client.Endpoint(), r.resource()))
	if err != nil {
		return nil, &opError{Kind: kindOther, Text: sanitize(err.Error())}
	}
	q := req.Raw().URL.Query()
	q.Set("api-version", managementPolicyAPIVersion)
	req.Raw().URL.RawQuery = q.Encode()
	req.Raw().Header.Set("Accept", "application/json")
	resp, err := client.Pipeline().Do(req)
	if err != nil {
		return nil, r.classify(err)
	}
	if !runtime.HasStatusCode(resp, http.StatusOK) {
		err := r.classify(runtime.NewResponseError(resp))
		if oe := asOpError(err); oe.Code == "ManagementPolicyNotFound" {
			return nil, nil // no policy: nothing expires
		}
		return nil, err
	}
	var p armPolicy
	if err := runtime.UnmarshalAsJSON(resp, &p); err != nil {
		return nil, &opError{Kind: kindOther, Text: "the management policy is not the JSON expected: " + sanitize(err.Error())}
	}
	return p.Properties.Policy.Rules, nil
}

func (r *policyReader) classify(err error) error {
	var re *azcore.ResponseError
	if errors.As(err, &re) {
		e := &opError{Kind: kindOther, Code: re.ErrorCode, Status: re.StatusCode}
		switch {
		case re.StatusCode == http.StatusForbidden:
			e.Kind = kindDenied
		case re.StatusCode == http.StatusUnauthorized:
			e.Kind, e.Text = kindNoCredentials, "Azure Resource Manager refused the token"
		case re.StatusCode == http.StatusNotFound:
			e.Text = fmt.Sprintf("Azure Resource Manager knows no storage account %s in resource group %s of subscription %s", r.account, r.group, r.subscription)
			e.Hint = fmt.Sprintf("Set %s and %s to the storage account's subscription and resource group: az storage account show --name %s --query id", AzureSubscriptionID, AzureResourceGroup, r.account)
		}
		return e
	}
	var ae *azidentity.AuthenticationFailedError
	if errors.As(err, &ae) || strings.Contains(err.Error(), "DefaultAzureCredential") {
		return &opError{Kind: kindNoCredentials, Text: "DefaultAzureCredential could not get a token for Azure Resource Manager"}
	}
	return classifyTransport(err)
}

// armPolicy is the part of a ManagementPolicy resource read here.
type armPolicy struct {
	Properties struct {
		Policy struct {
			Rules []armRule `json:"rules"`
		} `json:"policy"`
	} `json:"properties"`
}

type armRule struct {
	Name string `json:"name"`
	// Enabled is true when absent: Azure applies a rule unless it is
	// disabled explicitly.
	Enabled    *bool  `json:"enabled"`
	Type       string `json:"type"`
	Definition struct {
		Filters *struct {
			PrefixMatch    []string `json:"prefixMatch"`
			BlobTypes      []string `json:"blobTypes"`
			BlobIndexMatch []struct {
				Name string `json:"name"`
			} `json:"blobIndexMatch"`
		} `json:"filters"`
		Actions struct {
			BaseBlob *struct {
				Delete *armDateAfter `json:"delete"`
			} `json:"baseBlob"`
		} `json:"actions"`
	} `json:"definition"`
}

// armDateAfter is a delete action's age conditions, in days.
type armDateAfter struct {
	DaysAfterModificationGreaterThan   *float64 `json:"daysAfterModificationGreaterThan"`
	DaysAfterCreationGreaterThan       *float64 `json:"daysAfterCreationGreaterThan"`
	DaysAfterLastAccessTimeGreaterThan *float64 `json:"daysAfterLastAccessTimeGreaterThan"`
}

// days is the shortest age condition, or -1 when the action has none.
func (d *armDateAfter) days() int {
	n := -1
	for _, v := range []*float64{d.DaysAfterModificationGreaterThan, d.DaysAfterCreationGreaterThan, d.DaysAfterLastAccessTimeGreaterThan} {
		if v != nil && (n < 0 || int(math.Ceil(*v)) < n) {
			n = int(math.Ceil(*v))
		}
	}
	return n
}

// azureExpiryRules keeps the enabled rules that delete current block blobs
// (a baseBlob delete action) in the container: a prefixMatch is
// "container/blob-prefix", so it matches the whole container when it is a
// prefix of "container/" ("spacelift-states" matches every blob of the
// container spacelift-states), and part of it when it starts with
// "container/". A rule without prefixMatch matches every container.
// Actions on snapshots or versions only remove history and are ignored.
func azureExpiryRules(rules []armRule, container string) []expiryRule {
	var out []expiryRule
	for _, r := range rules {
		del := (*armDateAfter)(nil)
		if r.Definition.Actions.BaseBlob != nil {
			del = r.Definition.Actions.BaseBlob.Delete
		}
		if (r.Enabled != nil && !*r.Enabled) || (r.Type != "" && r.Type != "Lifecycle") || del == nil {
			continue
		}
		id := r.Name
		prefixes := []string{""}
		if f := r.Definition.Filters; f != nil {
			if len(f.BlobTypes) > 0 && !containsFold(f.BlobTypes, "blockBlob") {
				continue // Spacelift writes block blobs
			}
			if len(f.BlobIndexMatch) > 0 {
				id += " (blobs with matching index tags only)"
			}
			if len(f.PrefixMatch) > 0 {
				prefixes = f.PrefixMatch
			}
		}
		if prefix, ok := matchContainer(prefixes, container); ok {
			out = append(out, expiryRule{ID: id, Prefix: prefix, Days: max(del.days(), 0)})
		}
	}
	return out
}

// matchContainer returns the part of the container a rule's prefixes
// match: "" for all of it (preferred), or the blob prefix of the first
// partial match.
func matchContainer(prefixes []string, container string) (prefix string, ok bool) {
	for _, p := range prefixes {
		if strings.HasPrefix(container+"/", p) {
			return "", true
		}
	}
	for _, p := range prefixes {
		if strings.HasPrefix(p, container+"/") {
			return strings.TrimPrefix(p, container+"/"), true
		}
	}
	return "", false
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}
