package storage

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"cloud.google.com/go/storage"
	"google.golang.org/api/googleapi"
	"google.golang.org/api/iterator"
	"google.golang.org/api/option"

	"github.com/spacelift-io/spacectl-preflight/internal/config"
)

// gcsBackend talks to Google Cloud Storage with Application Default
// Credentials; STORAGE_EMULATOR_HOST points it at an emulator.
type gcsBackend struct {
	c        *storage.Client
	emulator string // host:port or URL of the emulator, "" for Google
	// signer is the service account from a key file, used to sign URLs
	// locally; without it the library signs through IAM signBlob.
	signer *serviceAccountKey
	hc     *http.Client
	// from and creds are whereDetails' endpointFrom and credentials.
	from, creds string
}

type serviceAccountKey struct {
	Type        string `json:"type"`
	ClientEmail string `json:"client_email"`
	PrivateKey  string `json:"private_key"`
}

func newGCSBackend(ctx context.Context, cfg *config.Config) (*gcsBackend, error) {
	b := &gcsBackend{emulator: cfg.Get(StorageEmulatorHost), hc: &http.Client{},
		from:  "the default: " + StorageEmulatorHost + " is not set",
		creds: "Application Default Credentials (no " + GoogleCredentials + "): the attached service account, Workload Identity or gcloud's; URLs are signed through IAM signBlob"}
	if b.emulator != "" {
		b.from = originOf(cfg, StorageEmulatorHost)
		b.creds = "none: the emulator needs no authentication"
	}
	// With GOOGLE_SDK_GO_LOGGING_LEVEL set, the Google libraries log every
	// request and response (headers, payloads, OAuth token exchanges) as
	// their own JSON on os.Stderr, past the scrubber and -q. The token
	// exchanges carry credentials no scrubber knows (access tokens), so
	// they are dropped rather than routed to the run's debug log. (The
	// storage library's HTTP client, v1.70, does not pass this option on
	// to its API calls: those still log when the user sets the variable,
	// without credentials, as authentication is added below that layer.)
	opts := []option.ClientOption{option.WithLogger(slog.New(slog.DiscardHandler))}
	if credFile := cfg.Get(GoogleCredentials); credFile != "" {
		// The variable names a file the operator chose for this purpose.
		data, err := os.ReadFile(credFile) //nolint:gosec // G304: path from configuration by design
		if err != nil {
			return nil, &opError{Kind: kindNoCredentials, Text: "cannot read GOOGLE_APPLICATION_CREDENTIALS file " + credFile + ": " + rootText(err)}
		}
		var key serviceAccountKey
		if err := json.Unmarshal(data, &key); err != nil {
			return nil, &opError{Kind: kindNoCredentials, Text: "GOOGLE_APPLICATION_CREDENTIALS file " + credFile + " is not JSON"}
		}
		if key.Type == "service_account" && key.ClientEmail != "" && key.PrivateKey != "" {
			b.signer = &key
		}
		file := "key file of type " + key.Type + " (" + originOf(cfg, GoogleCredentials) + ")"
		if b.signer != nil {
			file = "service-account key file for " + key.ClientEmail + " (" + originOf(cfg, GoogleCredentials) + ")"
		}
		if b.emulator == "" {
			opts = append(opts, option.WithAuthCredentialsJSON(option.CredentialsType(key.Type), data))
			b.creds = file
		}
		if b.signer != nil {
			if b.emulator != "" {
				b.creds += "; URLs are signed with the " + file
			} else {
				b.creds += "; URLs are signed with it"
			}
		}
	}
	if b.emulator != "" {
		opts = append(opts, option.WithoutAuthentication(), option.WithEndpoint(b.emulatorURL()+"/storage/v1/"))
	}
	c, err := storage.NewClient(ctx, opts...)
	if err != nil {
		return nil, classifyGCS(err)
	}
	b.c = c
	return b, nil
}

func (b *gcsBackend) emulatorURL() string {
	if strings.Contains(b.emulator, "://") {
		return strings.TrimRight(b.emulator, "/")
	}
	return "http://" + b.emulator
}

func (b *gcsBackend) endpoint() string {
	if b.emulator != "" {
		return b.emulatorURL()
	}
	return "https://storage.googleapis.com"
}

