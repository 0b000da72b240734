package registry

import (
	"testing"

	"github.com/spacelift-io/spacectl-preflight/docs"
	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/config"
)

func TestRegistryIsValid(t *testing.T) {
	p := Build(config.New(), checks.Options{Stage: checks.PreInstall})
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
		for _, c := range Build(config.New(), checks.Options{Stage: stage}).Checks() {
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
	base := Build(config.New(), checks.Options{Stage: checks.PreInstall}).Checks()
	combos := []map[string]string{
		{config.ObjectStorageType: "gcp", config.EncryptionType: "rsa", config.MessageQueueType: "postgres", config.MQTTBrokerType: "builtin"},
		{config.ObjectStorageType: "azure", config.EncryptionType: "kms", config.MessageQueueType: "sqs", config.MQTTBrokerType: "iotcore", config.ObservabilityVendor: "OpenTelemetry"},
		{config.ObjectStorageType: "minio", config.ObservabilityVendor: "Datadog", config.DatabaseURL: "postgres://u@h/db"},
	}
	for _, vars := range combos {
		cfg := config.New()
		for k, v := range vars {
			vr, _ := config.Lookup(k)
			cfg.Set(vr, v, config.Source{Kind: config.FromFlag})
		}
		for _, stage := range []checks.Stage{checks.PreInstall, checks.PostInstall} {
			p := Build(cfg, checks.Options{Stage: stage})
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
