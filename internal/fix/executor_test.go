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
)

// memStore is a store over a map, with actions that move a status field,
// a hook after each write and a value whose write fails.
type memStore struct {
	mu      sync.Mutex
	v       map[string]string
	writes  []string
	failOn  string
	after   func(n int)
	actions map[string][2]string // action -> {status before, status after}
}

func (m *memStore) Read(_ context.Context, o, f string) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.v[o+"#"+f], nil
}

func (m *memStore) Write(_ context.Context, o, f, val string) error {
	m.mu.Lock()
	if m.failOn != "" && val == m.failOn {
		m.mu.Unlock()
		return errors.New("boom")
	}
	m.writes = append(m.writes, o+"#"+f+"="+val)
	m.v[o+"#"+f] = val
	n := len(m.writes)
	m.mu.Unlock()
	if m.after != nil {
		m.after(n)
	}
	return nil
}

func (m *memStore) Do(_ context.Context, action, o, _ string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	t, ok := m.actions[action]
	if !ok || m.v[o+"#status"] != t[0] {
		return errors.New("E0000001 cannot " + action)
	}
	m.writes = append(m.writes, o+"!"+action)
	m.v[o+"#status"] = t[1]
	return nil
}

func newExec(t *testing.T, st fix.Store) *fix.Executor {
	return &fix.Executor{Stores: map[string]fix.Store{"graph": st}, Journal: fix.OpenJournal(filepath.Join(t.TempDir(), "j.jsonl")),
		Target: fix.Target{OktaOrg: "https://a.okta.com", Tenant: "t1"}}
}

var upnMove = fix.Plan{ID: "graph.set-immutableid", Title: "set onPremisesImmutableId", Reversible: true, Steps: []fix.Step{
	{System: "graph", Method: "PATCH", Object: "/users/u1", Field: "userPrincipalName", Before: "alice@contoso.com", After: "alice@contoso.onmicrosoft.com"},
	{System: "graph", Method: "PATCH", Object: "/users/u1", Field: "onPremisesImmutableId", Before: "", After: "abc=="},
	{System: "graph", Method: "PATCH", Object: "/users/u1", Field: "userPrincipalName", Before: "alice@contoso.onmicrosoft.com", After: "alice@contoso.com"},
}}

// Review A1: a plan that touches a field twice is not stale; its undo
// restores every field.
func TestPlanTouchingAFieldTwice(t *testing.T) {
	st := &memStore{v: map[string]string{"/users/u1#userPrincipalName": "alice@contoso.com"}}
	x := newExec(t, st)
	e, err := x.Apply(context.Background(), upnMove)
	if err != nil || e.State != fix.StateApplied || e.Applied != 3 {
		t.Fatalf("entry %+v, %v", e, err)
	}
	if st.v["/users/u1#onPremisesImmutableId"] != "abc==" || st.v["/users/u1#userPrincipalName"] != "alice@contoso.com" {
		t.Fatalf("state %v", st.v)
	}
	if _, err := x.Undo(context.Background(), ""); err != nil {
		t.Fatal(err)
	}
	if st.v["/users/u1#onPremisesImmutableId"] != "" || st.v["/users/u1#userPrincipalName"] != "alice@contoso.com" {
		t.Fatalf("after undo %v", st.v)
	}
	bad := upnMove
	bad.Steps = append([]fix.Step{}, upnMove.Steps...)
	bad.Steps[2].Before = "someone@else.com"
	if _, err := x.Apply(context.Background(), bad); err == nil || !strings.Contains(err.Error(), "inconsistent") {
		t.Fatalf("an inconsistent plan: %v", err)
	}
}

// A failure in the middle step of the UPN move: the user ends with the
// original UPN and immutableID; the journal says what was made and undone.
func TestMiddleStepFailureRestoresTheUPN(t *testing.T) {
	st := &memStore{v: map[string]string{"/users/u1#userPrincipalName": "alice@contoso.com"}, failOn: "abc=="}
	x := newExec(t, st)
	e, err := x.Apply(context.Background(), upnMove)
	if err == nil || !strings.Contains(err.Error(), "rolled back") || e.State != fix.StateFailed || e.Applied != 0 {
		t.Fatalf("entry %+v, %v", e, err)
	}
	if st.v["/users/u1#userPrincipalName"] != "alice@contoso.com" || st.v["/users/u1#onPremisesImmutableId"] != "" {
		t.Fatalf("state %v", st.v)
	}
	got := []string{e.Steps[0].State, e.Steps[1].State, e.Steps[2].State}
	if got[0] != fix.StepCompensated || got[1] != fix.StepNotMade || got[2] != fix.StepPending {
		t.Fatalf("step log %v", got)
	}
	entries, _ := x.Journal.Entries()
	if len(entries) != 1 || entries[0].Steps[0].State != fix.StepCompensated || !strings.Contains(entries[0].Error, "step 2") {
		t.Fatalf("journal %+v", entries)
	}
}

