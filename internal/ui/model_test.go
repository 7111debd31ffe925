package ui

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/bubbles/spinner"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/o365doctor/o365doctor/internal/checks"
	"github.com/o365doctor/o365doctor/internal/fix"
	"github.com/o365doctor/o365doctor/internal/lab"
	"github.com/o365doctor/o365doctor/internal/lab/labtest"
	"github.com/o365doctor/o365doctor/internal/source/graph"
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
		case '⏎':
			k = tea.KeyMsg{Type: tea.KeyEnter}
		case '\t':
			k = tea.KeyMsg{Type: tea.KeyTab}
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
	return newModelOn(t, labtest.Start(t, scenario), upn)
}

func newModelOn(t *testing.T, l *lab.Lab, upn string) Model {
	t.Helper()
	src, oc := labtest.Sources(t, l.Settings())
	gc, err := graph.New(l.Settings())
	if err != nil {
		t.Fatal(err)
	}
	exec := &fix.Executor{Stores: map[string]fix.Store{"okta": fix.OktaStore{API: oc}, "graph": fix.GraphStore{API: gc}},
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
	for _, want := range []string{"✗ FAIL  identity.immutableid-match", "✓ PASS  identity.okta-user", "BNt9M4fu8Ek8RSuc9LAS2g==", "suKEY0sY9cuOzPEMp6ZWPA==", "f previews", "f preview fix", "OKTA", "ENTRA", "≠ differ"} {
		if !strings.Contains(v, want) {
			t.Errorf("view lacks %q:\n%s", want, v)
		}
	}
	if m.selectedItem() < 0 || m.items[m.selectedItem()].check.ID != "identity.immutableid-match" {
		t.Errorf("cursor on row %d, want the failing check", m.cursor)
	}
}

func TestFixApplyAndUndoByKeys(t *testing.T) {
	m := newModel(t, "immutableid-mismatch", "alice@contoso.com")
	m = drive(t, m, m.Init())

	m = press(t, m, "f")
	v := m.View()
	if m.state != statePreview || !strings.Contains(v, "Fix plan") || !strings.Contains(v, "BNt9M4fu8Ek8RSuc9LAS2g== →") || !strings.Contains(v, "suKEY0sY9cuOzPEMp6ZWPA==") || !strings.Contains(v, "y apply fix") {
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
	if !strings.Contains(v, "Applied:") || !strings.Contains(v, "✗ 1 fail  ✓ 34 pass") || !strings.Contains(v, "u undo last fix") {
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
	m = press(t, m, strings.Repeat("j", len(m.rows)+3)+"k") // past the end, then back one
	if m.cursor != len(m.rows)-2 {
		t.Fatalf("cursor = %d, want %d", m.cursor, len(m.rows)-2)
	}
	if strings.Contains(m.View(), "preview fix") {
		t.Fatal("help offers a fix on a passing check")
	}
	m = press(t, m, "?")
	if !strings.Contains(m.View(), "re-run all") {
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
	m.selectItem(itemOf(m, "loginloop.okta-sso-burst"))
	v := strings.Join(m.detailLines(100), "\n")
	_, tl, ok := strings.Cut(v, "Timeline (Okta and Entra, oldest first)")
	if !ok || !strings.Contains(tl, "okta ") || !strings.Contains(tl, "entra ") || !strings.Contains(tl, "user.authentication.sso") {
		t.Fatalf("no merged timeline:\n%s", v)
	}
	// Not under other areas.
	m.selectItem(imm(m))
	if strings.Contains(m.View(), "Timeline (Okta and Entra") {
		t.Fatalf("timeline under %s", m.items[imm(m)].check.ID)
	}
}

// A result with several plans: f in the preview shows the next one.
func TestFixPreviewCyclesThroughPlans(t *testing.T) {
	m := newModel(t, "immutableid-mismatch", "alice@contoso.com")
	m = drive(t, m, m.Init())
	m.selectItem(imm(m))
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

// itemOf is the index of the check in the list.
func itemOf(m Model, id string) int {
	for i, it := range m.items {
		if it.check.ID == id {
			return i
		}
	}
	panic("no " + id)
}

// A plan that cannot be undone is applied only once its subject is typed:
// y asks for it, a wrong value changes nothing, esc cancels, the subject
// applies it.
func TestIrreversiblePlanIsConfirmedByTypingTheSubject(t *testing.T) {
	l := labtest.Start(t, "locked-out")
	upn := l.AffectedUser()
	m := newModelOn(t, l, upn)
	m = drive(t, m, m.Init())
	m.selectItem(itemOf(m, "identity.okta-user"))
	m.moved = true
	m.syncKeys()
	m = press(t, m, "fy")
	v := m.View()
	if m.state != stateInput || !strings.Contains(v, "This cannot be undone. Type "+upn+" to apply it:") {
		t.Fatalf("y on an irreversible plan:\n%s", v)
	}
	m = press(t, m, "bob@contoso.com⏎")
	if m.state != stateInput || !strings.Contains(m.View(), "nothing was changed") || len(labtest.Writes(l)) != 0 {
		t.Fatalf("a wrong subject:\n%s\nwrites %v", m.View(), labtest.Writes(l))
	}
	m = press(t, m, "⎋")
	if m.state != statePreview || len(labtest.Writes(l)) != 0 {
		t.Fatalf("esc: state %v, writes %v", m.state, labtest.Writes(l))
	}
	// y typed with the subject does not apply: y opens the prompt, the
	// rest is typed into it.
	m = press(t, m, "y"+upn+"⏎")
	if !strings.Contains(m.View(), "Applied:") || m.items[itemOf(m, "identity.okta-user")].result.Status != checks.StatusPass {
		t.Fatalf("after typing the subject:\n%s", m.View())
	}
	if w := labtest.Writes(l); len(w) != 1 || !strings.Contains(w[0], "lifecycle") {
		t.Fatalf("writes %v", w)
	}
}

// A plan that needs a value (usageLocation, Okta's profile has none): y
// asks for it, a bad one is refused, a good one lands in the plan, which y
// then applies.
func TestPlanInputIsAskedForInTheView(t *testing.T) {
	l := labtest.StartText(t, "name: t\nbase: usage-location-missing\nokta:\n  users:\n    - login: hank@contoso.com\n      assignments:\n        - {app: o365, syncState: ERROR, profile: {immutableId: Rj8sU1wX4zA7cE0gH3kN6g==, usageLocation: null, licenses: [ENTERPRISEPACK]}}\n")
	m := newModelOn(t, l, l.AffectedUser())
	m = drive(t, m, m.Init())
	m.selectItem(itemOf(m, "license.usage-location"))
	m.moved = true
	m.syncKeys()
	m = press(t, m, "fy")
	if m.state != stateInput || !strings.Contains(m.View(), "This plan needs the user's country") {
		t.Fatalf("y on a plan without its value:\n%s", m.View())
	}
	m = press(t, m, "Germany⏎")
	if m.state != stateInput || !strings.Contains(m.View(), "two-letter country code") {
		t.Fatalf("a bad value:\n%s", m.View())
	}
	for range len("Germany") {
		next, cmd := m.Update(tea.KeyMsg{Type: tea.KeyBackspace})
		m = drive(t, next.(Model), cmd)
	}
	m = press(t, m, "de⏎")
	if m.state != statePreview || !strings.Contains(m.View(), "usageLocation: (empty) → DE") || len(labtest.Writes(l)) != 0 {
		t.Fatalf("after the value:\n%s", m.View())
	}
	m = press(t, m, "y")
	if !strings.Contains(m.View(), "Applied:") || m.items[itemOf(m, "license.usage-location")].result.Status != checks.StatusPass {
		t.Fatalf("after y:\n%s", m.View())
	}
}

// J shows the journal: the fix just applied, newest first; J goes back.
func TestJournalView(t *testing.T) {
	m := newModel(t, "immutableid-mismatch", "alice@contoso.com")
	m = drive(t, m, m.Init())
	m = press(t, m, "J")
	if m.state != stateJournal || !strings.Contains(m.View(), "No fix has been applied") {
		t.Fatalf("empty journal:\n%s", m.View())
	}
	m = press(t, m, "J")
	m = press(t, m, "fy")
	m = press(t, m, "J")
	v := m.View()
	if m.state != stateJournal || !strings.Contains(v, "fix  applied") || !strings.Contains(v, "Set the Okta app user's immutableId") {
		t.Fatalf("journal after a fix:\n%s", v)
	}
	m = press(t, m, "⎋")
	if m.state != stateBrowse {
		t.Fatalf("esc from the journal: state %v", m.state)
	}
}

// ctrl-c while a plan is applied cancels it (the executor then rolls
// back); the view stays until the executor answers.
func TestCtrlCCancelsARunningApply(t *testing.T) {
	m := New(context.Background(), Options{Subject: checks.UserSubject("alice@contoso.com")})
	cancelled := false
	m.state, m.cancelApply = stateApplying, func() { cancelled = true }
	next, _ := m.Update(tea.KeyMsg{Type: tea.KeyCtrlC})
	m = next.(Model)
	if !cancelled || m.state != stateApplying || !strings.Contains(m.View(), "rolls back") {
		t.Fatalf("cancelled %v, state %v:\n%s", cancelled, m.state, m.View())
	}
	// Once the executor has answered (rolled back), o365doctor quits.
	next, cmd := m.Update(appliedMsg{err: errors.New("step 1 not started: context canceled (rolled back)")})
	if m = next.(Model); m.state != stateBrowse || cmd == nil || cmd() != tea.Quit() {
		t.Fatalf("after the executor answered: state %v, no quit:\n%s", m.state, m.View())
	}
}

// Suppressions reach the TUI too: the accepted finding is shown marked,
// and the check's status is the one the report gives.
func TestSuppressedFindingsShownMarked(t *testing.T) {
	l := labtest.Start(t, "immutableid-mismatch")
	m := newModelOn(t, l, "alice@contoso.com")
	m.opts.RunOptions.Suppressions = []checks.Suppression{{Check: "identity.immutableid-match", Object: "alice@contoso.com",
		Reason: "migration wave 2", Expires: time.Now().Add(48 * time.Hour)}}
	m = drive(t, m, m.Init())
	m.selectItem(imm(m))
	r := m.items[imm(m)].result
	if r.Status != checks.StatusPass || r.Suppressed == 0 {
		t.Fatalf("%s: %s, %d suppressed", r.CheckID, r.Status, r.Suppressed)
	}
	if v := m.View(); !strings.Contains(v, "suppressed until") || !strings.Contains(v, "migration wave 2") {
		t.Fatalf("the suppressed finding is not marked:\n%s", v)
	}
}

func splitLines(s string) []string { return strings.Split(s, "\n") }

func contains(s, sub string) bool { return strings.Contains(s, sub) }

// tab cycles the status filter; groups fold with enter; a narrow terminal
// opens the details full screen.
func TestStatusFilterGroupsAndNarrowDetails(t *testing.T) {
	m := newModel(t, "immutableid-mismatch", "alice@contoso.com")
	m = drive(t, m, m.Init())
	all := len(m.rows)
	m = press(t, m, "\t")
	if m.status != filterFailing || len(m.rows) >= all || !strings.Contains(m.View(), "showing: failing") {
		t.Fatalf("tab: %v, %d rows of %d", m.status, len(m.rows), all)
	}
	for _, r := range m.rows {
		if r.kind == rowCheck && m.items[r.item].result.Status != checks.StatusFail && m.items[r.item].result.Status != checks.StatusError {
			t.Fatalf("failing filter shows %s", m.items[r.item].check.ID)
		}
	}
	m = press(t, m, "\t\t\t") // warnings, skipped, all
	if m.status != filterAll || len(m.rows) != all {
		t.Fatalf("tab back to all: %v, %d rows", m.status, len(m.rows))
	}
	// Fold the first group.
	m = press(t, m, "g⏎")
	if len(m.rows) >= all || !strings.Contains(m.View(), "▸") {
		t.Fatalf("enter on a group does not fold it: %d rows", len(m.rows))
	}
	m = press(t, m, "⏎")
	if len(m.rows) != all {
		t.Fatalf("enter again opens it: %d rows", len(m.rows))
	}
	// 80 columns: the list alone; enter on the failing check opens its
	// details full screen, esc comes back.
	next, _ := m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	m = next.(Model)
	m.selectItem(imm(m))
	if strings.Contains(m.View(), "OKTA") {
		t.Fatalf("80 columns show the details beside the list:\n%s", m.View())
	}
	m = press(t, m, "⏎")
	v := m.View()
	if m.state != stateDetail || !strings.Contains(v, "BNt9M4fu8Ek8RSuc9LAS2g==") || len(splitLines(v)) != 24 {
		t.Fatalf("enter at 80 columns: state %v:\n%s", m.state, v)
	}
	m = press(t, m, "⎋")
	if m.state != stateBrowse {
		t.Fatalf("esc: state %v", m.state)
	}
	// Every line fits the terminal.
	for _, line := range splitLines(m.View()) {
		if w := lipglossWidth(line); w > 80 {
			t.Fatalf("a line of %d cells at 80 columns: %q", w, line)
		}
	}
}

func TestExportAndCopy(t *testing.T) {
	m := newModel(t, "immutableid-mismatch", "alice@contoso.com")
	m = drive(t, m, m.Init())
	m.exportDir = t.TempDir()
	m = press(t, m, "e")
	if m.state != stateExport || !strings.Contains(m.View(), "j JSON, m markdown") {
		t.Fatalf("e: %v\n%s", m.state, m.View())
	}
	m = press(t, m, "j")
	if !strings.Contains(m.flash, "Exported to "+m.exportDir) || !strings.HasSuffix(m.flash, ".json") {
		t.Fatalf("export: %q", m.flash)
	}
	var sent []byte
	m.writeOut = func(b []byte) error { sent = append(sent, b...); return nil }
	m = press(t, m, "c")
	if !strings.HasPrefix(string(sent), "\x1b]52;c;") || !strings.Contains(m.flash, "Copied the ticket summary") {
		t.Fatalf("copy: %q, sent %.40q", m.flash, sent)
	}
}

func lipglossWidth(s string) int { return lipgloss.Width(s) }

// A tenant-wide listing's news is a progress bar with its ETA while the
// check runs; an error result is a banner naming the next step.
func TestProgressBarAndErrorBanner(t *testing.T) {
	c, _ := checks.Lookup("identity.entra-without-okta")
	o, _ := checks.Lookup("identity.okta-user")
	m := New(context.Background(), Options{Subject: checks.TenantSubject("contoso.com"), Checks: []*checks.Check{c, o}})
	next, _ := m.Update(tea.WindowSizeMsg{Width: 120, Height: 30})
	next, _ = next.Update(progressMsg{What: "Okta app users", Done: 2500, Total: 10000, ETA: 90 * time.Second})
	v := next.View()
	if !strings.Contains(v, "Okta app users 2500 of 10000, about 1m30s left") || !strings.Contains(v, "█") {
		t.Fatalf("no progress bar:\n%s", v)
	}
	next, _ = next.Update(resultMsg{index: 1, result: checks.Result{CheckID: o.ID, Status: checks.StatusError,
		Message: "okta: get user alice: HTTP 401 E0000011 Invalid token provided"}})
	v = next.View()
	if !strings.Contains(v, "1 check could not run") || !strings.Contains(v, "o365doctor auth status") {
		t.Fatalf("no banner:\n%s", v)
	}
	next, _ = next.Update(resultMsg{index: 0, result: checks.Result{CheckID: c.ID, Status: checks.StatusPass}})
	if v = next.View(); strings.Contains(v, "2500 of 10000") {
		t.Fatalf("the bar stays after the run:\n%s", v)
	}
}

// A fix re-runs every check that reads a fact the fixed check read, not
// only the fixed one.
func TestFixRerunsTheChecksThatReadWhatItChanged(t *testing.T) {
	m := newModel(t, "immutableid-mismatch", "alice@contoso.com")
	m = drive(t, m, m.Init())
	readers := m.readersOf(imm(m))
	if len(readers) < 3 || readers[0] == readers[1] {
		t.Fatalf("readers of immutableid-match: %v", readers)
	}
	m = press(t, m, "fy")
	if !strings.Contains(m.flash, fmt.Sprintf("Re-running %d checks", len(readers))) {
		t.Fatalf("flash: %q", m.flash)
	}
}

// The reviewer's findings on issue 19, each held.
func TestReview19Keys(t *testing.T) {
	m := newModel(t, "immutableid-mismatch", "alice@contoso.com")
	m = drive(t, m, m.Init())
	// Behind the help nothing acts: ? f y applies nothing.
	m = press(t, m, "?")
	m = press(t, m, "f")
	m = press(t, m, "y")
	if m.state != stateBrowse || m.items[imm(m)].result.Status != checks.StatusFail || m.lastFix != "" {
		t.Fatalf("a key acted behind the help: state %v, lastFix %q", m.state, m.lastFix)
	}
	if got := len(splitLines(m.View())); got != 40 {
		t.Fatalf("the help view has %d lines at height 40", got)
	}
	m = press(t, m, "⎋")
	if m.showHelp {
		t.Fatal("esc does not close the help")
	}
	// A space in the filter is one space; "/immutable" in one read is
	// the filter.
	next, cmd := m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("/immutable")})
	m = drive(t, next.(Model), cmd)
	next, _ = m.Update(tea.KeyMsg{Type: tea.KeySpace, Runes: []rune(" ")})
	m = next.(Model)
	if m.state != stateFilter || m.filter != "immutable " {
		t.Fatalf("filter %q (state %v)", m.filter, m.state)
	}
	m = press(t, m, "⎋")
	// G in the full-screen details scrolls them; the check stays.
	next, _ = m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	m = next.(Model)
	m.selectItem(imm(m))
	m = press(t, m, "⏎G")
	if m.state != stateDetail || m.selectedItem() != imm(m) {
		t.Fatalf("G in the details moved to %d (state %v)", m.selectedItem(), m.state)
	}
	// The filter finds a user by an evidence value (Entra's immutableID).
	m = press(t, m, "⎋/sukey0sy9cuozpemp6zwpa⏎")
	if m.selectedItem() < 0 || len(m.rows) == 0 {
		t.Fatalf("the immutableID finds nothing: %d rows", len(m.rows))
	}
}

// ctrl-c during an undo cancels it and quits once it is rolled back.
func TestCtrlCCancelsARunningUndo(t *testing.T) {
	m := newModel(t, "immutableid-mismatch", "alice@contoso.com")
	m = drive(t, m, m.Init())
	m = press(t, m, "fy")
	next, cmd := m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("u")})
	m = next.(Model)
	if m.state != stateApplying || m.cancelApply == nil || cmd == nil {
		t.Fatalf("u: state %v, cancellable %v", m.state, m.cancelApply != nil)
	}
	next, _ = m.Update(tea.KeyMsg{Type: tea.KeyCtrlC})
	m = next.(Model)
	if !m.quitAfterCancel {
		t.Fatal("ctrl-c during an undo is ignored")
	}
	next, q := m.Update(cmd())
	if q == nil || q() != tea.Quit() || next.(Model).afterQuit == "" {
		t.Fatalf("after the undo answered: quit %v, note %q", q != nil, next.(Model).afterQuit)
	}
}

// A comparison value longer than the pane stays inside it, whole.
func TestLongComparisonValueWraps(t *testing.T) {
	m := New(context.Background(), Options{Subject: checks.UserSubject("a@contoso.com")})
	long := strings.Repeat("abcdefghij", 30)
	e := reportEvidenceComparison(long)
	lines := m.evidenceLines(e, 60)
	joined := ""
	for _, l := range lines {
		if lipglossWidth(l) > 60 {
			t.Fatalf("a line of %d cells in a 60-cell pane: %q", lipglossWidth(l), l)
		}
		joined += strings.TrimSpace(l)
	}
	if !strings.Contains(joined, long) {
		t.Fatal("the value is not shown whole")
	}
}

// r re-runs the selected check, R every check; PgDn/PgUp move a page.
func TestRerunKeysAndPaging(t *testing.T) {
	m := newModel(t, "immutableid-mismatch", "alice@contoso.com")
	m = drive(t, m, m.Init())
	i := imm(m)
	m.selectItem(i)
	runs := m.items[i].run
	next, cmd := m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("r")})
	if m2 := next.(Model); !m2.items[i].pending || m2.items[i].run != runs+1 || cmd == nil || m2.items[itemOf(m2, "identity.okta-user")].pending {
		t.Fatalf("r: pending %v, run %d", m2.items[i].pending, m2.items[i].run)
	}
	m = drive(t, next.(Model), cmd)
	if m.items[i].pending || m.items[i].result.Status != checks.StatusFail {
		t.Fatalf("after r: %+v", m.items[i].result.Status)
	}
	next, cmd = m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("R")})
	for _, it := range next.(Model).items {
		if !it.pending {
			t.Fatalf("R left %s", it.check.ID)
		}
	}
	m = drive(t, next.(Model), cmd)
	next, _ = m.Update(tea.WindowSizeMsg{Width: 140, Height: 20})
	m = next.(Model)
	m = press(t, m, "g")
	next, _ = m.Update(tea.KeyMsg{Type: tea.KeyPgDown})
	m = next.(Model)
	if h := m.listHeight(); m.cursor != h {
		t.Fatalf("PgDn: cursor %d, page %d", m.cursor, h)
	}
	next, _ = m.Update(tea.KeyMsg{Type: tea.KeyPgUp})
	if next.(Model).cursor != 0 {
		t.Fatalf("PgUp: cursor %d", next.(Model).cursor)
	}
}

// A device code's instructions, sent while the sign-ins run behind the
// view, are shown on its message line (not printed under the screen), and
// stay when the checks start.
func TestNoticeShownWhilePreparing(t *testing.T) {
	ch := make(chan string, 1)
	ch <- "To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code ABCDEFGHJ to authenticate."
	close(ch)
	prepared := false
	o, _ := checks.Lookup("identity.okta-user")
	m := New(context.Background(), Options{Subject: checks.UserSubject("alice@contoso.com"), Checks: []*checks.Check{o},
		Prepare: func(context.Context) { prepared = true }, Notices: ch})
	next, _ := m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	m = drive(t, next.(Model), next.(Model).Init())
	v := m.View()
	if !prepared || !strings.Contains(v, "enter the code ABCDEFGHJ") || !strings.Contains(v, "microsoft.com/devicelogin") {
		t.Fatalf("prepared %v, view:\n%s", prepared, v)
	}
}
