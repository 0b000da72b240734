package awsenv_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/awsenv"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/encryption"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/messaging/msgtest"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/mqtt"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/queue"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/storage"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/telemetry"
	"github.com/spacelift-io/spacectl-preflight/internal/testsvc"
	"github.com/spacelift-io/spacectl-preflight/internal/testsvc/awsfake"
)

const (
	region    = "eu-west-2"
	account   = "111122223333"
	keyID     = "AKIDPREFLIGHTIDENTITY"
	secretKey = "identity-test-secret-0123456789abcdef"
	encKey    = "arn:aws:kms:eu-west-2:111122223333:key/11111111-2222-3333-4444-555555555555"
	signKey   = "arn:aws:kms:eu-west-2:111122223333:key/66666666-7777-8888-9999-000000000000"
)

var (
	serverRole    = "arn:aws:iam::" + account + ":role/spacelift-server"
	serverSession = "arn:aws:sts::" + account + ":assumed-role/spacelift-server/botocore-session-1"
)

// backends are the ones that declare AWS resources, plus awsenv itself.
func backends() []checks.Backend {
	return []checks.Backend{storage.Backend{}, encryption.Backend{}, queue.Backend{}, mqtt.Backend{}, telemetry.Backend{}, awsenv.Backend{}}
}

// kmsOnly is a configuration whose only AWS component is KMS encryption,
// so the check makes no S3 or SQS call: STS and IAM are all it talks to.
func kmsOnly(extra map[string]string) map[string]string {
	m := map[string]string{
		awsenv.Region: region, awsenv.DefaultRegion: region, awsenv.AccountID: account,
		awsenv.AccessKeyID: keyID, awsenv.SecretAccessKey: secretKey,
		encryption.TypeVar: "kms", encryption.KMSEncryptionKeyID: encKey, encryption.KMSSigningKeyID: signKey,
		storage.TypeVar: "minio", queue.TypeVar: "postgres", mqtt.BrokerType: "builtin",
	}
	for k, v := range extra {
		m[k] = v
	}
	return m
}

// identity runs aws.identity on vars with the run's real runner, with
// timeout as its deadline.
func identity(t *testing.T, vars map[string]string, timeout time.Duration) checks.Outcome {
	t.Helper()
	cfg := msgtest.Config(t, vars, backends()...)
	p := checks.Build(backends(), cfg, checks.Options{Stage: checks.PreInstall})
	outs := checks.Run(t.Context(), p.Checks(), checks.RunOptions{Only: []string{awsenv.IdentityID},
		Timeouts: map[string]time.Duration{awsenv.IdentityID: timeout}, CleanupGrace: 5 * time.Second})
	p.Close(t.Context())
	for _, o := range outs {
		if o.Check.ID == awsenv.IdentityID {
			msgtest.NoSecret(t, awsenv.IdentityID, o.Result, secretKey)
			return o
		}
	}
	t.Fatal("aws.identity did not run")
	return checks.Outcome{}
}

// fakeIAM starts the STS/IAM fake with the server's session as the caller.
func fakeIAM(t *testing.T) *awsfake.IAM {
	msgtest.IsolateAWS(t)
	f := awsfake.NewIAM(t, region)
	f.AddCaller(keyID, secretKey, serverSession)
	f.Start()
	return f
}

func allowAll(f *awsfake.IAM, principal string) { f.Allow(principal, []string{"*"}, "*") }

