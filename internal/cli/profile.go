package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"runtime/trace"

	"github.com/spf13/pflag"
)

// profileFlags are the hidden --cpuprofile and --trace flags of `check`,
// for finding where a slow run spends its time (docs/performance.md):
//
//	spacectl-preflight check --env-file x.env --cpuprofile cpu.out --trace trace.out
//	go tool pprof -top bin/spacectl-preflight cpu.out; go tool trace trace.out
type profileFlags struct {
	cpu, trace string
}

func (p *profileFlags) add(fs *pflag.FlagSet) {
	fs.StringVar(&p.cpu, "cpuprofile", "", "write a CPU profile of the run to this file (go tool pprof)")
	fs.StringVar(&p.trace, "trace", "", "write an execution trace of the run to this file (go tool trace)")
	_ = fs.MarkHidden("cpuprofile")
	_ = fs.MarkHidden("trace")
}

// start begins the requested profiles; the returned stop ends them and
// reports a write failure on errw (a profile never changes the exit code).
func (p *profileFlags) start(errw io.Writer) (stop func(), err error) {
	var files []*os.File
	var stops []func()
	stopAll := func() {
		for i := len(stops) - 1; i >= 0; i-- {
			stops[i]()
		}
		var errs []error
		for _, f := range files {
			errs = append(errs, f.Close())
		}
		if err := errors.Join(errs...); err != nil {
			fmt.Fprintf(errw, "spacectl-preflight: writing the profile: %v\n", err)
		}
	}
	open := func(flag, path string) (*os.File, error) {
		f, err := os.Create(path)
		if err != nil {
			return nil, usageErrorf("--%s: %v", flag, err)
		}
		files = append(files, f)
		return f, nil
	}
	if p.cpu != "" {
		f, err := open("cpuprofile", p.cpu)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			stopAll()
			return nil, err
		}
		stops = append(stops, pprof.StopCPUProfile)
	}
	if p.trace != "" {
		f, err := open("trace", p.trace)
		if err == nil {
			err = trace.Start(f)
		}
		if err != nil {
			stopAll()
			return nil, err
		}
		stops = append(stops, trace.Stop)
	}
	return stopAll, nil
}
