package cli

import (
	"context"
	"log"
	"log/slog"
	"strings"
	"sync"

	azlog "github.com/Azure/azure-sdk-for-go/sdk/azcore/log"
)

// logRouter sends what libraries log on their own into the run's
// structured, scrubbing logger, so that nothing unstructured or unscrubbed
// reaches stderr: Go's standard logger (net/http logs "Unsolicited response
// received on idle HTTP channel starting with …", quoting the bytes a server
// sent, which may echo a request and its credentials) and the Azure SDK's
// listener (which AZURE_SDK_GO_LOGGING=all points at os.Stderr). The AWS SDK
// gets the run's logger through checks.Options; the other SDKs the backends
// use log nothing by default (minio-go, paho.golang, gRPC, which the GCS
// client links but never uses for its HTTP API).
//
// Until a command routes a logger (prepare does, once the secrets to scrub
// are known), everything is dropped; without -v the run's logger drops it
// too, so -q leaves only the result and the errors on stderr.
type logRouter struct {
	mu  sync.Mutex
	log *slog.Logger
}

// installLogRouter points the process-wide loggers at a new router and
// returns it with the function that restores what was there before. Main
// calls it once per invocation and restores on return, so tests that call
// Main many times leave no global state behind. The std logger's setters
// are synchronised; the Azure listener is not, so it is set only while no
// Azure client runs (before the first check, after the last).
func installLogRouter() (*logRouter, func()) {
	r := &logRouter{log: slog.New(slog.DiscardHandler)}
	w, flags, prefix := log.Writer(), log.Flags(), log.Prefix()
	log.SetOutput(r)
	log.SetFlags(0) // the structured record has its own time
	log.SetPrefix("")
	azlog.SetListener(func(ev azlog.Event, msg string) {
		r.current().Debug(msg, "logger", "azure-sdk", "event", string(ev))
	})
	return r, func() {
		azlog.SetListener(nil)
		log.SetOutput(w)
		log.SetFlags(flags)
		log.SetPrefix(prefix)
	}
}

// route sends everything from now on to l; nil drops it. A nil router
// (a command built without Main) routes nothing.
func (r *logRouter) route(l *slog.Logger) {
	if r == nil {
		return
	}
	if l == nil {
		l = slog.New(slog.DiscardHandler)
	}
	r.mu.Lock()
	r.log = l
	r.mu.Unlock()
}

func (r *logRouter) current() *slog.Logger {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.log
}

// Write receives one line of the standard logger (log.Logger calls Write
// once per message). The standard logger is how libraries warn, so the
// line is a warning.
func (r *logRouter) Write(p []byte) (int, error) {
	msg := strings.TrimRight(string(p), "\n")
	r.current().Log(context.Background(), slog.LevelWarn, msg, "logger", "go")
	return len(p), nil
}
