package fix_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/o365doctor/o365doctor/internal/fix"
	"github.com/o365doctor/o365doctor/internal/lab"
	"github.com/o365doctor/o365doctor/internal/lab/labtest"
	"github.com/o365doctor/o365doctor/internal/model"
	"github.com/o365doctor/o365doctor/internal/source/okta"
)

type env struct {
	lab   *lab.Lab
	okta  *okta.Client
	exec  *fix.Executor
	app   model.OktaApp
	alice model.OktaUser
	bob   model.OktaUser
}

func setup(t *testing.T) env {
	t.Helper()
	l := labtest.Start(t, "immutableid-mismatch")
	ctx := context.Background()
	c, err := okta.New(ctx, l.Settings())
	if err != nil {
		t.Fatal(err)
	}
	apps, err := c.Office365Apps(ctx)
	if err != nil || len(apps) != 1 {
		t.Fatalf("apps: %v %v", apps, err)
	}
	alice, err := c.User(ctx, "alice@contoso.com")
	if err != nil {
		t.Fatal(err)
	}
	bob, err := c.User(ctx, "bob@contoso.com")
	if err != nil {
		t.Fatal(err)
	}
	j := fix.OpenJournal(filepath.Join(t.TempDir(), "state", "journal.jsonl"))
	return env{lab: l, okta: c, app: apps[0], alice: alice, bob: bob,
		exec: &fix.Executor{Stores: map[string]fix.Store{"okta": fix.OktaStore{API: c}}, Journal: j}}
}

