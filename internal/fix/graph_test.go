package fix_test

import (
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/o365doctor/o365doctor/internal/checks"
	"github.com/o365doctor/o365doctor/internal/fix"
	"github.com/o365doctor/o365doctor/internal/lab"
	"github.com/o365doctor/o365doctor/internal/lab/labtest"
	"github.com/o365doctor/o365doctor/internal/source/graph"
)

// immutableIDMatch runs the check for alice and returns its result.
func immutableIDMatch(t *testing.T, src checks.Sources, upn string) checks.Result {
	t.Helper()
	return checks.Run(context.Background(), []*checks.Check{checks.ImmutableIDMatch}, checks.UserSubject(upn), src, checks.RunOptions{}, nil)[0]
}

// failingGraph is the real Graph store whose write of one property fails,
// as an outage in the middle of the UPN move would.
type failingGraph struct {
	fix.GraphStore
	field string
}

func (f failingGraph) Write(ctx context.Context, o, fl, v string) error {
	if fl == f.field {
		return errors.New("graph: update user: HTTP 503 serviceUnavailable")
	}
	return f.GraphStore.Write(ctx, o, fl, v)
}

// Entra's anchor from Okta's, in a federated domain: the plan moves the
// UPN to contoso.onmicrosoft.com and back (Graph refuses the anchor in a
// federated domain, in the lab as in the service); the check passes after
// it, and undo restores the blank anchor and the UPN. A failure in the
// middle step leaves the user as they were.
func TestEntraAnchorPlanMovesTheUPN(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	l := labtest.Start(t, "immutableid-blank-entra")
	upn := l.AffectedUser() // dave, created cloud-only
	src, _ := labtest.Sources(t, l.Settings())
	gc, err := graph.New(l.Settings())
	if err != nil {
		t.Fatal(err)
	}
	r := immutableIDMatch(t, src, upn)
	plans := r.Fixes()
	if r.Status != checks.StatusFail || len(plans) != 1 || plans[0].ID != "graph.set-onpremises-immutableid" || len(plans[0].Steps) != 3 ||
		plans[0].Steps[0].After != "dave@contoso.onmicrosoft.com" {
		t.Fatalf("%s, plans %+v", r.Status, plans)
	}
	// Straight to the anchor, without the move: Graph refuses it.
	direct := plans[0]
	direct.Steps = direct.Steps[1:2]
	x := &fix.Executor{Stores: map[string]fix.Store{"graph": fix.GraphStore{API: gc}}, Journal: fix.OpenJournal(filepath.Join(t.TempDir(), "j.jsonl"))}
	if _, err := x.Apply(ctx, direct); err == nil || !strings.Contains(err.Error(), "federated domain") {
		t.Fatalf("the anchor set in a federated domain: %v", err)
	}

	// The middle step fails: the UPN is moved back.
	x.Stores["graph"] = failingGraph{GraphStore: fix.GraphStore{API: gc}, field: "onPremisesImmutableId"}
	e, err := x.Apply(ctx, plans[0])
	if err == nil || e.State != fix.StateFailed || e.Steps[0].State != fix.StepCompensated {
		t.Fatalf("entry %+v, %v", e, err)
	}
	u, err := gc.User(ctx, upn)
	if err != nil || u.UserPrincipalName != upn || u.OnPremisesImmutableID != "" {
		t.Fatalf("after a failed middle step: %+v, %v", u, err)
	}

	x.Stores["graph"] = fix.GraphStore{API: gc}
	if _, err := x.Apply(ctx, plans[0]); err != nil {
		t.Fatal(err)
	}
	if r := immutableIDMatch(t, src, upn); r.Status != checks.StatusPass {
		t.Fatalf("after the fix: %s %s", r.Status, r.Message)
	}
	// Entra's anchor was blank: undoing would clear it, which Graph
	// refuses, so the plan says it cannot be undone and undo refuses.
	if plans[0].Reversible || !strings.Contains(plans[0].Risk, "cannot be undone") {
		t.Fatalf("plan %+v", plans[0])
	}
	if _, err := x.Undo(ctx, ""); err == nil || !strings.Contains(err.Error(), "nothing to undo") {
		t.Fatalf("undo of an irreversible fix: %v", err)
	}
}