func TestIdentityPassesWithEveryPermission(t *testing.T) {
	f := fakeIAM(t)
	allowAll(f, serverRole)
	o := identity(t, kmsOnly(nil), 30*time.Second)
	msgtest.Expect(t, awsenv.IdentityID, o, checks.Pass, serverSession, "role spacelift-server", "static keys from the configuration",
		"account: 111122223333 equals AWS_ACCOUNT_ID", "simulated server as: "+serverRole, "may perform all 6 actions on 2 resources")
	if f.Calls("GetCallerIdentity") != 1 {
		t.Errorf("GetCallerIdentity called %d times", f.Calls("GetCallerIdentity"))
	}
	// Both keys were simulated with the actions the official module grants.
	sims := f.Simulations()
	want := map[string][]string{encKey: {"kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"}, signKey: {"kms:GetPublicKey", "kms:Sign", "kms:Verify"}}
	for _, s := range sims {
		if s.Principal != serverRole {
			t.Errorf("simulated %s, want the role %s, not the session", s.Principal, serverRole)
		}
		if w, ok := want[s.Resources[0]]; !ok || !slices.Equal(s.Actions, w) {
			t.Errorf("simulated %v on %v", s.Actions, s.Resources)
		}
	}
	if len(sims) != 2 {
		t.Errorf("%d simulations, want one per key: %+v", len(sims), sims)
	}
	// Drain and scheduler need the keys too; without their ARNs they are
	// named as not simulated, which is not a warning.
	if !strings.Contains(msgtest.Text(o.Result), "drain (set SPACECTL_PREFLIGHT_AWS_ROLE_DRAIN") {
		t.Errorf("the result does not say the drain was not simulated:\n%s", msgtest.Text(o.Result))
	}
}

// OBS-003: with X-Ray telemetry, the server, drain and scheduler are each
// simulated on xray:PutTraceSegments and cloudwatch:PutMetricData, on "*",
// and each denied action fails by name. Without it, neither is simulated
// (TestIdentityPassesWithEveryPermission counts the simulations).
func TestIdentitySimulatesXRayTelemetryForEachServiceRole(t *testing.T) {
	f := fakeIAM(t)
	drain, scheduler := "arn:aws:iam::"+account+":role/spacelift-drain", "arn:aws:iam::"+account+":role/spacelift-scheduler"
	allowAll(f, serverRole)
	f.Allow(drain, []string{"kms:*", "xray:PutTraceSegments"}, "*")
	allowAll(f, scheduler)
	f.Deny(scheduler, []string{"xray:PutTraceSegments"}, "*")
	o := identity(t, kmsOnly(map[string]string{telemetry.VendorVar: "AWS", telemetry.XRayDaemonAddress: "xray-daemon:2000",
		awsenv.RoleDrain: drain, awsenv.RoleScheduler: scheduler}), 30*time.Second)
	msgtest.Expect(t, awsenv.IdentityID, o, checks.Fail,
		"drain: "+drain+" may not cloudwatch:PutMetricData (implicitDeny) on X-Ray telemetry (OBSERVABILITY_VENDOR=AWS) (*)",
		"scheduler: "+scheduler+" may not xray:PutTraceSegments (explicitDeny) on X-Ray telemetry (OBSERVABILITY_VENDOR=AWS) (*)",
		"Allow xray:PutTraceSegments on * in the IAM policy of "+scheduler,
		"server: "+serverRole+" may perform all 8 actions on 3 resources")
	text := msgtest.Text(o.Result)
	if strings.Contains(text, "drain: "+drain+" may not xray:") || strings.Contains(text, "scheduler: "+scheduler+" may not cloudwatch:") {
		t.Errorf("an allowed telemetry action is reported as denied:\n%s", text)
	}
	want := []string{"xray:PutTraceSegments", "cloudwatch:PutMetricData"}
	for _, p := range []string{serverRole, drain, scheduler} {
		n := 0
		for _, s := range f.Simulations() {
			if s.Principal == p && s.Resources[0] == "*" {
				n++
				if !slices.Equal(s.Actions, want) {
					t.Errorf("%s simulated %v on *, want %v", p, s.Actions, want)
				}
			}
		}
		if n != 1 {
			t.Errorf("%s: %d simulations on *, want 1", p, n)
		}
	}
}

