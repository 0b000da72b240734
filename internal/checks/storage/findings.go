package storage

import (
	"net/url"
	"strings"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
)

// finding is one bucket's verdict inside a check that looks at several
// buckets.
type finding struct {
	bucket string // label: name (purposes)
	status checks.Status
	msg    string
	advice string
}

type findings []finding

func (fs *findings) add(bucket string, st checks.Status, msg, advice string) {
	*fs = append(*fs, finding{bucket, st, msg, advice})
}

// result folds findings into one Result: the worst status, the worst
// finding as the message, one detail per bucket and each distinct advice.
func (fs findings) result(okMsg string) checks.Result {
	res := checks.Result{Status: checks.Pass}
	var worst *finding
	for i := range fs {
		f := &fs[i]
		if worst == nil || f.status > worst.status {
			worst = f
		}
		res.Status = checks.Worse(res.Status, f.status)
	}
	var advice []string
	seen := map[string]bool{}
	bad := 0
	for _, f := range fs {
		res.Details.Add(f.bucket, f.status.String()+": "+f.msg)
		if f.status > checks.Pass {
			bad++
		}
	}
	// The advice for the worst findings comes first.
	for st := checks.Error; st > checks.Pass; st-- {
		for _, f := range fs {
			if f.status == st && f.advice != "" && !seen[f.advice] {
				seen[f.advice] = true
				advice = append(advice, f.advice)
			}
		}
	}
	if worst == nil || res.Status <= checks.Pass {
		res.Status = checks.Pass
		res.Message = okMsg
		return res
	}
	res.Message = worst.bucket + ": " + worst.msg
	if bad > 1 {
		res.Message += " (and " + plural(bad-1, "more bucket") + " with findings)"
	}
	res.Advice = strings.Join(advice, "\n")
	return res
}

func hostOf(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return ""
	}
	return p.Host
}
