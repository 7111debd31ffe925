package report_test

import (
	"bytes"
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/o365doctor/o365doctor/internal/checks"
	"github.com/o365doctor/o365doctor/internal/config"
	"github.com/o365doctor/o365doctor/internal/fix"
	"github.com/o365doctor/o365doctor/internal/report"
	"github.com/o365doctor/o365doctor/internal/report/reporttest"
)

func TestExitCodes(t *testing.T) {
	mk := func(interrupted bool, sts ...checks.Status) report.Report {
		var rs []checks.Result
		for _, s := range sts {
			rs = append(rs, checks.Result{CheckID: "identity.b", Status: s})
		}
		return report.New(report.Meta{Now: time.Now(), Interrupted: interrupted}, rs)
	}
	cases := []struct {
		r          report.Report
		failOnWarn bool
		want       int
	}{
		{mk(false, checks.StatusPass, checks.StatusPass), false, 0},
		{mk(false, checks.StatusPass, checks.StatusFail), false, 1},
		{mk(false, checks.StatusPass, checks.StatusWarn), false, 0},
		{mk(false, checks.StatusPass, checks.StatusWarn), true, 1},
		{mk(false, checks.StatusSkipped, checks.StatusError), false, 3},
		{mk(false, checks.StatusPass, checks.StatusError), false, 4}, // a broken Graph secret is never green
		{mk(false, checks.StatusFail, checks.StatusError), false, 1},
		{mk(false, checks.StatusPass, checks.StatusSkipped), false, 0},
		{mk(true, checks.StatusPass, checks.StatusFail), false, 130},
	}
	for i, c := range cases {
		if got := c.r.ExitCode(c.failOnWarn); got != c.want {
			t.Errorf("case %d: exit %d, want %d (%+v)", i, got, c.want, c.r.Summary)
		}
	}
}

// sample is a run with every kind of evidence, a fix, a certificate and a
// personal value, as checks produce them.
func sample(t *testing.T, message string) []checks.Result {
	t.Helper()
	alice := checks.Object{Kind: checks.ObjUser, ID: "00u1", Name: "alice@contoso.com"}
	appUser := checks.Object{Kind: checks.ObjAppUser, ID: "0oa1/00u1", Name: "alice@contoso.com"}
	return []checks.Result{{
		CheckID: "identity.immutableid-match", Title: "immutableID equal", Area: checks.AreaIdentity, Severity: checks.Critical,
		Status: checks.StatusFail, Message: message, Duration: 4 * time.Millisecond,
		References: []string{"https://learn.microsoft.com/entra/identity-platform/reference-error-codes"},
		Findings: []checks.Finding{{
			Object: alice, Status: checks.StatusFail, Message: message,
			Evidence: []checks.Evidence{
				checks.Compare("immutableID",
					checks.Read{System: "okta", Object: appUser, Field: "profile.immutableId", Value: "BNt9M4fu8Ek8RSuc9LAS2g==", Source: "GET /api/v1/apps/{appId}/users/{userId}", Personal: true},
					checks.Read{System: "entra", Object: alice, Field: "onPremisesImmutableId", Value: "suKEY0sY9cuOzPEMp6ZWPA==", Source: "GET /users/{upn}", Personal: true}),
				checks.Value{Read: checks.Read{System: "entra", Object: checks.Object{Kind: checks.ObjDomain, ID: "contoso.com", Name: "contoso.com"},
					Field: "signingCertificate", Source: "GET /domains/{id}/federationConfiguration",
					Cert: &checks.Certificate{SHA1: strings.Repeat("AB", 20), SHA256: strings.Repeat("cd", 32), Subject: "CN=okta",
						NotBefore: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), NotAfter: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)}}},
				checks.Event{Time: time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC), System: "entra", Type: "signIn", Outcome: "failure",
					Code: "AADSTS51004", Message: "The user account does not exist in the directory", Actor: "alice@contoso.com",
					CorrelationID: "c0rr", RequestID: "r3q"},
			},
			Fixes: []fix.Plan{{ID: "okta.set-app-user-immutableid", Title: "Set it", Subject: "alice@contoso.com", Risk: "low", Reversible: true,
				Steps: []fix.Step{{System: "okta", Method: "POST", Object: "/api/v1/apps/0oa1/users/00u1", Field: "profile.immutableId",
					Before: "BNt9M4fu8Ek8RSuc9LAS2g==", After: "suKEY0sY9cuOzPEMp6ZWPA=="}}}},
		}},
	}, {
		CheckID: "identity.okta-user", Title: "Okta user", Area: checks.AreaIdentity, Severity: checks.Critical, Status: checks.StatusPass,
		Message: "active", Findings: []checks.Finding{{Object: alice, Status: checks.StatusPass, Message: "active"}},
	}}
}

