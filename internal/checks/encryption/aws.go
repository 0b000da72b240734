package encryption

import (
	"context"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/spacelift-io/spacectl-preflight/internal/checks/awsenv"
)

// kmsClient is the run's one KMS client, created on first use from the
// run's shared AWS configuration and shared by every check that talks to
// KMS. The endpoint, retries and (unless static keys are configured)
// credentials come from the SDK's standard settings (AWS_ENDPOINT_URL_KMS,
// AWS_PROFILE, web identity, IMDS, ...), so the same code reaches real KMS
// and the test emulator.
type kmsClient struct {
	env *awsenv.Env

	mu     sync.Mutex
	client *kms.Client
	info   awsInfo
}

// awsInfo says, without secrets, how the client was configured.
type awsInfo struct {
	Region      string
	Credentials string
}

func (k *kmsClient) get(ctx context.Context) (*kms.Client, awsInfo, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.client != nil {
		return k.client, k.info, nil
	}
	info := awsInfo{Credentials: k.env.Credentials()}
	awsCfg, err := k.env.Config(ctx)
	if err != nil {
		return nil, info, err
	}
	info.Region = awsCfg.Region
	k.client, k.info = kms.NewFromConfig(awsCfg), info
	return k.client, k.info, nil
}
