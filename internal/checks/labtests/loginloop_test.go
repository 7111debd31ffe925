package labtests

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/o365doctor/o365doctor/internal/checks"
	"github.com/o365doctor/o365doctor/internal/lab"
	"github.com/o365doctor/o365doctor/internal/lab/labtest"
	"github.com/o365doctor/o365doctor/internal/report"
	"github.com/o365doctor/o365doctor/internal/report/reporttest"
)

// loginLoopTrips are the loginloop.* checks each scenario makes fail or
// warn for its affected user; every other scenario trips none.
var loginLoopTrips = map[string][]string{
	"login-loop-password-reset":    {"loginloop.entra-signin-errors", "loginloop.okta-sso-burst", "loginloop.sessions-revoked"},
	"login-loop-okta-verify":       {"loginloop.okta-verify"},
	"locked-out":                   {"loginloop.legacy-clients"},
	"immutableid-mismatch":         {"loginloop.entra-signin-errors"},
	"immutableid-blank-entra":      {"loginloop.entra-signin-errors"},
	"cert-mismatch":                {"loginloop.entra-signin-errors"},
	"mfa-double-prompt":            {"loginloop.entra-signin-errors", "loginloop.mfa-loop-predictor"},
	"mfa-loop":                     {"loginloop.mfa-loop-predictor"},
	"auth-strength":                {"loginloop.mfa-loop-predictor"},
	"admin-portal-mfa":             {"loginloop.mfa-loop-predictor"},
	"no-premium":                   {"loginloop.okta-sso-burst"},
	"okta-rate-limit":              {"loginloop.okta-rate-limit", "loginloop.okta-sso-burst"},
	"autopilot-device-trust":       {"loginloop.autopilot-device-trust"},
	"registration-campaign":        {"loginloop.mfa-loop-predictor", "loginloop.registration-campaign"},
	"password-reset-sessions-kept": {"loginloop.sessions-revoked"},
}

func loginLoopResults(t *testing.T, scenario string) (*lab.Lab, map[string]checks.Result, []checks.Result) {
	t.Helper()
	l := labtest.Start(t, scenario)
	src, _ := labtest.Sources(t, l.Settings())
	rs := runUser(src, l.AffectedUser())
	return l, byID(rs), rs
}

func TestLoginLoopChecksTripExactlyWhatEachScenarioSays(t *testing.T) {
	for _, name := range lab.ScenarioNames() {
		if name == "bulk" {
			continue
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			l, _, rs := loginLoopResults(t, name)
			var got []string
			for _, r := range rs {
				if r.Area != checks.AreaLoginLoop {
					continue
				}
				if r.Status == checks.StatusFail || r.Status == checks.StatusWarn {
					got = append(got, r.CheckID)
				}
				if r.Status == checks.StatusError {
					t.Errorf("%s = error: %s", r.CheckID, r.Message)
				}
			}
			want := loginLoopTrips[name]
			slices.Sort(got)
			if !slices.Equal(got, want) {
				t.Errorf("loginloop trips = %v, want %v", got, want)
			}
			var declared []string
			for _, id := range l.Scenario.Trips {
				if strings.HasPrefix(id, "loginloop.") {
					declared = append(declared, id)
				}
			}
			slices.Sort(declared)
			if !slices.Equal(declared, want) {
				t.Errorf("the scenario's trips name %v; this test %v", declared, want)
			}
		})
	}
}

func TestNoPremiumSkipsTheSignInChecksOnly(t *testing.T) {
	t.Parallel()
	_, got, rs := loginLoopResults(t, "no-premium")
	for _, id := range []string{"loginloop.entra-signin-errors", "loginloop.sessions-revoked"} {
		r := got[id]
		if r.Status != checks.StatusSkipped || !strings.Contains(r.Message, "Entra ID P1 or P2") ||
			!strings.Contains(r.Message, "Authentication_RequestFromNonPremiumTenantOrB2CTenant") {
			t.Errorf("%s = %s %q; want skipped with the reason", id, r.Status, r.Message)
		}
	}
	for _, r := range rs {
		if r.CheckID == "loginloop.entra-signin-errors" || r.CheckID == "loginloop.sessions-revoked" {
			continue
		}
		if r.Status == checks.StatusSkipped || r.Status == checks.StatusError {
			t.Errorf("%s = %s (%s): every other check must run", r.CheckID, r.Status, r.Message)
		}
	}
	if r := got["loginloop.legacy-clients"]; r.Status != checks.StatusPass || !strings.Contains(r.Message, "Entra's sign-ins not read") {
		t.Errorf("legacy-clients = %s %q; want Okta's side read, Entra's named as not read", r.Status, r.Message)
	}
}