func meta() report.Meta {
	return report.Meta{Version: "v9", Subject: checks.UserSubject("alice@contoso.com"), Tenant: "t-1", OktaOrg: "https://contoso.okta.com",
		Now: time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)}
}

func TestJSONMatchesTheSchemaAndDecodesStrictly(t *testing.T) {
	var buf bytes.Buffer
	if err := report.WriteJSON(&buf, report.New(meta(), sample(t, "different"))); err != nil {
		t.Fatal(err)
	}
	reporttest.Validate(t, buf.Bytes())
	var back report.Report
	dec := json.NewDecoder(&buf)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&back); err != nil {
		t.Fatal(err)
	}
	ev := back.Results[0].Findings[0].Evidence
	if len(ev) != 3 || ev[0].Comparison == nil || ev[0].Comparison.Equal || len(ev[0].Comparison.Sides) != 2 ||
		ev[1].Read == nil || ev[1].Read.Certificate == nil || ev[2].Event == nil || ev[2].Event.Code != "AADSTS51004" {
		t.Fatalf("evidence after a round trip: %+v", ev)
	}
	// The schema is not a rubber stamp.
	var orig bytes.Buffer
	_ = report.WriteJSON(&orig, report.New(meta(), sample(t, "different")))
	for name, edit := range map[string][2]string{
		"unknown key":    {`"severity": "critical",`, `"severity": "critical", "extra": 1,`},
		"bad status":     {`"status": "fail",`, `"status": "failed",`},
		"control char":   {`"message": "different",`, `"message": "diff\u001b[2Jerent",`},
		"missing array":  {`"fixes": [`, `"fixesX": [`},
		"bad evidence":   {`"kind": "comparison",`, `"kind": "comparison", "system": "okta",`},
		"schema version": {`"schemaVersion": "2",`, `"schemaVersion": "1",`},
	} {
		mutated := strings.Replace(orig.String(), edit[0], edit[1], 1)
		if mutated == orig.String() {
			t.Fatalf("%s: the mutation did not apply", name)
		}
		if err := reporttest.Check([]byte(mutated)); err == nil {
			t.Errorf("%s: the schema accepted a broken report", name)
		}
	}
}

// The example in docs/json-schema.md is a valid report.
func TestTheDocumentedExampleMatchesTheSchema(t *testing.T) {
	doc, err := os.ReadFile("../../docs/json-schema.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)```json\n(.*?)```").FindSubmatch(doc)
	if m == nil {
		t.Fatal("docs/json-schema.md has no ```json example")
	}
	reporttest.Validate(t, m[1])
}

func TestSecretsAreMaskedEvenWithoutAPrefix(t *testing.T) {
	config.NewSecret("tok-SECRET-123456")
	var buf bytes.Buffer
	for _, format := range []string{"json", "text", "markdown"} {
		buf.Reset()
		// No "SSWS " or "Bearer " before it: only the registry can know.
		if err := report.Write(&buf, report.New(meta(), sample(t, "the server said tok-SECRET-123456 back")), format); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(buf.String(), "SECRET") {
			t.Fatalf("%s: secret in output:\n%s", format, buf.String())
		}
	}
}

func TestTerminalControlNeverReachesOutput(t *testing.T) {
	hostile := "Office\x1b]0;PWNED-TITLE\a\x1b[2J\x1b[31mRED\u009b2J"
	rs := sample(t, "label "+hostile)
	rs[0].Findings[0].Evidence = append(rs[0].Findings[0].Evidence,
		checks.Value{Read: checks.Read{System: "okta", Object: checks.Object{Kind: checks.ObjApp, ID: "0oa1", Name: hostile}, Field: "label", Value: hostile}})
	for _, format := range []string{"json", "text", "markdown"} {
		var buf bytes.Buffer
		if err := report.Write(&buf, report.New(meta(), rs), format); err != nil {
			t.Fatal(err)
		}
		out := buf.String()
		if strings.ContainsAny(out, "\x1b\a\u009b") || strings.Contains(out, `\u001b`) || strings.Contains(out, "PWNED") && strings.Contains(out, "]0;") {
			t.Errorf("%s: terminal control in output:\n%q", format, out)
		}
	}
}

