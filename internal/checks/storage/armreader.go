package storage

import (
	"context"
	"errors"
	"fmt"
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

// armAPIVersion is the Microsoft.Storage API version of the GETs below (a
// stable version that has every field read here).
const armAPIVersion = "2023-05-01"

// armOptions point the Azure Resource Manager client somewhere else than
// the cloud of the storage account (tests: a local fake ARM endpoint): the
// cloud configuration's ResourceManager endpoint, the transport and the
// credential replace the public cloud and DefaultAzureCredential.
type armOptions struct {
	Cloud      cloud.Configuration
	Transport  policy.Transporter
	Credential azcore.TokenCredential
}

// armReader reads the storage account's settings that only Azure Resource
// Manager serves, the Blob data-plane API not (the lifecycle management
// policy, versioning), each once per run: they are account-wide.
type armReader struct {
	subscription, group, account string
	opts                         armOptions

	policy     onceOK[[]armRule]
	versioning onceOK[bool]
}

// newARMReader returns nil unless the subscription and the resource group
// are both known; accountURL names the account and its cloud.
func newARMReader(subscription, group, accountURL string, seam *armOptions) *armReader {
	if subscription == "" || group == "" {
		return nil
	}
	a := &armReader{subscription: subscription, group: group, account: azureAccountName(accountURL), opts: armOptions{Cloud: cloudOf(accountURL)}}
	if seam != nil {
		a.opts = *seam
	}
	return a
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

// resource is the ARM resource ID of the account's child sub, e.g.
// "managementPolicies/default".
func (a *armReader) resource(sub string) string {
	return "/subscriptions/" + url.PathEscape(a.subscription) + "/resourceGroups/" + url.PathEscape(a.group) +
		"/providers/Microsoft.Storage/storageAccounts/" + url.PathEscape(a.account) + "/" + sub
}

// where describes, without secrets, what is read and with which identity.
func (a *armReader) where(sub string) string {
	ep := a.opts.Cloud.Services[cloud.ResourceManager].Endpoint
	cred := "DefaultAzureCredential"
	if a.opts.Credential != nil {
		cred = "the credential given to the backend"
	}
	return a.resource(sub) + " at " + ep + ", as " + cred
}

// get reads the account's child sub into out. A non-200 answer is
// returned classified, with ARM's error code in Code.
func (a *armReader) get(ctx context.Context, sub string, out any) error {
	cred := a.opts.Credential
	if cred == nil {
		c, err := azidentity.NewDefaultAzureCredential(&azidentity.DefaultAzureCredentialOptions{ClientOptions: policy.ClientOptions{Cloud: a.opts.Cloud}})
		if err != nil {
			return &opError{Kind: kindNoCredentials, Text: sanitize(err.Error())}
		}
		cred = c
	}
	client, err := arm.NewClient("spacectl-preflight", "v0.0.0", cred, &arm.ClientOptions{
		ClientOptions:         policy.ClientOptions{Cloud: a.opts.Cloud, Transport: a.opts.Transport, Telemetry: policy.TelemetryOptions{Disabled: true}},
		DisableRPRegistration: true,
	})
	if err != nil {
		return &opError{Kind: kindOther, Text: sanitize(err.Error())}
	}
	req, err := runtime.NewRequest(ctx, http.MethodGet, runtime.JoinPaths(client.Endpoint(), a.resource(sub)))
	if err != nil {
		return &opError{Kind: kindOther, Text: sanitize(err.Error())}
	}
	q := req.Raw().URL.Query()
	q.Set("api-version", armAPIVersion)
	req.Raw().URL.RawQuery = q.Encode()
	req.Raw().Header.Set("Accept", "application/json")
	resp, err := client.Pipeline().Do(req)
	if err != nil {
		return a.classify(err)
	}
	if !runtime.HasStatusCode(resp, http.StatusOK) {
		return a.classify(runtime.NewResponseError(resp))
	}
	if err := runtime.UnmarshalAsJSON(resp, out); err != nil {
		return &opError{Kind: kindOther, Text: sub + " is not the JSON expected: " + sanitize(err.Error())}
	}
	return nil
}

func (a *armReader) classify(err error) error {
	var re *azcore.ResponseError
	if errors.As(err, &re) {
		e := &opError{Kind: kindOther, Code: re.ErrorCode, Status: re.StatusCode}
		switch {
		case re.StatusCode == http.StatusForbidden:
			e.Kind = kindDenied
		case re.StatusCode == http.StatusUnauthorized:
			e.Kind, e.Text = kindNoCredentials, "Azure Resource Manager refused the token"
		case re.StatusCode == http.StatusNotFound:
			e.Text = fmt.Sprintf("Azure Resource Manager knows no storage account %s in resource group %s of subscription %s", a.account, a.group, a.subscription)
			e.Hint = fmt.Sprintf("Set %s and %s to the storage account's subscription and resource group: az storage account show --name %s --query id.", AzureSubscriptionID, AzureResourceGroup, a.account)
		}
		return e
	}
	var ae *azidentity.AuthenticationFailedError
	if errors.As(err, &ae) || strings.Contains(err.Error(), "DefaultAzureCredential") {
		return &opError{Kind: kindNoCredentials, Text: "DefaultAzureCredential could not get a token for Azure Resource Manager"}
	}
	return classifyTransport(err)
}

// onceOK keeps the first successful result of a fetch; a failure is not
// kept, so a later call may retry with its own deadline.
type onceOK[T any] struct {
	mu   sync.Mutex
	done bool
	v    T
}

func (o *onceOK[T]) get(ctx context.Context, fetch func(context.Context) (T, error)) (T, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.done {
		return o.v, nil
	}
	v, err := fetch(ctx)
	if err != nil {
		var zero T
		return zero, err
	}
	o.v, o.done = v, true
	return v, nil
}
