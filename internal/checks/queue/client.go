package queue

import (
	"context"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/spacelift-io/spacectl-preflight/internal/checks/awsenv"
)

// sqsClient is the run's one SQS client, created on first use.
type sqsClient struct {
	env *awsenv.Env

	mu     sync.Mutex
	client *sqs.Client
	region string
}

func (s *sqsClient) get(ctx context.Context) (*sqs.Client, string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.client != nil {
		return s.client, s.region, nil
	}
	c, err := s.env.Config(ctx)
	if err != nil {
		return nil, "", err
	}
	s.client, s.region = sqs.NewFromConfig(c), c.Region
	return s.client, s.region, nil
}
