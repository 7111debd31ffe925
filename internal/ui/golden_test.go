package ui

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/o365doctor/o365doctor/internal/checks"
	"github.com/o365doctor/o365doctor/internal/lab"
	"github.com/o365doctor/o365doctor/internal/lab/labtest"
)

var update = flag.Bool("update", false, "rewrite the golden views")

// What differs from one lab to the next: ports, timings, generated IDs.
var unstable = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`127\.0\.0\.1:\d+`), "127.0.0.1:PORT"},
	// A signing key's ID is random base64url: one in ten has no digit,
	// which generated below would leave.
	{regexp.MustCompile(`(signing\.kid )[A-Za-z0-9_-]+`), "${1}«id»"},
	// Keys, key IDs, app IDs and certificate hashes the lab makes at
	// each start (same length each time: the layout does not move).
	{generated, ""},
	{regexp.MustCompile(`\d+ms`), "Nms"},
	{regexp.MustCompile(`\d+(\.\d+)?s\b`), "Ns"},
}

// generated are tokens of 12 or more letters and digits, with both: what
// the lab makes at random.
var generated = regexp.MustCompile(`[A-Za-z0-9_+/=-]{12,}`)

func normalise(s string) string {
	for _, u := range unstable {
		if u.re == generated {
			s = u.re.ReplaceAllStringFunc(s, func(tok string) string {
				if strings.ContainsAny(tok, "0123456789") && strings.IndexFunc(tok, func(r rune) bool { return r >= 'A' && r <= 'z' }) >= 0 && !strings.Contains(tok, "contoso") && !strings.Contains(tok, "o365doctor") {
					return "«id»"
				}
				return tok
			})
			continue
		}
		s = u.re.ReplaceAllString(s, u.with)
	}
	return s
}

// goldenModel runs a scenario's checks for a subject to the end, on a
// pinned clock.
func goldenModel(t *testing.T, l *lab.Lab, subject checks.Subject) Model {
	t.Helper()
	src, _ := labtest.Sources(t, l.Settings())
	list, err := checks.Select(checks.All(), subject.Scopes(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if subject.Kind == checks.ScopeUser {
		list = checks.ForUserTicket(list)
	}
	clock := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	m := New(context.Background(), Options{Subject: subject, Tenant: l.TenantID, OktaOrg: l.OktaURL, Checks: list,
		Sources: src, RunOptions: checks.RunOptions{LoadTimeout: 10 * time.Second, CheckTimeout: time.Minute}, Now: func() time.Time { return clock }})
	return drive(t, m, m.Init())
}

// The view of one failing scenario of each scope, at 80×24 and 160×48.
func TestGoldenViews(t *testing.T) {
	cases := []struct {
		name    string
		lab     func(t *testing.T) *lab.Lab
		subject checks.Subject
	}{
		{"user", func(t *testing.T) *lab.Lab { return labtest.Start(t, "immutableid-mismatch") }, checks.UserSubject("alice@contoso.com")},
		{"domain", func(t *testing.T) *lab.Lab { return labtest.Start(t, "cert-mismatch") }, checks.DomainSubject("contoso.com")},
		{"tenant", func(t *testing.T) *lab.Lab { return labtest.StartWith(t, "bulk", lab.Options{Users: 60}) }, checks.TenantSubject("contoso.com")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := goldenModel(t, tc.lab(t), tc.subject)
			for _, size := range [][2]int{{80, 24}, {160, 48}} {
				next, _ := m.Update(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
				v := normalise(next.(Model).View())
				path := filepath.Join("testdata", "golden", tc.name+"-"+itoa(size[0])+"x"+itoa(size[1])+".txt")
				if *update {
					if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(path, []byte(v), 0o644); err != nil {
						t.Fatal(err)
					}
					continue
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("%v (go test ./internal/ui -run TestGoldenViews -update writes it)", err)
				}
				if v != string(want) {
					t.Errorf("%s differs from the golden view (-update rewrites it):\n--- got\n%s\n--- want\n%s", path, v, want)
				}
				if got := len(splitLines(v)); got != size[1] {
					t.Errorf("%s: %d lines, want %d", path, got, size[1])
				}
				for _, line := range splitLines(v) {
					if lipglossWidth(line) > size[0] {
						t.Errorf("%s: a line wider than %d: %q", path, size[0], line)
					}
				}
			}
		})
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
