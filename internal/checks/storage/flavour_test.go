package storage

import (
	"testing"

	"github.com/spacelift-io/spacectl-preflight/internal/checks/awsenv"
)

// Every OBJECT_STORAGE_TYPE value the configuration accepts has a flavour
// that answers to its name, and any other value has none.
func TestFlavourForEveryObjectStorageType(t *testing.T) {
	cfg := testCfg(t, nil)
	v, ok := cfg.Catalog().Lookup(TypeVar)
	if !ok || len(v.Enum) == 0 {
		t.Fatalf("%s is not an enum variable", TypeVar)
	}
	for _, name := range v.Enum {
		f := flavourFor(name, cfg, awsenv.New(cfg), seams{})
		if f == nil {
			t.Errorf("OBJECT_STORAGE_TYPE %s has no flavour", name)
			continue
		}
		if f.name() != name {
			t.Errorf("the flavour for %s calls itself %s", name, f.name())
		}
	}
	if f := flavourFor("ceph", cfg, awsenv.New(cfg), seams{}); f != nil {
		t.Errorf("ceph got flavour %s", f.name())
	}
}
