package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/spacelift-io/spacectl-preflight/internal/config"
)

func newCmdConfigInit(s *Streams) *cobra.Command {
	var (
		in              InputOptions
		schema, outPath string
		force           bool
	)
	cmd := &cobra.Command{
		Use:   "init",
		Short: "Write an annotated starter config, pre-filled from an existing deployment",
		Long: `Write an annotated YAML config: every key, the Spacelift variable it sets and
what it means. With --env-file, --k8s-secret or --from-env the keys are filled
from that deployment's configuration, and every secret becomes a ${VAR}
reference, so the file can be committed: export those variables before
running check -c FILE.

The first line points editors (yaml-language-server) at the JSON Schema that
` + "`config schema`" + ` prints, so they complete and validate the file.`,
		Example: `  spacectl-preflight config init --file spacectl-preflight.yaml
  spacectl-preflight config init --k8s-secret spacelift-shared.yaml --k8s-secret spacelift-server.yaml > spacectl-preflight.yaml
  kubectl -n spacelift get secret spacelift-shared -o yaml > shared.yaml && spacectl-preflight config init --k8s-secret shared.yaml`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			limit, err := in.limit(s)
			if err != nil {
				return err
			}
			cfg, diags := config.Load(config.LoadOptions{
				EnvFiles: in.EnvFiles, K8sSecrets: in.K8sSecrets, FromEnv: in.FromEnv, Env: s.Env, NoConfigFile: true, NoInherit: true, Catalog: s.catalog(), Limit: limit,
			})
			diags.Write(s.Err)
			if diags.HasErrors() {
				return &ConfigError{Diags: diags}
			}
			from := append([]string(nil), cfg.Files...)
			if in.FromEnv {
				from = append(from, "the environment")
			}
			text, refs := config.Starter(cfg, config.StarterOptions{SchemaURL: schema, From: from})
			if outPath == "" {
				_, err := s.Out.Write(text)
				return err
			}
			if err := writeNewFile(outPath, text, force); err != nil {
				return err
			}
			fmt.Fprintf(s.Err, "wrote %s (%d values set)\n", outPath, len(cfg.Names()))
			if len(refs) > 0 {
				fmt.Fprintf(s.Err, "it references secrets: export %s before `spacectl-preflight check -c %s`\n", strings.Join(refs, " "), outPath)
			}
			return nil
		},
	}
	fs := cmd.Flags()
	fs.StringArrayVar(&in.EnvFiles, "env-file", nil, "pre-fill from a dotenv file with Spacelift's variable names (repeatable)")
	fs.StringArrayVar(&in.K8sSecrets, "k8s-secret", nil, "pre-fill from Kubernetes Secret manifest(s) (repeatable)")
	fs.BoolVar(&in.FromEnv, "from-env", false, "pre-fill from Spacelift's variables in the process environment")
	in.addLimitFlags(fs)
	fs.StringVar(&schema, "schema", config.SchemaURL, "JSON Schema URL or path for the yaml-language-server modeline")
	fs.StringVar(&outPath, "file", "", "write to this file instead of stdout")
	fs.BoolVar(&force, "force", false, "overwrite --file if it exists")
	return cmd
}

// writeNewFile refuses to replace an existing config unless forced: the
// one being replaced may hold settings nobody else has.
func writeNewFile(path string, data []byte, force bool) error {
	flags := os.O_WRONLY | os.O_CREATE | os.O_EXCL
	if force {
		flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	}
	f, err := os.OpenFile(path, flags, 0o644)
	if errors.Is(err, fs.ErrExist) {
		return usageErrorf("%s already exists; pass --force to overwrite it", path)
	}
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func newCmdConfigSchema(s *Streams) *cobra.Command {
	return &cobra.Command{
		Use:   "schema",
		Short: "Print the JSON Schema (draft 2020-12) of the YAML config file",
		Long: `Print the JSON Schema (draft 2020-12) of the YAML config file, generated from
the same variable table the loader uses. Editors use it through the
yaml-language-server modeline that config init writes; save it to a file and
pass config init --schema PATH to use a local copy.`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			data, err := config.JSONSchema(s.catalog())
			if err != nil {
				return err
			}
			_, err = s.Out.Write(data)
			return err
		},
	}
}
