package telemetry

import (
	"github.com/spacelift-io/spacectl-preflight/internal/checks/awsenv"
	"github.com/spacelift-io/spacectl-preflight/internal/config"
)

var _ awsenv.Permissions = Backend{}

// xrayActions are what the X-Ray mode needs of each service's role (spec
// OBS-003): sending trace segments and publishing metrics (the docs write
// cloudwatch:PutMetricsData, which does not exist; the IAM module grants
// cloudwatch:PutMetricData). Neither action supports resource-level
// permissions, so both are simulated on "*". The module's other X-Ray,
// CloudWatch Logs and STS grants are left out: OBS-003 names these two.
func xrayActions() []string { return []string{"xray:PutTraceSegments", "cloudwatch:PutMetricData"} }

// AWSNeeds implements awsenv.Permissions: with OBSERVABILITY_VENDOR=AWS,
// the server, drain and scheduler all send traces and metrics, and the
// official IAM module grants both actions to all three
// (terraform-aws-iam-spacelift-selfhosted@7053648 iam_drain_and_server.tf,
// iam_scheduler.tf).
func (Backend) AWSNeeds(cfg *config.Config, _ awsenv.ARNs) []awsenv.Need {
	if Vendor(cfg) != "AWS" {
		return nil
	}
	return []awsenv.Need{{
		Roles:    []awsenv.Role{awsenv.Server, awsenv.Drain, awsenv.Scheduler},
		Actions:  xrayActions(),
		Resource: "*",
		What:     "X-Ray telemetry (OBSERVABILITY_VENDOR=AWS)",
	}}
}