func events(r checks.Result) []checks.Event {
	var out []checks.Event
	for _, f := range r.Findings {
		for _, e := range f.Evidence {
			if ev, ok := e.(checks.Event); ok {
				out = append(out, ev)
			}
		}
	}
	return out
}

func TestLoginLoopEvidenceAndTimeline(t *testing.T) {
	t.Parallel()
	l, got, rs := loginLoopResults(t, "login-loop-password-reset")

	burst := got["loginloop.okta-sso-burst"]
	if !strings.Contains(burst.Message, "30 Okta sign-ons to Office 365 in 29m0s") || !strings.Contains(burst.Message, "loop") {
		t.Errorf("burst message %q", burst.Message)
	}
	evs := events(burst)
	if len(evs) < 20 {
		t.Fatalf("burst evidence: %d events", len(evs))
	}
	for _, e := range evs {
		if e.System != "okta" || e.RequestID == "" || e.Actor != "alice@contoso.com" {
			t.Fatalf("okta event %+v", e)
		}
	}

	signIns := got["loginloop.entra-signin-errors"]
	if len(signIns.Findings) != 1 || !strings.Contains(signIns.Message, "AADSTS50133 SsoArtifactRevoked: 25 failed sign-in(s)") ||
		!strings.Contains(signIns.Message, "next: ") {
		t.Errorf("sign-in errors: %q (%d findings)", signIns.Message, len(signIns.Findings))
	}
	for _, e := range events(signIns) {
		if e.System != "entra" || e.Code != "AADSTS50133" || e.CorrelationID == "" || e.Outcome != "FAILURE" {
			t.Fatalf("entra event %+v", e)
		}
	}

	revoked := got["loginloop.sessions-revoked"]
	if !strings.Contains(revoked.Message, "25 sign-in(s) failed on a revoked session") || !strings.Contains(revoked.Message, "the password change at Okta at ") {
		t.Errorf("sessions-revoked: %q", revoked.Message)
	}
	// The session dates come with the user: one read.
	if n := l.Requests("graph GET /v1.0/users/{id}"); n != 1 {
		t.Errorf("%d user reads; want one, with the session dates", n)
	}
	if n := l.Requests("graph GET /v1.0/auditLogs/signIns"); n != 1 {
		t.Errorf("%d sign-in requests; want one per run", n)
	}
	if n := l.Requests("okta GET /api/v1/logs"); n != 2 {
		t.Errorf("%d System Log requests; want the user's events and the org's rate limits", n)
	}

	rep := report.New(report.Meta{Version: "test", Subject: checks.UserSubject("alice@contoso.com"), Now: time.Now()}, rs)
	if len(rep.Timeline) == 0 {
		t.Fatal("no timeline")
	}
	systems := map[string]int{}
	seen := map[report.Event]bool{}
	for i, te := range rep.Timeline {
		systems[te.System]++
		if i > 0 && te.Time.Before(rep.Timeline[i-1].Time) {
			t.Fatalf("timeline not in time order at %d", i)
		}
		if seen[te.Event] {
			t.Fatalf("event twice on the timeline: %+v", te)
		}
		seen[te.Event] = true
		if !strings.HasPrefix(te.CheckID, "loginloop.") {
			t.Fatalf("timeline event from %s", te.CheckID)
		}
	}
	if systems["okta"] == 0 || systems["entra"] == 0 {
		t.Fatalf("timeline systems %v; want Okta and Entra merged", systems)
	}
	var b bytes.Buffer
	if err := report.WriteJSON(&b, rep); err != nil {
		t.Fatal(err)
	}
	reporttest.Validate(t, b.Bytes())
	if !strings.Contains(b.String(), `"timeline": [`) {
		t.Fatal("JSON has no timeline")
	}
	for _, format := range []string{"text", "markdown"} {
		var out bytes.Buffer
		if err := report.Write(&out, rep, format); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(strings.ToLower(out.String()), "timeline") || !strings.Contains(out.String(), "AADSTS50133") {
			t.Errorf("%s report lacks the timeline", format)
		}
	}
	// Redacted, the timeline masks the user too.
	red := report.New(report.Meta{Version: "test", Subject: checks.UserSubject("alice@contoso.com"), Now: time.Now(), Redact: true}, rs)
	b.Reset()
	if err := report.WriteJSON(&b, red); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "alice@contoso.com") {
		t.Error("redacted report shows the UPN")
	}
}

