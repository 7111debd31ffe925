package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/o365doctor/o365doctor/internal/lab"
	"github.com/o365doctor/o365doctor/internal/lab/labtest"
)

// Suppressions in the config file: the accepted findings are listed as
// suppressed in JSON, text, markdown, JUnit and CSV, never dropped, and no
// longer count toward the status or the exit code; an expired one is a
// finding again, saying so.
func TestSuppressions(t *testing.T) {
	t.Parallel()
	l := labtest.StartWith(t, "bulk", lab.Options{Users: 300})
	env := labEnv(t, l)
	args := []string{"preflight", "--domain", "contoso.com", "--only", "identity.entra-without-okta"}
	out, _, code := run(t, env, append(args, "--json")...)
	if code != 1 {
		t.Fatalf("exit %d without suppressions", code)
	}
	var users []string
	for _, f := range result(t, decode(t, out), "identity.entra-without-okta").Findings {
		if f.Status == "fail" {
			users = append(users, f.Object.Name)
		}
	}
	if len(users) < 3 {
		t.Fatalf("%d users without an app user", len(users))
	}

	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.yaml")
	write := func(body string) {
		if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// Two accepted, one whose suppression has expired: still failing.
	write("suppressions:\n" +
		"  - check: identity.entra-without-okta\n    object: " + users[0] + "\n    reason: service account\n    expires: 2099-12-31\n" +
		"  - check: identity.entra-without-okta\n    object: " + strings.ToUpper(users[1]) + "\n    reason: shared mailbox\n    expires: 2099-12-31\n" +
		"  - check: identity.entra-without-okta\n    object: " + users[2] + "\n    reason: leaver\n    expires: 2020-01-01\n")
	out, _, code = run(t, env, append(args, "--json", "--config", cfg)...)
	r := result(t, decode(t, out), "identity.entra-without-okta")
	if code != 1 || r.Status != "fail" || r.Suppressed != 2 || !strings.Contains(r.Message, "(2 finding(s) suppressed)") {
		t.Fatalf("exit %d, %s, %d suppressed: %s", code, r.Status, r.Suppressed, r.Message)
	}
	seen := map[string]string{}
	for _, f := range r.Findings {
		if f.Suppressed != nil {
			seen[f.Object.Name] = f.Suppressed.Reason + " " + f.Suppressed.Expires
		}
		if f.Object.Name == users[2] && (f.Suppressed != nil || !strings.Contains(f.Message, "expired on 2020-01-01")) {
			t.Fatalf("expired suppression: %+v", f)
		}
	}
	if seen[users[0]] != "service account 2099-12-31" || seen[users[1]] != "shared mailbox 2099-12-31" || len(seen) != 2 {
		t.Fatalf("suppressed: %v", seen)
	}
	text, _, _ := run(t, env, append(args, "--format", "text", "--config", cfg)...)
	if !strings.Contains(text, "suppressed until 2099-12-31 (service account)") {
		t.Fatalf("text does not list the suppressed finding:\n%s", text)
	}
	md, _, _ := run(t, env, append(args, "--format", "markdown", "--config", cfg)...)
	if !strings.Contains(md, "suppressed until 2099-12-31 (shared mailbox)") {
		t.Fatalf("markdown does not list the suppressed finding:\n%s", md)
	}
	csvPath := filepath.Join(dir, "out.csv")
	junit, _, _ := run(t, env, append(args, "--format", "junit", "--config", cfg, "--csv", csvPath)...)
	validJUnit(t, junit)
	if b, _ := os.ReadFile(csvPath); !strings.Contains(string(b), "until 2099-12-31: shared mailbox") {
		t.Fatalf("csv does not mark the suppression:\n%s", b)
	}

	// The whole check accepted: it passes, exit 0, the findings still listed.
	write("suppressions:\n  - check: identity.entra-without-okta\n    reason: migration wave 2\n    expires: 2099-01-01\n")
	out, _, code = run(t, env, append(args, "--json", "--config", cfg)...)
	r = result(t, decode(t, out), "identity.entra-without-okta")
	if code != 0 || r.Status != "pass" || r.Suppressed != len(users) {
		t.Fatalf("whole check: exit %d, %s, %d of %d suppressed", code, r.Status, r.Suppressed, len(users))
	}

	// Bad config: one line, what and where, exit 2.
	for body, want := range map[string]string{
		"suppressions:\n  - check: identity.entra-without-okta\n    reason: x\n    expires: 2099-01-01\n    until: 2\n": "config.yaml:5: unknown key \"until\"",
		"suppresions: []\n": "config.yaml:1: unknown key \"suppresions\"",
		"suppressions:\n  - check: identity.nope\n    reason: x\n    expires: 2099-01-01\n":         "config.yaml:2: suppression of \"identity.nope\": no such check",
		"suppressions:\n  - check: identity.entra-without-okta\n    expires: 2099-01-01\n":          "give the reason",
		"suppressions:\n  - check: identity.entra-without-okta\n    reason: x\n    expires: soon\n": "expires \"soon\": give a date, YYYY-MM-DD",
		"suppressions: [\n": "not YAML",
	} {
		write(body)
		_, errOut, code := run(t, env, append(args, "--json", "--config", cfg)...)
		if code != 2 || !strings.Contains(errOut, want) || strings.Count(strings.TrimSpace(errOut), "\n") > 0 {
			t.Errorf("config %q: exit %d, %q; want %q", body, code, errOut, want)
		}
	}
	if _, errOut, code := run(t, env, append(args, "--config", filepath.Join(dir, "missing.yaml"))...); code != 2 || !strings.Contains(errOut, "missing.yaml") {
		t.Errorf("a missing --config: exit %d, %q", code, errOut)
	}
}
