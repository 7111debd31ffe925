package cli_test

import (
	"slices"
	"testing"

	"github.com/o365doctor/o365doctor/internal/checks"
	"github.com/o365doctor/o365doctor/internal/lab"
	"github.com/o365doctor/o365doctor/internal/lab/labtest"
)

// For every scenario, `user AFFECTED --json` fails or warns on exactly the
// scenario's trips that a user run has (its user checks and its domain's
// federation and Okta-app checks), errors on none, and runs them all.
func TestScenarioTripsOfUser(t *testing.T) {
	all, err := checks.Select(checks.All(), checks.UserSubject("a@x.com").Scopes(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	userChecks := checks.ForUserTicket(all)
	for _, name := range lab.ScenarioNames() {
		if name == "bulk" {
			continue // its trips are its population's (preflight), not one user's
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			l := labtest.Start(t, name)
			env := labEnv(t, l)
			upn := l.AffectedUser()
			out, stderr, code := run(t, env, "user", upn, "--json")
			got, byID := tripped(t, out)
			want := expectedTrips(l.Scenario.Trips, userChecks)
			if !slices.Equal(got, want) {
				t.Errorf("user %s tripped %v, want %v (exit %d, %s)\n%v", upn, got, want, code, stderr, byID)
			}
			if len(byID) != len(userChecks) {
				t.Errorf("user ran %d checks, want %d", len(byID), len(userChecks))
			}
			for id, st := range byID {
				if len(st) > 5 && st[:5] == "error" {
					t.Errorf("user: %s %s", id, st)
				}
			}
		})
	}
}
