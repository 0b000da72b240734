// Command spacectl-preflight proves that every external dependency of
// Spacelift Self-Hosted is ready. All logic lives in internal/cli.
package main

import (
	"context"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"syscall"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
	"github.com/spacelift-io/spacectl-preflight/internal/cli"
)

// Set by -ldflags "-X main.version=… -X main.commit=… -X main.date=…".
var (
	version = ""
	commit  = ""
	date    = ""
)

func main() {
	ctx, cancel := context.WithCancelCause(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sigs
		// First signal: stop the run; checks clean up and the partial
		// report is printed. A second signal exits at once.
		cancel(checks.ErrInterrupted)
		<-sigs
		os.Exit(cli.ExitInterrupted)
	}()
	code := cli.Main(ctx, cli.System(), buildInfo(), os.Args[1:])
	cancel(nil)
	os.Exit(code)
}

// buildInfo falls back to the module version and VCS stamp that `go
// install …@version` and `go build` record, when ldflags were not set.
func buildInfo() cli.BuildInfo {
	b := cli.BuildInfo{Version: version, Commit: commit, Date: date, GoVersion: runtime.Version()}
	if info, ok := debug.ReadBuildInfo(); ok {
		if b.Version == "" && info.Main.Version != "" && info.Main.Version != "(devel)" {
			b.Version = info.Main.Version
		}
		for _, s := range info.Settings {
			switch {
			case s.Key == "vcs.revision" && b.Commit == "":
				b.Commit = s.Value
			case s.Key == "vcs.time" && b.Date == "":
				b.Date = s.Value
			}
		}
	}
	if b.Version == "" {
		b.Version = "dev"
	}
	if b.Commit == "" {
		b.Commit = "unknown"
	}
	if b.Date == "" {
		b.Date = "unknown"
	}
	return b
}
