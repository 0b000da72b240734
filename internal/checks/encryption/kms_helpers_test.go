package encryption_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/awsenv"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/encryption"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/spacelift-io/spacectl-preflight/internal/config"
	"github.com/spacelift-io/spacectl-preflight/internal/testsvc"
)

// Static test credentials; local-kms does not check them, but the result
// must never show them.
const (
	testAccessKey = "AKIDPREFLIGHTTEST"
	testSecretKey = "preflight-test-secret-access-key-0123456789"
)

// kmsEnv is the local-kms instance the harness started.
type kmsEnv struct {
	endpoint, region, account string
	admin                     *kms.Client
}

// localKMS points the AWS SDK's standard settings at local-kms, the way an
// operator would point them at a VPC endpoint, and isolates the test from
// any AWS configuration on the machine.
func localKMS(t *testing.T) kmsEnv {
	t.Helper()
	v := testsvc.Require(t, "SPT_KMS_ENDPOINT", "SPT_KMS_REGION", "SPT_KMS_ACCOUNT")
	e := kmsEnv{endpoint: v[0], region: v[1], account: v[2]}
	useEndpoint(t, e.endpoint)
	e.admin = kms.New(kms.Options{
		Region: e.region, BaseEndpoint: aws.String(e.endpoint),
		Credentials: credentials.NewStaticCredentialsProvider(testAccessKey, testSecretKey, ""),
	})
	return e
}

// useEndpoint sets AWS_ENDPOINT_URL_KMS and clears everything else the
// SDK's default chain could pick up from this machine.
func useEndpoint(t *testing.T, endpoint string) {
	t.Helper()
	t.Setenv("AWS_ENDPOINT_URL_KMS", endpoint)
	t.Setenv("AWS_ENDPOINT_URL", "")
	t.Setenv("AWS_CONFIG_FILE", t.TempDir()+"/none")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", t.TempDir()+"/none")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	for _, n := range []string{"AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
		"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"} {
		t.Setenv(n, "")
	}
}

// kmsConfig is a KMS-mode configuration with static credentials.
func (e kmsEnv) kmsConfig(t *testing.T, encKey, signKey string, extra map[string]string) *config.Config {
	vars := map[string]string{
		encryption.TypeVar:     "kms",
		awsenv.Region:          e.region,
		awsenv.AccountID:       e.account,
		awsenv.AccessKeyID:     testAccessKey,
		awsenv.SecretAccessKey: testSecretKey,
	}
	if encKey != "" {
		vars[encryption.KMSEncryptionKeyID] = encKey
	}
	if signKey != "" {
		vars[encryption.KMSSigningKeyID] = signKey
	}
	for k, v := range extra {
		vars[k] = v
	}
	return newConfig(t, vars)
}

// testKey is a key created for one test, with a unique alias (local-kms
// state persists for the whole harness run).
type testKey struct {
	id, arn, alias, aliasARN string
}

func (e kmsEnv) createKey(t *testing.T, spec types.KeySpec, usage types.KeyUsageType) testKey {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := e.admin.CreateKey(ctx, &kms.CreateKeyInput{KeySpec: spec, KeyUsage: usage, Description: aws.String("spacectl-preflight test " + t.Name())})
	if err != nil {
		t.Fatalf("CreateKey %s/%s: %v", spec, usage, err)
	}
	k := testKey{id: aws.ToString(out.KeyMetadata.KeyId), arn: aws.ToString(out.KeyMetadata.Arn)}
	k.alias = "alias/spt-" + strings.ToLower(rand.Text()[:12])
	if _, err := e.admin.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String(k.alias), TargetKeyId: out.KeyMetadata.KeyId}); err != nil {
		t.Fatalf("CreateAlias: %v", err)
	}
	k.aliasARN = fmt.Sprintf("arn:aws:kms:%s:%s:%s", e.region, e.account, k.alias)
	return k
}

func (e kmsEnv) disable(t *testing.T, k testKey) {
	t.Helper()
	if _, err := e.admin.DisableKey(context.Background(), &kms.DisableKeyInput{KeyId: aws.String(k.id)}); err != nil {
		t.Fatal(err)
	}
}

func (e kmsEnv) scheduleDeletion(t *testing.T, k testKey) {
	t.Helper()
	if _, err := e.admin.ScheduleKeyDeletion(context.Background(), &kms.ScheduleKeyDeletionInput{KeyId: aws.String(k.id), PendingWindowInDays: aws.Int32(7)}); err != nil {
		t.Fatal(err)
	}
}

func (e kmsEnv) publicKeyDER(t *testing.T, k testKey) []byte {
	t.Helper()
	out, err := e.admin.GetPublicKey(context.Background(), &kms.GetPublicKeyInput{KeyId: aws.String(k.id)})
	if err != nil {
		t.Fatal(err)
	}
	return out.PublicKey
}

// denyingProxy forwards to local-kms but answers the listed KMS operations
// with the AccessDeniedException real KMS sends when IAM or the key policy
// refuses them; nothing else emulates IAM.
func denyingProxy(t *testing.T, upstream string, deny ...string) string {
	t.Helper()
	u, err := url.Parse(upstream)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "TrentService.")
		for _, d := range deny {
			if op == d {
				_, _ = io.Copy(io.Discard, r.Body)
				w.Header().Set("Content-Type", "application/x-amz-json-1.1")
				w.WriteHeader(http.StatusBadRequest)
				fmt.Fprintf(w, `{"__type":"AccessDeniedException","message":"User: arn:aws:sts::111122223333:assumed-role/spacelift-server/i-0 is not authorized to perform: kms:%s because no identity-based policy allows the kms:%s action"}`, op, op)
				return
			}
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// silentListener accepts connections and never answers.
func silentListener(t *testing.T) string {
	return "http://" + testsvc.SilentListener(t).Addr()
}