func TestLoginLoopEvidenceOfTheOtherScenarios(t *testing.T) {
	t.Parallel()
	_, verify, _ := loginLoopResults(t, "login-loop-okta-verify")
	r := verify["loginloop.okta-verify"]
	if r.Status != checks.StatusFail || !strings.Contains(r.Message, "PENDING_ACTIVATION on Alice's new iPhone") ||
		!strings.Contains(r.Message, "pushes go to Alice's old iPhone (ACTIVE)") || !strings.Contains(r.Message, "8 MFA failure(s)") {
		t.Errorf("okta-verify: %s %q", r.Status, r.Message)
	}
	_, locked, _ := loginLoopResults(t, "locked-out")
	r = locked["loginloop.legacy-clients"]
	var msgs []string
	for _, f := range r.Findings {
		msgs = append(msgs, f.Message)
	}
	all := strings.Join(msgs, "\n")
	if !strings.Contains(all, "Okta refused 10 sign-in(s)") || !strings.Contains(all, "Exchange ActiveSync failed 6 time(s)") || !strings.Contains(all, "AADSTS50126") {
		t.Errorf("legacy-clients findings:\n%s", all)
	}
	_, cert, _ := loginLoopResults(t, "cert-mismatch")
	if r := cert["loginloop.entra-signin-errors"]; !strings.Contains(r.Message, "AADSTS5000811") || !strings.Contains(r.Message, "federation.signing-keys") {
		t.Errorf("cert-mismatch sign-ins: %q", r.Message)
	}
	_, mfa, _ := loginLoopResults(t, "mfa-double-prompt")
	if r := mfa["loginloop.entra-signin-errors"]; len(r.Findings) != 2 || !strings.Contains(r.Message, "AADSTS50074") {
		t.Errorf("mfa-double-prompt sign-ins: %d findings, %q", len(r.Findings), r.Message)
	}
}

func TestSinceNarrowsTheWindow(t *testing.T) {
	t.Parallel()
	l := labtest.Start(t, "login-loop-password-reset")
	src, _ := labtest.Sources(t, l.Settings())
	subject := checks.UserSubject("alice@contoso.com")
	subject.Since = 20 * time.Minute
	list := []*checks.Check{checks.OktaSSOBurst, checks.EntraSignInErrors}
	rs := byID(checks.Run(context.Background(), list, subject, src, checks.RunOptions{}, nil))
	// 30 sign-ons a minute apart: 20 minutes hold about 20 of them.
	if r := rs["loginloop.okta-sso-burst"]; r.Status != checks.StatusFail || strings.Contains(r.Message, "30 Okta sign-ons") {
		t.Errorf("burst in 20 minutes: %s %q", r.Status, r.Message)
	}
	if r := rs["loginloop.entra-signin-errors"]; strings.Contains(r.Message, "25 failed") {
		t.Errorf("sign-ins in 20 minutes: %q", r.Message)
	}
}

