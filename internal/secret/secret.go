// Package secret holds the one type every password, key, token and
// credential-bearing URL travels in, so that printing, logging or
// marshalling it can never show the value.
package secret

import "log/slog"

// Redacted is what a Secret prints as, in every format.
const Redacted = "[redacted]"

// Secret is a string that refuses to be printed. Reveal is the only way to
// read the value, and it is called only where the value goes to a backend.
type Secret struct {
	value string
}

// New wraps a value.
func New(v string) Secret { return Secret{value: v} }

// Reveal returns the value. Call it only to hand the value to a driver or SDK.
func (s Secret) Reveal() string { return s.value }

// IsZero reports whether the secret is empty.
func (s Secret) IsZero() bool { return s.value == "" }

// String implements fmt.Stringer: %v, %s and %q print Redacted.
func (s Secret) String() string { return Redacted }

// GoString implements fmt.GoStringer: %#v prints Redacted.
func (s Secret) GoString() string { return Redacted }

// MarshalText keeps encoding/json, yaml and xml from seeing the value.
func (s Secret) MarshalText() ([]byte, error) { return []byte(Redacted), nil }

// LogValue keeps log/slog from seeing the value.
func (s Secret) LogValue() slog.Value { return slog.StringValue(Redacted) }