func TestIdentityFailsOnAnotherAccount(t *testing.T) {
	f := fakeIAM(t)
	allowAll(f, serverRole)
	o := identity(t, kmsOnly(map[string]string{awsenv.AccountID: "999988887777"}), 30*time.Second)
	msgtest.Expect(t, awsenv.IdentityID, o, checks.Fail, "the credentials belong to account 111122223333, but AWS_ACCOUNT_ID is 999988887777")
}

func TestIdentityReportsEachDeniedAction(t *testing.T) {
	f := fakeIAM(t)
	f.Allow(serverRole, []string{"kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:GetPublicKey", "kms:Verify"}, "*")
	f.Deny(serverRole, []string{"kms:Encrypt"}, encKey)
	o := identity(t, kmsOnly(nil), 30*time.Second)
	msgtest.Expect(t, awsenv.IdentityID, o, checks.Fail,
		"may not kms:Encrypt (explicitDeny) on the encryption key (ENCRYPTION_KMS_ENCRYPTION_KEY_ID) ("+encKey+")",
		"may not kms:Sign (implicitDeny) on the signing key (ENCRYPTION_KMS_SIGNING_KEY_ID) ("+signKey+")",
		"Allow kms:Sign on "+signKey+" in the IAM policy of "+serverRole)
	if strings.Contains(o.Result.Message+msgtest.Text(o.Result), "kms:Decrypt (") {
		t.Errorf("an allowed action is reported as denied:\n%s", msgtest.Text(o.Result))
	}
}

func TestIdentityWarnsWhenSimulationIsNotAllowed(t *testing.T) {
	f := fakeIAM(t)
	allowAll(f, serverRole)
	f.RefuseSimulation(serverSession)
	o := identity(t, kmsOnly(nil), 30*time.Second)
	msgtest.Expect(t, awsenv.IdentityID, o, checks.Warn, "could not verify the server role's permissions: iam:SimulatePrincipalPolicy on "+serverRole+" is denied",
		"Allow iam:SimulatePrincipalPolicy")
	if n := f.Calls("SimulatePrincipalPolicy"); n != 1 {
		t.Errorf("%d simulation requests after the first refusal, want the first only", n)
	}
}

func TestIdentitySimulatesTheNamedRoles(t *testing.T) {
	f := fakeIAM(t)
	drain, scheduler := "arn:aws:iam::"+account+":role/spacelift-drain", "arn:aws:iam::"+account+":role/path/spacelift-scheduler"
	allowAll(f, drain)
	f.Allow(scheduler, []string{"kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"}, encKey)
	o := identity(t, kmsOnly(map[string]string{awsenv.RoleDrain: drain, awsenv.RoleScheduler: scheduler,
		awsenv.RoleServer: "arn:aws:iam::" + account + ":role/does-not-exist"}), 30*time.Second)
	msgtest.Expect(t, awsenv.IdentityID, o, checks.Fail,
		"SPACECTL_PREFLIGHT_AWS_ROLE_SERVER names arn:aws:iam::111122223333:role/does-not-exist, which IAM does not know",
		drain+" may perform all 6 actions", scheduler+" may not kms:GetPublicKey (implicitDeny), kms:Sign (implicitDeny), kms:Verify (implicitDeny)")
	for _, s := range f.Simulations() {
		if s.Principal == serverRole {
			t.Error("the caller was simulated although SPACECTL_PREFLIGHT_AWS_ROLE_SERVER names the server's role")
		}
	}
}

func TestIdentityDescribesAnIAMUser(t *testing.T) {
	msgtest.IsolateAWS(t)
	f := awsfake.NewIAM(t, region)
	user := "arn:aws:iam::" + account + ":user/ops/preflight"
	f.AddCaller(keyID, secretKey, user)
	allowAll(f, user)
	f.Start()
	o := identity(t, kmsOnly(nil), 30*time.Second)
	msgtest.Expect(t, awsenv.IdentityID, o, checks.Pass, "IAM user preflight (long-term access keys)", "simulated server as: "+user)
}

