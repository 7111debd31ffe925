package ui

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/bubbles/spinner"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/o365doctor/o365doctor/internal/checks"
	"github.com/o365doctor/o365doctor/internal/fix"
	"github.com/o365doctor/o365doctor/internal/lab/labtest"
)

// drive runs cmd and feeds every message it produces back into the model,
// as the Bubble Tea runtime would, except that spinner ticks are not
// re-armed (they would run forever).
func drive(t *testing.T, m Model, cmd tea.Cmd) Model {
	t.Helper()
	queue := []tea.Cmd{cmd}
	for len(queue) > 0 {
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		msg := c()
		switch msg := msg.(type) {
		case tea.BatchMsg:
			queue = append(queue, msg...)
			continue
		case spinner.TickMsg:
			continue
		case nil:
			continue
		}
		next, more := m.Update(msg)
		m = next.(Model)
		queue = append(queue, more)
	}
	return m
}

func press(t *testing.T, m Model, keys string) Model {
	t.Helper()
	for _, r := range keys {
		var k tea.KeyMsg
		switch r {
		case '⎋':
			k = tea.KeyMsg{Type: tea.KeyEsc}
		default:
			k = tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}}
		}
		next, cmd := m.Update(k)
		m = drive(t, next.(Model), cmd)
	}
	return m
}

// imm is the index of identity.immutableid-match in the list.
func imm(m Model) int {
	for i, it := range m.items {
		if it.check.ID == "identity.immutableid-match" {
			return i
		}
	}
	panic("no identity.immutableid-match")
}

