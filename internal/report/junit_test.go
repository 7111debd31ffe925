package report_test

import (
	"bytes"
	"encoding/xml"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/o365doctor/o365doctor/internal/report"
	"github.com/o365doctor/o365doctor/internal/report/xsdlite"
)

// The JUnit document: one test case per check, the suite's counts those
// of the cases, a failing check a failure with its problems, an error an
// error, a skipped check skipped, and text that would break XML escaped.
func TestJUnit(t *testing.T) {
	r := report.Report{GeneratedAt: time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC), Subject: report.Subject{Kind: "domain", Name: "contoso.com"},
		Results: []report.Result{
			{CheckID: "federation.realm", Area: "federation", Status: "pass", Message: "ok", DurationMs: 120},
			{CheckID: "federation.signing-keys", Area: "federation", Status: "fail", Severity: "critical", Message: `Entra trusts <old> & "stale"`, DurationMs: 80,
				Findings: []report.Finding{{Object: report.Object{Kind: "domain", Name: "contoso.com"}, Status: "fail", Message: "every sign-in fails\x01"}}},
			{CheckID: "dns.mx", Area: "dns", Status: "error", Message: "timeout"},
			{CheckID: "federation.staged-rollout", Area: "federation", Status: "skipped", Message: "no delegated token"},
			{CheckID: "federation.mfa-behavior", Area: "federation", Status: "warn", Message: "reject"},
		}}
	var b bytes.Buffer
	if err := report.WriteJUnit(&b, r); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Errors   int `xml:"errors,attr"`
		Suites   []struct {
			Name    string `xml:"name,attr"`
			Tests   int    `xml:"tests,attr"`
			Skipped int    `xml:"skipped,attr"`
			Cases   []struct {
				Name      string `xml:"name,attr"`
				ClassName string `xml:"classname,attr"`
				Time      string `xml:"time,attr"`
				Failure   *struct {
					Message string `xml:"message,attr"`
					Text    string `xml:",chardata"`
				} `xml:"failure"`
				Error     *struct{} `xml:"error"`
				Skipped   *struct{} `xml:"skipped"`
				SystemOut string    `xml:"system-out"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatalf("not XML: %v\n%s", err, b.String())
	}
	// Valid against the schema Jenkins' xunit plugin validates with.
	xsd, err := os.ReadFile("xsdlite/testdata/jenkins-junit-10.xsd")
	if err != nil {
		t.Fatal(err)
	}
	schema, err := xsdlite.Parse(xsd)
	if err != nil {
		t.Fatal(err)
	}
	if errs := schema.Validate(b.Bytes()); len(errs) > 0 {
		t.Fatalf("not valid against junit-10.xsd: %v\n%s", errs, b.String())
	}
	if doc.Tests != 5 || doc.Failures != 1 || doc.Errors != 1 || len(doc.Suites) != 1 || doc.Suites[0].Skipped != 1 || doc.Suites[0].Tests != 5 ||
		doc.Suites[0].Name != "o365doctor domain contoso.com" {
		t.Fatalf("counts %+v", doc)
	}
	c := doc.Suites[0].Cases
	if c[0].Name != "federation.realm" || c[0].ClassName != "o365doctor.federation" || c[0].Time != "0.120" || c[0].Failure != nil {
		t.Errorf("pass case %+v", c[0])
	}
	if c[1].Failure == nil || c[1].Failure.Message != `Entra trusts <old> & "stale"` || !strings.Contains(c[1].Failure.Text, "FAIL domain contoso.com: every sign-in fails") {
		t.Errorf("failure %+v", c[1].Failure)
	}
	if c[2].Error == nil || c[3].Skipped == nil || !strings.HasPrefix(c[4].SystemOut, "WARN: reject") {
		t.Errorf("error/skipped/warn cases %+v", c[2:])
	}
	if !strings.HasPrefix(b.String(), `<?xml version="1.0" encoding="UTF-8"?>`) {
		t.Errorf("no XML declaration:\n%s", b.String())
	}
}

// The CSV lists users not passing, a row each; a cell a spreadsheet would
// run as a formula is defused.
func TestCSV(t *testing.T) {
	r := report.Report{Results: []report.Result{{CheckID: "identity.entra-without-okta", Severity: "critical", Findings: []report.Finding{
		{Object: report.Object{Kind: "user", ID: "1", Name: "=HYPERLINK(\"x\")@contoso.com"}, Status: "fail", Message: "-locked out"},
		{Object: report.Object{Kind: "user", ID: "2", Name: "bob@contoso.com"}, Status: "pass", Message: "fine"},
		{Object: report.Object{Kind: "domain", ID: "contoso.com", Name: "contoso.com"}, Status: "fail", Message: "domain"},
		{Object: report.Object{Kind: "user", ID: "3", Name: "svc@contoso.com"}, Status: "fail", Message: "no app user",
			Suppressed: &report.Suppressed{Reason: "=service account", Expires: "2099-01-31"}},
	}}}}
	var b bytes.Buffer
	if err := report.WriteCSV(&b, r); err != nil {
		t.Fatal(err)
	}
	want := "check,status,severity,user,object id,message,suppressed\nidentity.entra-without-okta,fail,critical,\"'=HYPERLINK(\"\"x\"\")@contoso.com\",1,'-locked out,\n" +
		"identity.entra-without-okta,fail,critical,svc@contoso.com,3,no app user,until 2099-01-31: =service account\n"
	if b.String() != want {
		t.Fatalf("csv:\n%s\nwant:\n%s", b.String(), want)
	}
}
