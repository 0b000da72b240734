package storage

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/spacelift-io/spacectl-preflight/internal/config"
)

// loadAWSConfig loads the AWS configuration once per run (the suite keeps
// the client built from it): the default credential chain and region, with
// the values of the Spacelift configuration layered on top, because they
// may come from a YAML or env file the SDK does not read.
func loadAWSConfig(ctx context.Context, cfg *config.Config) (aws.Config, error) {
	var opts []func(*awsconfig.LoadOptions) error
	if r := cfg.Get(config.AWSRegion); r != "" {
		opts = append(opts, awsconfig.WithRegion(r))
	} else if r := cfg.Get(config.AWSDefaultRegion); r != "" {
		opts = append(opts, awsconfig.WithRegion(r))
	}
	if cfg.Has(config.AWSAccessKeyID) && cfg.Has(config.AWSSecretAccessKey) {
		opts = append(opts, awsconfig.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(
			cfg.Get(config.AWSAccessKeyID), cfg.Secret(config.AWSSecretAccessKey).Reveal(), cfg.Secret(config.AWSSessionToken).Reveal())))
	}
	return awsconfig.LoadDefaultConfig(ctx, opts...)
}
