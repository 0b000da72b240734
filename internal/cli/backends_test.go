package cli

import (
	"testing"

	"github.com/spacelift-io/spacectl-preflight/docs"
	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/config"
)

// build is the plan of every backend of both targets for cfg.
func build(cfg *config.Config, opts checks.Options) *checks.Plan {
	return checks.Build(AllBackends(), cfg, opts)
}

func emptyConfig() *config.Config { return config.New(checks.MustCatalog(AllBackends())) }

func TestRegistryIsValid(t *testing.T) {
	p := build(emptyConfig(), checks.Options{Stage: checks.PreInstall})
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	if len(p.Checks()) == 0 || p.Checks()[0].ID != "config.required" {
		t.Fatal("the offline config checks must come first")
	}
}

// Every registered check has a page, and every page belongs to a check:
// `explain` and the docUrl in every report depend on it.
func TestEveryCheckHasADocPageAndViceVersa(t *testing.T) {
	pages := map[string]bool{}
	names, err := docs.CheckPageNames()
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		pages[n] = false
	}
	for _, stage := range []checks.Stage{checks.PreInstall, checks.PostInstall} {
		for _, c := range build(emptyConfig(), checks.Options{Stage: stage}).Checks() {
			if _, ok := pages[c.DocPage()]; !ok {
				t.Errorf("check %s has no docs/checks/%s.md", c.ID, c.DocPage())
				continue
			}
			pages[c.DocPage()] = true
		}
	}
	for n, used := range pages {
		if !used {
			t.Errorf("docs/checks/%s.md belongs to no registered check", n)
		}
	}
}

// Every backend combination registers the same valid set of checks; only
// what is disabled changes.
func TestEveryCombinationIsValid(t *testing.T) {
	base := build(emptyConfig(), checks.Options{Stage: checks.PreInstall}).Checks()
	combos := []map[string]string{
		{"OBJECT_STORAGE_TYPE": "gcp", "ENCRYPTION_TYPE": "rsa", "MESSAGE_QUEUE_TYPE": "postgres", "MQTT_BROKER_TYPE": "builtin"},
		{"OBJECT_STORAGE_TYPE": "azure", "ENCRYPTION_TYPE": "kms", "MESSAGE_QUEUE_TYPE": "sqs", "MQTT_BROKER_TYPE": "iotcore", "OBSERVABILITY_VENDOR": "OpenTelemetry"},
		{"OBJECT_STORAGE_TYPE": "minio", "OBSERVABILITY_VENDOR": "Datadog", "DATABASE_URL": "postgres://u@h/db"},
	}
	for _, vars := range combos {
		cfg, err := config.FromMap(checks.MustCatalog(AllBackends()), vars, config.Source{Kind: config.FromFlag})
		if err != nil {
			t.Fatal(err)
		}
		for _, stage := range []checks.Stage{checks.PreInstall, checks.PostInstall} {
			p := build(cfg, checks.Options{Stage: stage})
			if err := p.Validate(); err != nil {
				t.Fatalf("%v %s: %v", vars, stage, err)
			}
			got := p.Checks()
			if len(got) != len(base) {
				t.Fatalf("%v: %d checks, want %d", vars, len(got), len(base))
			}
			for i := range got {
				if got[i].ID != base[i].ID {
					t.Errorf("%v: check %d is %s, want %s", vars, i, got[i].ID, base[i].ID)
				}
			}
		}
	}
}
