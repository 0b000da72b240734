package awsenv

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/config"
)

// IdentityID is the check's ID.
const IdentityID = "aws.identity"

// identityTimeout covers one GetCallerIdentity and a few dozen policy
// simulations per role.
const identityTimeout = 90 * time.Second

// identityCheck is aws.identity: who this tool runs as (sts:GetCallerIdentity),
// whether that is AWS_ACCOUNT_ID's account, and, through IAM's policy
// simulator, whether Spacelift's roles may do what the official IAM module
// grants them on the configured buckets, queues, keys and IoT.
type identityCheck struct {
	env      *Env
	cfg      *config.Config
	backends []checks.Backend
}

func (c *identityCheck) run(ctx context.Context) checks.Result {
	var v checks.Verdict
	v.Detail("credentials", c.env.Credentials())
	ac, err := c.env.Config(ctx)
	if err != nil {
		return checks.Errorf(LoadAdvice(err), "cannot use AWS: %s", oneLine(err))
	}
	v.Detail("region", ac.Region)
	creds, err := ac.Credentials.Retrieve(ctx)
	if err != nil {
		return apiFailure("sts:GetCallerIdentity", "STS", err).With(v.Details()...)
	}
	v.Detail("credential provider", sourceName(creds.Source))
	client := sts.NewFromConfig(ac)
	if ep := aws.ToString(client.Options().BaseEndpoint); ep != "" {
		v.Detail("sts endpoint", ep+" (from the AWS SDK settings)")
	}
	out, err := client.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return apiFailure("sts:GetCallerIdentity", "STS", err).With(v.Details()...)
	}
	me := parsePrincipal(aws.ToString(out.Arn))
	acct := aws.ToString(out.Account)
	who := me.describe(creds.Source)
	v.Detail("arn", me.arn)
	v.Detail("account", acct)
	v.Detail("identity", who)
	c.checkAccount(acct, &v)
	if me.kind == "root" {
		v.Warn("identity", "Run Spacelift, and this tool, as a dedicated IAM role (the official IAM module creates one per service); root credentials prove nothing about those roles' permissions.",
			"the credentials are the account's root user")
	}
	sim := c.simulate(ctx, ac, me, acct, &v)
	return v.Result(fmt.Sprintf("%s (%s) in account %s; %s", me.arn, who, acct, sim))
}

// checkAccount compares the caller's account with AWS_ACCOUNT_ID, from
// which Spacelift builds ARNs (IoT topics and policies, for one).
func (c *identityCheck) checkAccount(acct string, v *checks.Verdict) {
	want := c.cfg.Get(AccountID)
	switch {
	case want == "":
		v.Detail(AccountID, "not set (config.required reports it)")
	case want != acct:
		v.Fail("account", fmt.Sprintf("Run this tool with the credentials Spacelift uses in account %s, or correct AWS_ACCOUNT_ID to the account the buckets, queues and keys are in (`aws sts get-caller-identity` prints it).", want),
			"the credentials belong to account %s, but AWS_ACCOUNT_ID is %s: Spacelift builds ARNs from AWS_ACCOUNT_ID", acct, want)
	default:
		v.Pass("account", "%s equals AWS_ACCOUNT_ID", acct)
	}
}

// apiFailure turns an error of an STS or IAM call into a result that says
// whether AWS answered: a deadline or a network error is an error (nothing
// was learnt), rejected credentials a failure.
func apiFailure(action, service string, err error) checks.Result {
	endpoint := fmt.Sprintf("Check that this machine reaches AWS %s over HTTPS (DNS, firewall, proxy, VPC endpoint; AWS_ENDPOINT_URL_%s if you set one).", service, strings.ToUpper(service))
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return checks.Errorf(endpoint, "%s got no answer before the deadline", action)
	case IsBadCredentials(err):
		return checks.Failf(CredentialsAdvice, "AWS rejected the credentials for %s: %s", action, ErrorMessage(err))
	case NoCredentials(err):
		return checks.Errorf(CredentialsAdvice, "no AWS credentials were found for %s: %s", action, oneLine(err))
	case ErrorCode(err) != "":
		return checks.Errorf("Read the AWS error; if it persists, run the same call with the AWS CLI to compare.", "%s failed: %s", action, ErrorMessage(err))
	}
	return checks.Errorf(endpoint, "could not call %s: %s", action, oneLine(err))
}

// oneLine keeps an SDK error to one readable line.
func oneLine(err error) string {
	s := strings.ReplaceAll(err.Error(), "\n", " ")
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return s
}