func newModel(t *testing.T, scenario, upn string) Model {
	t.Helper()
	l := labtest.Start(t, scenario)
	src, oc := labtest.Sources(t, l.Settings())
	exec := &fix.Executor{Stores: map[string]fix.Store{"okta": fix.OktaStore{API: oc}},
		Journal: fix.OpenJournal(filepath.Join(t.TempDir(), "journal.jsonl"))}
	list, err := checks.Select(checks.All(), []checks.Scope{checks.ScopeUser, checks.ScopeDomain}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	list = checks.ForUserTicket(list) // as `o365doctor user` runs them
	m := New(context.Background(), Options{
		Subject: checks.UserSubject(upn), Tenant: l.TenantID, OktaOrg: l.OktaURL, Checks: list,
		Sources: src, RunOptions: checks.RunOptions{LoadTimeout: 10 * time.Second},
		Executor: exec,
	})
	next, _ := m.Update(tea.WindowSizeMsg{Width: 140, Height: 40})
	return next.(Model)
}

func TestPendingThenResults(t *testing.T) {
	m := newModel(t, "immutableid-mismatch", "alice@contoso.com")
	if v := m.View(); !strings.Contains(v, "35 running") || strings.Contains(v, "FAIL") {
		t.Fatalf("before results:\n%s", v)
	}
	if m.keys.Fix.Enabled() {
		t.Fatal("fix key enabled before any result")
	}
	m = drive(t, m, m.Init())
	v := m.View()
	for _, want := range []string{"✗ FAIL  identity.immutableid-match", "✓ PASS  identity.okta-user", "BNt9M4fu8Ek8RSuc9LAS2g==", "suKEY0sY9cuOzPEMp6ZWPA==", "press f", "f preview fix"} {
		if !strings.Contains(v, want) {
			t.Errorf("view lacks %q:\n%s", want, v)
		}
	}
	if m.items[m.cursor].check.ID != "identity.immutableid-match" {
		t.Errorf("cursor on %s, want the failing check", m.items[m.cursor].check.ID)
	}
}

func TestFixApplyAndUndoByKeys(t *testing.T) {
	m := newModel(t, "immutableid-mismatch", "alice@contoso.com")
	m = drive(t, m, m.Init())

	m = press(t, m, "f")
	v := m.View()
	if m.state != statePreview || !strings.Contains(v, "Fix plan") || !strings.Contains(v, "BNt9M4fu8Ek8RSuc9LAS2g== → suKEY0sY9cuOzPEMp6ZWPA==") || !strings.Contains(v, "y apply fix") {
		t.Fatalf("preview:\n%s", v)
	}
	// f stays: it shows the check's other plan (Entra's side).
	if m.keys.Up.Enabled() || !m.keys.Fix.Enabled() || m.keys.Fix.Help().Desc != "next plan" {
		t.Fatal("browse keys enabled in the preview, or no next plan")
	}

	m = press(t, m, "⎋")
	if m.state != stateBrowse || !strings.Contains(m.View(), "nothing was changed") {
		t.Fatalf("cancel:\n%s", m.View())
	}

	m = press(t, m, "fy")
	v = m.View()
	// The immutableID check passes; the sign-in log still holds the
	// AADSTS51004 failures from before the fix (until the next sign-in).
	if !strings.Contains(v, "Applied:") || !strings.Contains(v, "35 checks: 1 fail, 34 pass") || !strings.Contains(v, "u undo last fix") {
		t.Fatalf("after apply:\n%s", v)
	}
	if m.items[imm(m)].result.Status != checks.StatusPass {
		t.Fatalf("check not re-run: %+v", m.items[imm(m)].result)
	}

	m = press(t, m, "u")
	v = m.View()
	if !strings.Contains(v, "Undone:") || !strings.Contains(v, "2 fail") || m.keys.Undo.Enabled() {
		t.Fatalf("after undo:\n%s", v)
	}
}

func TestNavigationAndHelp(t *testing.T) {
	m := newModel(t, "healthy", "alice@contoso.com")
	m = drive(t, m, m.Init())
	if m.cursor != 0 || m.keys.Fix.Enabled() {
		t.Fatalf("healthy: cursor %d, fix enabled %v", m.cursor, m.keys.Fix.Enabled())
	}
	m = press(t, m, strings.Repeat("j", len(m.items)+3)+"k") // past the end, then back one
	if m.cursor != len(m.items)-2 {
		t.Fatalf("cursor = %d, want %d", m.cursor, len(m.items)-2)
	}
	if strings.Contains(m.View(), "preview fix") {
		t.Fatal("help offers a fix on a passing check")
	}
	m = press(t, m, "?")
	if !strings.Contains(m.View(), "re-run checks") {
		t.Fatalf("full help:\n%s", m.View())
	}
	next, cmd := m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("q")})
	if cmd == nil || cmd() != tea.Quit() {
		t.Fatal("q does not quit")
	}
	if rs := next.(Model).Results(); len(rs) != 35 || rs[0].Status != checks.StatusPass {
		t.Fatalf("results = %+v", rs)
	}
}

func TestTypedAheadKeysAreHandledOneByOne(t *testing.T) {
	m := newModel(t, "healthy", "alice@contoso.com")
	m = drive(t, m, m.Init())
	next, _ := m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("jj")})
	if next.(Model).cursor != 2 {
		t.Fatalf("cursor = %d after \"jj\"", next.(Model).cursor)
	}
}

func TestTypedAheadFixIsNotAppliedUnseen(t *testing.T) {
	m := newModel(t, "immutableid-mismatch", "alice@contoso.com")
	m = drive(t, m, m.Init())
	next, cmd := m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("fy")})
	m = drive(t, next.(Model), cmd)
	if m.state != statePreview || m.items[imm(m)].result.Status != checks.StatusFail {
		t.Fatalf("\"fy\" in one read: state %d, status %s; the plan must be shown first", m.state, m.items[imm(m)].result.Status)
	}
}