func (e env) immutableID(t *testing.T, u model.OktaUser) string {
	t.Helper()
	au, err := e.okta.AppUser(context.Background(), e.app.ID, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	return au.ImmutableID()
}

func (e env) plan(u model.OktaUser, before, after string) fix.Plan {
	return fix.Plan{ID: "okta.set-app-user-immutableid", Title: "set immutableId", Reversible: true, Risk: "low",
		Steps: []fix.Step{{System: "okta", Method: "POST", Object: fix.AppUserObject(e.app.ID, u.ID), Field: "profile.immutableId", Before: before, After: after}}}
}

func TestApplyVerifyJournalUndo(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	entry, err := e.exec.Apply(ctx, e.plan(e.alice, "BNt9M4fu8Ek8RSuc9LAS2g==", "suKEY0sY9cuOzPEMp6ZWPA=="))
	if err != nil {
		t.Fatal(err)
	}
	if entry.State != fix.StateApplied || entry.Applied != 1 {
		t.Fatalf("entry = %+v", entry)
	}
	if got := e.immutableID(t, e.alice); got != "suKEY0sY9cuOzPEMp6ZWPA==" {
		t.Fatalf("after apply: %q", got)
	}
	fi, err := os.Stat(e.exec.Journal.Path())
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("journal mode: %v %v", fi, err)
	}
	undo, err := e.exec.Undo(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if undo.Kind != fix.KindUndo || undo.Undoes != entry.ID {
		t.Fatalf("undo entry = %+v", undo)
	}
	if got := e.immutableID(t, e.alice); got != "BNt9M4fu8Ek8RSuc9LAS2g==" {
		t.Fatalf("after undo: %q", got)
	}
	if _, err := e.exec.Undo(ctx, ""); err == nil || !strings.Contains(err.Error(), "nothing to undo") {
		t.Fatalf("second undo: %v", err)
	}
	if _, err := e.exec.Undo(ctx, entry.ID); err == nil || !strings.Contains(err.Error(), "already undone") {
		t.Fatalf("undo of an undone entry: %v", err)
	}
	if _, err := e.exec.Undo(ctx, undo.ID); err == nil || !strings.Contains(err.Error(), "is an undo") {
		t.Fatalf("undo of an undo: %v", err)
	}
	entries, err := e.exec.Journal.Entries()
	if err != nil || len(entries) != 2 || entries[0].State != fix.StateApplied || entries[1].State != fix.StateApplied {
		t.Fatalf("entries = %+v, %v", entries, err)
	}
	raw, _ := os.ReadFile(e.exec.Journal.Path())
	// Write-ahead: the entry started, its step started (with the value to
	// restore), the step done, the outcome; for the fix and for the undo.
	if lines := strings.Count(string(raw), "\n"); lines != 8 {
		t.Errorf("journal has %d lines, want 8 (write-ahead)", lines)
	}
	if entries[0].Steps[0].State != fix.StepDone || entries[0].Steps[0].Live != "BNt9M4fu8Ek8RSuc9LAS2g==" {
		t.Errorf("step log = %+v", entries[0].Steps)
	}
	if strings.Contains(string(raw), e.lab.OktaToken) || strings.Contains(string(raw), e.lab.ClientSecret) {
		t.Error("a secret reached the journal")
	}
}

func TestStalePlanChangesNothing(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	// Someone changed the value after the diagnosis.
	if _, err := e.okta.SetAppUserProfile(ctx, e.app.ID, e.alice.ID, map[string]any{"immutableId": "moved=="}); err != nil {
		t.Fatal(err)
	}
	_, err := e.exec.Apply(ctx, e.plan(e.alice, "BNt9M4fu8Ek8RSuc9LAS2g==", "suKEY0sY9cuOzPEMp6ZWPA=="))
	var stale *fix.StaleError
	if !errors.As(err, &stale) || !strings.Contains(err.Error(), "plan is stale") {
		t.Fatalf("err = %v, want stale", err)
	}
	if got := e.immutableID(t, e.alice); got != "moved==" {
		t.Fatalf("value changed by a stale plan: %q", got)
	}
	if entries, _ := e.exec.Journal.Entries(); len(entries) != 0 {
		t.Fatalf("stale plan journaled: %+v", entries)
	}
}

func TestFailedStepRollsBackEarlierSteps(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	p := e.plan(e.alice, "BNt9M4fu8Ek8RSuc9LAS2g==", "suKEY0sY9cuOzPEMp6ZWPA==")
	p.Steps = append(p.Steps, fix.Step{System: "okta", Method: "POST", Object: fix.AppUserObject(e.app.ID, e.bob.ID),
		Field: "profile.immutableId", Before: "vFGdn+9wyiFcFPMHmAop2A==", After: "x"})
	e.exec.Stores["okta"] = failingWrite{inner: fix.OktaStore{API: e.okta}, value: "x"}
	entry, err := e.exec.Apply(ctx, p)
	if err == nil || !strings.Contains(err.Error(), "rolled back") {
		t.Fatalf("err = %v", err)
	}
	if entry.State != fix.StateFailed {
		t.Fatalf("state = %s", entry.State)
	}
	if got := e.immutableID(t, e.alice); got != "BNt9M4fu8Ek8RSuc9LAS2g==" {
		t.Fatalf("step 1 not rolled back: %q", got)
	}
	if got := e.immutableID(t, e.bob); got != "vFGdn+9wyiFcFPMHmAop2A==" {
		t.Fatalf("step 2 changed: %q", got)
	}
}

// failingWrite is the real Okta store, except that writing one value fails
// as an API outage part-way through a plan would.
type failingWrite struct {
	inner fix.OktaStore
	value string
}

func (f failingWrite) Read(ctx context.Context, o, fl string) (string, error) {
	return f.inner.Read(ctx, o, fl)
}

func (f failingWrite) Write(ctx context.Context, o, fl, v string) error {
	if v == f.value {
		return errors.New("okta: HTTP 503 E0000009 Internal Server Error")
	}
	return f.inner.Write(ctx, o, fl, v)
}

func TestPlanPreview(t *testing.T) {
	p := fix.Plan{ID: "a", Title: "T", Reversible: true, Steps: []fix.Step{
		{System: "okta", Field: "f1", Before: "1", After: "2"},
		{System: "graph", Field: "f2", Before: "", After: "3"},
		{System: "okta", Method: "POST", Object: "/api/v1/users/u1/lifecycle/unlock", Field: "status", Before: "LOCKED_OUT", After: "ACTIVE", Action: "unlock"},
	}}
	pv := p.Preview()
	if !strings.Contains(pv, "(empty) → 3") || !strings.Contains(pv, "reversible: yes") ||
		!strings.Contains(pv, "unlock (status: LOCKED_OUT → ACTIVE; cannot be undone)") {
		t.Fatalf("preview = %s", pv)
	}
}

func TestWriteThatFailsAfterReachingTheServerIsRolledBack(t *testing.T) {
	e := setup(t)
	e.exec.Stores["okta"] = writeThenFail{inner: fix.OktaStore{API: e.okta}}
	_, err := e.exec.Apply(context.Background(), e.plan(e.alice, "BNt9M4fu8Ek8RSuc9LAS2g==", "suKEY0sY9cuOzPEMp6ZWPA=="))
	if err == nil || !strings.Contains(err.Error(), "rolled back") {
		t.Fatalf("err = %v", err)
	}
	if got := e.immutableID(t, e.alice); got != "BNt9M4fu8Ek8RSuc9LAS2g==" {
		t.Fatalf("a write that reached Okta before its error was not rolled back: %q", got)
	}
}

// writeThenFail is the real Okta store whose forward write lands but
// reports a timeout, as a request that reached the server would.
type writeThenFail struct{ inner fix.OktaStore }

func (f writeThenFail) Read(ctx context.Context, o, fl string) (string, error) {
	return f.inner.Read(ctx, o, fl)
}

func (f writeThenFail) Write(ctx context.Context, o, fl, v string) error {
	if err := f.inner.Write(ctx, o, fl, v); err != nil {
		return err
	}
	if v == "suKEY0sY9cuOzPEMp6ZWPA==" {
		return errors.New("okta: context deadline exceeded")
	}
	return nil
}

func TestTornLastJournalLineIsTolerated(t *testing.T) {
	e := setup(t)
	if _, err := e.exec.Apply(context.Background(), e.plan(e.alice, "BNt9M4fu8Ek8RSuc9LAS2g==", "suKEY0sY9cuOzPEMp6ZWPA==")); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(e.exec.Journal.Path(), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`{"id":"20261123T000000Z-abc","state":"sta`)
	f.Close()
	entries, err := e.exec.Journal.Entries()
	if err != nil || len(entries) != 1 {
		t.Fatalf("entries = %v, %v", entries, err)
	}
	if _, err := e.exec.Undo(context.Background(), ""); err != nil {
		t.Fatalf("undo after a torn line: %v", err)
	}
	// Review A2: the journal stays readable after more appends (the undo
	// above was glued onto the torn line), and the undo is recorded.
	entries, err = e.exec.Journal.Entries()
	if err != nil || len(entries) != 2 || entries[1].Kind != fix.KindUndo || entries[1].State != fix.StateApplied {
		t.Fatalf("after the undo: entries = %+v, %v", entries, err)
	}
	if _, err := e.exec.Apply(context.Background(), e.plan(e.alice, "BNt9M4fu8Ek8RSuc9LAS2g==", "suKEY0sY9cuOzPEMp6ZWPA==")); err != nil {
		t.Fatalf("a fix after the torn line: %v", err)
	}
	if _, err := e.exec.Undo(context.Background(), ""); err != nil {
		t.Fatalf("undo impossible after a torn line: %v", err)
	}
	if entries, err = e.exec.Journal.Entries(); err != nil || len(entries) != 4 {
		t.Fatalf("entries = %d, %v", len(entries), err)
	}
}

// panicStore panics on one value, as an SDK decoding a malformed answer
// might (review A4).
type panicStore struct {
	mu      sync.Mutex
	v       map[string]string
	panicOn string
}

func (m *panicStore) Read(_ context.Context, o, f string) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.v[o+"#"+f], nil
}

