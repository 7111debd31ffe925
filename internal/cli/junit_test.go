package cli_test

import (
	"encoding/xml"
	"strings"
	"testing"

	"github.com/o365doctor/o365doctor/internal/lab/labtest"
)

// preflight --format junit: one test case per check run, the failing one a
// failure, and the exit code the report's.
func TestPreflightJUnit(t *testing.T) {
	t.Parallel()
	l := labtest.Start(t, "cert-mismatch")
	env := labEnv(t, l)
	out, errOut, code := run(t, env, "preflight", "--domain", "contoso.com", "--format", "junit", "--only", "federation.signing-keys,federation.realm")
	if code != 1 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	var doc struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Suites   []struct {
			Cases []struct {
				Name    string    `xml:"name,attr"`
				Failure *struct{} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("not XML: %v\n%s", err, out)
	}
	if doc.Tests != 2 || doc.Failures != 1 || len(doc.Suites) != 1 || !strings.Contains(out, `name="federation.signing-keys"`) {
		t.Fatalf("%+v\n%s", doc, out)
	}
}