// An MFA prompt the user answered (the same correlationId then succeeded)
// is not a failure; one left unanswered is, said against the domain's
// federatedIdpMfaBehavior.
func TestMFAPromptsAnsweredAndUnanswered(t *testing.T) {
	t.Parallel()
	l := startScenarioText(t, `name: t
base: healthy
tenant:
  signIns:
    - {user: alice@contoso.com, minutesAgo: 10, count: 2, everyMinutes: 30, errorCode: 50074, failureReason: "Strong Authentication is required.", correlation: flow}
    - {user: alice@contoso.com, minutesAgo: 9, count: 2, everyMinutes: 30, correlation: flow}
`)
	src, _ := labtest.Sources(t, l.Settings())
	r := byID(runUser(src, "alice@contoso.com"))["loginloop.entra-signin-errors"]
	if r.Status != checks.StatusPass || !strings.Contains(r.Message, "2 prompt(s) within a sign-in answered") {
		t.Fatalf("answered prompts: %s %s", r.Status, r.Message)
	}

	_, got, _ := loginLoopResults(t, "mfa-double-prompt")
	r = got["loginloop.entra-signin-errors"]
	text := r.Message + "\n" + evidence(r)
	for _, f := range r.Findings {
		text += "\n" + f.Message
	}
	if r.Status != checks.StatusFail || !strings.Contains(text, "AADSTS50074") ||
		!strings.Contains(text, "federatedIdpMfaBehavior is rejectMfaByFederatedIdp: Entra ignores Okta's MFA and asks its own") ||
		!strings.Contains(text, "federatedIdpMfaBehavior=rejectMfaByFederatedIdp [GET /domains/{id}/federationConfiguration]") {
		t.Fatalf("double prompt: %s\n%s", r.Status, text)
	}
}

// The throttling near alice's failures is named with its bucket and limit;
// another bucket's event is not judged.
func TestOktaRateLimitNamesTheBucket(t *testing.T) {
	t.Parallel()
	l, got, _ := loginLoopResults(t, "okta-rate-limit")
	r := got["loginloop.okta-rate-limit"]
	for _, want := range []string{"Okta throttled Office 365 (system.org.rate_limit.violation on /app/office365/{key}/sso/wsfed/passive, limit 250 per 1 minutes at ",
		"within 10m0s of 3 failed sign-in(s) of alice@contoso.com"} {
		if r.Status != checks.StatusFail || !strings.Contains(r.Message, want) {
			t.Fatalf("%s, want %q: %s", r.Status, want, r.Message)
		}
	}
	if strings.Contains(r.Message, "/api/v1/users") {
		t.Fatalf("another bucket judged: %s", r.Message)
	}
	if n := l.Requests("okta GET /api/v1/logs"); n != 2 {
		t.Fatalf("%d System Log queries; want the user's and the rate limits'", n)
	}
	// Further away than 10 minutes from any failure: a warning.
	far := startScenarioText(t, `name: t
base: healthy
okta:
  logs:
    - {eventType: system.org.rate_limit.violation, minutesAgo: 200, result: DENY, urlPattern: "/app/office365/{key}/sso/wsfed/active", threshold: 1000}
`)
	src, _ := labtest.Sources(t, far.Settings())
	r = byID(runUser(src, "alice@contoso.com"))["loginloop.okta-rate-limit"]
	if r.Status != checks.StatusWarn || !strings.Contains(r.Message, "not within 10m0s of a failure of alice@contoso.com") {
		t.Fatalf("far: %s %s", r.Status, r.Message)
	}
}