func (m *panicStore) Write(_ context.Context, o, f, val string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if val == m.panicOn {
		panic("malformed response")
	}
	m.v[o+"#"+f] = val
	return nil
}

func TestAPanickingStoreIsRolledBackNotACrash(t *testing.T) {
	st := &panicStore{v: map[string]string{"/o#a": "1", "/o#b": "x"}, panicOn: "BOOM"}
	x := &fix.Executor{Stores: map[string]fix.Store{"s": st}, Journal: fix.OpenJournal(filepath.Join(t.TempDir(), "j.jsonl"))}
	e, err := x.Apply(context.Background(), fix.Plan{ID: "p", Title: "t", Reversible: true, Steps: []fix.Step{
		{System: "s", Object: "/o", Field: "a", Before: "1", After: "2"},
		{System: "s", Object: "/o", Field: "b", Before: "x", After: "BOOM"},
	}})
	if err == nil || !strings.Contains(err.Error(), "malformed response") || e.State != fix.StateFailed {
		t.Fatalf("entry %+v, err %v", e, err)
	}
	if st.v["/o#a"] != "1" {
		t.Fatalf("step 1 not rolled back: a = %s", st.v["/o#a"])
	}
	entries, _ := x.Journal.Entries()
	if len(entries) != 1 || entries[0].State != fix.StateFailed {
		t.Fatalf("journal: %+v", entries)
	}
}

// A plan's input: refused on a plan that takes none and when its check
// fails; a good value lands in the marked steps only.
func TestPlanInput(t *testing.T) {
	p := fix.Plan{ID: "p", Steps: []fix.Step{{Field: "usageLocation", Input: true}, {Field: "other", After: "x"}},
		Input: &fix.Input{Flag: "usage-location", Prompt: "a country", Check: "country"}}
	if !p.Missing() {
		t.Fatal("a plan without its value is not missing it")
	}
	if _, err := (fix.Plan{ID: "q"}).WithInput("DE"); err == nil {
		t.Fatal("a plan without input took one")
	}
	for _, bad := range []string{"", "Germany", "D1", "DEU"} {
		if _, err := p.WithInput(bad); err == nil || !strings.Contains(err.Error(), "--usage-location") {
			t.Fatalf("%q: %v", bad, err)
		}
	}
	got, err := p.WithInput(" de ")
	if err != nil || got.Missing() || got.Steps[0].After != "DE" || got.Steps[1].After != "x" || p.Steps[0].After != "" {
		t.Fatalf("%+v %v (the original %+v)", got, err, p)
	}
}
