package encryption

import (
	"context"
	"fmt"
	"sync"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/spacelift-io/spacectl-preflight/internal/config"
)

// kmsClient is the run's one KMS client, created on first use and shared by
// every check that talks to KMS. The endpoint, retries and (unless static
// keys are configured) credentials come from the SDK's standard settings
// (AWS_ENDPOINT_URL_KMS, AWS_PROFILE, web identity, IMDS, ...), so the same
// code reaches real KMS and the test emulator.
type kmsClient struct {
	cfg *config.Config

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
	opts, info := loadOptions(k.cfg)
	// LoadDefaultConfig reads files and the environment; credentials are
	// only fetched on the first call, under that call's deadline.
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, info, fmt.Errorf("loading the AWS SDK configuration: %w", err)
	}
	info.Region = awsCfg.Region
	k.client, k.info = kms.NewFromConfig(awsCfg), info
	return k.client, k.info, nil
}

// loadOptions applies the Spacelift configuration on top of the SDK's
// defaults: AWS_REGION from wherever the config was read (a Secret file,
// the YAML), and static keys when both halves are configured.
func loadOptions(cfg *config.Config) ([]func(*awsconfig.LoadOptions) error, awsInfo) {
	var opts []func(*awsconfig.LoadOptions) error
	info := awsInfo{Credentials: "the AWS SDK default chain (environment, shared config/SSO profile, web identity, container or instance role)"}
	if r := cfg.Get(config.AWSRegion); r != "" {
		opts = append(opts, awsconfig.WithRegion(r))
	}
	if cfg.Has(config.AWSAccessKeyID) && cfg.Has(config.AWSSecretAccessKey) {
		id := cfg.Get(config.AWSAccessKeyID)
		opts = append(opts, awsconfig.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(
			id, cfg.Secret(config.AWSSecretAccessKey).Reveal(), cfg.Secret(config.AWSSessionToken).Reveal())))
		info.Credentials = "static keys from " + config.AWSAccessKeyID + "/" + config.AWSSecretAccessKey
		if src, ok := cfg.Source(config.AWSAccessKeyID); ok {
			info.Credentials += " (" + src.String() + ")"
		}
	}
	return opts, info
}
