// Package awsenv loads the AWS SDK configuration once per run for every
// check that talks to AWS (S3, KMS, SQS and IoT Core share it), and Client
// builds each service's client from it on first use. It uses the SDK's default
// chain, so the standard settings apply: credentials from the environment,
// shared files, web identity or instance roles, and service endpoints from
// AWS_ENDPOINT_URL_SQS / AWS_ENDPOINT_URL_IOT (which is how tests point the
// same code at emulators).
package awsenv

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/logging"

	"github.com/spacelift-io/spacectl-preflight/internal/config"
)

// ErrNoRegion means neither the configuration nor the SDK's settings name a
// region, so no AWS API can be called.
var ErrNoRegion = errors.New("no AWS region: set AWS_REGION")

// Env is the run's lazily loaded AWS configuration. Create one per run with
// New and share it between the checks that talk to AWS.
type Env struct {
	cfg *config.Config
	// log receives what the SDK logs (its warnings); nil drops it.
	log *slog.Logger

	mu     sync.Mutex
	loaded bool
	aws    aws.Config
}

// New returns an Env that loads nothing until Config is first called.
func New(cfg *config.Config) *Env { return &Env{cfg: cfg} }

// Config returns the SDK configuration, loading it on first use with the
// caller's ctx. A failed load is not cached, so a later check may retry.
func (e *Env) Config(ctx context.Context) (aws.Config, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.loaded {
		return e.aws, nil
	}
	var opts []func(*awsconfig.LoadOptions) error
	if r := e.cfg.Get(Region); r != "" {
		opts = append(opts, awsconfig.WithRegion(r))
	} else if r := e.cfg.Get(DefaultRegion); r != "" {
		opts = append(opts, awsconfig.WithRegion(r))
	}
	// Static keys in the configuration (an input, or inherited from the
	// process environment when no input sets them) win over the default
	// chain, as they would in the Spacelift container that receives the
	// same file.
	if e.cfg.Has(AccessKeyID) && e.cfg.Has(SecretAccessKey) {
		opts = append(opts, awsconfig.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(
			e.cfg.Get(AccessKeyID),
			e.cfg.Secret(SecretAccessKey).Reveal(),
			e.sessionToken(),
		)))
	}
	// The SDK's default logger writes unstructured lines straight to
	// os.Stderr ("SDK 2026/… WARN Response has no supported checksum"),
	// past the scrubber and past -q: send them to the run's logger.
	opts = append(opts, awsconfig.WithLogger(sdkLogger{e.log}))
	c, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("loading the AWS configuration: %w", err)
	}
	if c.Region == "" {
		return aws.Config{}, ErrNoRegion
	}
	e.aws, e.loaded = c, true
	return c, nil
}

// sdkLogger is the SDK's logging.Logger on the run's structured logger.
type sdkLogger struct{ l *slog.Logger }

func (s sdkLogger) Logf(c logging.Classification, format string, v ...any) {
	if s.l == nil {
		return
	}
	level := slog.LevelDebug
	if c == logging.Warn {
		level = slog.LevelWarn
	}
	s.l.Log(context.Background(), level, fmt.Sprintf(format, v...), "logger", "aws-sdk-go-v2")
}

// sessionToken is AWS_SESSION_TOKEN when it belongs to the access key: a
// token the shell exported (inherited) never goes with a key pair an input
// set, nor the other way round, or the request would be signed with a
// token of another identity.
func (e *Env) sessionToken() string {
	key, _ := e.cfg.Source(AccessKeyID)
	tok, _ := e.cfg.Source(SessionToken)
	if key.Inherited != tok.Inherited {
		return ""
	}
	return e.cfg.Secret(SessionToken).Reveal()
}

// Credentials says, without secrets, where the credentials come from.
func (e *Env) Credentials() string {
	if e.cfg.Has(AccessKeyID) && e.cfg.Has(SecretAccessKey) {
		s := "static keys from " + AccessKeyID + "/" + SecretAccessKey
		if src, ok := e.cfg.Source(AccessKeyID); ok {
			s += " (" + src.String() + ")"
		}
		return s
	}
	return "the AWS SDK default chain (environment, shared config/SSO profile, web identity, container or instance role)"
}

// Partition is AWS_PARTITION, or "aws".
func (e *Env) Partition() string {
	if p := e.cfg.Get(Partition); p != "" {
		return p
	}
	return "aws"
}

// ErrorCode returns the AWS error code of err, or "".
func ErrorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// ErrorMessage returns the service's own message for err when it is an API
// error, otherwise err's text. Service messages name resources, never
// credentials.
func ErrorMessage(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		if m := ae.ErrorMessage(); m != "" {
			return ae.ErrorCode() + ": " + m
		}
		return ae.ErrorCode()
	}
	return err.Error()
}

// IsAccessDenied reports whether err says the caller lacks a permission.
func IsAccessDenied(err error) bool {
	code := ErrorCode(err)
	switch {
	case strings.Contains(code, "AccessDenied"), code == "UnauthorizedException",
		code == "AuthorizationError", code == "UnauthorizedOperation", code == "Forbidden":
		return true
	}
	return false
}

// IsBadCredentials reports whether err says the credentials themselves are
// wrong or expired, as opposed to lacking a permission.
func IsBadCredentials(err error) bool {
	switch ErrorCode(err) {
	case "InvalidClientTokenId", "SignatureDoesNotMatch", "ExpiredToken", "ExpiredTokenException",
		"InvalidSignatureException", "UnrecognizedClientException", "IncompleteSignature", "MissingAuthenticationToken":
		return true
	}
	return false
}

// NoCredentials reports whether the SDK found no credentials at all.
func NoCredentials(err error) bool {
	return err != nil && strings.Contains(err.Error(), "failed to retrieve credentials") && ErrorCode(err) == ""
}

// LoadAdvice is the advice for an error from Config: a missing region, or
// a credentials problem.
func LoadAdvice(err error) string {
	if errors.Is(err, ErrNoRegion) {
		return "Set AWS_REGION (and AWS_DEFAULT_REGION to the same value) to the region Spacelift runs in."
	}
	return CredentialsAdvice
}

// CredentialsAdvice is the advice for a credentials problem.
const CredentialsAdvice = "Give this tool the same AWS identity Spacelift runs with: set AWS_PROFILE, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run it where the instance/pod role applies (IRSA, ECS task role). `aws sts get-caller-identity` shows which identity is in use."
