package bundle

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/spacelift-io/spacectl-preflight/internal/config"
)

func TestDetectEnvironmentReadsNamesOnly(t *testing.T) {
	cases := []struct {
		name              string
		env               map[string]string
		k8s, ecs, ci      bool
		systems, evidence string
	}{
		{"nothing", map[string]string{"PATH": "/bin"}, false, false, false, "", ""},
		{"pod in GitLab", map[string]string{"KUBERNETES_SERVICE_HOST": "10.0.0.1", "GITLAB_CI": "true", "CI": "true"}, true, false, true, "GitLab CI", "CI,GITLAB_CI"},
		{"ECS task", map[string]string{"ECS_CONTAINER_METADATA_URI_V4": "http://169.254.170.2/v4/secret-task-id"}, false, true, false, "", ""},
		{"Jenkins", map[string]string{"JENKINS_URL": "https://jenkins.internal/"}, false, false, true, "Jenkins", "JENKINS_URL"},
	}
	cat, err := config.NewCatalog([]config.Var{config.Spacelift("SERVER_DOMAIN", "server.domain", "The domain.")})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := DetectEnvironment(c.env, Build{Version: "v1"}, cat)
			if e.Kubernetes.Detected != c.k8s || e.ECS.Detected != c.ecs || e.CI.Detected != c.ci {
				t.Errorf("detected k8s=%v ecs=%v ci=%v", e.Kubernetes.Detected, e.ECS.Detected, e.CI.Detected)
			}
			if c.ci && (strings.Join(e.CI.Systems, ",") != c.systems || strings.Join(e.CI.Evidence, ",") != c.evidence) {
				t.Errorf("ci %+v", e.CI)
			}
			j, _ := json.Marshal(e)
			for k, v := range c.env {
				if k != "PATH" && len(v) > 4 && strings.Contains(string(j), v) {
					t.Errorf("the value of %s leaked into %s", k, j)
				}
			}
		})
	}
}