// The campaign interrupts only a user who does Entra's MFA and whom it
// targets: a group (nested) counts, an exclusion wins.
func TestRegistrationCampaign(t *testing.T) {
	t.Parallel()
	_, got, _ := loginLoopResults(t, "registration-campaign")
	r := got["loginloop.registration-campaign"]
	if r.Status != checks.StatusWarn || !strings.Contains(r.Message, "asks alice@contoso.com to set up Microsoft Authenticator (snooze 3 day(s)") {
		t.Fatalf("%s %s", r.Status, r.Message)
	}
	for name, c := range map[string]struct {
		yaml, want string
		status     checks.Status
	}{
		"excluded through a nested group": {`
  groups:
    - {name: Federated users, groups: [Sales]}
    - {name: Sales, members: [alice@contoso.com]}
  registrationCampaign: {state: enabled, include: [all_users], exclude: [Federated users]}`, "does not target alice@contoso.com", checks.StatusPass},
		"disabled": {`
  registrationCampaign: {state: disabled}`, "the registration campaign is disabled", checks.StatusPass},
		"Microsoft-managed": {`
  registrationCampaign: {state: default}`, "Microsoft-managed", checks.StatusPass},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			l := startScenarioText(t, "name: t\nbase: registration-campaign\ntenant:"+c.yaml+"\n")
			src, _ := labtest.Sources(t, l.Settings())
			r := byID(runUser(src, "alice@contoso.com"))["loginloop.registration-campaign"]
			if r.Status != c.status || !strings.Contains(r.Message, c.want) {
				t.Fatalf("%s %s", r.Status, r.Message)
			}
		})
	}
	// healthy: Okta's MFA is accepted.
	_, got, _ = loginLoopResults(t, "healthy")
	if r := got["loginloop.registration-campaign"]; r.Status != checks.StatusPass || !strings.Contains(r.Message, "Microsoft-managed") {
		t.Fatalf("healthy: %s %s", r.Status, r.Message)
	}
}

// Two ACTIVE Okta Verify devices are normal; with denied pushes they are
// a warning. A sign-on denial for another app is not Office 365's.
func TestOktaVerifyDevicesAndOtherAppsDenials(t *testing.T) {
	t.Parallel()
	const twoPhones = `name: t
base: healthy
okta:
  users:
    - login: alice@contoso.com
      factors:
        - {type: push, status: ACTIVE, device: Alice's iPhone}
        - {type: push, status: ACTIVE, device: Alice's iPad}
`
	result := func(t *testing.T, yaml, id string) checks.Result {
		l := startScenarioText(t, yaml)
		src, _ := labtest.Sources(t, l.Settings())
		return byID(runUser(src, "alice@contoso.com"))[id]
	}
	if r := result(t, twoPhones, "loginloop.okta-verify"); r.Status != checks.StatusPass || !strings.Contains(r.Message, "2 ACTIVE Okta Verify enrollments") {
		t.Fatalf("two phones: %s %s", r.Status, r.Message)
	}
	denied := twoPhones + `  logs:
    - {eventType: user.mfa.okta_verify.deny_push, user: alice@contoso.com, minutesAgo: 20, count: 2, everyMinutes: 2, result: FAILURE, message: User rejected Okta push verify}
`
	if r := result(t, denied, "loginloop.okta-verify"); r.Status != checks.StatusWarn || !strings.Contains(r.Message, "if one is an old phone, delete that enrollment") {
		t.Fatalf("two phones, denied pushes: %s %s", r.Status, r.Message)
	}
	otherApp := `name: t
base: healthy
okta:
  apps:
    - {key: sf, name: salesforce, label: Salesforce, signOnMode: SAML_2_0}
  logs:
    - {eventType: policy.evaluate_sign_on, user: alice@contoso.com, app: sf, minutesAgo: 30, result: DENY, message: Evaluation of sign-on policy}
`
	if r := result(t, otherApp, "loginloop.okta-sso-burst"); r.Status != checks.StatusPass {
		t.Fatalf("another app's denial: %s %s", r.Status, r.Message)
	}
}

// The concurrency limit names no bucket: near a failure it warns, never fails.
func TestOktaConcurrencyLimitWarns(t *testing.T) {
	t.Parallel()
	l := startScenarioText(t, `name: t
base: healthy
okta:
  logs:
    - {eventType: core.concurrency.org.limit.violation, minutesAgo: 21, result: DENY, message: Too many requests in flight}
    - {eventType: user.authentication.sso, user: alice@contoso.com, app: o365, minutesAgo: 20, result: FAILURE, reason: "Too many requests", message: User single sign on to app}
`)
	src, _ := labtest.Sources(t, l.Settings())
	r := byID(runUser(src, "alice@contoso.com"))["loginloop.okta-rate-limit"]
	if r.Status != checks.StatusWarn || !strings.Contains(r.Message, "the event does not say which") {
		t.Fatalf("%s %s", r.Status, r.Message)
	}
}