// fixCycle is the round every fix is held to: the check fails (or warns),
// the plan applies, the check passes, undo restores, the check fails (or
// warns) again.
func fixCycle(t *testing.T, scenario, checkID, planID string) {
	t.Helper()
	ctx := context.Background()
	l := labtest.Start(t, scenario)
	upn := l.AffectedUser()
	src, oc := labtest.Sources(t, l.Settings())
	gc, err := graph.New(l.Settings())
	if err != nil {
		t.Fatal(err)
	}
	c, ok := checks.Lookup(checkID)
	if !ok {
		t.Fatalf("no check %s", checkID)
	}
	run := func() checks.Result {
		return checks.Run(ctx, []*checks.Check{c}, checks.UserSubject(upn), src, checks.RunOptions{}, nil)[0]
	}
	r := run()
	var plan *fix.Plan
	for _, p := range r.Fixes() {
		// A plan per object ends in the object's ID: a prefix ending in
		// a dot names it.
		if p.ID == planID || strings.HasSuffix(planID, ".") && strings.HasPrefix(p.ID, planID) {
			plan = &p
		}
	}
	initial := r.Status
	if (initial != checks.StatusFail && initial != checks.StatusWarn) || plan == nil {
		t.Fatalf("%s on %s: %s %s, plans %+v", checkID, scenario, r.Status, r.Message, r.Fixes())
	}
	before := objects(t, l, *plan)
	x := &fix.Executor{Stores: map[string]fix.Store{"graph": fix.GraphStore{API: gc}, "okta": fix.OktaStore{API: oc}}, Invariant: checks.Invariants(src),
		Journal: fix.OpenJournal(filepath.Join(t.TempDir(), "j.jsonl"))}
	if _, err := x.Apply(ctx, *plan); err != nil {
		t.Fatalf("apply: %v", err)
	}
	if r := run(); r.Status != checks.StatusPass && (r.Status != checks.StatusWarn || plan.Reversible) {
		// An irreversible fix may leave history behind (the Okta Verify
		// denials in the window stay, a warning): never a failure.
		t.Fatalf("after the fix: %s %s", r.Status, r.Message)
	}
	if !plan.Reversible {
		return
	}
	if _, err := x.Undo(ctx, ""); err != nil {
		t.Fatalf("undo: %v", err)
	}
	if r := run(); r.Status != initial {
		t.Fatalf("after undo: %s %s, want %s again", r.Status, r.Message, initial)
	}
	// The exact earlier state: every object the plan touched, field by
	// field, as each system answers it (but the times of the changes).
	after := objects(t, l, *plan)
	for k, b := range before {
		if a := after[k]; !reflect.DeepEqual(a, b) {
			t.Errorf("%s after undo:\n%v\nbefore the fix:\n%v", k, a, b)
		}
	}
}

// changeTimes are the fields that record when an object last changed:
// the undo is a change too.
var changeTimes = []string{"lastUpdated", "statusChanged", "lastSync"}

// objects reads every object the plan touches, whole, from the lab.
func objects(t *testing.T, l *lab.Lab, p fix.Plan) map[string]any {
	t.Helper()
	out := map[string]any{}
	for _, s := range p.Steps {
		path := s.Object
		if s.System == "graph" {
			path = "/v1.0" + path
		}
		k := s.System + " " + path
		if _, done := out[k]; done {
			continue
		}
		v, err := l.Object(s.System, path)
		if err != nil {
			if !p.Reversible {
				continue // an object the plan creates (an assignment)
			}
			t.Fatal(err)
		}
		if m, ok := v.(map[string]any); ok {
			for _, f := range changeTimes {
				delete(m, f)
			}
		}
		out[k] = v
	}
	return out
}

func TestFixCycles(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ scenario, check, plan string }{
		{"usage-location-missing", "license.usage-location", "graph.set-usage-location"},
		{"immutableid-mismatch", "identity.immutableid-match", "okta.set-app-user-immutableid"},
		{"immutableid-mismatch", "identity.immutableid-match", "graph.set-onpremises-immutableid"},
		{"immutableid-duplicate", "identity.immutableid-unique", "okta.set-app-user-immutableid"},
		{"login-loop-okta-verify", "loginloop.okta-verify", "okta.delete-pending-factor."},
		{"mfa-double-prompt", "federation.mfa-behavior", "graph.accept-okta-mfa"},
		{"license-wipe-risk", "license.wipe-risk", "okta.align-licenses"},
		{"license-wipe-risk", "license.okta-entra-match", "okta.align-licenses"},
		{"not-assigned", "identity.o365-assignment", "okta.assign-o365-app"},
		{"password-reset-sessions-kept", "loginloop.sessions-revoked", "graph.revoke-sessions"},
		{"cert-mismatch", "federation.signing-keys", "graph.set-signing-certificate"},
		{"cert-rollover-half-done", "federation.signing-keys", "graph.set-signing-certificate"},
		{"cert-mismatch", "federation.config-match", "graph.set-federation-to-okta"},
		{"federated-to-adfs", "federation.config-match", "graph.set-federation-to-okta"},
		{"issuer-other-app", "federation.issuer-matches-app", "graph.set-issuer"},
	} {
		t.Run(tc.scenario+"/"+tc.plan, func(t *testing.T) {
			t.Parallel()
			fixCycle(t, tc.scenario, tc.check, tc.plan)
		})
	}
}
