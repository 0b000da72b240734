package awsenv

import "strings"

// principal is the identity sts:GetCallerIdentity returned, read from its
// ARN: an IAM user, an assumed-role session (IRSA, an ECS task role, an
// instance profile, SSO, ...), a federated user or the root user.
type principal struct {
	arn     string
	account string
	// kind is "user", "assumed-role", "federated-user", "root" or "".
	kind string
	// name is the user or role name.
	name string
	// policyARN is the IAM entity whose policies apply: the user, or for an
	// assumed role the role (an assumed-role ARN does not carry the role's
	// path, so a role under a path gets the wrong ARN here; the role
	// variables take the full ARN). "" when IAM cannot simulate it.
	policyARN string
}

func parsePrincipal(arn string) principal {
	p := principal{arn: arn}
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" {
		return p
	}
	partition, service, resource := parts[1], parts[2], parts[5]
	p.account = parts[4]
	switch {
	case service == "iam" && resource == "root":
		p.kind = "root"
	case service == "iam" && strings.HasPrefix(resource, "user/"):
		p.kind = "user"
		p.name = resource[strings.LastIndex(resource, "/")+1:]
		p.policyARN = arn
	case service == "sts" && strings.HasPrefix(resource, "assumed-role/"):
		p.kind = "assumed-role"
		role, _, _ := strings.Cut(strings.TrimPrefix(resource, "assumed-role/"), "/")
		p.name = role
		p.policyARN = "arn:" + partition + ":iam::" + p.account + ":role/" + role
	case service == "sts" && strings.HasPrefix(resource, "federated-user/"):
		p.kind = "federated-user"
		p.name = strings.TrimPrefix(resource, "federated-user/")
	}
	return p
}

// describe says what kind of identity this is, using the SDK's name for
// the credential provider that produced the keys (aws.Credentials.Source).
func (p principal) describe(source string) string {
	switch p.kind {
	case "root":
		return "the account's root user"
	case "user":
		return "IAM user " + p.name + " (long-term access keys)"
	case "federated-user":
		return "federated user " + p.name + " (sts:GetFederationToken)"
	case "assumed-role":
		how := "an assumed role"
		if cs, ok := credentialSourceOf(source); ok && cs.role != "" {
			how = cs.role
		}
		if strings.HasPrefix(p.name, "AWSReservedSSO_") {
			how = "an IAM Identity Center (SSO) permission set's role"
		}
		return "role " + p.name + ", " + how
	}
	return "an identity of unknown kind"
}

// credentialSource is one of the SDK's credential providers: the prefix
// of aws.Credentials.Source it sets, what it is, and what kind of role its
// keys belong to ("" when it says nothing about that).
type credentialSource struct {
	prefix, provider, role string
}

func credentialSources() []credentialSource {
	return []credentialSource{
		{"EnvConfigCredentials", "environment variables (AWS_ACCESS_KEY_ID)", ""},
		{"SharedConfigCredentials", "the shared credentials file (AWS profile)", ""},
		{"StaticCredentials", "static keys from the configuration", ""},
		{"WebIdentityCredentials", "web identity token (IRSA)", "a web identity role (IRSA on EKS: AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE)"},
		{"CredentialsEndpointProvider", "container credentials endpoint (ECS task role or EKS Pod Identity)", "a container role (an ECS task role, or EKS Pod Identity)"},
		{"EC2RoleProvider", "EC2 instance metadata (instance profile)", "an EC2 instance profile's role"},
		{"SSOProvider", "IAM Identity Center (SSO) session", "an IAM Identity Center (SSO) role"},
		{"AssumeRoleProvider", "sts:AssumeRole from the AWS profile", "a role assumed through the AWS profile (role_arn)"},
		{"ProcessProvider", "credential_process from the AWS profile", ""},
	}
}

func credentialSourceOf(source string) (credentialSource, bool) {
	for _, cs := range credentialSources() {
		if strings.HasPrefix(source, cs.prefix) {
			return cs, true
		}
	}
	return credentialSource{}, false
}

// sourceName says in words which credential provider the SDK used.
func sourceName(source string) string {
	if cs, ok := credentialSourceOf(source); ok {
		return cs.provider
	}
	if source == "" {
		return "unknown"
	}
	return source
}
