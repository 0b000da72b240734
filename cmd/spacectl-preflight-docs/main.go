// Command spacectl-preflight-docs writes the shell completions, man pages
// and config JSON Schema: `make docs` into docs/ (committed), and the
// release's before hook into build/docs (packaged).
package main

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/spacelift-io/spacectl-preflight/internal/docgen"
)

func main() {
	out := flag.String("out", "docs", "directory that receives completions/, man/ and config.schema.json")
	gz := flag.Bool("gzip-man", false, "gzip the man pages, as packages install them")
	epoch := flag.String("date-epoch", os.Getenv("SOURCE_DATE_EPOCH"), "Unix time that dates the man pages (default $SOURCE_DATE_EPOCH, else a fixed date)")
	flag.Parse()

	// Reproducible builds: a release dates its man pages with the commit
	// time it passes in; the committed pages use a fixed date, so they
	// change only when the commands do.
	date := docgen.FixedDate
	if *epoch != "" {
		sec, err := strconv.ParseInt(*epoch, 10, 64)
		if err != nil {
			fmt.Fprintf(os.Stderr, "spacectl-preflight-docs: -date-epoch %q is not a Unix time\n", *epoch)
			os.Exit(2)
		}
		// goreleaser passes a negative time when it cannot read the commit
		// (a snapshot of a clone without a remote): keep the fixed date.
		if sec > 0 {
			date = time.Unix(sec, 0)
		}
	}
	if err := docgen.Generate(docgen.Options{Dir: *out, Date: date, GzipMan: *gz}); err != nil {
		fmt.Fprintf(os.Stderr, "spacectl-preflight-docs: %v\n", err)
		os.Exit(1)
	}
}
