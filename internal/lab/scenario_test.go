package lab_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/o365doctor/o365doctor/internal/checks"
	"github.com/o365doctor/o365doctor/internal/lab"
	"github.com/o365doctor/o365doctor/internal/lab/labtest"
)

// The scenarios the lab issue asks for, one per failure mode.
var wantScenarios = []string{"healthy", "immutableid-blank-entra", "immutableid-mismatch", "immutableid-duplicate", "not-assigned",
	"staged-user", "locked-out", "license-wipe-risk", "usage-location-missing", "license-count-violation", "group-license-priority",
	"login-loop-password-reset", "login-loop-okta-verify", "mfa-double-prompt", "cert-mismatch", "cert-expiring", "federated-to-adfs",
	"dns-broken", "dns-propagation", "bulk",
	// issue 14: what the federation checks need
	"staged-rollout", "privileged-in-federated", "prefederation-default-domain", "prefederation-digit-domain",
	"okta-custom-domain", "swa-sign-on", "issuer-manual", "issuer-legacy",
	// issue 14: what the DNS checks need
	"dns-spf-too-many-lookups", "dns-dkim-missing", "dns-servfail", "dns-timeout"}

// passingVariants are healthy in another shape: they trip no check, and
// every check must pass on them (an issuer in the manual form).
// okta-custom-domain joins them once federation.realm reads Okta's custom
// domains. The DNS fault scenarios (dns-servfail, dns-timeout) trip
// nothing either, but name the checks that end in error (dns.errors).
var passingVariants = []string{"healthy", "issuer-manual", "okta-custom-domain"}

func TestEveryScenarioLoadsAndNamesWhatItTrips(t *testing.T) {
	names := lab.ScenarioNames()
	for _, want := range wantScenarios {
		if !slices.Contains(names, want) {
			t.Errorf("scenario %s missing", want)
		}
	}
	for _, name := range names {
		sc, err := lab.LoadScenario(name)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if sc.Name != name || sc.Summary == "" {
			t.Errorf("%s: name %q, summary %q", name, sc.Name, sc.Summary)
		}
		if variant := slices.Contains(passingVariants, name); variant != (len(sc.Trips) == 0 && len(sc.DNS.Errors) == 0) {
			t.Errorf("%s trips %v, errs %v; a passing variant: %v", name, sc.Trips, sc.DNS.Errors, variant)
		}
		if len(sc.DNS.Errors) > 0 && len(sc.DNS.Faults) == 0 {
			t.Errorf("%s names checks that end in error (%v) but plays no DNS fault", name, sc.DNS.Errors)
		}
		for _, id := range sc.Trips {
			if !strings.Contains(id, ".") {
				t.Errorf("%s: trip %q is not a check ID", name, id)
			}
		}
	}
}

// TestScenariosTripTheirChecks runs every registered check of a user run
// (user and domain scope) against each scenario's affected user: the checks a scenario names fail or warn, the
// others do not.
func TestScenariosTripTheirChecks(t *testing.T) {
	for _, name := range lab.ScenarioNames() {
		if name == "bulk" {
			continue
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			l := labtest.Start(t, name)
			src, _ := labtest.Sources(t, l.Settings())
			upn := l.AffectedUser()
			subject := checks.UserSubject(upn)
			list, err := checks.Select(checks.All(), subject.Scopes(), nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range checks.Run(context.Background(), list, subject, src, checks.RunOptions{LoadTimeout: 10 * time.Second}, nil) {
				tripped := r.Status == checks.StatusFail || r.Status == checks.StatusWarn
				if errs := r.Status == checks.StatusError; errs != slices.Contains(l.Scenario.DNS.Errors, r.CheckID) {
					t.Errorf("%s: %s = %s (%s); scenario makes it error: %v", upn, r.CheckID, r.Status, r.Message, !errs)
				}
				if want := slices.Contains(l.Scenario.Trips, r.CheckID); want != tripped {
					t.Errorf("%s: %s = %s (%s); scenario trips it: %v", upn, r.CheckID, r.Status, r.Message, want)
				}
			}
		})
	}
}

func TestBaseMergeAndOwnScenarioFiles(t *testing.T) {
	sc, err := lab.ParseScenario([]byte(`
name: mine
base: healthy
summary: carol loses her usage location
trips: [license.usage-location]
affectedUser: carol@contoso.com
tenant:
  users:
    - {upn: carol@contoso.com, usageLocation: ""}
okta:
  logs:
    - {eventType: user.session.start, user: carol@contoso.com, minutesAgo: 5}
`), "mine.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var carol lab.EntraUserSpec
	for _, u := range sc.Tenant.Users {
		if u.UPN == "carol@contoso.com" {
			carol = u
		}
	}
	if carol.UsageLocation != "" || carol.ImmutableID != "gBmgqaYQPQe5ZDT2zF8iqA==" || len(sc.Tenant.Users) != 4 {
		t.Fatalf("merged users = %+v", sc.Tenant.Users)
	}
	if len(sc.Okta.Logs) != 4 || len(sc.Okta.Apps) != 1 || sc.Domain != "contoso.com" {
		t.Fatalf("logs %d (want base 3 + 1), apps %d, domain %q", len(sc.Okta.Logs), len(sc.Okta.Apps), sc.Domain)
	}
	for _, bad := range []struct{ yaml, want string }{
		{"name: x\nbase: healthy\ntenant: {userz: []}", "userz"},
		{"name: x\nbase: nope", "no scenario"},
		{"name: x\nbase: healthy\nokta: {users: [{login: z@contoso.com, assignments: [{app: nope}]}]}", "unknown app key"},
		{"name: x\nbase: healthy\nokta: {users: [{login: z@contoso.com, status: ASLEEP}]}", "not an Okta user status"},
		{"name: x\ntenant: {}", "initialDomain"},
		{"name: x\nbase: healthy\ntenant: {domains: [{name: contoso.com, federation: {federatedIdpMfaBehavior: always}}]}", "federatedIdpMfaBehavior"},
		{"name: x\nbase: healthy\ntenant: {domains: [{name: contoso.com, federation: {issuerForm: https}}]}", "issuerForm"},
		{"name: x\nbase: healthy\ndns: {faults: [{fault: slow}]}", "fault \"slow\""},
		{"name: x\nbase: healthy\ndns: {faults: [{server: ns9.contoso.com, fault: timeout}]}", "ns9.contoso.com"},
		{"name: x\nbase: healthy\ndns: {faults: [{type: BOGUS, fault: timeout}]}", "BOGUS"},
		{"name: x\nbase: healthy\ndns: {errors: [federation.realm]}", "dns.*"},
		{"name: x\nbase: healthy\ndns: {world: [{name: a.example, value: x}]}", "name and type"},
		{"name: x\nbase: healthy\ndns: {servers: {ns9.contoso.com: []}}", "ns9.contoso.com"},
	} {
		_, err := lab.ParseScenario([]byte(bad.yaml), "bad.yaml")
		if err == nil || !strings.Contains(err.Error(), bad.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%q: err = %v, want one line mentioning %q", bad.yaml, err, bad.want)
		}
	}
}

func BenchmarkStartBulk100k(b *testing.B) {
	sc, err := lab.LoadScenario("bulk")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		l, err := lab.Start(lab.Options{Scenario: sc, Users: 100_000})
		if err != nil {
			b.Fatal(err)
		}
		l.Close()
	}
}
