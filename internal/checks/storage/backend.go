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
	exists(ctx context.Context, bucket string) error
	// put returns the new object's version ID when the bucket keeps
	// versions, so the probe can remove that version and not just hide it.
	put(ctx context.Context, bucket, key string, body []byte) (version string, err error)
	get(ctx context.Context, bucket, key string) ([]byte, error)
	presignGet(ctx context.Context, bucket, key string, ttl time.Duration) (string, error)
	// remove deletes an object, or one version of it when version is not
	// empty; a missing object is not an error.
	remove(ctx context.Context, bucket, key, version string) error
	versioning(ctx context.Context, bucket string) (versioningState, error)
	// lifecycle returns the rules that expire current objects; a bucket
	// without a lifecycle configuration returns none.
	lifecycle(ctx context.Context, bucket string) ([]expiryRule, error)
	// objectURL is the unsigned URL of an object, and listURL the unsigned
	// URL that lists a bucket: what an anonymous caller would use.
	objectURL(bucket, key string) string
	listURL(bucket string) string
	// httpClient fetches pre-signed and anonymous URLs with the same TLS
	// settings the SDK uses (MinIO's ALLOW_INSECURE).
	httpClient() *http.Client
	close()
}

type versioningState string

const (
	versioningEnabled   versioningState = "enabled"
	versioningSuspended versioningState = "suspended"
	versioningOff       versioningState = "off (never enabled)"
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
