// Package labtests runs the checks against the lab through the real SDK
// clients. They live apart from internal/checks' own tests so those link no
// SDK and run under the race detector in CI.
package labtests

import (
	"context"
	"strings"
	"testing"

	"github.com/o365doctor/o365doctor/internal/checks"
	"github.com/o365doctor/o365doctor/internal/config"
	"github.com/o365doctor/o365doctor/internal/lab/labtest"
)

func userChecks() []*checks.Check {
	list, _ := checks.Select(checks.All(), []checks.Scope{checks.ScopeUser, checks.ScopeDomain}, nil, nil)
	return checks.ForUserTicket(list) // as `o365doctor user` runs them
}

func runUser(src checks.Sources, upn string) []checks.Result {
	return checks.Run(context.Background(), userChecks(), checks.UserSubject(upn), src, checks.RunOptions{}, nil)
}

func byID(rs []checks.Result) map[string]checks.Result {
	m := map[string]checks.Result{}
	for _, r := range rs {
		m[r.CheckID] = r
	}
	return m
}

func TestHealthyScenarioPassesEveryCheck(t *testing.T) {
	l := labtest.Start(t, "healthy")
	src, _ := labtest.Sources(t, l.Settings())
	for _, upn := range []string{"alice@contoso.com", "bob@contoso.com", "carol@contoso.com"} {
		for _, r := range runUser(src, upn) {
			if r.Status != checks.StatusPass {
				t.Errorf("%s %s = %s: %s", upn, r.CheckID, r.Status, r.Message)
			}
		}
	}
	rs := checks.Run(context.Background(), []*checks.Check{checks.EntraUsersWithoutOkta}, checks.TenantSubject("contoso.com"), src, checks.RunOptions{}, nil)
	if rs[0].Status != checks.StatusPass || !strings.Contains(rs[0].Message, "all ") {
		t.Errorf("tenant check on healthy = %s: %s", rs[0].Status, rs[0].Message)
	}
}

func TestImmutableIDMismatchComparesBothSidesAndOffersAFix(t *testing.T) {
	l := labtest.Start(t, "immutableid-mismatch")
	src, _ := labtest.Sources(t, l.Settings())
	var streamed []string
	results := checks.Run(context.Background(), userChecks(), checks.UserSubject("alice@contoso.com"), src, checks.RunOptions{},
		func(r checks.Result) { streamed = append(streamed, r.CheckID) })
	if len(streamed) != len(userChecks()) {
		t.Errorf("onResult saw %d results, want %d", len(streamed), len(userChecks()))
	}
	got := byID(results)
	r := got["identity.immutableid-match"]
	if r.Status != checks.StatusFail || !strings.Contains(r.Message, "AADSTS51004") || len(r.Findings) != 1 {
		t.Fatalf("immutableid-match = %s %q, %d findings", r.Status, r.Message, len(r.Findings))
	}
	f := r.Findings[0]
	if f.Object.Kind != checks.ObjUser || f.Object.Name != "alice@contoso.com" {
		t.Errorf("finding object = %+v", f.Object)
	}
	cmp, ok := f.Evidence[0].(checks.Comparison)
	if !ok || len(f.Evidence) != 1 {
		t.Fatalf("evidence = %#v, want one comparison", f.Evidence)
	}
	if cmp.Equal || len(cmp.Sides) != 2 ||
		cmp.Sides[0].System != "okta" || cmp.Sides[0].Value != "BNt9M4fu8Ek8RSuc9LAS2g==" || !cmp.Sides[0].Personal || cmp.Sides[0].Source == "" ||
		cmp.Sides[1].System != "entra" || cmp.Sides[1].Value != "suKEY0sY9cuOzPEMp6ZWPA==" || !cmp.Sides[1].Personal {
		t.Fatalf("comparison = %+v", cmp)
	}
	// Okta's side first (one attribute); Entra's, by the UPN move, by name.
	fixes := r.Fixes()
	if len(fixes) != 2 || len(fixes[0].Steps) != 1 || fixes[1].ID != "graph.set-onpremises-immutableid" || len(fixes[1].Steps) != 3 {
		t.Fatalf("fixes = %+v", fixes)
	}
	step := fixes[0].Steps[0]
	if step.Before != "BNt9M4fu8Ek8RSuc9LAS2g==" || step.After != "suKEY0sY9cuOzPEMp6ZWPA==" || step.Field != "profile.immutableId" || !fixes[0].Reversible {
		t.Fatalf("step = %+v", step)
	}
	for _, id := range []string{"identity.okta-user", "identity.o365-assignment"} {
		if got[id].Status != checks.StatusPass {
			t.Errorf("%s = %s: %s", id, got[id].Status, got[id].Message)
		}
	}
}