func TestIdentityWarnsForTheRootUser(t *testing.T) {
	msgtest.IsolateAWS(t)
	f := awsfake.NewIAM(t, region)
	f.AddCaller(keyID, secretKey, "arn:aws:iam::"+account+":root")
	f.Start()
	o := identity(t, kmsOnly(nil), 30*time.Second)
	msgtest.Expect(t, awsenv.IdentityID, o, checks.Warn, "the account's root user", "could not verify Spacelift's permissions")
	if f.Calls("SimulatePrincipalPolicy") != 0 {
		t.Error("the root user was simulated")
	}
}

func TestIdentityFailsOnABadSignature(t *testing.T) {
	f := fakeIAM(t)
	allowAll(f, serverRole)
	o := identity(t, kmsOnly(map[string]string{awsenv.SecretAccessKey: "not-the-secret"}), 30*time.Second)
	msgtest.Expect(t, awsenv.IdentityID, o, checks.Fail, "AWS rejected the credentials for sts:GetCallerIdentity: SignatureDoesNotMatch")
	if f.Calls("GetCallerIdentity") != 0 {
		t.Error("the fake answered a request signed with the wrong secret")
	}
}

func TestIdentityGivesUpOnASilentEndpoint(t *testing.T) {
	msgtest.IsolateAWS(t)
	t.Setenv("AWS_ENDPOINT_URL_STS", "http://"+testsvc.SilentListener(t).Addr())
	start := time.Now()
	o := identity(t, kmsOnly(nil), 2*time.Second)
	msgtest.Expect(t, awsenv.IdentityID, o, checks.Error, "timed out after 2s")
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("took %s with a 2s deadline", d)
	}
}

func TestIdentityErrorsOnAClosedPort(t *testing.T) {
	msgtest.IsolateAWS(t)
	t.Setenv("AWS_ENDPOINT_URL_STS", "http://"+testsvc.ClosedAddr(t))
	o := identity(t, kmsOnly(nil), 20*time.Second)
	msgtest.Expect(t, awsenv.IdentityID, o, checks.Error, "could not call sts:GetCallerIdentity", "connection refused")
}

func TestIdentityIsDisabledWithoutAWS(t *testing.T) {
	msgtest.IsolateAWS(t)
	vars := kmsOnly(map[string]string{encryption.TypeVar: "rsa"})
	cfg := msgtest.Config(t, vars, backends()...)
	for _, c := range checks.Build(backends(), cfg, checks.Options{}).Checks() {
		if c.ID == awsenv.IdentityID && c.Disabled == "" {
			t.Error("aws.identity is enabled although no component uses AWS")
		}
	}
}

func TestRoleVariablesMustBeRoleARNs(t *testing.T) {
	cfg := msgtest.Config(t, map[string]string{awsenv.RoleDrain: "spacelift-drain", awsenv.RoleServer: serverRole}, backends()...)
	r := checks.ReviewAll(backends(), cfg, time.Now())
	var names []string
	for _, s := range r.Values.Steps() {
		names = append(names, s.Name)
	}
	if !slices.Equal(names, []string{awsenv.RoleDrain}) {
		t.Errorf("config.values steps about %v, want only %s", names, awsenv.RoleDrain)
	}
}

// STS answers but IAM cannot be reached: the identity is still shown, and
// the role's simulation is an error, not a verdict on its permissions.
func TestIdentityErrorsWhenIAMIsUnreachable(t *testing.T) {
	f := fakeIAM(t)
	allowAll(f, serverRole)
	t.Setenv("AWS_ENDPOINT_URL_IAM", "http://"+testsvc.ClosedAddr(t))
	o := identity(t, kmsOnly(nil), 20*time.Second)
	msgtest.Expect(t, awsenv.IdentityID, o, checks.Error, serverSession, "could not call iam:SimulatePrincipalPolicy", "AWS_ENDPOINT_URL_IAM")
}