func TestResultOfAnOlderRunIsDropped(t *testing.T) {
	m := newModel(t, "immutableid-mismatch", "alice@contoso.com")
	m = drive(t, m, m.Init())
	stale := resultMsg{index: imm(m), run: m.items[imm(m)].run, result: checks.Result{CheckID: "identity.immutableid-match", Status: checks.StatusPass}}
	m.rerun(imm(m)) // a newer run is under way
	next, _ := m.Update(stale)
	if got := next.(Model).items[imm(m)]; !got.pending || got.result.Status == checks.StatusPass {
		t.Fatalf("an older run's result replaced the pending one: %+v", got)
	}
}

// An Okta admin controls app labels: none of an OSC, clear-screen or
// colour sequence in one reaches the terminal through the view.
func TestHostileAppLabelDoesNotReachTheTerminal(t *testing.T) {
	l := labtest.StartText(t, "name: hostile\nbase: not-assigned\nsummary: s\nokta:\n  apps:\n    - {key: o365, label: \"Office\\e]0;PWNED-TITLE\\a\\e[2J\\e[31mRED\\u009b2J\"}\n")
	src, _ := labtest.Sources(t, l.Settings())
	m := New(context.Background(), Options{Subject: checks.UserSubject("frank@contoso.com"), Checks: []*checks.Check{checks.O365Assignment}, Sources: src})
	m = drive(t, m, m.Init())
	v := m.View()
	if !strings.Contains(v, "OfficeRED") {
		t.Fatalf("the label is not shown:\n%s", v)
	}
	for _, bad := range []string{"\x1b]0;", "\x1b[2J", "\a", "\u009b", "PWNED-TITLE\a"} {
		if strings.Contains(v, bad) {
			t.Errorf("view holds %q", bad)
		}
	}
}

// Under a login-loop check the details pane shows the user's Okta and
// Entra events merged in time order.
func TestDetailsShowTheMergedTimeline(t *testing.T) {
	m := newModel(t, "login-loop-password-reset", "alice@contoso.com")
	m = drive(t, m, m.Init())
	m.cursor = -1
	for i, it := range m.items {
		if it.check.ID == "loginloop.okta-sso-burst" {
			m.cursor = i
		}
	}
	if m.cursor < 0 {
		t.Fatal("no loginloop.okta-sso-burst in the run")
	}
	v := m.View()
	_, tl, ok := strings.Cut(v, "Timeline (Okta and Entra, oldest first)")
	if !ok || !strings.Contains(tl, "okta ") || !strings.Contains(tl, "entra ") || !strings.Contains(tl, "user.authentication.sso") {
		t.Fatalf("no merged timeline:\n%s", v)
	}
	// Not under other areas.
	m.cursor = 0
	if strings.Contains(m.View(), "Timeline (Okta and Entra") {
		t.Fatalf("timeline under %s", m.items[0].check.ID)
	}
}

// A result with several plans: f in the preview shows the next one.
func TestFixPreviewCyclesThroughPlans(t *testing.T) {
	m := newModel(t, "immutableid-mismatch", "alice@contoso.com")
	m = drive(t, m, m.Init())
	m.cursor = -1
	for i, it := range m.items {
		if it.check.ID == "identity.immutableid-match" {
			m.cursor = i
		}
	}
	m.syncKeys()
	m = press(t, m, "f")
	if v := m.View(); !strings.Contains(v, "plan 1 of 2") || m.plan.ID != "okta.set-app-user-immutableid" {
		t.Fatalf("first plan %s:\n%s", m.plan.ID, v)
	}
	m = press(t, m, "f")
	if v := m.View(); !strings.Contains(v, "plan 2 of 2") || m.plan.ID != "graph.set-onpremises-immutableid" {
		t.Fatalf("second plan %s:\n%s", m.plan.ID, v)
	}
	m = press(t, m, "f")
	if m.plan.ID != "okta.set-app-user-immutableid" {
		t.Fatalf("back to the first: %s", m.plan.ID)
	}
	m = press(t, m, "⎋")
	if m.state != stateBrowse {
		t.Fatalf("state %v", m.state)
	}
}
