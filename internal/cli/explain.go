package cli

import (
	"fmt"
	"sort"

	"github.com/spf13/cobra"

	"github.com/spacelift-io/spacectl-preflight/docs"
	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/config"
	"github.com/spacelift-io/spacectl-preflight/internal/mdterm"
)

func newCmdExplain(s *Streams) *cobra.Command {
	var color string
	cmd := &cobra.Command{
		Use:   "explain CHECK-ID",
		Short: "Print a check's page: what it verifies, why Spacelift needs it, how to fix each failure",
		Long: `Print a check's page: what it verifies, why Spacelift needs it, how to fix each failure.

CHECK-ID is a check's ID, or the name of a page a family of checks shares
(storage.bucket for storage.bucket.*, queue.sqs for queue.sqs.*), as in the
results' docUrl. On a terminal the page is rendered (colour unless NO_COLOR
or --color never); otherwise, or piped, it is printed as Markdown.`,
		Example: `  spacectl-preflight explain postgres.connect
  spacectl-preflight explain storage.bucket
  spacectl-preflight explain queue.sqs.dlq > dlq.md`,
		Args: cobra.ExactArgs(1),
		// Shell completion offers every check ID and shared page, with its
		// title.
		ValidArgsFunction: func(_ *cobra.Command, args []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
			if len(args) > 0 {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			var out []cobra.Completion
			for _, p := range explainTargets(offlinePlan(s).Checks()) {
				out = append(out, cobra.CompletionWithDesc(p.name, p.title))
			}
			return out, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(_ *cobra.Command, args []string) error {
			if err := validColor(color); err != nil {
				return err
			}
			targets := explainTargets(offlinePlan(s).Checks())
			var names []string
			for _, t := range targets {
				names = append(names, t.name)
				if t.name != args[0] {
					continue
				}
				page, err := docs.CheckPage(t.page)
				if err != nil {
					return fmt.Errorf("the page for %s is missing from this build: %w", t.name, err)
				}
				return writePage(s, page, color)
			}
			return usageErrorf("%s", unknownID(args[0], names))
		},
	}
	cmd.Flags().StringVar(&color, "color", "auto", "colour: auto (a terminal without NO_COLOR), always or never")
	return cmd
}

// explainTarget is a name explain accepts: a check ID, or a page shared by
// a family of checks (whose docUrl names it).
type explainTarget struct {
	name, title, page string
}

func explainTargets(list []checks.Check) []explainTarget {
	var out []explainTarget
	ids := map[string]bool{}
	family := map[string][]string{}
	for _, c := range list {
		ids[c.ID] = true
		out = append(out, explainTarget{name: c.ID, title: c.Title, page: c.DocPage()})
		if c.DocPage() != c.ID {
			family[c.DocPage()] = append(family[c.DocPage()], c.ID)
		}
	}
	var pages []string
	for p := range family {
		if !ids[p] {
			pages = append(pages, p)
		}
	}
	sort.Strings(pages)
	for _, p := range pages {
		out = append(out, explainTarget{name: p, title: fmt.Sprintf("the page of %s.* (%d checks)", p, len(family[p])), page: p})
	}
	return out
}

// writePage renders a page for a terminal (or with --color always), and
// prints its Markdown unchanged otherwise: piped into a file or a pager
// that renders Markdown, the source is what is wanted.
func writePage(s *Streams, page []byte, color string) error {
	if !s.StdoutTTY && color != "always" {
		_, err := s.Out.Write(page)
		return err
	}
	width := s.Width
	if width <= 0 {
		width = 80
	}
	return mdterm.Render(s.Out, page, mdterm.Options{Color: s.colorFor(s.StdoutTTY, color), Width: width})
}

// validColor checks a --color value.
func validColor(mode string) error {
	switch mode {
	case "auto", "always", "never":
		return nil
	}
	return usageErrorf("--color %q: want auto, always or never", mode)
}

// offlinePlan lists every check of either target without a configuration
// (nothing enabled).
func offlinePlan(s *Streams) *checks.Plan {
	bs := s.allBackends()
	return checks.Build(bs, config.New(checks.MustCatalog(bs)), checks.Options{Stage: checks.PreInstall})
}
