package storage

import "context"

// blobServices is the account's Blob service properties, an ARM child
// resource that holds isVersioningEnabled.
const blobServices = "blobServices/default"

// armBlobService is the part of a BlobServiceProperties resource read
// here; an account that never enabled versioning may leave it out.
type armBlobService struct {
	Properties struct {
		IsVersioningEnabled *bool `json:"isVersioningEnabled"`
	} `json:"properties"`
}

// loadVersioning reads whether the account keeps blob versions, once per
// run.
func (a *armReader) loadVersioning(ctx context.Context) (bool, error) {
	return a.versioning.get(ctx, func(ctx context.Context) (bool, error) {
		var bs armBlobService
		if err := a.get(ctx, blobServices, &bs); err != nil {
			return false, err
		}
		return bs.Properties.IsVersioningEnabled != nil && *bs.Properties.IsVersioningEnabled, nil
	})
}
