package worker

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/awsenv"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/configcheck"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/messaging/msgtest"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/rootcas"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/storage"
	"github.com/spacelift-io/spacectl-preflight/internal/testsvc"
)

// MinIO and fake-gcs stand for the hosts of pre-signed URLs; an HTTPS
// server with a private CA stands for an Azure account host.
func TestObjectStorage(t *testing.T) {
	v := testsvc.RequireMap(t, "SPT_MINIO_ENDPOINT", "SPT_GCS_EMULATOR_HOST")
	minio := v["SPT_MINIO_ENDPOINT"]
	proxy := testsvc.ForwardProxy(t, map[string]string{"minio.test": "127.0.0.1"})
	ca := newCA(t, "worker test storage CA")
	azure := httpsServer(t, ca.leaf(t, 200*24*time.Hour, "account.blob.test"), func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusForbidden)
	})
	names := map[string]string{"account.blob.test:443": azure}
	closed := testsvc.ClosedAddr(t)
	for _, tc := range []struct {
		name   string
		vars   map[string]string
		status checks.Status
		wants  []string
	}{
		{"MinIO over plain HTTP",
			vars(storage.TypeVar, "minio", storage.MinioEndpoint, minio),
			checks.Pass, []string{"http://" + minio + ": answers over plain HTTP", "directly"}},
		{"MinIO through the proxy",
			vars(storage.TypeVar, "minio", storage.MinioEndpoint, "minio.test:"+port(minio), configcheck.HTTPProxy, proxy.URL()),
			checks.Pass, []string{"through the proxy " + proxy.URL()}},
		{"S3 at its endpoint override (MinIO here)",
			vars(storage.TypeVar, "aws", storage.AWSEndpointURLS3, "http://"+minio, awsenv.Region, "eu-west-1"),
			checks.Pass, []string{"http://" + minio + ": answers"}},
		{"GCS (fake-gcs)",
			vars(storage.TypeVar, "gcp", storage.StorageEmulatorHost, v["SPT_GCS_EMULATOR_HOST"]),
			checks.Pass, []string{"http://" + v["SPT_GCS_EMULATOR_HOST"] + ": answers over plain HTTP"}},
		{"an Azure account behind a private CA the worker trusts",
			vars(storage.TypeVar, "azure", storage.AzureAccountURL, "https://account.blob.test", rootcas.Var, rootcas.Encode(ca.pem)),
			checks.Pass, []string{"answers over HTTPS with a trusted certificate (403 Forbidden)"}},
		{"an Azure account behind a CA the worker does not trust",
			vars(storage.TypeVar, "azure", storage.AzureAccountURL, "https://account.blob.test"),
			checks.Fail, []string{"certificate of account.blob.test is not trusted"}},
		{"MinIO with TLS on an HTTP port",
			vars(storage.TypeVar, "minio", storage.MinioEndpoint, minio, storage.MinioUseSSL, "true"),
			checks.Fail, []string{"https://" + minio}},
		{"an unreachable MinIO",
			vars(storage.TypeVar, "minio", storage.MinioEndpoint, closed),
			checks.Fail, []string{"refused the connection"}},
		{"S3 without a region",
			vars(storage.TypeVar, "aws", storage.Buckets()[0].Var, "b"),
			checks.Fail, []string{"AWS_REGION is not set"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := run(t, ObjectStorageID, tc.vars, testDeps(names))
			msgtest.Expect(t, ObjectStorageID, o, tc.status, tc.wants...)
		})
	}
	if !proxy.Saw("http://minio.test:" + port(minio) + "/") {
		t.Errorf("the proxied case did not go through the proxy: %q", proxy.Requests())
	}
}

func TestObjectStorageIsSkippedWithoutTheServerSettings(t *testing.T) {
	o := run(t, ObjectStorageID, vars(Token, "x"), defaultDeps())
	msgtest.Expect(t, ObjectStorageID, o, checks.Skip, "no object-storage setting given")
}

func TestStorageTargets(t *testing.T) {
	for _, tc := range []struct {
		name string
		vars map[string]string
		want []string
	}{
		{"S3: the regional endpoint and each bucket's virtual host; dotted names use the endpoint",
			vars(storage.TypeVar, "aws", awsenv.Region, "eu-west-1", storage.Buckets()[0].Var, "spl-deliveries", storage.Buckets()[1].Var, "with.dots"),
			[]string{"https://s3.eu-west-1.amazonaws.com/", "https://spl-deliveries.s3.eu-west-1.amazonaws.com/"}},
		{"S3 in China", vars(awsenv.Region, "cn-north-1", storage.Buckets()[0].Var, "b1"),
			[]string{"https://s3.cn-north-1.amazonaws.com.cn/", "https://b1.s3.cn-north-1.amazonaws.com.cn/"}},
		{"GCS", vars(storage.TypeVar, "gcp"), []string{"https://storage.googleapis.com/"}},
		{"Azure", vars(storage.TypeVar, "azure", storage.AzureAccountURL, "https://acct.blob.core.windows.net"), []string{"https://acct.blob.core.windows.net/"}},
		{"MinIO with TLS", vars(storage.TypeVar, "minio", storage.MinioEndpoint, "minio.example.com:9000", storage.MinioUseSSL, "true"), []string{"https://minio.example.com:9000/"}},
		{"MinIO without TLS", vars(storage.TypeVar, "minio", storage.MinioEndpoint, "minio.example.com:9000"), []string{"http://minio.example.com:9000/"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, st := range storageTargets(testConfig(t, tc.vars)) {
				got = append(got, st.url.String())
			}
			if strings.Join(got, " ") != strings.Join(tc.want, " ") {
				t.Errorf("targets %q, want %q", got, tc.want)
			}
		})
	}
}
