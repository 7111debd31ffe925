// Package e2e runs the real o365doctor binary in a real terminal (tmux).
package e2e

import (
	// The test builds the binary with `go build`; importing the CLI makes
	// `go test` rebuild (not replay from cache) when the program changes.
	_ "github.com/o365doctor/o365doctor/internal/cli"

	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// terminal is one tmux session on its own server socket.
type terminal struct {
	t      *testing.T
	socket string
	name   string
}

func (tm terminal) tmux(args ...string) string {
	tm.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-L", tm.socket}, args...)...).CombinedOutput()
	if err != nil {
		tm.t.Fatalf("tmux %v: %v\n%s", args, err, out)
	}
	return string(out)
}

func (tm terminal) screen() string { return tm.tmux("capture-pane", "-p", "-t", tm.name) }

// waitFor polls the screen until it shows want (bounded: 30 s).
func (tm terminal) waitFor(want string) string {
	tm.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		s := tm.screen()
		if strings.Contains(s, want) {
			return s
		}
		if time.Now().After(deadline) {
			tm.t.Fatalf("screen never showed %q:\n%s", want, s)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (tm terminal) keys(k ...string) { tm.tmux(append([]string{"send-keys", "-t", tm.name}, k...)...) }

// needTmux skips without tmux, except in CI (O365DOCTOR_REQUIRE_TMUX=1),
// where the only real-terminal tests must not be skipped.
func needTmux(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		if os.Getenv("O365DOCTOR_REQUIRE_TMUX") != "" {
			t.Fatal("tmux is not installed, and O365DOCTOR_REQUIRE_TMUX says this run must not skip the terminal tests")
		}
		t.Skip("tmux not installed")
	}
}

func build(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "o365doctor")
	cmd := exec.Command("go", "build", "-o", bin, "../cmd/o365doctor")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}

// The walk-through at 80×24: results arrive, the cursor is on the
// failing check, f previews its fix, y applies it and the check passes, u
// undoes it and it fails again, / filters, q quits.
func TestDemoFixAndUndoInARealTerminal(t *testing.T) {
	needTmux(t)
	bin := build(t)
	tm := terminal{t: t, socket: fmt.Sprintf("o365doctor-e2e-%d", os.Getpid()), name: "demo"}
	t.Cleanup(func() { exec.Command("tmux", "-L", tm.socket, "kill-server").Run() })
	tm.tmux("new-session", "-d", "-s", tm.name, "-x", "80", "-y", "24",
		"env -u NO_COLOR TERM=xterm-256color "+bin+" demo; echo EXIT=$?; sleep 60")

	s := tm.waitFor("✗ 2 fail  ✓ 33 pass")
	for _, want := range []string{"› ✗ FAIL  identity.immutableid-match", "f preview fix", "▾ Identity"} {
		if !strings.Contains(s, want) {
			t.Fatalf("screen lacks %q:\n%s", want, s)
		}
	}
	for i, line := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		if len([]rune(line)) > 80 || i >= 24 {
			t.Fatalf("line %d does not fit 80×24: %q", i, line)
		}
	}
	// enter opens the details full screen: the two sides' immutableIDs.
	tm.keys("Enter")
	s = tm.waitFor("BNt9M4fu8Ek8RSuc9LAS2g==")
	if !strings.Contains(s, "suKEY0sY9cuOzPEMp6ZWPA==") || !strings.Contains(s, "OKTA") {
		t.Fatalf("details:\n%s", s)
	}
	tm.keys("Escape")
	tm.waitFor("› ✗ FAIL  identity.immutableid-match")
	tm.keys("f")
	tm.waitFor("Fix plan")
	tm.waitFor("y apply")
	tm.keys("y")
	s = tm.waitFor("✗ 1 fail  ✓ 34 pass")
	if !strings.Contains(s, "Applied:") {
		t.Fatalf("no confirmation after apply:\n%s", s)
	}
	tm.keys("u")
	tm.waitFor("Undone:")
	tm.waitFor("✗ 2 fail  ✓ 33 pass")
	tm.keys("/")
	tm.keys("immutableid")
	s = tm.waitFor("filter: immutableid")
	if !strings.Contains(s, "identity.immutableid-match") || strings.Contains(s, "identity.okta-user") {
		t.Fatalf("the filter shows:\n%s", s)
	}
	tm.keys("Enter")
	tm.keys("q")
	tm.waitFor("EXIT=1")
}

// A plan that cannot be undone (unlocking alice in Okta) is applied in a
// real terminal only once alice@contoso.com is typed.
func TestTypedConfirmationInARealTerminal(t *testing.T) {
	needTmux(t)
	bin := build(t)
	tm := terminal{t: t, socket: fmt.Sprintf("o365doctor-e2e-confirm-%d", os.Getpid()), name: "confirm"}
	t.Cleanup(func() { exec.Command("tmux", "-L", tm.socket, "kill-server").Run() })
	tm.tmux("new-session", "-d", "-s", tm.name, "-x", "160", "-y", "45",
		"env -u NO_COLOR TERM=xterm-256color "+bin+" demo --scenario locked-out; echo EXIT=$?; sleep 60")
	tm.waitFor("✓ 33 pass")
	tm.waitFor("› ✗ FAIL  identity.okta-user")
	tm.keys("f")
	tm.waitFor("Unlock the Okta user")
	tm.keys("y")
	tm.waitFor("This cannot be undone. Type alice@contoso.com to apply it:")
	tm.keys("alice@contoso.co", "Enter")
	tm.waitFor("is not alice@contoso.com: nothing was changed")
	tm.keys("C-u")
	tm.keys("alice@contoso.com", "Enter")
	tm.waitFor("Applied:")
	s := tm.waitFor("✗ 1 fail  ✓ 34 pass")
	if !strings.Contains(s, "cannot be undone") || strings.Contains(s, "u undo") {
		t.Fatalf("after the unlock:\n%s", s)
	}
	tm.keys("q")
	tm.waitFor("EXIT=")
}
