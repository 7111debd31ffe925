package cli_test

import (
	"encoding/csv"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/o365doctor/o365doctor/internal/lab"
	"github.com/o365doctor/o365doctor/internal/lab/labtest"
	"github.com/o365doctor/o365doctor/internal/report/xsdlite"
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
	validJUnit(t, out)
	if doc.Tests != 2 || doc.Failures != 1 || len(doc.Suites) != 1 || !strings.Contains(out, `name="federation.signing-keys"`) {
		t.Fatalf("%+v\n%s", doc, out)
	}
}

// preflight --csv: the affected users, a row each, mode 0600, the same
// users the JSON report lists; --redact leaves no UPN in it; a path that
// cannot be written is refused before anything is asked.
func TestPreflightCSV(t *testing.T) {
	t.Parallel()
	l := labtest.StartWith(t, "bulk", lab.Options{Users: 300})
	env := labEnv(t, l)
	dir := t.TempDir()
	path := filepath.Join(dir, "affected.csv")
	out, errOut, code := run(t, env, "preflight", "--domain", "contoso.com", "--json", "--only", "identity.entra-without-okta", "--csv", path)
	if code != 1 {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	r := decode(t, out)
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("csv file: %v %v", fi, err)
	}
	rows, err := csv.NewReader(mustOpen(t, path)).ReadAll()
	if err != nil || len(rows) < 2 || strings.Join(rows[0], ",") != "check,status,severity,user,object id,message,suppressed" {
		t.Fatalf("csv %v %v", rows, err)
	}
	want := 0
	for _, f := range result(t, r, "identity.entra-without-okta").Findings {
		if f.Object.Kind == "user" && f.Status != "pass" {
			want++
		}
	}
	if len(rows)-1 != want || !strings.Contains(rows[1][3], "@contoso.com") {
		t.Fatalf("%d rows, the report has %d affected users; first %v", len(rows)-1, want, rows[1])
	}

	redacted := filepath.Join(dir, "redacted.csv")
	run(t, env, "preflight", "--domain", "contoso.com", "--json", "--only", "identity.entra-without-okta", "--csv", redacted, "--redact")
	b, err := os.ReadFile(redacted)
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range rows[1:] {
		if strings.Contains(string(b), row[3]) || strings.Contains(string(b), row[4]) {
			t.Fatalf("the redacted csv holds %s / %s:\n%.400s", row[3], row[4], b)
		}
	}

	l.ResetRequests()
	if _, errOut, code := run(t, env, "preflight", "--domain", "contoso.com", "--csv", filepath.Join(dir, "missing", "x.csv")); code != 2 || !strings.Contains(errOut, "--csv") {
		t.Fatalf("unwritable path: exit %d %s", code, errOut)
	}
	if n := len(l.RequestLog()); n != 0 {
		t.Fatalf("%d requests before the path was refused", n)
	}
}

func mustOpen(t *testing.T, path string) *os.File {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// --progress shows the tenant listing on stderr even with --json (a plain
// line when stderr is no terminal); without it, --json keeps stderr quiet.
func TestPreflightProgress(t *testing.T) {
	t.Parallel()
	l := labtest.StartWith(t, "bulk", lab.Options{Users: 300})
	env := labEnv(t, l)
	_, errOut, _ := run(t, env, "preflight", "--domain", "contoso.com", "--json", "--only", "identity.entra-without-okta", "--progress")
	if !strings.Contains(errOut, "o365doctor: reading ") || !strings.Contains(errOut, "users ") {
		t.Fatalf("stderr with --progress: %q", errOut)
	}
	if _, errOut, _ := run(t, env, "preflight", "--domain", "contoso.com", "--json", "--only", "identity.entra-without-okta"); errOut != "" {
		t.Fatalf("stderr without --progress: %q", errOut)
	}
}

// validJUnit validates a report against the JUnit schema Jenkins' xunit
// plugin reads (junit-10.xsd, in internal/report/xsdlite/testdata), with
// <testsuites> as the root.
func validJUnit(t *testing.T, doc string) {
	t.Helper()
	xsd, err := os.ReadFile("../report/xsdlite/testdata/jenkins-junit-10.xsd")
	if err != nil {
		t.Fatal(err)
	}
	schema, err := xsdlite.Parse(xsd)
	if err != nil {
		t.Fatal(err)
	}
	if errs := schema.Validate([]byte(doc)); len(errs) > 0 {
		t.Fatalf("the JUnit report is not valid against junit-10.xsd: %v\n%s", errs, doc)
	}
	if !strings.Contains(doc, "<testsuites") {
		t.Fatalf("the root is not testsuites:\n%s", doc)
	}
}
