package storage

import (
	"context"
	"net/http"
	"time"
)

// backend is what every object-storage flavour offers the checks, so each
// check is written once. Every method returns nil or an *opError that the
// backend has already classified.
type backend interface {
	// endpoint is a display form of where requests go (no credentials).
	endpoint() string
	// endpointFrom says what chose the endpoint: the variable and the input
	// (or process environment) it came from, or the SDK's default.
	endpointFrom() string
	// credentials says which credentials sign the requests and where they
	// came from, without any secret; ctx bounds finding out (the AWS chain).
	credentials(ctx context.Context) string
	exists(ctx context.Context, bucket string) error
	// put returns the new object's version ID when the bucket keeps
	// versions, so the probe can remove that version and not just hide it.
	put(ctx context.Context, bucket, key string, body []byte) (version string, err error)
	// get returns the object and the ID of the version it read ("" when
	// the bucket keeps no versions).
	get(ctx context.Context, bucket, key string) (body []byte, version string, err error)
	presignGet(ctx context.Context, bucket, key string, ttl time.Duration) (string, error)
	// presignPut returns what a worker gets to upload a run log: a URL,
	// and the headers the upload must send.
	presignPut(ctx context.Context, bucket, key string, ttl time.Duration) (signedPut, error)
	// remove deletes an object, or one version of it when version is not
	// empty; a missing object is not an error.
	remove(ctx context.Context, bucket, key, version string) error
	versioning(ctx context.Context, bucket string) (versioningState, error)
	// lifecycle returns the rules that expire current objects; a bucket
	// without a lifecycle configuration returns none.
	lifecycle(ctx context.Context, bucket string) ([]expiryRule, error)
	// publicAccess reads the bucket's own setting that blocks public
	// access (publicsettings.go). Its Name is set even with an error, and
	// empty when the backend has no such setting.
	publicAccess(ctx context.Context, bucket string) (publicSetting, error)
	// objectURL is the unsigned URL of an object, and listURL the unsigned
	// URL that lists a bucket: what an anonymous caller would use.
	objectURL(bucket, key string) string
	// officialUploadsHost is the host the official modules put in
	// OBJECT_STORAGE_BUCKET_UPLOADS_URL for this bucket ("" when they leave
	// it to the operator, as for MinIO).
	officialUploadsHost(bucket string) string
	listURL(bucket string) string
	// httpClient fetches pre-signed and anonymous URLs with the same TLS
	// settings the SDK uses (MinIO's ALLOW_INSECURE).
	httpClient() *http.Client
	close()
}

// signedPut is a pre-signed upload: the URL, the headers that must go
// with it, and the response header that carries the new version's ID.
type signedPut struct {
	URL           string
	Header        http.Header
	VersionHeader string
}

type versioningState string

const (
	versioningEnabled   versioningState = "enabled"
	versioningSuspended versioningState = "suspended"
	versioningOff       versioningState = "off (never enabled)"
	// versioningAccountOff is Azure's: one setting for every container.
	versioningAccountOff versioningState = "off for the whole storage account (isVersioningEnabled is not true)"
)

// expiryRule is one enabled lifecycle rule that deletes current objects.
type expiryRule struct {
	ID     string
	Prefix string // "" means the whole bucket
	Days   int    // 0 when the rule expires on a date
	Date   string // set when the rule expires on a date
}

func (r expiryRule) String() string {
	s := "rule"
	if r.ID != "" {
		s += " " + r.ID
	}
	if r.Days > 0 {
		s += " expires objects after " + plural(r.Days, "day")
	} else if r.Date != "" {
		s += " expires objects on " + r.Date
	} else {
		s += " expires objects"
	}
	if r.Prefix != "" {
		s += " under prefix " + r.Prefix
	}
	return s
}
