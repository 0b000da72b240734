package awsenv

import (
	"context"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// Info says, without secrets, how a client was configured.
type Info struct {
	Region string
	// Credentials is Env.Credentials: where the credentials come from.
	Credentials string
	// Partition is Env.Partition, for building ARNs with Region.
	Partition string
}

// Client is one run's client for one AWS service (an *sqs.Client, a
// *kms.Client, ...), created on first use from the Env's configuration and
// shared by every check of that service. Creating it makes no call: the
// configuration is loaded, with the first caller's ctx, only when a check
// needs the client, so a run whose AWS checks are all disabled never loads it.
type Client[T any] struct {
	env   *Env
	build func(aws.Config) T

	mu     sync.Mutex
	built  bool
	client T
	info   Info
}

// NewClient returns a Client that calls build with the Env's configuration
// the first time Get succeeds.
func NewClient[T any](env *Env, build func(aws.Config) T) *Client[T] {
	return &Client[T]{env: env, build: build}
}

// Get returns the client and how it was configured, creating it on first
// use. A failure to load the configuration is not cached: the next check
// tries again with its own deadline. The Info's Credentials and Partition
// are set even then.
func (c *Client[T]) Get(ctx context.Context) (T, Info, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.built {
		return c.client, c.info, nil
	}
	info := Info{Credentials: c.env.Credentials(), Partition: c.env.Partition()}
	ac, err := c.env.Config(ctx)
	if err != nil {
		var zero T
		return zero, info, err
	}
	info.Region = ac.Region
	c.client, c.info, c.built = c.build(ac), info, true
	return c.client, c.info, nil
}