func TestFactsAreShared(t *testing.T) {
	l := labtest.Start(t, "healthy")
	src, _ := labtest.Sources(t, l.Settings())
	runUser(src, "alice@contoso.com")
	// Three checks ask for the Okta user and two for the app and app user:
	// each is loaded once.
	for route, want := range map[string]int{
		"okta GET /api/v1/users/{id}":                  1,
		"okta GET /api/v1/apps":                        1,
		"okta GET /api/v1/apps/{appId}/users/{userId}": 1,
		"graph GET /v1.0/users/{id}":                   1,
	} {
		if got := l.Requests(route); got != want {
			t.Errorf("%s: %d requests, want %d", route, got, want)
		}
	}
}

func TestUnknownUserAndMissingCredentials(t *testing.T) {
	l := labtest.Start(t, "healthy")
	src, _ := labtest.Sources(t, l.Settings())
	got := byID(runUser(src, "nobody@contoso.com"))
	if r := got["identity.okta-user"]; r.Status != checks.StatusFail || !strings.Contains(r.Message, "no Okta user") {
		t.Errorf("okta-user = %s %q", r.Status, r.Message)
	}
	for _, id := range []string{"identity.o365-assignment", "identity.immutableid-match"} {
		if got[id].Status != checks.StatusSkipped {
			t.Errorf("%s = %s, want skipped", id, got[id].Status)
		}
	}
	noGraph := checks.Sources{Okta: src.Okta, Missing: map[checks.Source]string{checks.Graph: "set AZURE_TENANT_ID"}}
	got = byID(runUser(noGraph, "alice@contoso.com"))
	if r := got["identity.immutableid-match"]; r.Status != checks.StatusSkipped || r.Message != "needs Graph (User.Read.All): set AZURE_TENANT_ID" {
		t.Errorf("without Graph: %s %q", r.Status, r.Message)
	}
	if got["identity.okta-user"].Status != checks.StatusPass {
		t.Errorf("Okta checks must still run without Graph")
	}
	// With nothing configured, a check names every missing source at once.
	none := checks.Sources{Missing: map[checks.Source]string{
		checks.Okta:  "set --okta-url",
		checks.Graph: "set AZURE_TENANT_ID",
	}}
	r := byID(runUser(none, "alice@contoso.com"))["identity.immutableid-match"]
	if r.Status != checks.StatusSkipped || r.Message != "needs Okta (okta.users.read, okta.apps.read): set --okta-url; and needs Graph (User.Read.All): set AZURE_TENANT_ID" {
		t.Errorf("nothing configured: %s %q", r.Status, r.Message)
	}
}

func TestAPIErrorIsAnErrorResultNotACrash(t *testing.T) {
	l := labtest.Start(t, "healthy")
	s := l.Settings()
	s.OktaToken = config.NewSecret("00revoked-token-value")
	src, _ := labtest.Sources(t, s)
	got := byID(runUser(src, "alice@contoso.com"))
	for _, id := range []string{"identity.okta-user", "identity.o365-assignment", "identity.immutableid-match"} {
		r := got[id]
		if r.Status != checks.StatusError || !strings.Contains(r.Message, "E0000011") {
			t.Errorf("%s = %s %q", id, r.Status, r.Message)
		}
	}
}
