package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/spacelift-io/spacectl-preflight/docs"
	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/config"
)

func newCmdExplain(s *Streams) *cobra.Command {
	return &cobra.Command{
		Use:   "explain CHECK-ID",
		Short: "Print a check's page: what it verifies, why Spacelift needs it, how to fix each failure",
		Args:  cobra.ExactArgs(1),
		// Shell completion offers every check ID, with its title.
		ValidArgsFunction: func(_ *cobra.Command, args []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
			if len(args) > 0 {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			var ids []cobra.Completion
			for _, c := range offlinePlan(s).Checks() {
				ids = append(ids, cobra.CompletionWithDesc(c.ID, c.Title))
			}
			return ids, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(_ *cobra.Command, args []string) error {
			plan := offlinePlan(s)
			var ids []string
			for _, c := range plan.Checks() {
				ids = append(ids, c.ID)
				if c.ID != args[0] {
					continue
				}
				page, err := docs.CheckPage(c.DocPage())
				if err != nil {
					return fmt.Errorf("the page for %s is missing from this build: %w", c.ID, err)
				}
				_, err = s.Out.Write(page)
				return err
			}
			return usageErrorf("%s", unknownID(args[0], ids))
		},
	}
}

// offlinePlan lists every check of either target without a configuration
// (nothing enabled).
func offlinePlan(s *Streams) *checks.Plan {
	bs := s.allBackends()
	return checks.Build(bs, config.New(checks.MustCatalog(bs)), checks.Options{Stage: checks.PreInstall})
}
