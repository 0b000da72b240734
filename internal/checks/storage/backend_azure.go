package storage

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/bloberror"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blockblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/sas"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/service"

	"github.com/spacelift-io/spacectl-preflight/internal/config"
	"github.com/spacelift-io/spacectl-preflight/internal/secret"
)

// azureBackend talks to Azure Blob Storage. Containers play the part of
// buckets. Credentials, in order: AZURE_STORAGE_CONNECTION_STRING,
// AZURE_STORAGE_KEY with OBJECT_STORAGE_AZURE_ACCOUNT_URL, or
// DefaultAzureCredential with the account URL.
type azureBackend struct {
	svc *service.Client
	// from and creds are whereDetails' endpointFrom and credentials.
	from, creds string
	shared      bool // the client can sign SAS URLs locally
	sasURL      bool // the service URL carries a SAS (connection string with SharedAccessSignature)
	hc          *http.Client
	// arm reads the account's lifecycle management policy and versioning
	// setting; nil unless AZURE_SUBSCRIPTION_ID and the resource group are
	// set.
	arm *armReader
}

// errNoDataPlane marks settings the Blob data-plane API cannot read.
func errNoDataPlane() error {
	return &opError{Kind: kindUnsupported, Text: "not readable through the Blob data-plane API"}
}

func newAzureBackend(cfg *config.Config, arm *armOptions) (*azureBackend, error) {
	b := &azureBackend{hc: &http.Client{}}
	accountURL := strings.TrimRight(cfg.Get(AzureAccountURL), "/")
	var err error
	switch {
	case cfg.Has(AzureConnectionString):
		cs := cfg.Secret(AzureConnectionString).Reveal()
		b.shared = strings.Contains(cs, "AccountKey=")
		b.sasURL = !b.shared && strings.Contains(cs, "SharedAccessSignature=")
		b.from = originOf(cfg, AzureConnectionString)
		switch {
		case b.shared:
			b.creds = "the account key in the connection string (" + b.from + ")"
		case b.sasURL:
			b.creds = "the SAS in the connection string (" + b.from + ")"
		default:
			b.creds = "none: the connection string (" + b.from + ") holds no key or SAS"
		}
		b.svc, err = service.NewClientFromConnectionString(cs, nil)
		if err != nil {
			// The SDK's message quotes the expected format, not the value.
			return nil, &opError{Kind: kindNoCredentials, Text: "AZURE_STORAGE_CONNECTION_STRING is not a valid connection string"}
		}
	case cfg.Has(AzureStorageKey):
		b.shared, b.from = true, originOf(cfg, AzureAccountURL)
		b.creds = "shared key (" + originOf(cfg, AzureStorageKey) + ")"
		cred, cerr := azblob.NewSharedKeyCredential(azureAccountName(accountURL), cfg.Secret(AzureStorageKey).Reveal())
		if cerr != nil {
			return nil, &opError{Kind: kindNoCredentials, Text: "AZURE_STORAGE_KEY is not a valid base64 account key"}
		}
		b.svc, err = service.NewClientWithSharedKeyCredential(accountURL+"/", cred, nil)
	default:
		b.from = originOf(cfg, AzureAccountURL)
		b.creds = "DefaultAzureCredential (environment, Workload Identity, managed identity or Azure CLI): neither " + AzureConnectionString + " nor " + AzureStorageKey + " is set"
		cred, cerr := azidentity.NewDefaultAzureCredential(nil)
		if cerr != nil {
			return nil, &opError{Kind: kindNoCredentials, Text: sanitize(cerr.Error())}
		}
		b.svc, err = service.NewClient(accountURL+"/", cred, nil)
	}
	if err != nil {
		return nil, &opError{Kind: kindOther, Text: "invalid OBJECT_STORAGE_AZURE_ACCOUNT_URL: " + secret.ParseErrorText(err)}
	}
	b.arm = newARMReader(cfg.Get(AzureSubscriptionID), cfg.Get(AzureResourceGroup), stripQuery(b.svc.URL()), arm)
	return b, nil
}

// azureAccountName takes the account from https://ACCOUNT.blob.<suffix>,
// or from the first path segment of an emulator URL such as
// http://127.0.0.1:10000/devstoreaccount1.
func azureAccountName(accountURL string) string {
	u, err := url.Parse(accountURL)
	if err != nil {
		return ""
	}
	if p := strings.Trim(u.Path, "/"); p != "" {
		return strings.SplitN(p, "/", 2)[0]
	}
	return strings.SplitN(u.Hostname(), ".", 2)[0]
}

