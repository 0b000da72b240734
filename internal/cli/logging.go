package cli

import (
	"context"
	"io"
	"log/slog"

	"github.com/spacelift-io/spacectl-preflight/internal/secret"
)

// newLogger returns the debug logger: JSON on stderr with -v, discarded
// otherwise. Every message and string attribute passes through the
// scrubber, because drivers put connection strings in the errors we log.
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
	out := slog.NewRecord(r.Time, r.Level, h.sc.Scrub(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(h.scrubAttr(a))
		return true
	})
	return h.next.Handle(ctx, out)
}

func (h *scrubHandler) scrubAttr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, h.sc.Scrub(v.String()))
	case slog.KindGroup:
		attrs := v.Group()
		out := make([]any, len(attrs))
		for i, g := range attrs {
			out[i] = h.scrubAttr(g)
		}
		return slog.Group(a.Key, out...)
	case slog.KindAny:
		if err, ok := v.Any().(error); ok {
			return slog.String(a.Key, h.sc.Scrub(err.Error()))
		}
		return slog.String(a.Key, h.sc.Scrub(v.String()))
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
	return &scrubHandler{next: h.next.WithGroup(name), sc: h.sc}
}
