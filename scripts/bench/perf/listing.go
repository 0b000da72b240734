package perf

import (
	"encoding/json"
	"fmt"
	"strings"
)

// CheckInfo is one entry of `spacectl-preflight checks -o json`.
type CheckInfo struct {
	ID      string   `json:"id"`
	Group   string   `json:"group"`
	Enabled bool     `json:"enabled"`
	Needs   []string `json:"needs"`
}

// ParseChecks reads the output of `checks -o json`.
func ParseChecks(data []byte) ([]CheckInfo, error) {
	var out []CheckInfo
	if err := json.Unmarshal(data, &out); err != nil {
		return nil, fmt.Errorf("reading `checks -o json`: %w", err)
	}
	return out, nil
}

// WithNeeds returns id and everything it needs, transitively, in list
// order: the --only set that runs id alone but not blocked.
func WithNeeds(list []CheckInfo, id string) []string {
	byID := make(map[string]CheckInfo, len(list))
	for _, c := range list {
		byID[c.ID] = c
	}
	want := map[string]bool{}
	var visit func(string)
	visit = func(x string) {
		if want[x] {
			return
		}
		want[x] = true
		for _, n := range byID[x].Needs {
			visit(n)
		}
	}
	visit(id)
	var out []string
	for _, c := range list {
		if want[c.ID] {
			out = append(out, c.ID)
		}
	}
	return out
}

// OnlyArgs turns IDs into --only flags. IDs contain no glob characters, so
// each matches exactly itself.
func OnlyArgs(ids []string) []string {
	var args []string
	for _, id := range ids {
		if strings.ContainsAny(id, "*?[") {
			continue
		}
		args = append(args, "--only", id)
	}
	return args
}

// Groups lists the groups that have an enabled check, in list order.
func Groups(list []CheckInfo) []string {
	seen := map[string]bool{}
	var out []string
	for _, c := range list {
		if c.Enabled && !seen[c.Group] {
			seen[c.Group] = true
			out = append(out, c.Group)
		}
	}
	return out
}
