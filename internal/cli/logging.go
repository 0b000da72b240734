package cli

import (
	"context"
	"io"
	"log/slog"

	"github.com/spacelift-io/spacectl-preflight/internal/safetext"
	"github.com/spacelift-io/spacectl-preflight/internal/secret"
)

// newLogger returns the debug logger: JSON on stderr with -v, discarded
// otherwise. Every message and string attribute passes through the
// scrubber, because drivers put connection strings in the errors we log,
// and has its control characters escaped, because servers choose some of
// that text. What libraries log on their own (Go's standard logger, SDK
// loggers) reaches this logger too, through the logRouter.
func newLogger(w io.Writer, verbose bool, sc *secret.Scrubber) *slog.Logger {
	if !verbose {
		return slog.New(slog.DiscardHandler)
	}
	h := slog.NewJSONHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug})
	return slog.New(&scrubHandler{next: h, sc: sc})
}

type scrubHandler struct {
	next slog.Handler
	sc   *secret.Scrubber
}

func (h *scrubHandler) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

func (h *scrubHandler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, h.clean(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(h.scrubAttr(a))
		return true
	})
	return h.next.Handle(ctx, out)
}

// clean scrubs secrets from text and escapes its control characters, so a
// log line is one line and can neither hold a secret nor drive a terminal.
func (h *scrubHandler) clean(s string) string { return safetext.EscapeLine(h.sc.Scrub(s)) }

func (h *scrubHandler) scrubAttr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	a.Key = safetext.EscapeLine(a.Key)
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, h.clean(v.String()))
	case slog.KindGroup:
		attrs := v.Group()
		out := make([]any, len(attrs))
		for i, g := range attrs {
			out[i] = h.scrubAttr(g)
		}
		return slog.Group(a.Key, out...)
	case slog.KindAny:
		if err, ok := v.Any().(error); ok {
			return slog.String(a.Key, h.clean(err.Error()))
		}
		return slog.String(a.Key, h.clean(v.String()))
	}
	return slog.Attr{Key: a.Key, Value: v}
}

func (h *scrubHandler) WithAttrs(as []slog.Attr) slog.Handler {
	scrubbed := make([]slog.Attr, len(as))
	for i, a := range as {
		scrubbed[i] = h.scrubAttr(a)
	}
	return &scrubHandler{next: h.next.WithAttrs(scrubbed), sc: h.sc}
}

func (h *scrubHandler) WithGroup(name string) slog.Handler {
	return &scrubHandler{next: h.next.WithGroup(safetext.EscapeLine(name)), sc: h.sc}
}
