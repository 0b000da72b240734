package queue

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/spacelift-io/spacectl-preflight/internal/checks/awsenv"
)

// sqsClient is the run's one SQS client, created on first use.
type sqsClient = awsenv.Client[*sqs.Client]

func newSQSClient(env *awsenv.Env) *sqsClient {
	return awsenv.NewClient(env, func(c aws.Config) *sqs.Client { return sqs.NewFromConfig(c) })
}
