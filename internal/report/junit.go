package report

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
)

// JUnit is the report as the JUnit XML CI systems read (the Ant/Jenkins
// form: testsuites > testsuite > testcase with failure, error or skipped):
// one test case per check, so a pipeline can gate go-live on it. A failing
// check is a failure, a check that could not run an error, a skipped one
// skipped; a warning passes, its message in system-out.
type junitSuites struct {
	XMLName  xml.Name `xml:"testsuites"`
	Name     string   `xml:"name,attr"`
	Tests    int      `xml:"tests,attr"`
	Failures int      `xml:"failures,attr"`
	Errors   int      `xml:"errors,attr"`
	// No skipped count here: the JUnit schema CI systems validate against
	// (Jenkins xunit's junit-10.xsd) allows it on testsuite only.
	Time   string       `xml:"time,attr"`
	Suites []junitSuite `xml:"testsuite"`
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
	Name      string        `xml:"name,attr"`
	ClassName string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitProblem `xml:"failure,omitempty"`
	Error     *junitProblem `xml:"error,omitempty"`
	Skipped   *junitProblem `xml:"skipped,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",chardata"`
}

func seconds(ms int64) string { return fmt.Sprintf("%.3f", float64(ms)/1000) }

// WriteJUnit writes r as JUnit XML.
func WriteJUnit(w io.Writer, r Report) error {
	s := junitSuite{Name: "o365doctor " + r.Subject.Kind + " " + r.Subject.Name, Timestamp: r.GeneratedAt.UTC().Format("2006-01-02T15:04:05")}
	var total int64
	for _, res := range r.Results {
		total += res.DurationMs
		c := junitCase{Name: res.CheckID, ClassName: "o365doctor." + res.Area, Time: seconds(res.DurationMs)}
		details := res.Title
		for _, f := range res.problems() {
			label := strings.ToUpper(f.Status)
			if f.Suppressed != nil {
				label += " suppressed until " + f.Suppressed.Expires + " (" + f.Suppressed.Reason + ")"
			}
			details += "\n" + label + " " + f.Object.Label() + ": " + f.Message
		}
		switch res.Status {
		case "fail":
			s.Failures++
			c.Failure = &junitProblem{Message: res.Message, Type: res.Severity, Text: details}
		case "error":
			s.Errors++
			c.Error = &junitProblem{Message: res.Message, Type: "error", Text: details}
		case "skipped":
			s.Skipped++
			c.Skipped = &junitProblem{Message: res.Message}
		case "warn":
			c.SystemOut = "WARN: " + res.Message + "\n" + details
		default:
			c.SystemOut = res.Message
			if res.Suppressed > 0 {
				c.SystemOut += "\n" + details
			}
		}
		s.Cases = append(s.Cases, c)
	}
	s.Tests, s.Time = len(s.Cases), seconds(total)
	doc := junitSuites{Name: "o365doctor", Tests: s.Tests, Failures: s.Failures, Errors: s.Errors, Time: s.Time, Suites: []junitSuite{s}}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