// A value moved between the check and the step (another admin): the plan
// stops there and undoes what it made.
func TestValueMovedMidPlanIsStale(t *testing.T) {
	st := &memStore{v: map[string]string{"/users/u1#userPrincipalName": "alice@contoso.com"}}
	st.after = func(n int) {
		if n == 1 {
			st.mu.Lock()
			st.v["/users/u1#onPremisesImmutableId"] = "set-by-someone=="
			st.mu.Unlock()
		}
	}
	x := newExec(t, st)
	_, err := x.Apply(context.Background(), upnMove)
	// The UPN move was made and undone: the message says so.
	if err == nil || !strings.Contains(err.Error(), "plan is stale") || !strings.Contains(err.Error(), "(rolled back)") {
		t.Fatalf("err = %v", err)
	}
	if st.v["/users/u1#userPrincipalName"] != "alice@contoso.com" || st.v["/users/u1#onPremisesImmutableId"] != "set-by-someone==" {
		t.Fatalf("state %v", st.v)
	}
}

// Actions: made, verified, undone by their inverse; one without an
// inverse makes the plan irreversible, and a failure after it needs
// attention.
func TestActionsAndTheirUndo(t *testing.T) {
	st := &memStore{v: map[string]string{"/users/u1#status": "SUSPENDED"},
		actions: map[string][2]string{"unsuspend": {"SUSPENDED", "ACTIVE"}, "suspend": {"ACTIVE", "SUSPENDED"}, "revoke": {"ACTIVE", "ACTIVE"}}}
	x := newExec(t, st)
	p := fix.Plan{ID: "okta.unsuspend", Title: "Unsuspend", Reversible: true, Steps: []fix.Step{
		{System: "graph", Method: "POST", Object: "/users/u1", Field: "status", Before: "SUSPENDED", After: "ACTIVE", Action: "unsuspend", Undo: "suspend"}}}
	if _, err := x.Apply(context.Background(), p); err != nil || st.v["/users/u1#status"] != "ACTIVE" {
		t.Fatalf("apply: %v %v", err, st.v)
	}
	if _, err := x.Undo(context.Background(), ""); err != nil || st.v["/users/u1#status"] != "SUSPENDED" {
		t.Fatalf("undo: %v %v", err, st.v)
	}
	p.Steps[0].Undo = ""
	if _, err := x.Apply(context.Background(), p); err == nil || !strings.Contains(err.Error(), "has a step that cannot") {
		t.Fatalf("a reversible plan with an irreversible step: %v", err)
	}
	p.Reversible = false
	p.Steps = append(p.Steps, fix.Step{System: "graph", Object: "/users/u1", Field: "x", Before: "", After: "boom"})
	st.failOn = "boom"
	e, err := x.Apply(context.Background(), p)
	if err == nil || e.State != fix.StateNeedsAttention || !strings.Contains(err.Error(), "unsuspend cannot be undone") {
		t.Fatalf("entry %s, %v", e.State, err)
	}
}

// Review R3: an entry records where it was made; undo elsewhere is refused.
// An entry someone else's change blocks can be abandoned.
func TestUndoTargetAndAbandon(t *testing.T) {
	st := &memStore{v: map[string]string{"/users/u1#userPrincipalName": "alice@contoso.com"}}
	x := newExec(t, st)
	e, err := x.Apply(context.Background(), upnMove)
	if err != nil || e.Target.Tenant != "t1" {
		t.Fatalf("%+v %v", e.Target, err)
	}
	other := *x
	other.Target = fix.Target{OktaOrg: "https://b.okta.com", Tenant: "t2"}
	if _, err := other.Undo(context.Background(), ""); err == nil || !strings.Contains(err.Error(), "was made in Okta org https://a.okta.com, tenant t1") {
		t.Fatalf("undo elsewhere: %v", err)
	}
	st.v["/users/u1#onPremisesImmutableId"] = "changed-since=="
	if _, err := x.Undo(context.Background(), ""); err == nil || !strings.Contains(err.Error(), "o365doctor undo --abandon "+e.ID) {
		t.Fatalf("undo of a moved value: %v", err)
	}
	if _, err := x.Abandon(e.ID, "changed by hand"); err != nil {
		t.Fatal(err)
	}
	if _, err := x.Undo(context.Background(), ""); err == nil || !strings.Contains(err.Error(), "nothing to undo") {
		t.Fatalf("a plain undo after abandoning: %v", err)
	}
}

