package encryption

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/spacelift-io/spacectl-preflight/internal/checks/awsenv"
)

// kmsClient is the run's one KMS client, created on first use from the
// run's shared AWS configuration and shared by every check that talks to
// KMS. The endpoint, retries and (unless static keys are configured)
// credentials come from the SDK's standard settings (AWS_ENDPOINT_URL_KMS,
// AWS_PROFILE, web identity, IMDS, ...), so the same code reaches real KMS
// and the test emulator.
type kmsClient = awsenv.Client[*kms.Client]

func newKMSClient(env *awsenv.Env) *kmsClient {
	return awsenv.NewClient(env, func(c aws.Config) *kms.Client { return kms.NewFromConfig(c) })
}
