package checks

import (
	"testing"
	"time"
)

func TestExpiredShadowsRenewal(t *testing.T) {
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	r := []Result{{CheckID: "identity.entra-without-okta", Status: StatusFail, Findings: []Finding{
		{Object: Object{ID: "1", Name: "svc@contoso.com"}, Status: StatusFail, Message: "m"}}}}
	sups := []Suppression{
		{Check: "identity.entra-without-okta", Object: "svc@contoso.com", Reason: "old", Expires: time.Date(2026, 1, 1, 23, 59, 59, 0, time.UTC)},
		{Check: "identity.entra-without-okta", Object: "svc@contoso.com", Reason: "renewed", Expires: time.Date(2027, 1, 1, 23, 59, 59, 0, time.UTC)},
	}
	out := ApplySuppressions(r, sups, now)
	if out[0].Status != StatusPass || out[0].Findings[0].Suppressed == nil {
		t.Errorf("a valid later suppression is ignored because an expired one matched first: %s, %+v", out[0].Status, out[0].Findings[0])
	}
}
