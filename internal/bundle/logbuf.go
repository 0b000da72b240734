package bundle

import (
	"bytes"
	"fmt"
	"sync"
)

// Default caps of the debug log kept in the bundle: the start of a run
// (configuration, first checks) and its end (what hung, what failed) matter
// most, so the middle is what gets dropped.
const (
	DefaultLogHead = 256 << 10
	DefaultLogTail = 768 << 10
)

// LogBuffer keeps the first head bytes and the last tail bytes written to
// it; it is safe for concurrent use.
type LogBuffer struct {
	mu      sync.Mutex
	headMax int
	tailMax int
	head    []byte
	tail    []byte
	dropped int64
}

// NewLogBuffer returns a buffer keeping at most head+tail bytes.
func NewLogBuffer(head, tail int) *LogBuffer {
	return &LogBuffer{headMax: head, tailMax: tail}
}

// Write never fails.
func (b *LogBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := len(p)
	if room := b.headMax - len(b.head); room > 0 {
		k := min(room, len(p))
		b.head = append(b.head, p[:k]...)
		p = p[k:]
	}
	b.tail = append(b.tail, p...)
	// Compact only once the tail holds twice its cap, so writes stay
	// amortised O(len(p)).
	if len(b.tail) > 2*b.tailMax {
		b.trim()
	}
	return n, nil
}

func (b *LogBuffer) trim() {
	if over := len(b.tail) - b.tailMax; over > 0 {
		b.dropped += int64(over)
		b.tail = append(b.tail[:0:0], b.tail[over:]...)
	}
}

// Bytes returns the head, a marker saying how much was dropped, and the
// tail starting at a line boundary.
func (b *LogBuffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.trim()
	var out bytes.Buffer
	out.Write(b.head)
	tail := b.tail
	if b.dropped == 0 {
		out.Write(tail)
		return out.Bytes()
	}
	dropped := b.dropped
	if i := bytes.IndexByte(tail, '\n'); i >= 0 {
		dropped += int64(i + 1)
		tail = tail[i+1:]
	}
	if out.Len() > 0 && !bytes.HasSuffix(out.Bytes(), []byte("\n")) {
		out.WriteByte('\n')
	}
	fmt.Fprintf(&out, "... %d bytes of debug log omitted (kept the first %d and the last %d bytes) ...\n", dropped, b.headMax, b.tailMax)
	out.Write(tail)
	return out.Bytes()
}

// Truncated reports whether anything was dropped.
func (b *LogBuffer) Truncated() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.dropped > 0 || len(b.tail) > b.tailMax
}
