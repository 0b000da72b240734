package checks

import "fmt"

// Status is a check's verdict. The string forms are a stable contract
// (JSON, JUnit, --fail-on).
type Status int

// Statuses, ordered by severity for summaries; Skip sorts lowest because a
// skipped check says nothing about the infrastructure.
const (
	Skip Status = iota
	Pass
	Warn
	Fail
	Error
)

var statusNames = [...]string{Skip: "skip", Pass: "pass", Warn: "warn", Fail: "fail", Error: "error"}

func (s Status) String() string {
	if int(s) < len(statusNames) {
		return statusNames[s]
	}
	return fmt.Sprintf("status(%d)", int(s))
}

// ParseStatus parses the stable string form.
func ParseStatus(v string) (Status, error) {
	for i, n := range statusNames {
		if n == v {
			return Status(i), nil
		}
	}
	return 0, fmt.Errorf("unknown status %q (want one of: pass, warn, fail, error, skip)", v)
}

// MarshalText implements encoding.TextMarshaler.
func (s Status) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (s *Status) UnmarshalText(b []byte) error {
	v, err := ParseStatus(string(b))
	if err == nil {
		*s = v
	}
	return err
}
