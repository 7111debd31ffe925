package cli_test

import (
	"strings"
	"testing"

	"github.com/o365doctor/o365doctor/internal/lab/labtest"
)

// fix federation.rollover on cert-expiring: without --yes it shows the
// first plan and changes nothing; the key generation cannot be undone and
// needs the domain typed; with it the assistant generates the key, rolls
// it (stage, activate, promote) and the checks pass.
func TestRolloverAssistant(t *testing.T) {
	t.Parallel()
	l := labtest.Start(t, "cert-expiring")
	env := labEnv(t, l)
	out := mustRun(t, env, 0, "fix", "federation.rollover", "--domain", "contoso.com")
	if !strings.Contains(out, "Plan okta.generate-signing-key") || !strings.Contains(out, "--confirm contoso.com") || !strings.Contains(out, "Then: stage the new key") {
		t.Fatalf("preview: %s", out)
	}
	if _, _, code := run(t, env, "fix", "federation.rollover", "--domain", "contoso.com", "--yes"); code != 2 {
		t.Fatalf("without --confirm: exit %d", code)
	}
	if w := labtest.Writes(l); len(w) != 0 {
		t.Fatalf("writes before the confirmation: %v", w)
	}
	if _, _, code := run(t, env, "fix", "federation.rollover", "--user", "alice@contoso.com"); code != 2 {
		t.Fatalf("--user: exit %d", code)
	}
	out = mustRun(t, env, 0, "fix", "federation.rollover", "--domain", "contoso.com", "--yes", "--confirm", "contoso.com")
	for _, want := range []string{"Generated Okta's new key", "Plan federation.rollover", "nextSigningCertificate: (empty) → certificate SHA-1", "Rolled (journal entries", "is now PASS"} {
		if !strings.Contains(out, want) {
			t.Fatalf("want %q in:\n%s", want, out)
		}
	}
	got := strings.Join(labtest.Writes(l), "\n")
	for _, want := range []string{"POST /api/v1/apps/{appId}/credentials/keys/generate", "PUT /api/v1/apps/{appId}", "PATCH /v1.0/domains/{id}/federationConfiguration/{fid}"} {
		if !strings.Contains(got, want) {
			t.Fatalf("writes %s lack %s", got, want)
		}
	}
	r := decode(t, mustRun(t, env, -1, "preflight", "--domain", "contoso.com", "--json", "--only", "federation.signing-keys,federation.cert-expiry"))
	for _, id := range []string{"federation.signing-keys", "federation.cert-expiry"} {
		if s := result(t, r, id).Status; s != "pass" {
			t.Errorf("%s after the rollover: %s", id, s)
		}
	}
	out = mustRun(t, env, 0, "fix", "federation.rollover", "--domain", "contoso.com")
	if !strings.Contains(out, "Nothing to roll") {
		t.Fatalf("a second run: %s", out)
	}
}

// license.usage-location without a country in Okta's profile: the plan
// needs --usage-location; a bad code is a usage error; a good one applies.
func TestUsageLocationFromTheFlag(t *testing.T) {
	t.Parallel()
	l := labtest.StartText(t, "name: t\nbase: usage-location-missing\nokta:\n  users:\n    - login: hank@contoso.com\n      assignments:\n        - {app: o365, syncState: ERROR, profile: {immutableId: Rj8sU1wX4zA7cE0gH3kN6g==, usageLocation: null, licenses: [ENTERPRISEPACK]}}\n")
	env := labEnv(t, l)
	upn := l.AffectedUser()
	out := mustRun(t, env, 0, "fix", "license.usage-location", "--user", upn)
	if !strings.Contains(out, "--usage-location") || !strings.Contains(out, "needs the user's country") {
		t.Fatalf("preview: %s", out)
	}
	if _, errOut, code := run(t, env, "fix", "license.usage-location", "--user", upn, "--yes"); code != 2 || !strings.Contains(errOut, "--usage-location") {
		t.Fatalf("--yes without a value: exit %d %s", code, errOut)
	}
	if _, errOut, code := run(t, env, "fix", "license.usage-location", "--user", upn, "--usage-location", "Germany", "--yes"); code != 2 || !strings.Contains(errOut, "two-letter country code") {
		t.Fatalf("a bad value: exit %d %s", code, errOut)
	}
	if w := labtest.Writes(l); len(w) != 0 {
		t.Fatalf("writes: %v", w)
	}
	out = mustRun(t, env, 0, "fix", "license.usage-location", "--user", upn, "--usage-location", "de", "--yes")
	if !strings.Contains(out, "usageLocation: (empty) → DE") || !strings.Contains(out, "is now PASS") {
		t.Fatalf("apply: %s", out)
	}
}
