package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/o365doctor/o365doctor/internal/checks"
	"github.com/o365doctor/o365doctor/internal/config"
)

func TestExitCodes(t *testing.T) {
	mk := func(sts ...checks.Status) Report {
		var rs []checks.Result
		for _, s := range sts {
			rs = append(rs, checks.Result{CheckID: "a.b", Status: s})
		}
		return New(Meta{Now: time.Now()}, rs)
	}
	cases := []struct {
		r          Report
		failOnWarn bool
		want       int
	}{
		{mk(checks.Pass, checks.Pass), false, 0},
		{mk(checks.Pass, checks.Fail), false, 1},
		{mk(checks.Pass, checks.Warn), false, 0},
		{mk(checks.Pass, checks.Warn), true, 1},
		{mk(checks.Skipped, checks.Error), false, 3},
		{mk(checks.Pass, checks.Error), false, 0},
	}
	for i, c := range cases {
		if got := c.r.ExitCode(c.failOnWarn); got != c.want {
			t.Errorf("case %d: exit %d, want %d (%+v)", i, got, c.want, c.r.Summary)
		}
	}
}

func TestJSONHasTheContractKeysAndMasksSecrets(t *testing.T) {
	config.NewSecret("tok-SECRET-123456")
	r := New(Meta{Version: "v1", SubjectKind: "user", SubjectName: "alice@contoso.com", Now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)},
		[]checks.Result{{CheckID: "identity.x", Title: "X", Area: "identity", Status: checks.Error, Severity: checks.High,
			Message: "okta: 401 with SSWS tok-SECRET-123456", Duration: 3 * time.Millisecond}})
	var buf bytes.Buffer
	if err := WriteJSON(&buf, r); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "SECRET") {
		t.Fatalf("secret in JSON: %s", buf.String())
	}
	var doc map[string]any
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"schemaVersion", "tool", "generatedAt", "subject", "tenant", "oktaOrg", "summary", "results"} {
		if _, ok := doc[k]; !ok {
			t.Errorf("top-level key %s missing", k)
		}
	}
	res := doc["results"].([]any)[0].(map[string]any)
	for _, k := range []string{"checkId", "title", "area", "status", "severity", "message", "evidence", "references", "fixes", "durationMs"} {
		if _, ok := res[k]; !ok {
			t.Errorf("result key %s missing", k)
		}
	}
	for _, k := range []string{"evidence", "references", "fixes"} {
		if _, ok := res[k].([]any); !ok {
			t.Errorf("%s is %v, want an array", k, res[k])
		}
	}
}

func TestTextAndMarkdown(t *testing.T) {
	r := New(Meta{SubjectKind: "user", SubjectName: "alice@contoso.com", Now: time.Now()}, []checks.Result{
		{CheckID: "identity.a", Status: checks.Fail, Message: "bad | worse", Evidence: []checks.Evidence{{System: "okta", Field: "f", Value: "v"}}},
		{CheckID: "identity.longer-id", Status: checks.Pass, Message: "fine"},
	})
	var text, md bytes.Buffer
	if err := Write(&text, r, "text"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text.String(), "FAIL  identity.a          bad | worse") || !strings.Contains(text.String(), "2 checks: 1 fail, 1 pass") {
		t.Fatalf("text:\n%s", text.String())
	}
	if err := Write(&md, r, "markdown"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(md.String(), `| FAIL | `+"`identity.a`"+` | bad \| worse |`) {
		t.Fatalf("markdown:\n%s", md.String())
	}
	if err := Write(&md, r, "xml"); err == nil {
		t.Fatal("unknown format accepted")
	}
}
