package cli

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"
)

func newCmdVersion(s *Streams, b BuildInfo) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit, build date and Go version",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			switch format {
			case "json":
				enc := json.NewEncoder(s.Out)
				enc.SetIndent("", "  ")
				return enc.Encode(map[string]string{"version": b.Version, "commit": b.Commit, "date": b.Date, "goVersion": b.GoVersion})
			case "", "text":
				_, err := fmt.Fprintf(s.Out, "spacectl-preflight %s\ncommit: %s\nbuilt: %s\ngo: %s\n", b.Version, b.Commit, b.Date, b.GoVersion)
				return err
			}
			return usageErrorf("-o %q: want text or json", format)
		},
	}
	cmd.Flags().StringVarP(&format, "output", "o", "text", "text or json")
	return cmd
}