func (b *azureBackend) endpoint() string { return stripQuery(b.svc.URL()) }

func (b *azureBackend) endpointFrom() string { return b.from }

func (b *azureBackend) credentials(context.Context) string { return b.creds }

func stripQuery(u string) string {
	if i := strings.IndexByte(u, '?'); i >= 0 {
		return u[:i]
	}
	return strings.TrimRight(u, "/")
}

func (b *azureBackend) blob(bucket, key string) *blockblob.Client {
	return b.svc.NewContainerClient(bucket).NewBlockBlobClient(key)
}

func (b *azureBackend) exists(ctx context.Context, bucket string) error {
	_, err := b.svc.NewContainerClient(bucket).GetProperties(ctx, nil)
	if err != nil && b.sasURL && bloberror.HasCode(err, bloberror.AuthorizationResourceTypeMismatch) {
		// A container- or object-scoped SAS cannot read container
		// properties; listing is what it may do.
		pager := b.svc.NewContainerClient(bucket).NewListBlobsFlatPager(&container.ListBlobsFlatOptions{MaxResults: to.Ptr(int32(1))})
		_, err = pager.NextPage(ctx)
	}
	return b.classify(err)
}

func (b *azureBackend) put(ctx context.Context, bucket, key string, body []byte) (string, error) {
	resp, err := b.blob(bucket, key).UploadBuffer(ctx, body, &blockblob.UploadBufferOptions{
		HTTPHeaders: &blob.HTTPHeaders{BlobContentType: to.Ptr("text/plain")}})
	if err != nil {
		return "", b.classify(err)
	}
	if resp.VersionID != nil {
		return *resp.VersionID, nil
	}
	return "", nil
}

