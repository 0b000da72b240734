package checks

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Result is what a check observed. Message says what was observed, Advice
// how to fix it; both must be safe to paste into a ticket.
type Result struct {
	Status  Status
	Message string
	Advice  string
	Details Details
	// Steps are what the check verified on the way, in order; empty for a
	// check with a single finding. Build them with a Verdict.
	Steps     []Step
	BlockedBy []string
}

// Detail is one key/value pair that is safe to show.
type Detail struct {
	Key   string
	Value string
}

// Details keeps insertion order, so reports read in the order the check
// learned things; JSON renders it as an object.
type Details []Detail

// Add appends a key/value pair formatted with %v.
func (d *Details) Add(key string, value any) {
	*d = append(*d, Detail{Key: key, Value: fmt.Sprint(value)})
}

// Set replaces the value of key, or appends the pair when key is new.
func (d *Details) Set(key string, value any) {
	for i := range *d {
		if (*d)[i].Key == key {
			(*d)[i].Value = fmt.Sprint(value)
			return
		}
	}
	d.Add(key, value)
}

// Get returns the value for key and whether it exists.
func (d Details) Get(key string) (string, bool) {
	for _, kv := range d {
		if kv.Key == key {
			return kv.Value, true
		}
	}
	return "", false
}

// MarshalJSON renders the pairs as one JSON object, in order.
func (d Details) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, kv := range d {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(kv.Key)
		v, _ := json.Marshal(kv.Value)
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// UnmarshalJSON reads an object back, keeping the document's order.
func (d *Details) UnmarshalJSON(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if tok == nil {
		*d = nil
		return nil
	}
	if tok != json.Delim('{') {
		return fmt.Errorf("details: want an object")
	}
	var out Details
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return err
		}
		var v string
		if err := dec.Decode(&v); err != nil {
			return err
		}
		out = append(out, Detail{Key: kt.(string), Value: v})
	}
	*d = out
	return nil
}

// Passf returns a passing result.
func Passf(format string, args ...any) Result {
	return Result{Status: Pass, Message: fmt.Sprintf(format, args...)}
}

// Warnf returns a warning with advice.
func Warnf(advice, format string, args ...any) Result {
	return Result{Status: Warn, Message: fmt.Sprintf(format, args...), Advice: advice}
}

// Failf returns a failure with advice.
func Failf(advice, format string, args ...any) Result {
	return Result{Status: Fail, Message: fmt.Sprintf(format, args...), Advice: advice}
}

// Errorf returns an error result: the check could not reach a verdict.
func Errorf(advice, format string, args ...any) Result {
	return Result{Status: Error, Message: fmt.Sprintf(format, args...), Advice: advice}
}

// Skipf returns a skipped result with the reason.
func Skipf(format string, args ...any) Result {
	return Result{Status: Skip, Message: fmt.Sprintf(format, args...)}
}

// With returns r with details appended.
func (r Result) With(details ...Detail) Result {
	r.Details = append(append(Details(nil), r.Details...), details...)
	return r
}

// KV builds a Detail.
func KV(key string, value any) Detail { return Detail{Key: key, Value: fmt.Sprint(value)} }

// Worse returns the more severe of a and b; Skip is the least severe.
func Worse(a, b Status) Status {
	if b > a {
		return b
	}
	return a
}
