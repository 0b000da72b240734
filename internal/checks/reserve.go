package checks

import (
	"context"
	"time"
)

// ReserveForReport returns a context that ends a tenth of the remaining
// time (at most a second) before ctx does. A check runs its network steps
// under it, so a step that hangs is reported by name ("the server accepted
// the connection but never answered") before the runner's deadline turns
// the whole check into a bare "timed out". Without a deadline, ctx is used
// as it is: the runner always sets one.
func ReserveForReport(ctx context.Context) (context.Context, context.CancelFunc) {
	dl, ok := ctx.Deadline()
	if !ok {
		return context.WithCancel(ctx)
	}
	reserve := min(time.Until(dl)/10, time.Second)
	return context.WithDeadline(ctx, dl.Add(-reserve))
}