func (b *gcsBackend) endpointFrom() string { return b.from }

func (b *gcsBackend) credentials(context.Context) string { return b.creds }

// exists lists at most one object: storage.objects.list is part of
// roles/storage.objectAdmin, which is all the official module grants,
// while reading bucket metadata needs storage.buckets.get.
func (b *gcsBackend) exists(ctx context.Context, bucket string) error {
	it := b.c.Bucket(bucket).Objects(ctx, &storage.Query{Prefix: probePrefix})
	it.PageInfo().MaxSize = 1
	_, err := it.Next()
	if errors.Is(err, iterator.Done) {
		return nil
	}
	return classifyGCS(err)
}

func (b *gcsBackend) put(ctx context.Context, bucket, key string, body []byte) (string, error) {
	w := b.c.Bucket(bucket).Object(key).NewWriter(ctx)
	w.ContentType = "text/plain"
	if _, err := io.Copy(w, bytes.NewReader(body)); err != nil {
		_ = w.Close()
		return "", classifyGCS(err)
	}
	if err := w.Close(); err != nil {
		return "", classifyGCS(err)
	}
	// On a versioned bucket a plain delete keeps the data as a noncurrent
	// generation; deleting the generation removes it.
	return strconv.FormatInt(w.Attrs().Generation, 10), nil
}

func (b *gcsBackend) get(ctx context.Context, bucket, key string) ([]byte, string, error) {
	r, err := b.c.Bucket(bucket).Object(key).NewReader(ctx)
	if err != nil {
		return nil, "", classifyGCS(err)
	}
	defer r.Close()
	data, err := io.ReadAll(io.LimitReader(r, 1<<20))
	return data, strconv.FormatInt(r.Attrs.Generation, 10), classifyGCS(err)
}

func (b *gcsBackend) presignGet(_ context.Context, bucket, key string, ttl time.Duration) (string, error) {
	return b.sign(bucket, key, http.MethodGet, ttl)
}

func (b *gcsBackend) presignPut(_ context.Context, bucket, key string, ttl time.Duration) (signedPut, error) {
	u, err := b.sign(bucket, key, http.MethodPut, ttl)
	if err != nil {
		return signedPut{}, err
	}
	return signedPut{URL: u, Header: http.Header{}, VersionHeader: "X-Goog-Generation"}, nil
}

func (b *gcsBackend) sign(bucket, key, method string, ttl time.Duration) (string, error) {
	opts := &storage.SignedURLOptions{Method: method, Expires: time.Now().Add(ttl), Scheme: storage.SigningSchemeV4}
	if b.signer != nil {
		opts.GoogleAccessID, opts.PrivateKey = b.signer.ClientEmail, []byte(b.signer.PrivateKey)
	}
	if b.emulator != "" {
		u := b.emulatorURL()
		opts.Insecure = strings.HasPrefix(u, "http://")
		opts.Hostname = strings.TrimPrefix(strings.TrimPrefix(u, "http://"), "https://")
		opts.Style = storage.PathStyle()
	}
	u, err := b.c.Bucket(bucket).SignedURL(key, opts)
	if err != nil {
		e := classifyGCS(err)
		var oe *opError
		if errors.As(e, &oe) && oe.Kind == kindOther {
			// Signing fails locally when there is neither a key nor an
			// identity that may call signBlob.
			oe.Kind = kindNoCredentials
		}
		return "", e
	}
	return u, nil
}

func (b *gcsBackend) remove(ctx context.Context, bucket, key, version string) error {
	o := b.c.Bucket(bucket).Object(key)
	if g, err := strconv.ParseInt(version, 10, 64); err == nil && g > 0 {
		o = o.Generation(g)
	}
	err := o.Delete(ctx)
	if errors.Is(err, storage.ErrObjectNotExist) {
		return nil
	}
	return classifyGCS(err)
}

func (b *gcsBackend) versioning(ctx context.Context, bucket string) (versioningState, error) {
	a, err := b.c.Bucket(bucket).Attrs(ctx)
	if err != nil {
		return "", classifyGCS(err)
	}
	if a.VersioningEnabled {
		return versioningEnabled, nil
	}
	return versioningOff, nil
}