// A process killed between a step's call and its outcome: the entry is
// incomplete, and undo reverses what the live values show was made.
func TestIncompleteEntryIsUndone(t *testing.T) {
	st := &memStore{v: map[string]string{"/users/u1#userPrincipalName": "alice@contoso.com"}}
	x := newExec(t, st)
	// Simulate the crash: the journal as it was after step 2's call.
	snapshot := journalAfterWrite(t, x, st, 2)
	// The state the crash left: UPN moved, immutableID set, UPN not back.
	st.v["/users/u1#userPrincipalName"] = "alice@contoso.onmicrosoft.com"
	if err := os.WriteFile(x.Journal.Path(), snapshot, 0o600); err != nil {
		t.Fatal(err)
	}
	entries, err := x.Journal.Entries()
	if err != nil || len(entries) != 1 || !entries[0].Incomplete() || entries[0].Steps[1].State != fix.StepStarted {
		t.Fatalf("entries %+v, %v", entries, err)
	}
	if _, err := x.Undo(context.Background(), entries[0].ID); err != nil {
		t.Fatal(err)
	}
	if st.v["/users/u1#userPrincipalName"] != "alice@contoso.com" || st.v["/users/u1#onPremisesImmutableId"] != "" {
		t.Fatalf("after undo %v", st.v)
	}
}

// Review B3: while one process holds the journal, another cannot apply
// through it.
func TestJournalLock(t *testing.T) {
	st := &memStore{v: map[string]string{"/users/u1#userPrincipalName": "alice@contoso.com"}}
	x := newExec(t, st)
	second := &fix.Executor{Stores: x.Stores, Journal: fix.OpenJournal(x.Journal.Path())}
	var err2 error
	st.after = func(n int) {
		if n == 1 {
			_, err2 = second.Apply(context.Background(), upnMove)
		}
	}
	if _, err := x.Apply(context.Background(), upnMove); err != nil {
		t.Fatal(err)
	}
	if err2 == nil || !strings.Contains(err2.Error(), "another o365doctor is applying a change") {
		t.Fatalf("second process: %v", err2)
	}
}

// lagStore answers the value before a write for the next lag reads of
// that field, as a directory replica that has not caught up.
type lagStore struct {
	*memStore
	lag   int
	stale map[string][2]any // field -> {old value, reads left}
}

func (l *lagStore) Read(ctx context.Context, o, f string) (string, error) {
	l.mu.Lock()
	if s, ok := l.stale[o+"#"+f]; ok && s[1].(int) > 0 {
		l.stale[o+"#"+f] = [2]any{s[0], s[1].(int) - 1}
		l.mu.Unlock()
		return s[0].(string), nil
	}
	l.mu.Unlock()
	return l.memStore.Read(ctx, o, f)
}

func (l *lagStore) Write(ctx context.Context, o, f, val string) error {
	old, _ := l.memStore.Read(ctx, o, f)
	if err := l.memStore.Write(ctx, o, f, val); err != nil {
		return err
	}
	l.mu.Lock()
	l.stale[o+"#"+f] = [2]any{old, l.lag}
	l.mu.Unlock()
	return nil
}

// Review 16 #1: a read back that lags the write is retried, not taken for
// a change that was not made.
func TestLaggingReadBack(t *testing.T) {
	st := &lagStore{memStore: &memStore{v: map[string]string{"/users/u1#userPrincipalName": "alice@contoso.com"}}, lag: 2, stale: map[string][2]any{}}
	x := newExec(t, st)
	e, err := x.Apply(context.Background(), upnMove)
	if err != nil || e.State != fix.StateApplied || e.Applied != 3 {
		t.Fatalf("entry %s (%d applied), %v", e.State, e.Applied, err)
	}
}

