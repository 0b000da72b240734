package awsenv

import (
	"strings"
	"testing"
)

func TestPrincipalKinds(t *testing.T) {
	for _, c := range []struct {
		arn, source string
		kind        string
		policyARN   string
		describe    string
	}{
		{"arn:aws:iam::111122223333:user/ops/alice", "EnvConfigCredentials", "user", "arn:aws:iam::111122223333:user/ops/alice", "IAM user alice (long-term access keys)"},
		{"arn:aws:sts::111122223333:assumed-role/spacelift-server/botocore-session-1", "WebIdentityCredentials", "assumed-role",
			"arn:aws:iam::111122223333:role/spacelift-server", "role spacelift-server, a web identity role (IRSA"},
		{"arn:aws:sts::111122223333:assumed-role/spacelift-drain/8f1e2d3c", "CredentialsEndpointProvider", "assumed-role",
			"arn:aws:iam::111122223333:role/spacelift-drain", "an ECS task role, or EKS Pod Identity"},
		{"arn:aws:sts::111122223333:assumed-role/worker/i-0abc", "EC2RoleProvider", "assumed-role", "arn:aws:iam::111122223333:role/worker", "EC2 instance profile"},
		{"arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_Admin_0123/alice", "SSOProvider", "assumed-role",
			"arn:aws:iam::111122223333:role/AWSReservedSSO_Admin_0123", "IAM Identity Center (SSO) permission set"},
		{"arn:aws:sts::111122223333:assumed-role/deploy/cli", "AssumeRoleProvider", "assumed-role", "arn:aws:iam::111122223333:role/deploy", "through the AWS profile"},
		{"arn:aws-us-gov:sts::111122223333:assumed-role/spacelift-server/s", "StaticCredentials", "assumed-role",
			"arn:aws-us-gov:iam::111122223333:role/spacelift-server", "role spacelift-server, an assumed role"},
		{"arn:aws:sts::111122223333:federated-user/bob", "EnvConfigCredentials", "federated-user", "", "federated user bob"},
		{"arn:aws:iam::111122223333:root", "EnvConfigCredentials", "root", "", "root user"},
		{"not-an-arn", "", "", "", "unknown kind"},
	} {
		p := parsePrincipal(c.arn)
		if p.kind != c.kind || p.policyARN != c.policyARN {
			t.Errorf("%s: kind %q policy ARN %q, want %q %q", c.arn, p.kind, p.policyARN, c.kind, c.policyARN)
		}
		if d := p.describe(c.source); !strings.Contains(d, c.describe) {
			t.Errorf("%s with %s: %q, want it to contain %q", c.arn, c.source, d, c.describe)
		}
	}
}

func TestSourceNames(t *testing.T) {
	for src, want := range map[string]string{
		"": "unknown",
		"SharedConfigCredentials: /home/u/.aws/c": "shared credentials file",
		"WebIdentityCredentials":                  "IRSA",
		"CredentialsEndpointProvider":             "container credentials endpoint",
		"ProcessProvider":                         "credential_process",
		"SomethingNew":                            "SomethingNew",
	} {
		if got := sourceName(src); !strings.Contains(got, want) {
			t.Errorf("sourceName(%q) = %q, want it to contain %q", src, got, want)
		}
	}
}

func TestKeyARN(t *testing.T) {
	a := ARNs{Partition: "aws", Region: "eu-west-1", Account: "111122223333"}
	for ref, want := range map[string]string{
		"1234abcd-12ab-34cd-56ef-1234567890ab":       "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
		"alias/spacelift":                            "arn:aws:kms:eu-west-1:111122223333:alias/spacelift",
		"arn:aws:kms:us-east-1:444455556666:key/abc": "arn:aws:kms:us-east-1:444455556666:key/abc",
	} {
		if got := KeyARN(ref, a); got != want {
			t.Errorf("KeyARN(%q) = %q, want %q", ref, got, want)
		}
	}
}
