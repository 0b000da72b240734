package storage

import (
	"fmt"
	"strings"

	"cloud.google.com/go/storage"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// publicSetting is what a bucket's own configuration says about anonymous
// access (OS-010), besides what anonymous requests show: the setting an
// operator turns on so that no policy, ACL or binding can make the bucket
// public.
type publicSetting struct {
	// Name is the setting, e.g. "S3 public access block"; "" when the
	// backend has none (MinIO: its anonymous access is the bucket policy,
	// which the anonymous requests test).
	Name string
	// Value is the setting as read.
	Value string
	// Open says how the setting leaves the bucket open to public access;
	// "" when it does not.
	Open string
}

// s3PublicAccessBlock judges a bucket's public access block: absent (nil),
// or any of its four flags off, leaves public ACLs or policies possible.
func s3PublicAccessBlock(c *types.PublicAccessBlockConfiguration) (value, open string) {
	if c == nil {
		return "absent (NoSuchPublicAccessBlockConfiguration)", "the bucket has no S3 public access block"
	}
	flags := []struct {
		name string
		on   *bool
	}{{"BlockPublicAcls", c.BlockPublicAcls}, {"IgnorePublicAcls", c.IgnorePublicAcls}, {"BlockPublicPolicy", c.BlockPublicPolicy}, {"RestrictPublicBuckets", c.RestrictPublicBuckets}}
	var parts, off []string
	for _, f := range flags {
		on := f.on != nil && *f.on
		parts = append(parts, fmt.Sprintf("%s=%t", f.name, on))
		if !on {
			off = append(off, f.name)
		}
	}
	if len(off) > 0 {
		open = "the bucket's S3 public access block leaves " + strings.Join(off, ", ") + " off"
	}
	return strings.Join(parts, ", "), open
}

// gcsPublicAccessPrevention judges a bucket's public access prevention:
// anything but enforced lets an allUsers or allAuthenticatedUsers binding
// make it public. ok is false when the server did not report the setting
// (Google always does; an emulator may not).
func gcsPublicAccessPrevention(p storage.PublicAccessPrevention) (value, open string, ok bool) {
	switch p {
	case storage.PublicAccessPreventionEnforced:
		return "enforced", "", true
	case storage.PublicAccessPreventionInherited, storage.PublicAccessPreventionUnspecified:
		return p.String(), "the bucket's publicAccessPrevention is " + p.String() + ", not enforced", true
	}
	return "", "", false
}

// azureContainerAccess judges a container's public access level: none is
// private; blob and container let anyone read (and list) without
// credentials, unless the storage account disallows public access.
func azureContainerAccess(p *container.PublicAccessType) (value, open string) {
	if p == nil || *p == "" {
		return "private (no public access level)", ""
	}
	switch *p {
	case container.PublicAccessTypeBlob:
		return "blob", "the container's public access level is blob (anonymous read of blobs), not private"
	case container.PublicAccessTypeContainer:
		return "container", "the container's public access level is container (anonymous list and read), not private"
	}
	return string(*p), "the container's public access level is " + string(*p) + ", not private"
}
