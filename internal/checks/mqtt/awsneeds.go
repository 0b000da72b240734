package mqtt

import (
	"github.com/spacelift-io/spacectl-preflight/internal/checks/awsenv"
	"github.com/spacelift-io/spacectl-preflight/internal/checks/queue"
	"github.com/spacelift-io/spacectl-preflight/internal/config"
)

var _ awsenv.Permissions = Backend{}

// AWSNeeds implements awsenv.Permissions: with MQTT_BROKER_TYPE=iotcore,
// what the server and drain need on IoT Core (they create, attach and
// delete the workers' certificates and policies, and publish to the
// readonly topics), and what the IoT topic rule's role needs to forward
// worker messages into the IoT queue (terraform-aws-iam-spacelift-selfhosted
// @7053648: iam_server.tf, iam_drain_and_server.tf;
// terraform-aws-spacelift-selfhosted@47885da: modules/sqs/iot.tf, whose
// KMS grant on the queue's key aws.identity derives from the queue's
// encryption).
func (Backend) AWSNeeds(cfg *config.Config, a awsenv.ARNs) []awsenv.Need {
	if Broker(cfg) != "iotcore" {
		return nil
	}
	both := []awsenv.Role{awsenv.Server, awsenv.Drain}
	ns := cfg.Get(IoTCoreNamespace)
	if ns == "" {
		ns = "spacelift"
	}
	out := []awsenv.Need{
		{Roles: both, Resource: "*", What: "IoT certificates and policies",
			Actions: []string{"iot:DeleteCertificate", "iot:DeletePolicy", "iot:DetachPolicy", "iot:DetachPrincipalPolicy", "iot:UpdateCertificate", "iot:DescribeCertificate", "iot:GetPolicy"}},
		{Roles: []awsenv.Role{awsenv.Server}, Resource: "*", What: "IoT certificates and policies",
			Actions: []string{"iot:AttachPolicy", "iot:AttachPrincipalPolicy", "iot:CreateCertificateFromCsr", "iot:RegisterCertificateWithoutCA", "iot:CreateKeysAndCertificate", "iot:CreatePolicy"}},
		{Roles: both, Actions: []string{"iot:Publish"}, What: "IoT topic " + ns + "/readonly/*",
			Resource: "arn:" + a.Partition + ":iot:" + a.Region + ":" + a.Account + ":topic/" + ns + "/readonly/spacectl-preflight"},
	}
	if arn := queue.ARN(cfg.Get("MESSAGE_QUEUE_SQS_IOT_URL"), a.Partition, a.Region); arn != "" {
		out = append(out, awsenv.Need{Roles: []awsenv.Role{awsenv.IoTRule}, Actions: []string{"sqs:SendMessage"}, Resource: arn, What: "iot queue"})
	}
	return out
}
