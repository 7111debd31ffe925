package cli_test

import (
	"os"
	"strings"
	"testing"

	"github.com/o365doctor/o365doctor/internal/lab/labtest"
)

// R6: the rollover assistant with a domain given in a form the other
// commands accept (trailing dot, an address): the checks run against the
// normalised domain, but the between-steps check uses the raw flag, so
// the first step is made and the rollover is rolled back.
func TestFixReviewRolloverDomainForms(t *testing.T) {
	t.Parallel()
	for _, d := range []string{"contoso.com.", "alice@contoso.com"} {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			l := labtest.Start(t, "cert-expiring")
			env := labEnv(t, l)
			out, errOut, code := run(t, env, "fix", "federation.rollover", "--domain", d, "--yes", "--confirm", "contoso.com")
			if code != 0 {
				t.Errorf("--domain %q: exit %d\n%s%s", d, code, out, errOut)
			}
		})
	}
}

// R7: the rollover plan is offered by federation.cert-expiry itself, and
// `fix federation.cert-expiry --yes` (like the TUI) applies it with no
// check between the steps: realm discovery is never asked while the
// three writes are made.
func TestFixReviewRolloverWithoutTheAssistant(t *testing.T) {
	t.Parallel()
	l := labtest.Start(t, "cert-expiring")
	env := labEnv(t, l)
	mustRun(t, env, 0, "fix", "federation.cert-expiry", "--domain", "contoso.com", "--yes", "--confirm", "contoso.com") // the key
	countRealm := func() int {
		n := 0
		for _, r := range l.RequestLog() {
			if strings.Contains(r.Route, "getuserrealm") {
				n++
			}
		}
		return n
	}
	before := countRealm()
	out := mustRun(t, env, 0, "fix", "federation.cert-expiry", "--domain", "contoso.com", "--yes")
	if !strings.Contains(out, "Plan federation.rollover") {
		t.Fatalf("%s", out)
	}
	if n := countRealm() - before; n < 3 {
		t.Errorf("the rollover was applied through fix federation.cert-expiry with %d realm-discovery checks between its 3 steps:\n%s", n, out)
	}
}

// R8: odd flags for the assistant and the usage-location plan.
func TestFixReviewOddFlags(t *testing.T) {
	t.Parallel()
	l := labtest.Start(t, "cert-expiring")
	env := labEnv(t, l)
	for _, args := range [][]string{
		{"fix", "federation.rollover", "--domain", "contoso.com", "--usage-location", "DE"},
		{"fix", "federation.rollover", "--domain", ""},
		{"fix", "federation.rollover", "--domain", "contoso.com", "--plan", "x"},
		{"fix", "federation.rollover", "--domain", "contoso.com", "extra"},
	} {
		out, errOut, code := run(t, env, args...)
		t.Logf("%q: exit %d\nstdout: %.300s\nstderr: %s", args, code, out, errOut)
		if code != 2 {
			t.Errorf("%q: exit %d, want 2 (usage)", args, code)
		}
	}
}

// R10: --json when the key is generated and the rollover then fails: the
// JSON says applied with the rollover as its plan.
func TestFixReviewRolloverJSONAfterFailure(t *testing.T) {
	t.Parallel()
	l := labtest.Start(t, "cert-expiring")
	env := labEnv(t, l)
	out, errOut, code := run(t, env, "fix", "federation.rollover", "--domain", "contoso.com.", "--yes", "--confirm", "contoso.com", "--json")
	t.Logf("exit %d\n%s%s", code, out, errOut)
	if code != 0 && strings.Contains(out, `"applied": true`) {
		t.Errorf("exit %d but the JSON says applied", code)
	}
}

// R12 (gap check): a fix killed after its call, as the journal shows it:
// `journal` lists it INCOMPLETE and `undo ID` reverses it against the lab.
func TestFixReviewKilledFixThroughTheCLI(t *testing.T) {
	t.Parallel()
	l := labtest.Start(t, "immutableid-mismatch")
	env := labEnv(t, l)
	mustRun(t, env, 0, "fix", "identity.immutableid-match", "--user", "alice@contoso.com", "--yes")
	b, err := os.ReadFile(env["O365DOCTOR_JOURNAL"])
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(b), "\n")
	// entry started, step 1 started: the kill came after the call.
	if err := os.WriteFile(env["O365DOCTOR_JOURNAL"], []byte(lines[0]+lines[1]), 0o600); err != nil {
		t.Fatal(err)
	}
	out := mustRun(t, env, 0, "journal")
	t.Logf("journal:\n%s", out)
	if !strings.Contains(out, "INCOMPLETE") {
		t.Fatalf("journal: %s", out)
	}
	id := strings.Fields(strings.Split(out, "\n")[1])[0]
	out = mustRun(t, env, 0, "undo", id)
	t.Logf("undo:\n%s", out)
	r := decode(t, mustRun(t, env, -1, "user", "alice@contoso.com", "--json", "--only", "identity.immutableid-match"))
	if s := result(t, r, "identity.immutableid-match").Status; s != "fail" {
		t.Errorf("after undo of the killed fix: %s", s)
	}
}

func TestFixReviewUsageLocationValues(t *testing.T) {
	t.Parallel()
	for _, v := range []string{"ZZ", "XX", "", "DEU", "ıt", "UK"} {
		t.Run(v, func(t *testing.T) {
			t.Parallel()
			l := labtest.StartText(t, "name: t\nbase: usage-location-missing\nokta:\n  users:\n    - login: hank@contoso.com\n      assignments:\n        - {app: o365, syncState: ERROR, profile: {immutableId: Rj8sU1wX4zA7cE0gH3kN6g==, usageLocation: null, licenses: [ENTERPRISEPACK]}}\n")
			env := labEnv(t, l)
			out, errOut, code := run(t, env, "fix", "license.usage-location", "--user", l.AffectedUser(), "--usage-location", v, "--yes")
			if code != 2 || strings.Count(strings.TrimSpace(errOut), "\n") > 0 || len(labtest.Writes(l)) != 0 {
				t.Fatalf("%q: exit %d, stderr %q, writes %v\n%s", v, code, errOut, labtest.Writes(l), out)
			}
		})
	}
}
