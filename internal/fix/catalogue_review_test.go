package fix_test

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/o365doctor/o365doctor/internal/checks"
	"github.com/o365doctor/o365doctor/internal/fix"
	"github.com/o365doctor/o365doctor/internal/lab/labtest"
	"github.com/o365doctor/o365doctor/internal/source/graph"
)

// R1: federated-to-adfs. The config-match plan points the URLs and the
// certificate at Okta but leaves ADFS's issuer (wantIssuer knows no form
// for it), although its title says "issuer, WS-Fed URLs and signing
// certificate". After it, realm discovery sends every user to Okta, whose
// tokens carry contoso.com:exk..., which Entra (expecting ADFS's issuer)
// refuses. Every federation check should pass after a fix that says it
// points the federation at Okta.
func TestCatalogueADFSPlanLeavesTheIssuer(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	l := labtest.Start(t, "federated-to-adfs")
	src, oc := labtest.Sources(t, l.Settings())
	gc, err := graph.New(l.Settings())
	if err != nil {
		t.Fatal(err)
	}
	run := func(c *checks.Check) checks.Result {
		return checks.Run(ctx, []*checks.Check{c}, checks.DomainSubject("contoso.com"), src, checks.RunOptions{}, nil)[0]
	}
	r := run(checks.ConfigMatch)
	var plan fix.Plan
	for _, p := range r.Fixes() {
		plan = p
	}
	var fields []string
	for _, s := range plan.Steps {
		fields = append(fields, s.Field)
	}
	t.Logf("plan %s: %q\nsteps %v", plan.ID, plan.Title, fields)
	x := &fix.Executor{Stores: map[string]fix.Store{"graph": fix.GraphStore{API: gc}, "okta": fix.OktaStore{API: oc}}, Invariant: checks.Invariants(src),
		Journal: fix.OpenJournal(filepath.Join(t.TempDir(), "j.jsonl"))}
	if _, err := x.Apply(ctx, plan); err != nil {
		t.Fatal(err)
	}
	for _, c := range []*checks.Check{checks.ConfigMatch, checks.IssuerMatchesApp, checks.SigningKeys} {
		r := run(c)
		t.Logf("after the fix %s: %s %s", c.ID, r.Status, r.Message)
		if r.Status != checks.StatusPass {
			t.Errorf("after the fix %s is %s: %s", c.ID, r.Status, r.Message)
		}
	}
}

// R2: Graph documents Domain.ReadWrite.All as the higher privileged
// permission for PATCH internalDomainFederation (and does not list
// Directory.ReadWrite.All). An app granted Domain.ReadWrite.All is refused
// by o365doctor before any write.
type grantedStore struct {
	*memStore
	roles map[string]bool
}

func (g grantedStore) Granted(context.Context) (map[string]bool, bool, error) {
	return g.roles, true, nil
}

func TestCatalogueDomainReadWriteAllIsEnough(t *testing.T) {
	st := grantedStore{memStore: &memStore{v: map[string]string{"/domains/contoso.com/federationConfiguration/f1#signingCertificate": "OLD"}},
		roles: map[string]bool{"Domain.ReadWrite.All": true}}
	x := newExec(t, st)
	p := fix.Plan{ID: "graph.set-signing-certificate", Title: "cert", Reversible: true, Steps: []fix.Step{{System: "graph", Method: "PATCH",
		Object: "/domains/contoso.com/federationConfiguration/f1", Field: "signingCertificate", Before: "OLD", After: "NEW", Permission: fix.PermGraphFederation}}}
	if _, err := x.Apply(context.Background(), p); err != nil {
		t.Errorf("Domain.ReadWrite.All (documented as sufficient): %v", err)
	}
	// And the other way: Directory.ReadWrite.All passes the pre-check,
	// although Graph's documentation does not list it for this call (the
	// lab refuses it with 403 too: graphPatchFederation checks the narrow
	// role only).
	st2 := grantedStore{memStore: &memStore{v: map[string]string{"/domains/contoso.com/federationConfiguration/f1#signingCertificate": "OLD"}},
		roles: map[string]bool{"Directory.ReadWrite.All": true}}
	x2 := newExec(t, st2)
	if _, err := x2.Apply(context.Background(), p); err == nil {
		t.Errorf("Directory.ReadWrite.All passes the pre-check for %s", fix.PermGraphFederation)
	}
}

// R3: an action whose call succeeded (2xx) but whose read back still shows
// the old value (Entra's replicas lag; revokeSignInSessions, an
// assignment) is journaled as "compensated" and the plan as "rolled back",
// though the irreversible change stands.
type laggingActions struct {
	mu    sync.Mutex
	state string
	done  bool
}

func (l *laggingActions) Read(context.Context, string, string) (string, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.state, nil // the replica has not caught up
}
func (l *laggingActions) Write(context.Context, string, string, string) error { return nil }
func (l *laggingActions) Do(context.Context, string, string, string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.done = true // made on the server
	return nil
}

