package storage

import (
	"context"
	"fmt"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/config"
)

// azureFlavour is Azure Blob Storage (OBJECT_STORAGE_TYPE=azure), whose
// buckets are containers of one storage account.
type azureFlavour struct {
	cfg *config.Config
	// arm, when set, replaces the cloud and credential of the Azure
	// Resource Manager reader (seams.azureARM).
	arm *armOptions
}

func (azureFlavour) name() string { return "azure" }

func (f azureFlavour) disabledReason() string {
	if !f.cfg.Has(AzureAccountURL) && !f.cfg.Has(AzureConnectionString) {
		return AzureAccountURL + " is not set (OBJECT_STORAGE_TYPE is azure)"
	}
	return ""
}

func (f azureFlavour) newBackend(context.Context) (backend, error) {
	return newAzureBackend(f.cfg, f.arm)
}

func (azureFlavour) bucketWord() string { return "container" }

func (azureFlavour) whoAmI() string {
	return "Containers live in the storage account of OBJECT_STORAGE_AZURE_ACCOUNT_URL."
}

func (azureFlavour) permissionAdvice(o op, bucket string) string {
	switch o {
	case opPresign, opPresignPut:
		return "Creating a user-delegation SAS needs Microsoft.Storage/storageAccounts/blobServices/generateUserDelegationKey/action (included in Storage Blob Data Contributor) on the storage account."
	case opExists, opGet, opFetch, opRead:
		return fmt.Sprintf("Assign Storage Blob Data Contributor (read: Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read) on the storage account or container %q to Spacelift's identity; with a SAS, it needs the r and l permissions.", bucket)
	case opDelete:
		return fmt.Sprintf("Assign Storage Blob Data Contributor (Microsoft.Storage/storageAccounts/blobServices/containers/blobs/delete) on container %q; with a SAS, it needs the d permission.", bucket)
	case opLifecycle:
		return "Reading the lifecycle management policy needs Microsoft.Storage/storageAccounts/managementPolicies/read on the storage account (the Reader role has it) for the identity DefaultAzureCredential finds here."
	case opVersioning:
		return "Reading the versioning setting needs Microsoft.Storage/storageAccounts/blobServices/read on the storage account (the Reader role has it) for the identity DefaultAzureCredential finds here."
	}
	return fmt.Sprintf("Assign Storage Blob Data Contributor (Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write) on the storage account or container %q to Spacelift's identity, as the official module does; with a SAS, it needs the c and w permissions.", bucket)
}

func (azureFlavour) signatureAdvice() string {
	return "The account key or SAS was rejected: check " + AzureStorageKey + " / " + AzureConnectionString + " against the storage account's access keys (az storage account keys list), or remove them to use DefaultAzureCredential."
}

func (azureFlavour) credentialAdvice(o op) string {
	switch o {
	case opLifecycle:
		return "Reading the lifecycle management policy " + armIdentityAdvice
	case opVersioning:
		return "Reading the versioning setting " + armIdentityAdvice
	}
	return "Provide credentials for DefaultAzureCredential (AZURE_CLIENT_ID/AZURE_TENANT_ID/AZURE_FEDERATED_TOKEN_FILE for Workload Identity, a managed identity, or AZURE_CLIENT_SECRET), or set " + AzureStorageKey + " or " + AzureConnectionString + "."
}

func (azureFlavour) tlsAdvice() string { return untrustedTLSAdvice }

func (azureFlavour) corsAdvice(_, origin string) string {
	return fmt.Sprintf("CORS is a Blob-service (account) setting: az storage cors add --services b --methods PUT POST --origins %s --allowed-headers '*' --exposed-headers '*' --max-age 3600 --account-name ACCOUNT", origin)
}

// armIdentityAdvice completes "Reading <the setting> ..." for what only
// Azure Resource Manager serves.
const armIdentityAdvice = "goes through Azure Resource Manager, which needs an Azure AD identity: az login, Workload Identity, a managed identity or AZURE_CLIENT_ID/AZURE_TENANT_ID/AZURE_CLIENT_SECRET for DefaultAzureCredential (an account key or connection string cannot read it)."

// enableVersioning: versioning is one setting of the storage account, for
// every container.
func (f azureFlavour) enableVersioning(string) string {
	return "Enable blob versioning on the storage account (it applies to every container): az storage account blob-service-properties update --account-name ACCOUNT --resource-group " + f.resourceGroup() + " --enable-versioning true, or the storage account's Data protection page in the portal."
}

// resourceGroup is the configured resource group, or RG for the advice.
func (f azureFlavour) resourceGroup() string {
	if g := f.cfg.Get(AzureResourceGroup); g != "" {
		return g
	}
	return "RG"
}

func (azureFlavour) versioningHowTo(string) string {
	return "Check with: az storage account blob-service-properties show --account-name ACCOUNT --query isVersioningEnabled (or the storage account's Data protection page in the portal)."
}

func (azureFlavour) removeRuleAdvice(bucket string) string {
	return "Remove container " + bucket + " from the rule's prefixMatch (a prefix matches every container whose name starts with it): az storage account management-policy show --account-name ACCOUNT --resource-group RG, then management-policy update or create with the corrected policy."
}

func (azureFlavour) publicAdvice(bucket string) string {
	return fmt.Sprintf("Spacelift needs no anonymous access (it hands out SAS URLs): az storage container set-permission --name %s --public-access off --account-name ACCOUNT, or az storage account update --allow-blob-public-access false", bucket)
}

// versioningUnverifiable stops the check unless the subscription and the
// resource group locate the storage account in Azure Resource Manager.
func (f azureFlavour) versioningUnverifiable() (checks.Result, bool) {
	if f.cfg.Has(AzureSubscriptionID) && f.cfg.Has(AzureResourceGroup) {
		return checks.Result{}, false
	}
	return checks.Warnf("Set "+AzureSubscriptionID+" and "+AzureResourceGroup+" to the storage account's subscription and resource group to let this check read it. "+f.versioningHowTo("")+" Enable it there if it is off: Spacelift requires versioning for the states container.",
		"could not verify versioning: on Azure it is a storage-account setting (isVersioningEnabled) that the Blob API cannot read, and %s and %s are not both set", AzureSubscriptionID, AzureResourceGroup), true
}

// lifecycleUnverifiable stops the check unless the subscription and the
// resource group locate the management policy in Azure Resource Manager.
func (f azureFlavour) lifecycleUnverifiable() (checks.Result, bool) {
	if f.cfg.Has(AzureSubscriptionID) && f.cfg.Has(AzureResourceGroup) {
		return checks.Result{}, false
	}
	return checks.Warnf("Set "+AzureSubscriptionID+" and "+AzureResourceGroup+" to the storage account's subscription and resource group to let this check read the policy, or check with: az storage account management-policy show --account-name ACCOUNT --resource-group RG. No rule may delete blobs in the states or modules containers; the official Azure module's DeleteAfter2Days rule matches the prefix spacelift-states, so it deletes state files when the states container is named that way.",
		"could not verify lifecycle rules: on Azure they are a storage-account management policy that the Blob API cannot read, and %s and %s are not both set", AzureSubscriptionID, AzureResourceGroup), true
}

func (azureFlavour) listPermission(string) (action, resource string, ok bool) { return "", "", false }
func (azureFlavour) expectedDeleteDenial(string, string) (string, bool)       { return "", false }
