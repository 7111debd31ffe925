package checks_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/o365doctor/o365doctor/internal/checks"
	"github.com/o365doctor/o365doctor/internal/config"
	"github.com/o365doctor/o365doctor/internal/lab/labtest"
	"github.com/o365doctor/o365doctor/internal/model"
)

func subject(src checks.Sources, upn string) *checks.Subject {
	return &checks.Subject{UPN: upn, Domain: model.DomainOf(upn), Facts: checks.NewFacts(src, 10*time.Second)}
}

func byID(rs []checks.Result) map[string]checks.Result {
	m := map[string]checks.Result{}
	for _, r := range rs {
		m[r.CheckID] = r
	}
	return m
}

func TestRegistryIsValid(t *testing.T) {
	if err := checks.Validate(checks.All()); err != nil {
		t.Fatal(err)
	}
}

func TestValidateCatchesBadChecks(t *testing.T) {
	run := func(context.Context, *checks.Subject) checks.Result { return checks.Result{} }
	good := &checks.Check{ID: "identity.a", Title: "t", Area: "identity", Scope: checks.ScopeUser, Severity: checks.Low, Doc: "d", Run: run}
	cases := map[string][]*checks.Check{
		"duplicate":  {good, good},
		"bad id":     {{ID: "Identity A", Title: "t", Area: "identity", Scope: checks.ScopeUser, Severity: checks.Low, Doc: "d", Run: run}},
		"wrong area": {{ID: "dns.a", Title: "t", Area: "identity", Scope: checks.ScopeUser, Severity: checks.Low, Doc: "d", Run: run}},
		"no doc":     {{ID: "identity.b", Title: "t", Area: "identity", Scope: checks.ScopeUser, Severity: checks.Low, Run: run}},
		"nil run":    {{ID: "identity.c", Title: "t", Area: "identity", Scope: checks.ScopeUser, Severity: checks.Low, Doc: "d"}},
		"bad scope":  {{ID: "identity.d", Title: "t", Area: "identity", Scope: "org", Severity: checks.Low, Doc: "d", Run: run}},
	}
	for name, list := range cases {
		if err := checks.Validate(list); err == nil {
			t.Errorf("%s: Validate accepted it", name)
		}
	}
}

func TestHealthyScenarioPassesEveryCheck(t *testing.T) {
	l := labtest.Start(t, "healthy")
	src, _ := labtest.Sources(t, l.Settings())
	for _, upn := range []string{"alice@contoso.com", "bob@contoso.com", "carol@contoso.com"} {
		for _, r := range checks.Run(context.Background(), checks.All(), subject(src, upn), checks.RunOptions{}, nil) {
			if r.Status != checks.Pass {
				t.Errorf("%s %s = %s: %s", upn, r.CheckID, r.Status, r.Message)
			}
		}
	}
}

func TestImmutableIDMismatchFailsWithBothValuesAndAFix(t *testing.T) {
	l := labtest.Start(t, "immutableid-mismatch")
	src, _ := labtest.Sources(t, l.Settings())
	var streamed []string
	results := checks.Run(context.Background(), checks.All(), subject(src, "alice@contoso.com"), checks.RunOptions{},
		func(r checks.Result) { streamed = append(streamed, r.CheckID) })
	if len(streamed) != len(checks.All()) {
		t.Errorf("onResult saw %d results, want %d", len(streamed), len(checks.All()))
	}
	got := byID(results)
	r := got["identity.immutableid-match"]
	if r.Status != checks.Fail || !strings.Contains(r.Message, "AADSTS51004") {
		t.Fatalf("immutableid-match = %s %q", r.Status, r.Message)
	}
	values := map[string]string{}
	for _, e := range r.Evidence {
		values[e.System+" "+e.Field] = e.Value
	}
	if values["okta profile.immutableId"] != "BNt9M4fu8Ek8RSuc9LAS2g==" || values["entra onPremisesImmutableId"] != "suKEY0sY9cuOzPEMp6ZWPA==" {
		t.Fatalf("evidence = %v", values)
	}
	if len(r.Fixes) != 1 || len(r.Fixes[0].Steps) != 1 {
		t.Fatalf("fixes = %+v", r.Fixes)
	}
	step := r.Fixes[0].Steps[0]
	if step.Before != "BNt9M4fu8Ek8RSuc9LAS2g==" || step.After != "suKEY0sY9cuOzPEMp6ZWPA==" || step.Field != "profile.immutableId" || !r.Fixes[0].Reversible {
		t.Fatalf("step = %+v", step)
	}
	for _, id := range []string{"identity.okta-user", "identity.o365-assignment"} {
		if got[id].Status != checks.Pass {
			t.Errorf("%s = %s: %s", id, got[id].Status, got[id].Message)
		}
	}
}

