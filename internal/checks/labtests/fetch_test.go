package labtests

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/o365doctor/o365doctor/internal/checks"
	"github.com/o365doctor/o365doctor/internal/lab"
	"github.com/o365doctor/o365doctor/internal/lab/labtest"
)

// sameRouteTwice are the routes one run may request more than once because
// the requests are about different things: userrealm in its two API
// versions, the OpenID configuration for the token and for the domain, and
// the members of each directory role, the System Log for the user's events
// and for the org's rate-limit events.
var sameRouteTwice = map[string]int{
	"okta GET /api/v1/logs":                                     2,
	"login GET /common/userrealm/{user}":                        2,
	"login GET /{tenant}/v2.0/.well-known/openid-configuration": 2,
	"graph GET /v1.0/directoryRoles/{id}/members":               64,
}

// One `user` run and one `preflight --domain` run fetch each object once,
// whatever the number of checks that read it: facts are shared. On
// healthy, and on the scenarios whose failures make checks read more
// (revoked sessions, zone and device rules, rate limits, a shared anchor).
func TestEachObjectIsFetchedOncePerRun(t *testing.T) {
	for _, scenario := range []string{"healthy", "login-loop-password-reset", "mfa-loop", "okta-rate-limit",
		"registration-campaign", "autopilot-device-trust", "immutableid-duplicate", "staged-rollout"} {
		t.Run(scenario, func(t *testing.T) {
			t.Parallel()
			fetchedOnce(t, labtest.Start(t, scenario))
		})
	}
}

func fetchedOnce(t *testing.T, l *lab.Lab) {
	for _, tc := range []struct {
		name    string
		subject checks.Subject
	}{
		{"user", checks.UserSubject(l.AffectedUser())},
		{"preflight", checks.TenantSubject("contoso.com")},
	} {
		src, _ := labtest.Sources(t, l.Settings())
		list, err := checks.Select(checks.All(), tc.subject.Scopes(), nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if tc.subject.Kind == checks.ScopeUser {
			list = checks.ForUserTicket(list)
		}
		l.ResetRequests()
		rs := checks.Run(context.Background(), list, tc.subject, src, checks.RunOptions{}, nil)
		for _, r := range rs {
			if r.Status == checks.StatusError {
				t.Errorf("%s: %s errored: %s", tc.name, r.CheckID, r.Message)
			}
		}
		seen := map[string]int{}
		for _, req := range l.RequestLog() {
			seen[req.Route]++
		}
		if len(seen) < 8 {
			t.Fatalf("%s: only %d routes requested: %v", tc.name, len(seen), seen)
		}
		for route, n := range seen {
			if n > max(1, sameRouteTwice[route]) {
				t.Errorf("%s: %s requested %d times in one run of %d checks", tc.name, route, n, len(list))
			}
		}
	}
}

// A window longer than Entra keeps sign-ins says which part is Okta's only.
func TestLongWindowSaysEntraKeepsThirtyDays(t *testing.T) {
	l := labtest.Start(t, "healthy")
	src, _ := labtest.Sources(t, l.Settings())
	subject := checks.UserSubject("alice@contoso.com")
	subject.Since = 45 * 24 * time.Hour
	c, _ := checks.Lookup("loginloop.entra-signin-errors")
	for _, r := range checks.Run(context.Background(), []*checks.Check{c}, subject, src, checks.RunOptions{}, nil) {
		if r.Status != checks.StatusPass || !strings.Contains(r.Message, "Entra ID keeps sign-ins for 30 days") {
			t.Errorf("%s: %s %q", r.CheckID, r.Status, r.Message)
		}
	}
	subject.Since = 24 * time.Hour
	for _, r := range checks.Run(context.Background(), []*checks.Check{c}, subject, src, checks.RunOptions{}, nil) {
		if strings.Contains(r.Message, "30 days") {
			t.Errorf("a day's window mentions retention: %q", r.Message)
		}
	}
}