// Review 16 #2 and #5: a plain undo refuses while an older entry is
// incomplete, naming it, and reverses an incomplete entry that is the
// newest; an incomplete entry that made nothing is closed by its undo.
func TestIncompleteEntriesComeFirst(t *testing.T) {
	st := &memStore{v: map[string]string{"/users/u1#userPrincipalName": "alice@contoso.com"}}
	x := newExec(t, st)
	// The journal as a crash before step 1's outcome leaves it, with step
	// 1's call made.
	snapshot := journalAfterWrite(t, x, st, 1)
	if err := os.WriteFile(x.Journal.Path(), snapshot, 0o600); err != nil {
		t.Fatal(err)
	}
	entries, _ := x.Journal.Entries()
	id := entries[0].ID
	// A newer fix made after it: a plain undo would pass the incomplete
	// entry by, so it refuses, naming it.
	other := fix.Plan{ID: "p2", Title: "usage location", Reversible: true, Steps: []fix.Step{
		{System: "graph", Method: "PATCH", Object: "/users/u2", Field: "usageLocation", Before: "", After: "DE"}}}
	if _, err := x.Apply(context.Background(), other); err != nil {
		t.Fatal(err)
	}
	if _, err := x.Undo(context.Background(), ""); err == nil || !strings.Contains(err.Error(), "finish it first with o365doctor undo "+id) {
		t.Fatalf("plain undo with an older incomplete entry: %v", err)
	}
	// The incomplete entry as the newest (the process was killed in the
	// last fix, with step 1 made): a plain undo reverses it.
	if err := os.WriteFile(x.Journal.Path(), snapshot, 0o600); err != nil {
		t.Fatal(err)
	}
	st.v = map[string]string{"/users/u1#userPrincipalName": "alice@contoso.onmicrosoft.com"}
	if e, err := x.Undo(context.Background(), ""); err != nil || e.Undoes != id || st.v["/users/u1#userPrincipalName"] != "alice@contoso.com" {
		t.Fatalf("plain undo of the newest, incomplete entry: %+v, %v, state %v", e, err, st.v)
	}
	// Nothing started: the undo closes the entry.
	y := newExec(t, &memStore{v: map[string]string{"/users/u1#userPrincipalName": "alice@contoso.com"}})
	lines := strings.SplitAfter(string(snapshot), "\n")
	if err := os.WriteFile(y.Journal.Path(), []byte(lines[0]), 0o600); err != nil { // the entry's first line only
		t.Fatal(err)
	}
	e, err := y.Undo(context.Background(), id)
	if err != nil || e.State != fix.StateFailed || !strings.Contains(e.Error, "stopped before any change") {
		t.Fatalf("closing an entry that made nothing: %+v, %v", e, err)
	}
}

// A process killed mid-plan: resume finishes it, keeping what was made and
// judging the step it left started by its live value.
func TestResumeFinishesAnIncompleteEntry(t *testing.T) {
	for name, made := range map[string]bool{"the started step went through": true, "the started step did not": false} {
		t.Run(name, func(t *testing.T) {
			st := &memStore{v: map[string]string{"/users/u1#userPrincipalName": "alice@contoso.com"}}
			x := newExec(t, st)
			snapshot := journalAfterWrite(t, x, st, 2)
			// The crash: UPN moved, step 2 started, UPN not moved back.
			st.v["/users/u1#userPrincipalName"] = "alice@contoso.onmicrosoft.com"
			if !made {
				st.v["/users/u1#onPremisesImmutableId"] = ""
			}
			if err := os.WriteFile(x.Journal.Path(), snapshot, 0o600); err != nil {
				t.Fatal(err)
			}
			entries, _ := x.Journal.Entries()
			e, err := x.Resume(context.Background(), entries[0].ID)
			if err != nil || e.State != fix.StateApplied || e.Applied != 3 {
				t.Fatalf("resume: %s %d, %v", e.State, e.Applied, err)
			}
			if st.v["/users/u1#userPrincipalName"] != "alice@contoso.com" || st.v["/users/u1#onPremisesImmutableId"] != "abc==" {
				t.Fatalf("state %v", st.v)
			}
			if _, err := x.Resume(context.Background(), e.ID); err == nil || !strings.Contains(err.Error(), "not incomplete") {
				t.Fatalf("a second resume: %v", err)
			}
		})
	}
}

// journalAfterWrite applies the UPN move and returns the journal as it was
// just after the store's n-th write: what a crash there would leave.
func journalAfterWrite(t *testing.T, x *fix.Executor, st *memStore, n int) []byte {
	t.Helper()
	var snapshot []byte
	st.after = func(i int) {
		if i == n && snapshot == nil {
			snapshot, _ = os.ReadFile(x.Journal.Path())
		}
	}
	if _, err := x.Apply(context.Background(), upnMove); err != nil {
		t.Fatal(err)
	}
	st.after = nil
	return snapshot
}