func (b *gcsBackend) lifecycle(ctx context.Context, bucket string) ([]expiryRule, error) {
	a, err := b.c.Bucket(bucket).Attrs(ctx)
	if err != nil {
		return nil, classifyGCS(err)
	}
	return gcsExpiryRules(a.Lifecycle.Rules), nil
}

// gcsExpiryRules keeps the Delete rules that remove live objects; rules on
// noncurrent versions only remove history.
func gcsExpiryRules(in []storage.LifecycleRule) []expiryRule {
	var rules []expiryRule
	for i, r := range in {
		c := r.Condition
		if r.Action.Type != storage.DeleteAction || c.Liveness == storage.Archived || c.NumNewerVersions > 0 ||
			c.DaysSinceNoncurrentTime > 0 || !c.NoncurrentTimeBefore.IsZero() {
			continue
		}
		er := expiryRule{ID: "#" + itoa(i+1), Prefix: strings.Join(c.MatchesPrefix, ",")}
		switch {
		case c.AgeInDays > 0:
			er.Days = int(c.AgeInDays)
		case !c.CreatedBefore.IsZero():
			er.Date = c.CreatedBefore.Format("2006-01-02")
		}
		rules = append(rules, er)
	}
	return rules
}

// publicAccess reads the bucket's public access prevention from its
// attributes (storage.buckets.get, which roles/storage.objectAdmin lacks).
func (b *gcsBackend) publicAccess(ctx context.Context, bucket string) (publicSetting, error) {
	ps := publicSetting{Name: "GCS public access prevention"}
	a, err := b.c.Bucket(bucket).Attrs(ctx)
	if err != nil {
		return ps, classifyGCS(err)
	}
	var ok bool
	if ps.Value, ps.Open, ok = gcsPublicAccessPrevention(a.PublicAccessPrevention); !ok {
		return ps, &opError{Kind: kindUnsupported, Text: "the bucket's attributes do not report publicAccessPrevention"}
	}
	return ps, nil
}

func (b *gcsBackend) objectURL(bucket, key string) string {
	if b.emulator != "" {
		return b.emulatorURL() + "/" + bucket + "/" + escapeKey(key)
	}
	return "https://storage.googleapis.com/" + bucket + "/" + escapeKey(key)
}

// officialUploadsHost is what the official GCP module writes
// (terraform-google-spacelift-selfhosted: "https://storage.googleapis.com").
func (b *gcsBackend) officialUploadsHost(string) string { return "storage.googleapis.com" }

func (b *gcsBackend) listURL(bucket string) string {
	return b.objectURL(bucket, "")
}

func (b *gcsBackend) httpClient() *http.Client { return b.hc }

func (b *gcsBackend) close() { _ = b.c.Close() }

func classifyGCS(err error) (classified error) {
	defer func() { classified = withCause(classified, err) }()
	if err == nil {
		return nil
	}
	if ctxErr(err) {
		return classifyTransport(err)
	}
	if errors.Is(err, storage.ErrBucketNotExist) {
		return &opError{Kind: kindNoBucket, Code: "notFound", Status: http.StatusNotFound}
	}
	if errors.Is(err, storage.ErrObjectNotExist) {
		return &opError{Kind: kindNoObject, Code: "noSuchObject", Status: http.StatusNotFound}
	}
	var ge *googleapi.Error
	if errors.As(err, &ge) {
		reason := ""
		if len(ge.Errors) > 0 {
			reason = ge.Errors[0].Reason
		}
		e := fromCode("", ge.Code, ge.Message)
		e.Code = reason
		if ge.Code == http.StatusNotFound && !strings.Contains(strings.ToLower(ge.Message), "bucket") {
			e.Kind, e.Text = kindOther, sanitize(ge.Message)
		}
		if ge.Code == http.StatusUnauthorized {
			e.Kind = kindSignature
		}
		return e
	}
	msg := err.Error()
	if strings.Contains(msg, "could not find default credentials") || strings.Contains(msg, "unable to detect default GoogleAccessID") ||
		strings.Contains(msg, "credentials") && strings.Contains(msg, "google:") {
		return &opError{Kind: kindNoCredentials, Text: sanitize(msg)}
	}
	return classifyTransport(err)
}
