package cli

import (
	"context"
	"encoding/json"
	"io"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/config"
	"github.com/spacelift-io/spacectl-preflight/internal/safetext"
)

// ChecksOptions are the inputs of `checks`.
type ChecksOptions struct {
	Streams *Streams
	Inputs  InputOptions
	Format  string
	// flags holds --target, resolved like check's.
	flags *pflag.FlagSet
}

func newCmdChecks(s *Streams, runF func(context.Context, *ChecksOptions) error) *cobra.Command {
	o := &ChecksOptions{Streams: s}
	cmd := &cobra.Command{
		Use:   "checks",
		Short: "List every check, and whether the configuration enables it",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.flags = cmd.Flags()
			return runF(cmd.Context(), o)
		},
	}
	o.Inputs.addFlags(cmd.Flags())
	config.AddSettingFlag(cmd.Flags(), "target")
	cmd.Flags().StringVarP(&o.Format, "output", "o", "table", "table or json")
	return cmd
}

type checkInfo struct {
	ID      string   `json:"id"`
	Group   string   `json:"group"`
	Title   string   `json:"title"`
	Enabled bool     `json:"enabled"`
	Reason  string   `json:"reason,omitempty"`
	Needs   []string `json:"needs"`
	DocURL  string   `json:"docUrl"`
}

func runListChecks(_ context.Context, o *ChecksOptions) error {
	if o.Format != "table" && o.Format != "json" {
		return usageErrorf("-o %q: want table or json", o.Format)
	}
	cfg, err := o.Inputs.load(o.Streams)
	if err != nil {
		return err
	}
	rs, err := resolveSettings(o.Streams, o.flags, cfg.Preflight)
	if err != nil {
		return err
	}
	plan := checks.Build(o.Streams.backendsFor(rs.Target), cfg, checks.Options{Stage: checks.PreInstall})
	var infos []checkInfo
	for _, c := range plan.Checks() {
		needs := c.Needs
		if needs == nil {
			needs = []string{}
		}
		infos = append(infos, checkInfo{ID: c.ID, Group: c.Group, Title: c.Title, Enabled: c.Disabled == "", Reason: c.Disabled, Needs: needs, DocURL: c.DocURL()})
	}
	if o.Format == "json" {
		enc := json.NewEncoder(o.Streams.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(infos)
	}
	rows := [][]string{{"ID", "GROUP", "ENABLED", "TITLE"}}
	for _, i := range infos {
		enabled := "yes"
		if !i.Enabled {
			enabled = "no: " + safetext.EscapeLine(i.Reason)
		}
		rows = append(rows, []string{i.ID, i.Group, enabled, i.Title})
	}
	// On a narrow terminal GROUP goes first: each ID starts with its group.
	_, err = io.WriteString(o.Streams.Out, columns(rows, listWidth(o.Streams), 1))
	return err
}

// listWidth is the width the listing fits: the terminal's, or COLUMNS; on
// a pipe without COLUMNS there is no limit, so that every check stays on
// one line for grep.
func listWidth(s *Streams) int {
	switch {
	case s.Width > 0:
		return s.Width
	case s.StdoutTTY:
		return 80
	}
	return 0
}
