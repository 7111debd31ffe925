package ui

import (
	"context"
	"fmt"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/o365doctor/o365doctor/internal/checks"
)

// bigModel is a tenant-wide run whose one check has n findings, expanded:
// n rows under it.
func bigModel(t testing.TB, n int) Model {
	t.Helper()
	c, ok := checks.Lookup("identity.entra-without-okta")
	if !ok {
		t.Fatal("no identity.entra-without-okta")
	}
	other, _ := checks.Lookup("identity.tenant-immutableid")
	findings := make([]checks.Finding, n)
	for i := range findings {
		findings[i] = checks.Finding{Object: checks.Object{Kind: checks.ObjUser, ID: fmt.Sprintf("0000%06d-aaaa-bbbb-cccc-dddddddddddd", i), Name: fmt.Sprintf("user%06d@contoso.com", i)},
			Status: checks.StatusFail, Message: "has no Office 365 app user in Okta: locked out at the switch"}
	}
	m := New(context.Background(), Options{Subject: checks.TenantSubject("contoso.com"), Checks: []*checks.Check{c, other}})
	next, _ := m.Update(tea.WindowSizeMsg{Width: 160, Height: 48})
	next, _ = next.Update(resultMsg{index: 0, result: checks.Result{CheckID: c.ID, Status: checks.StatusFail, Findings: findings,
		Message: fmt.Sprintf("%d Entra users have no Okta app user", n)}})
	next, _ = next.Update(resultMsg{index: 1, result: checks.Result{CheckID: other.ID, Status: checks.StatusPass, Message: "ok"}})
	m = next.(Model)
	m.selectItem(0)
	m.expand()
	if len(m.rows) < n {
		t.Fatalf("%d rows for %d findings", len(m.rows), n)
	}
	return m
}

// The view renders only what is visible: its cost does not grow with the
// 100 000 rows.
func BenchmarkView100k(b *testing.B) {
	m := bigModel(b, 100_000)
	m.move(50_000)
	m.scrollToCursor()
	b.ResetTimer()
	for b.Loop() {
		_ = m.View()
	}
}

// One keystroke in the filter (a character, then backspace: two per op)
// filters 100 000 findings and renders the view.
func BenchmarkFilterKeystroke100k(b *testing.B) { benchFilter(b, "user0999", '9') }

// The worst keystroke: a filter every one of the 100 000 findings matches.
func BenchmarkFilterKeystrokeAllMatch100k(b *testing.B) { benchFilter(b, "contoso", '.') }

// benchFilter types typed into the filter, then times r and a backspace,
// each with its View.
func benchFilter(b *testing.B, typed string, r rune) {
	m := bigModel(b, 100_000)
	next, _ := m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("/")})
	for _, c := range typed {
		next, _ = next.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{c}})
	}
	m = next.(Model)
	b.ResetTimer()
	for b.Loop() {
		n, _ := m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
		_ = n.View()
		n, _ = n.Update(tea.KeyMsg{Type: tea.KeyBackspace})
		_ = n.View()
		m = n.(Model)
	}
}

func TestBigListRendersOnlyWhatIsVisible(t *testing.T) {
	m := bigModel(t, 100_000)
	v := m.View()
	if got := len(splitLines(v)); got != 48 {
		t.Fatalf("view has %d lines at height 48", got)
	}
	m = press(t, m, "G")
	if v := m.View(); !contains(v, "user099999@contoso.com") {
		t.Fatalf("G does not reach the last finding:\n%s", v)
	}
	m = press(t, m, "/user05000")
	if m.state != stateFilter || len(m.rows) != 1+1+10 { // group, check, user050000..050009
		t.Fatalf("filter: state %v, %d rows", m.state, len(m.rows))
	}
	m = press(t, m, "⏎")
	if m.state != stateBrowse || m.filter != "user05000" {
		t.Fatalf("enter keeps the filter: %v %q", m.state, m.filter)
	}
	m = press(t, m, "⎋")
	if m.filter != "" || len(m.rows) < 100_000 {
		t.Fatalf("esc clears the filter: %q, %d rows", m.filter, len(m.rows))
	}
}
