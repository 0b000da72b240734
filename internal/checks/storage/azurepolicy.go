package storage

import (
	"context"
	"math"
	"strings"
)

// managementPolicy is the account's lifecycle management policy, an ARM
// child resource.
const managementPolicy = "managementPolicies/default"

// loadPolicy reads the management policy's rules, once per run; an account
// without a policy has none.
func (a *armReader) loadPolicy(ctx context.Context) ([]armRule, error) {
	return a.policy.get(ctx, func(ctx context.Context) ([]armRule, error) {
		var p armPolicy
		if err := a.get(ctx, managementPolicy, &p); err != nil {
			if asOpError(err).Code == "ManagementPolicyNotFound" {
				return nil, nil // no policy: nothing expires
			}
			return nil, err
		}
		return p.Properties.Policy.Rules, nil
	})
}

// armPolicy is the part of a ManagementPolicy resource read here.
type armPolicy struct {
	Properties struct {
		Policy struct {
			Rules []armRule `json:"rules"`
		} `json:"policy"`
	} `json:"properties"`
}

type armRule struct {
	Name string `json:"name"`
	// Enabled is true when absent: Azure applies a rule unless it is
	// disabled explicitly.
	Enabled    *bool  `json:"enabled"`
	Type       string `json:"type"`
	Definition struct {
		Filters *struct {
			PrefixMatch    []string `json:"prefixMatch"`
			BlobTypes      []string `json:"blobTypes"`
			BlobIndexMatch []struct {
				Name string `json:"name"`
			} `json:"blobIndexMatch"`
		} `json:"filters"`
		Actions struct {
			BaseBlob *struct {
				Delete *armDateAfter `json:"delete"`
			} `json:"baseBlob"`
		} `json:"actions"`
	} `json:"definition"`
}

// armDateAfter is a delete action's age conditions, in days.
type armDateAfter struct {
	DaysAfterModificationGreaterThan   *float64 `json:"daysAfterModificationGreaterThan"`
	DaysAfterCreationGreaterThan       *float64 `json:"daysAfterCreationGreaterThan"`
	DaysAfterLastAccessTimeGreaterThan *float64 `json:"daysAfterLastAccessTimeGreaterThan"`
}

// days is the shortest age condition, or -1 when the action has none.
func (d *armDateAfter) days() int {
	n := -1
	for _, v := range []*float64{d.DaysAfterModificationGreaterThan, d.DaysAfterCreationGreaterThan, d.DaysAfterLastAccessTimeGreaterThan} {
		if v != nil && (n < 0 || int(math.Ceil(*v)) < n) {
			n = int(math.Ceil(*v))
		}
	}
	return n
}

// azureExpiryRules keeps the enabled rules that delete current block blobs
// (a baseBlob delete action) in the container: a prefixMatch is
// "container/blob-prefix", so it matches the whole container when it is a
// prefix of "container/" ("spacelift-states" matches every blob of the
// container spacelift-states), and part of it when it starts with
// "container/". A rule without prefixMatch matches every container.
// Actions on snapshots or versions only remove history and are ignored.
func azureExpiryRules(rules []armRule, container string) []expiryRule {
	var out []expiryRule
	for _, r := range rules {
		del := (*armDateAfter)(nil)
		if r.Definition.Actions.BaseBlob != nil {
			del = r.Definition.Actions.BaseBlob.Delete
		}
		if (r.Enabled != nil && !*r.Enabled) || (r.Type != "" && r.Type != "Lifecycle") || del == nil {
			continue
		}
		id := r.Name
		prefixes := []string{""}
		if f := r.Definition.Filters; f != nil {
			if len(f.BlobTypes) > 0 && !containsFold(f.BlobTypes, "blockBlob") {
				continue // Spacelift writes block blobs
			}
			if len(f.BlobIndexMatch) > 0 {
				id += " (blobs with matching index tags only)"
			}
			if len(f.PrefixMatch) > 0 {
				prefixes = f.PrefixMatch
			}
		}
		if prefix, ok := matchContainer(prefixes, container); ok {
			out = append(out, expiryRule{ID: id, Prefix: prefix, Days: max(del.days(), 0)})
		}
	}
	return out
}

// matchContainer returns the part of the container a rule's prefixes
// match: "" for all of it (preferred), or the blob prefix of the first
// partial match.
func matchContainer(prefixes []string, container string) (prefix string, ok bool) {
	for _, p := range prefixes {
		if strings.HasPrefix(container+"/", p) {
			return "", true
		}
	}
	for _, p := range prefixes {
		if strings.HasPrefix(p, container+"/") {
			return strings.TrimPrefix(p, container+"/"), true
		}
	}
	return "", false
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}