func TestCatalogueSucceededIrreversibleActionIsNotRolledBack(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for the read-back retries (~8 s)")
	}
	st := &laggingActions{state: "2026-01-01T00:00:00Z"}
	x := newExec(t, st)
	p := fix.Plan{ID: "graph.revoke-sessions", Title: "Revoke", Subject: "alice@contoso.com", Steps: []fix.Step{{System: "graph", Method: "POST",
		Object: "/users/u1", Field: fix.SessionsField, Before: "2026-01-01T00:00:00Z", After: "(the time of the revocation)",
		Expect: fix.ExpectChanged, Action: "revokeSignInSessions"}}}
	e, err := x.Apply(context.Background(), p)
	t.Logf("err: %v\nentry state %s, step %+v", err, e.State, e.Steps[0])
	if !st.done {
		t.Fatal("the action was not called")
	}
	if e.Steps[0].State == fix.StepCompensated || strings.Contains(err.Error(), "rolled back") {
		t.Errorf("the revocation was made (the call succeeded) and cannot be undone, yet the journal says step %s and the error %q", e.Steps[0].State, err)
	}
}

// R4: an irreversible plan killed after its "started" line: the journal
// shows it INCOMPLETE, a plain undo says "finish it first with o365doctor
// undo ID", and undo ID refuses: "cannot be undone". Neither finishes nor
// closes it (only fix --resume, which makes the irreversible change, or
// --abandon).
func TestCatalogueIncompleteIrreversibleEntryCannotBeClosedByUndo(t *testing.T) {
	st := &memStore{v: map[string]string{"/users/u1#status": "STAGED"},
		actions: map[string][2]string{"activate": {"STAGED", "ACTIVE"}}}
	x := newExec(t, st)
	p := fix.Plan{ID: "okta.activate", Title: "Activate", Subject: "alice@contoso.com", Steps: []fix.Step{{System: "graph", Method: "POST",
		Object: "/users/u1", Field: "status", Before: "STAGED", After: "ACTIVE", Action: "activate"}}}
	// The journal as a kill right after the step's "started" line leaves it
	// (before the call): apply, keep the first two lines.
	if _, err := x.Apply(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(x.Journal.Path())
	lines := strings.SplitAfter(string(b), "\n")
	if err := os.WriteFile(x.Journal.Path(), []byte(lines[0]+lines[1]), 0o600); err != nil {
		t.Fatal(err)
	}
	st.v["/users/u1#status"] = "STAGED" // the call never went out
	entries, _ := x.Journal.Entries()
	if len(entries) != 1 || !entries[0].Incomplete() {
		t.Fatalf("entries %+v", entries)
	}
	id := entries[0].ID
	_, err := x.Undo(context.Background(), "")
	if err == nil || !strings.Contains(err.Error(), "fix --resume "+id) {
		t.Errorf("plain undo: %v", err)
	}
	_, err = x.Undo(context.Background(), id)
	t.Logf("undo %s: %v", id, err)
	if err != nil {
		t.Errorf("undo %s (which the plain undo tells the person to run) refuses an entry that made nothing: %v", id, err)
	}
}

// R5: the rollover's Okta app PUT and its undo leave the app as it was,
// field by field (the generated key aside, which cannot be undone), and
// the federation as it was.
func TestCatalogueRolloverUndoRestoresObjects(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	l := labtest.Start(t, "cert-expiring")
	src, oc := labtest.Sources(t, l.Settings())
	gc, err := graph.New(l.Settings())
	if err != nil {
		t.Fatal(err)
	}
	run := func() checks.Result {
		return checks.Run(ctx, []*checks.Check{checks.CertExpiry}, checks.DomainSubject("contoso.com"), src, checks.RunOptions{}, nil)[0]
	}
	x := &fix.Executor{Stores: map[string]fix.Store{"graph": fix.GraphStore{API: gc}, "okta": fix.OktaStore{API: oc}}, Invariant: checks.Invariants(src),
		Journal: fix.OpenJournal(filepath.Join(t.TempDir(), "j.jsonl"))}
	if _, err := x.Apply(ctx, run().Fixes()[0]); err != nil {
		t.Fatal(err)
	}
	roll := run().Fixes()[0]
	if roll.ID != checks.RolloverPlanID {
		t.Fatalf("plan %s", roll.ID)
	}
	snap := func() map[string]any {
		out := map[string]any{}
		for _, s := range roll.Steps {
			path := s.Object
			if s.System == "graph" {
				path = "/v1.0" + path
			}
			v, err := l.Object(s.System, path)
			if err != nil {
				t.Fatal(err)
			}
			if m, ok := v.(map[string]any); ok {
				delete(m, "lastUpdated")
			}
			out[s.System+" "+path] = v
		}
		return out
	}
	before := snap()
	x.Between = checks.FederationAgrees(src, "contoso.com")
	if _, err := x.Apply(ctx, roll); err != nil {
		t.Fatal(err)
	}
	if _, err := x.Undo(ctx, ""); err != nil {
		t.Fatal(err)
	}
	after := snap()
	for k, b := range before {
		if !reflect.DeepEqual(b, after[k]) {
			t.Errorf("%s after the rollover's undo:\n%v\nbefore:\n%v", k, after[k], b)
		}
	}
}

// R9: the assignment's body (Entra's licenses, anchor, usage location) is
// made at diagnosis and never re-read: the executor checks only that the
// app user is still unassigned. A license Entra gains between diagnosis
// and apply is left out of the assignment, so Okta's push removes it.
func TestCatalogueStaleAssignmentBody(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	l := labtest.Start(t, "not-assigned")
	upn := l.AffectedUser()
	src, oc := labtest.Sources(t, l.Settings())
	gc, err := graph.New(l.Settings())
	if err != nil {
		t.Fatal(err)
	}
	run := func(c *checks.Check) checks.Result {
		return checks.Run(ctx, []*checks.Check{c}, checks.UserSubject(upn), src, checks.RunOptions{}, nil)[0]
	}
	plan := run(checks.O365Assignment).Fixes()[0]
	t.Logf("plan body (made at diagnosis): %s", plan.Steps[0].Body)

	// Between diagnosis and apply, an admin gives frank E5 in Entra.
	skus, err := gc.SubscribedSkus(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var e5 string
	for _, k := range skus {
		if k.SkuPartNumber == "ENTERPRISEPREMIUM" {
			e5 = k.SkuID
		}
	}
	u, err := gc.User(ctx, upn)
	if err != nil || e5 == "" {
		t.Fatalf("%v %q", err, e5)
	}
	labPost(t, l, "/users/"+u.ID+"/assignLicense", `{"addLicenses":[{"skuId":"`+e5+`","disabledPlans":[]}],"removeLicenses":[]}`)

	x := &fix.Executor{Stores: map[string]fix.Store{"graph": fix.GraphStore{API: gc}, "okta": fix.OktaStore{API: oc}}, Invariant: checks.Invariants(src),
		Journal: fix.OpenJournal(filepath.Join(t.TempDir(), "j.jsonl"))}
	if _, err := x.Apply(ctx, plan); err == nil || !strings.Contains(err.Error(), "plan is stale") || !strings.Contains(err.Error(), "assignedLicenses") {
		t.Fatalf("the assignment made before Entra's licenses changed: %v", err)
	}
	if w := labtest.Writes(l); len(w) != 1 { // the test's own assignLicense
		t.Fatalf("writes %v", w)
	}
}

// R11: align-licenses' undo writes Okta's earlier list back sorted, not in
// the order Okta held it: not the exact earlier state.
func TestCatalogueAlignLicensesUndoKeepsOrder(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	l := labtest.StartText(t, `name: t
base: healthy
affectedUser: alice@contoso.com
tenant:
  users:
    - {upn: alice@contoso.com, displayName: Alice Anders, immutableId: suKEY0sY9cuOzPEMp6ZWPA==, usageLocation: US, licenses: [ENTERPRISEPACK, ENTERPRISEPREMIUM]}
okta:
  users:
    - login: alice@contoso.com
      assignments:
        - {app: o365, profile: {immutableId: suKEY0sY9cuOzPEMp6ZWPA==, usageLocation: US, licenses: ["ENTERPRISEPREMIUM:TEAMS1", "ENTERPRISEPREMIUM:EXCHANGE_S_ENTERPRISE"]}}
`)
	upn := l.AffectedUser()
	src, oc := labtest.Sources(t, l.Settings())
	gc, _ := graph.New(l.Settings())
	r := checks.Run(ctx, []*checks.Check{checks.LicenseMatch}, checks.UserSubject(upn), src, checks.RunOptions{}, nil)[0]
	if len(r.Fixes()) == 0 {
		t.Fatalf("%s %s: no plan", r.Status, r.Message)
	}
	plan := r.Fixes()[0]
	obj := plan.Steps[0].Object
	before, err := l.Object("okta", obj)
	if err != nil {
		t.Fatal(err)
	}
	x := &fix.Executor{Stores: map[string]fix.Store{"graph": fix.GraphStore{API: gc}, "okta": fix.OktaStore{API: oc}}, Invariant: checks.Invariants(src),
		Journal: fix.OpenJournal(filepath.Join(t.TempDir(), "j.jsonl"))}
	if _, err := x.Apply(ctx, plan); err != nil {
		t.Fatal(err)
	}
	if _, err := x.Undo(ctx, ""); err != nil {
		t.Fatal(err)
	}
	after, _ := l.Object("okta", obj)
	b := before.(map[string]any)["profile"].(map[string]any)["licenses"]
	a := after.(map[string]any)["profile"].(map[string]any)["licenses"]
	if !reflect.DeepEqual(a, b) {
		t.Errorf("profile.licenses after undo %v, before the fix %v", a, b)
	}
}
