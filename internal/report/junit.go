package report

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"

	"github.com/spacelift-io/spacectl-preflight/internal/checks"
)

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name      string      `xml:"name,attr"`
	Tests     int         `xml:"tests,attr"`
	Failures  int         `xml:"failures,attr"`
	Errors    int         `xml:"errors,attr"`
	Skipped   int         `xml:"skipped,attr"`
	Time      string      `xml:"time,attr"`
	Timestamp string      `xml:"timestamp,attr"`
	Cases     []junitCase `xml:"testcase"`
}

type junitCase struct {
	Classname string        `xml:"classname,attr"`
	Name      string        `xml:"name,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitProblem `xml:"failure,omitempty"`
	Error     *junitProblem `xml:"error,omitempty"`
	Skipped   *junitSkipped `xml:"skipped,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

type junitSkipped struct {
	Message string `xml:"message,attr"`
}

// JUnit writes one <testsuite> per group, as GitLab and Jenkins expect.
// Warnings pass, carrying the warning in <system-out>.
func JUnit(w io.Writer, r Report, _ Options) error {
	root := junitSuites{Name: "spacectl-preflight", Time: seconds(r.Duration.Seconds())}
	for _, g := range r.Groups() {
		s := junitSuite{Name: g.Name, Timestamp: r.StartedAt.Format("2006-01-02T15:04:05")}
		var total float64
		for _, e := range g.Entries {
			c := junitCase{Classname: g.Name, Name: e.ID + ": " + e.Title, Time: seconds(e.Duration.Seconds())}
			total += e.Duration.Seconds()
			body := problemBody(e)
			switch e.Status {
			case checks.Fail:
				c.Failure = &junitProblem{Message: e.Message, Type: "fail", Text: body}
				s.Failures++
			case checks.Error:
				c.Error = &junitProblem{Message: e.Message, Type: "error", Text: body}
				s.Errors++
			case checks.Skip:
				c.Skipped = &junitSkipped{Message: e.Message}
				s.Skipped++
			case checks.Warn:
				c.SystemOut = "WARN: " + e.Message + "\n" + body
			case checks.Pass:
				if len(e.Details) > 0 || len(e.Steps) > 0 {
					c.SystemOut = e.Message + "\n" + stepLines(e.Steps) + detailLines(e.Details)
				}
			}
			if n := e.PrerequisiteNote(); n != "" {
				// The test name stays the check's, so CI history keeps
				// matching; the note goes with the output.
				c.SystemOut = n + "\n" + c.SystemOut
			}
			s.Tests++
			s.Cases = append(s.Cases, c)
		}
		s.Time = seconds(total)
		root.Tests += s.Tests
		root.Failures += s.Failures
		root.Errors += s.Errors
		root.Skipped += s.Skipped
		root.Suites = append(root.Suites, s)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(root); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func problemBody(e Entry) string {
	var b strings.Builder
	b.WriteString(e.Message)
	b.WriteString("\n")
	b.WriteString(stepLines(e.Steps))
	if e.Advice != "" {
		b.WriteString("How to fix: " + e.Advice + "\n")
	}
	if len(e.Details) > 0 {
		b.WriteString(detailLines(e.Details))
	}
	b.WriteString("Docs: " + e.DocURL + "\n")
	return b.String()
}

func detailLines(d checks.Details) string {
	var b strings.Builder
	for _, kv := range d {
		fmt.Fprintf(&b, "  %s: %s\n", kv.Key, kv.Value)
	}
	return b.String()
}

// stepLines is one line per step, "STATUS name: message", each followed
// by its evidence.
func stepLines(steps []checks.Step) string {
	var b strings.Builder
	for _, s := range steps {
		fmt.Fprintf(&b, "%s %s\n", strings.ToUpper(s.Status.String()), s.Title())
		for _, kv := range s.Evidence {
			fmt.Fprintf(&b, "    %s: %s\n", kv.Key, kv.Value)
		}
	}
	return b.String()
}

func seconds(s float64) string { return fmt.Sprintf("%.3f", s) }
