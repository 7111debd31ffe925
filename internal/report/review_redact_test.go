package report

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/o365doctor/o365doctor/internal/checks"
)

func TestRedactSuppressionReason(t *testing.T) {
	res := []checks.Result{{CheckID: "identity.entra-without-okta", Status: checks.StatusPass, Suppressed: 1, Findings: []checks.Finding{{
		Object: checks.Object{Kind: checks.ObjUser, ID: "11111111-aaaa", Name: "svc-backup@contoso.com"}, Status: checks.StatusFail, Message: "svc-backup@contoso.com has no app user",
		Suppressed: &checks.Suppressed{Reason: "SVC-Backup@contoso.com is owned by bob.smith@contoso.com", Expires: time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC)}}}}}
	rep := New(Meta{Redact: true, Now: time.Now()}, res)
	b, _ := json.Marshal(rep)
	for _, leak := range []string{"SVC-Backup@contoso.com", "bob.smith@contoso.com"} {
		if strings.Contains(string(b), leak) {
			t.Errorf("--redact leaves %q (from a suppression's reason) in the report", leak)
		}
	}
}