func TestRedactMasksPersonalDataConsistently(t *testing.T) {
	m := meta()
	m.Redact = true
	var buf bytes.Buffer
	if err := report.WriteJSON(&buf, report.New(m, sample(t, "alice@contoso.com: Okta sends BNt9M4fu8Ek8RSuc9LAS2g=="))); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	reporttest.Validate(t, buf.Bytes())
	for _, personal := range []string{"alice", "BNt9M4fu8Ek8RSuc9LAS2g==", "suKEY0sY9cuOzPEMp6ZWPA=="} {
		if strings.Contains(out, personal) {
			t.Errorf("%q survives --redact:\n%s", personal, out)
		}
	}
	// The same value gets the same placeholder everywhere: the message
	// and the evidence still say the same thing.
	var r report.Report
	if err := json.Unmarshal(buf.Bytes(), &r); err != nil {
		t.Fatal(err)
	}
	f := r.Results[0].Findings[0]
	okta := f.Evidence[0].Comparison.Sides[0].Value
	if r.Subject.Name != f.Object.Name || !strings.HasSuffix(r.Subject.Name, "@contoso.com") ||
		!strings.Contains(f.Message, r.Subject.Name) || !strings.Contains(f.Message, okta) || okta == f.Evidence[0].Comparison.Sides[1].Value {
		t.Errorf("placeholders disagree: subject %q object %q message %q okta %q", r.Subject.Name, f.Object.Name, f.Message, okta)
	}
	if !r.Redacted || f.Fixes[0].Steps[0].Before != okta {
		t.Errorf("fix before-value %q, okta %q", f.Fixes[0].Steps[0].Before, okta)
	}
}

func TestTextAndMarkdown(t *testing.T) {
	r := report.New(meta(), sample(t, "bad | worse"))
	var text, md bytes.Buffer
	if err := report.Write(&text, r, "text"); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"FAIL  identity.immutableid-match  bad | worse",
		"immutableID: differ",
		"okta   app user alice@contoso.com  profile.immutableId   = BNt9M4fu8Ek8RSuc9LAS2g==",
		"entra  user alice@contoso.com      onPremisesImmutableId = suKEY0sY9cuOzPEMp6ZWPA==",
		"certificate SHA-1 ABAB",
		"AADSTS51004",
		"(correlation c0rr, request r3q)",
		"o365doctor fix identity.immutableid-match --user alice@contoso.com",
		"2 checks: 1 fail, 1 pass",
	} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, text.String())
		}
	}
	if err := report.Write(&md, r, "markdown"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(md.String(), "| FAIL | `identity.immutableid-match` | bad \\| worse |") || !strings.Contains(md.String(), "```\nimmutableID: differ") {
		t.Fatalf("markdown:\n%s", md.String())
	}
	if err := report.Write(&md, r, "xml"); err == nil {
		t.Fatal("unknown format accepted")
	}
}

func TestManyFindingsAreCappedInTextNotInJSON(t *testing.T) {
	res := checks.Result{CheckID: "identity.entra-without-okta", Area: checks.AreaIdentity, Status: checks.StatusFail, Message: "50 users"}
	for i := range 50 {
		res.Findings = append(res.Findings, checks.Finding{Object: checks.Object{Kind: checks.ObjUser, ID: string(rune('a' + i%26)), Name: "u"},
			Status: checks.StatusFail, Message: "no app user"})
	}
	r := report.New(meta(), []checks.Result{res})
	var text, js bytes.Buffer
	_ = report.Write(&text, r, "text")
	_ = report.Write(&js, r, "json")
	if !strings.Contains(text.String(), "… and 30 more findings") || strings.Count(text.String(), "no app user") != 20 {
		t.Errorf("text:\n%s", text.String())
	}
	if strings.Count(js.String(), `"message": "no app user"`) != 50 {
		t.Errorf("JSON does not list every finding")
	}
}