func (b *azureBackend) get(ctx context.Context, bucket, key string) ([]byte, string, error) {
	resp, err := b.blob(bucket, key).DownloadStream(ctx, nil)
	if err != nil {
		return nil, "", b.classify(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	version := ""
	if resp.VersionID != nil {
		version = *resp.VersionID
	}
	return data, version, b.classify(err)
}

func (b *azureBackend) presignGet(ctx context.Context, bucket, key string, ttl time.Duration) (string, error) {
	return b.sas(ctx, bucket, key, sas.BlobPermissions{Read: true}, ttl)
}

// presignPut is a SAS that may create and write the blob; Azure's Put Blob
// also needs the blob type in a header.
func (b *azureBackend) presignPut(ctx context.Context, bucket, key string, ttl time.Duration) (signedPut, error) {
	u, err := b.sas(ctx, bucket, key, sas.BlobPermissions{Create: true, Write: true}, ttl)
	if err != nil {
		return signedPut{}, err
	}
	return signedPut{URL: u, Header: http.Header{"X-Ms-Blob-Type": {"BlockBlob"}}, VersionHeader: "X-Ms-Version-Id"}, nil
}

// sas signs a blob URL with the account key, or with a user-delegation key
// from DefaultAzureCredential; a connection string's SAS is used as is.
func (b *azureBackend) sas(ctx context.Context, bucket, key string, perms sas.BlobPermissions, ttl time.Duration) (string, error) {
	bc := b.blob(bucket, key)
	expiry := time.Now().UTC().Add(ttl)
	switch {
	case b.shared:
		u, err := bc.BlobClient().GetSASURL(perms, expiry, nil)
		return u, b.classify(err)
	case b.sasURL:
		// The client's URL already carries the configured SAS; that is
		// what a pre-signed URL would be.
		return bc.URL(), nil
	}
	start := time.Now().UTC().Add(-time.Minute)
	udc, err := b.svc.GetUserDelegationCredential(ctx, service.KeyInfo{
		Start: to.Ptr(start.Format(sas.TimeFormat)), Expiry: to.Ptr(expiry.Format(sas.TimeFormat))}, nil)
	if err != nil {
		return "", b.classify(err)
	}
	qp, err := sas.BlobSignatureValues{Protocol: sas.ProtocolHTTPS, StartTime: start, ExpiryTime: expiry,
		Permissions: perms.String(), ContainerName: bucket, BlobName: key}.SignWithUserDelegation(udc)
	if err != nil {
		return "", b.classify(err)
	}
	return bc.URL() + "?" + qp.Encode(), nil
}

func (b *azureBackend) remove(ctx context.Context, bucket, key, version string) error {
	bc := b.blob(bucket, key).BlobClient()
	if version != "" {
		if vc, err := bc.WithVersionID(version); err == nil {
			bc = vc
		}
	}
	_, err := bc.Delete(ctx, nil)
	if bloberror.HasCode(err, bloberror.BlobNotFound) {
		return nil
	}
	return b.classify(err)
}

// versioning is an account-level management-plane setting
// (isVersioningEnabled), read once through Azure Resource Manager
// (loadVersioning) when the subscription and the resource group are known;
// the Blob API cannot read it.
func (b *azureBackend) versioning(ctx context.Context, _ string) (versioningState, error) {
	if b.arm == nil {
		return "", errNoDataPlane()
	}
	on, err := b.arm.loadVersioning(ctx)
	switch {
	case err != nil:
		return "", err
	case on:
		return versioningEnabled, nil
	}
	return versioningAccountOff, nil
}

// loadVersioning implements accountVersioning.
func (b *azureBackend) loadVersioning(ctx context.Context) (where string, err error) {
	if b.arm == nil {
		return "", errNoDataPlane()
	}
	_, err = b.arm.loadVersioning(ctx)
	return b.arm.where(blobServices), err
}

// lifecycle rules are the account's management policy, an Azure Resource
// Manager resource read once (loadPolicy) when the subscription and the
// resource group are known.
func (b *azureBackend) lifecycle(ctx context.Context, bucket string) ([]expiryRule, error) {
	if b.arm == nil {
		return nil, errNoDataPlane()
	}
	rules, err := b.arm.loadPolicy(ctx)
	if err != nil {
		return nil, err
	}
	return azureExpiryRules(rules, bucket), nil
}

// loadPolicy implements accountLifecycle.
func (b *azureBackend) loadPolicy(ctx context.Context) (where string, err error) {
	if b.arm == nil {
		return "", errNoDataPlane()
	}
	_, err = b.arm.loadPolicy(ctx)
	return b.arm.where(managementPolicy), err
}

// publicAccess reads the container's public access level from its
// properties (Get Container Properties: x-ms-blob-public-access).
func (b *azureBackend) publicAccess(ctx context.Context, bucket string) (publicSetting, error) {
	ps := publicSetting{Name: "container public access level"}
	props, err := b.svc.NewContainerClient(bucket).GetProperties(ctx, nil)
	if err != nil {
		return ps, b.classify(err)
	}
	ps.Value, ps.Open = azureContainerAccess(props.BlobPublicAccess)
	return ps, nil
}

func (b *azureBackend) objectURL(bucket, key string) string {
	return stripQuery(b.svc.URL()) + "/" + bucket + "/" + escapeKey(key)
}

// officialUploadsHost is the storage account's host: the official Azure
// module writes STORAGE_ACCOUNT_URL there.
func (b *azureBackend) officialUploadsHost(string) string { return hostOf(stripQuery(b.svc.URL())) }

func (b *azureBackend) listURL(bucket string) string {
	return stripQuery(b.svc.URL()) + "/" + bucket + "?restype=container&comp=list"
}

func (b *azureBackend) httpClient() *http.Client { return b.hc }

func (b *azureBackend) close() {}

func (b *azureBackend) classify(err error) (classified error) {
	defer func() { classified = withCause(classified, err) }()
	if err == nil {
		return nil
	}
	if ctxErr(err) {
		return classifyTransport(err)
	}
	var re *azcore.ResponseError
	if errors.As(err, &re) {
		e := fromCode(re.ErrorCode, re.StatusCode, "")
		if re.ErrorCode == string(bloberror.AuthenticationFailed) && strings.Contains(err.Error(), "Request date header too old") {
			e.Kind = kindSkew
		}
		if re.ErrorCode == string(bloberror.AuthorizationFailure) && b.shared {
			// An account key may do everything, so a refusal means the key
			// is wrong (Azurite's answer), or the account's network rules
			// refuse this client (Azure's, with the right key).
			e.Kind = kindSignature
			e.Text = "a wrong account key, or the storage account's firewall refuses this network"
		}
		if re.StatusCode == http.StatusNotFound && re.ErrorCode != string(bloberror.ContainerNotFound) && e.Kind != kindNoObject {
			e.Kind, e.Text = kindOther, "not found"
		}
		return e
	}
	var ae *azidentity.AuthenticationFailedError
	if errors.As(err, &ae) {
		return &opError{Kind: kindNoCredentials, Text: "DefaultAzureCredential could not get a token"}
	}
	if strings.Contains(err.Error(), "DefaultAzureCredential") {
		return &opError{Kind: kindNoCredentials, Text: "DefaultAzureCredential found no usable credential"}
	}
	return classifyTransport(err)
}
