package encryption

import (
	"context"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/spacelift-io/spacectl-preflight/internal/checks/messaging/awsenv"
	"github.com/spacelift-io/spacectl-preflight/internal/config"
)

// kmsClient is the run's one KMS client, created on first use and shared by
// every check that talks to KMS. It is built from the run's one AWS
// configuration (awsenv.Env, shared with SQS and IoT Core), so the
// endpoint, retries and (unless static keys are configured) credentials
// come from the SDK's standard settings (AWS_ENDPOINT_URL_KMS, AWS_PROFILE,
// web identity, IMDS, ...) and the same code reaches real KMS and the test
// emulator.
type kmsClient struct {
	cfg *config.Config
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
	info := describeCredentials(k.cfg)
	// Loading reads files and the environment; credentials are only
	// fetched on the first call, under that call's deadline.
	awsCfg, err := k.env.Config(ctx)
	if err != nil {
		return nil, info, fmt.Errorf("loading the AWS SDK configuration: %w", err)
	}
	info.Region = awsCfg.Region
	k.client, k.info = kms.NewFromConfig(awsCfg), info
	return k.client, k.info, nil
}

// describeCredentials says where the credentials come from: awsenv applies
// AWS_REGION and, when both halves are configured, static keys on top of
// the SDK's defaults.
func describeCredentials(cfg *config.Config) awsInfo {
	info := awsInfo{Credentials: "the AWS SDK default chain (environment, shared config/SSO profile, web identity, container or instance role)"}
	if cfg.Has(config.AWSAccessKeyID) && cfg.Has(config.AWSSecretAccessKey) {
		info.Credentials = "static keys from " + config.AWSAccessKeyID + "/" + config.AWSSecretAccessKey
		if src, ok := cfg.Source(config.AWSAccessKeyID); ok {
			info.Credentials += " (" + src.String() + ")"
		}
	}
	return info
}