func TestFactsAreShared(t *testing.T) {
	l := labtest.Start(t, "healthy")
	src, _ := labtest.Sources(t, l.Settings())
	checks.Run(context.Background(), checks.All(), subject(src, "alice@contoso.com"), checks.RunOptions{}, nil)
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
	got := byID(checks.Run(context.Background(), checks.All(), subject(src, "nobody@contoso.com"), checks.RunOptions{}, nil))
	if r := got["identity.okta-user"]; r.Status != checks.Fail || !strings.Contains(r.Message, "no Okta user") {
		t.Errorf("okta-user = %s %q", r.Status, r.Message)
	}
	for _, id := range []string{"identity.o365-assignment", "identity.immutableid-match"} {
		if got[id].Status != checks.Skipped {
			t.Errorf("%s = %s, want skipped", id, got[id].Status)
		}
	}
	noGraph := checks.Sources{Okta: src.Okta, GraphWhy: "needs Graph (User.Read.All): set AZURE_TENANT_ID"}
	got = byID(checks.Run(context.Background(), checks.All(), subject(noGraph, "alice@contoso.com"), checks.RunOptions{}, nil))
	if r := got["identity.immutableid-match"]; r.Status != checks.Skipped || !strings.Contains(r.Message, "AZURE_TENANT_ID") {
		t.Errorf("without Graph: %s %q", r.Status, r.Message)
	}
	if got["identity.okta-user"].Status != checks.Pass {
		t.Errorf("Okta checks must still run without Graph")
	}
}

func TestAPIErrorIsAnErrorResultNotACrash(t *testing.T) {
	l := labtest.Start(t, "healthy")
	s := l.Settings()
	s.OktaToken = config.NewSecret("00revoked-token-value")
	src, _ := labtest.Sources(t, s)
	got := byID(checks.Run(context.Background(), checks.All(), subject(src, "alice@contoso.com"), checks.RunOptions{}, nil))
	for _, id := range []string{"identity.okta-user", "identity.o365-assignment", "identity.immutableid-match"} {
		r := got[id]
		if r.Status != checks.Error || !strings.Contains(r.Message, "E0000011") || strings.Contains(r.Message, "revoked-token") {
			t.Errorf("%s = %s %q", id, r.Status, r.Message)
		}
	}
}

func TestPanicAndTimeoutBecomeErrors(t *testing.T) {
	panicky := &checks.Check{ID: "identity.panics", Title: "t", Area: "identity", Scope: checks.ScopeUser, Severity: checks.Low, Doc: "d",
		Run: func(context.Context, *checks.Subject) checks.Result { panic("boom") }}
	slow := &checks.Check{ID: "identity.slow", Title: "t", Area: "identity", Scope: checks.ScopeUser, Severity: checks.Low, Doc: "d",
		Run: func(ctx context.Context, _ *checks.Subject) checks.Result {
			<-ctx.Done()
			return checks.Result{Status: checks.Error, Message: ctx.Err().Error()}
		}}
	s := subject(checks.Sources{}, "alice@contoso.com")
	rs := checks.Run(context.Background(), []*checks.Check{panicky, slow}, s, checks.RunOptions{CheckTimeout: 20 * time.Millisecond}, nil)
	if rs[0].Status != checks.Error || !strings.Contains(rs[0].Message, "boom") {
		t.Errorf("panic: %+v", rs[0])
	}
	if rs[1].Status != checks.Error || !strings.Contains(rs[1].Message, "timed out") {
		t.Errorf("timeout: %+v", rs[1])
	}
}

func TestSelect(t *testing.T) {
	all := checks.All()
	got, err := checks.Select(all, nil, []string{"identity.okta-user"}, nil)
	if err != nil || len(got) != 1 || got[0].ID != "identity.okta-user" {
		t.Fatalf("only: %v %v", got, err)
	}
	got, err = checks.Select(all, nil, nil, []string{"identity"})
	if err != nil || len(got) != 0 {
		t.Fatalf("skip area: %v %v", got, err)
	}
	if _, err := checks.Select(all, nil, []string{"identity.nope"}, nil); err == nil {
		t.Fatal("unknown ID accepted")
	}
}

// panickyOkta stands for an adapter that panics on a malformed answer.
type panickyOkta struct{ checks.OktaAPI }

func (panickyOkta) User(context.Context, string) (model.OktaUser, error) { panic("nil profile") }

func TestPanickingSourceIsAnErrorNotACrash(t *testing.T) {
	rs := checks.Run(context.Background(), checks.All(), subject(checks.Sources{Okta: panickyOkta{}, GraphWhy: "no graph"}, "alice@contoso.com"), checks.RunOptions{}, nil)
	for _, r := range rs[:2] {
		if r.Status != checks.Error || !strings.Contains(r.Message, "internal error") {
			t.Errorf("%s = %s %q", r.CheckID, r.Status, r.Message)
		}
	}
}
