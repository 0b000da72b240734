package bundle

import (
	"runtime"
	"sort"
	"strings"

	"github.com/spacelift-io/spacectl-preflight/internal/config"
)

// Environment says what the tool is and where it runs. It is built from
// variable NAMES only: no value of the process environment is ever read
// into it.
type Environment struct {
	Tool       Build    `json:"tool"`
	OS         string   `json:"os"`
	Arch       string   `json:"arch"`
	CPUs       int      `json:"cpus"`
	Kubernetes Platform `json:"kubernetes"`
	ECS        Platform `json:"ecs"`
	CI         Platform `json:"ci"`
	// SpaceliftVariables names Spacelift variables present in the process
	// environment (whether or not --from-env was given), and
	// PreflightVariables names the SPACECTL_PREFLIGHT_* ones.
	SpaceliftVariables []string `json:"spaceliftVariablesInEnvironment"`
	PreflightVariables []string `json:"preflightVariablesInEnvironment"`
}

// Platform is one detected (or not) runtime, with the variable names that
// gave it away.
type Platform struct {
	Detected bool     `json:"detected"`
	Systems  []string `json:"systems,omitempty"`
	Evidence []string `json:"evidence"`
}

type marker struct{ name, system string }

// Each platform sets these variables in every process it starts.
func kubernetesMarkers() []marker {
	return []marker{{"KUBERNETES_SERVICE_HOST", "Kubernetes"}, {"KUBERNETES_PORT", "Kubernetes"}}
}

func ecsMarkers() []marker {
	return []marker{{"ECS_CONTAINER_METADATA_URI_V4", "ECS"}, {"ECS_CONTAINER_METADATA_URI", "ECS"}, {"ECS_AGENT_URI", "ECS"}}
}

func ciMarkers() []marker {
	return []marker{
		{"CI", ""}, {"GITHUB_ACTIONS", "GitHub Actions"}, {"GITLAB_CI", "GitLab CI"}, {"JENKINS_URL", "Jenkins"},
		{"CIRCLECI", "CircleCI"}, {"BUILDKITE", "Buildkite"}, {"TF_BUILD", "Azure Pipelines"}, {"TRAVIS", "Travis CI"},
		{"BITBUCKET_BUILD_NUMBER", "Bitbucket Pipelines"}, {"TEAMCITY_VERSION", "TeamCity"}, {"CODEBUILD_BUILD_ID", "AWS CodeBuild"},
		{"DRONE", "Drone"}, {"SPACELIFT_RUN_ID", "Spacelift"}, {"TF_VAR_spacelift_run_id", "Spacelift"},
	}
}

// DetectEnvironment reports the build, the platform and the runtimes the
// environment names reveal.
func DetectEnvironment(env map[string]string, b Build, cat *config.Catalog) Environment {
	e := Environment{Tool: b, OS: runtime.GOOS, Arch: runtime.GOARCH, CPUs: runtime.NumCPU(),
		Kubernetes: detect(env, kubernetesMarkers()), ECS: detect(env, ecsMarkers()), CI: detect(env, ciMarkers())}
	known := map[string]bool{}
	for _, v := range cat.Vars() {
		known[v.Name] = true
	}
	e.SpaceliftVariables, e.PreflightVariables = []string{}, []string{}
	for name := range env {
		switch {
		case strings.HasPrefix(name, "SPACECTL_PREFLIGHT_"):
			e.PreflightVariables = append(e.PreflightVariables, name)
		case known[name]:
			e.SpaceliftVariables = append(e.SpaceliftVariables, name)
		}
	}
	sort.Strings(e.SpaceliftVariables)
	sort.Strings(e.PreflightVariables)
	return e
}

func detect(env map[string]string, ms []marker) Platform {
	p := Platform{Evidence: []string{}}
	seen := map[string]bool{}
	for _, m := range ms {
		if _, ok := env[m.name]; !ok {
			continue
		}
		p.Detected = true
		p.Evidence = append(p.Evidence, m.name)
		if m.system != "" && !seen[m.system] {
			seen[m.system] = true
			p.Systems = append(p.Systems, m.system)
		}
	}
	return p
}
