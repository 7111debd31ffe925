package labtests

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/o365doctor/o365doctor/internal/checks"
	"github.com/o365doctor/o365doctor/internal/lab"
	"github.com/o365doctor/o365doctor/internal/lab/labtest"
)

// TestLicenseChecksTripExactlyTheScenariosLicenseTrips: for every scenario
// (bulk aside: its affected user is generated), the license.* checks that
// fail or warn for the affected user are exactly the scenario's user-scope
// license.* trips; healthy trips none.
func TestLicenseChecksTripExactlyTheScenariosLicenseTrips(t *testing.T) {
	for _, name := range lab.ScenarioNames() {
		if name == "bulk" {
			continue
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			l := labtest.Start(t, name)
			src, _ := labtest.Sources(t, l.Settings())
			var got, want []string
			for _, r := range runUser(src, l.AffectedUser()) {
				if r.Area != checks.AreaLicense {
					continue
				}
				if r.Status == checks.StatusFail || r.Status == checks.StatusWarn {
					got = append(got, r.CheckID)
				}
				if r.Status == checks.StatusError {
					t.Errorf("%s: %s", r.CheckID, r.Message)
				}
			}
			for _, id := range l.Scenario.Trips {
				// The user's run: the tenant-wide license checks are
				// preflight's.
				if c, ok := checks.Lookup(id); ok && strings.HasPrefix(id, "license.") && c.Scope == checks.ScopeUser {
					want = append(want, id)
				}
			}
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Fatalf("license checks tripped %v, scenario says %v", got, want)
			}
			if name == "healthy" && len(got) != 0 {
				t.Fatalf("healthy trips %v", got)
			}
		})
	}
}

// licenseResult runs a user's checks on a scenario and returns one result,
// with its findings' messages and evidence flattened for matching.
func licenseResult(t *testing.T, scenario, upn, id string) (checks.Result, string) {
	t.Helper()
	l := labtest.Start(t, scenario)
	src, _ := labtest.Sources(t, l.Settings())
	if upn == "" {
		upn = l.AffectedUser()
	}
	r, ok := byID(runUser(src, upn))[id]
	if !ok {
		t.Fatalf("%s did not run", id)
	}
	var b strings.Builder
	b.WriteString(r.Message + "\n")
	for _, f := range r.Findings {
		fmt.Fprintf(&b, "%s | %s | %s\n", f.Status, f.Object.Label(), f.Message)
		for _, e := range f.Evidence {
			switch e := e.(type) {
			case checks.Value:
				fmt.Fprintf(&b, "  %s %s = %s\n", e.System, e.Field, e.Value)
			case checks.Comparison:
				for _, s := range e.Sides {
					fmt.Fprintf(&b, "  %s %s = %s (equal %v)\n", s.System, s.Field, s.Value, e.Equal)
				}
			}
		}
	}
	return r, b.String()
}

func TestLicenseFindingsNameProductsAndNextSteps(t *testing.T) {
	t.Parallel()
	guid := func(s string) bool {
		// A bare GUID is never how a license is shown.
		for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == ',' || r == '(' || r == ')' || r == '\n' }) {
			if len(f) == 36 && strings.Count(f, "-") == 4 {
				return true
			}
		}
		return false
	}
	for _, tc := range []struct {
		scenario, upn, id string
		status            checks.Status
		want              []string
	}{
		{"license-wipe-risk", "", "license.wipe-risk", checks.StatusFail, []string{
			"Okta manages licenses and alice@contoso.com's Okta app user has none", "ENTERPRISEPACK (Office 365 E3)", "next push removes it",
			"okta features = PUSH_NEW_USERS", "okta profile.licenses = (none)", "entra assignedLicenses (direct) = ENTERPRISEPACK (Office 365 E3)"}},
		{"license-wipe-risk", "", "license.okta-entra-match", checks.StatusWarn, []string{
			"Entra ID gives alice@contoso.com ENTERPRISEPACK (Office 365 E3), which the Okta app user does not list", "see license.wipe-risk",
			"okta profile.licenses = (none) (equal false)", "entra assignedLicenses = ENTERPRISEPACK (Office 365 E3) (equal false)"}},
		{"license-count-violation", "", "license.assignment-errors", checks.StatusFail, []string{
			"ivan@contoso.com's ENTERPRISEPREMIUM (Office 365 E5) is in error CountViolation: not enough licenses", "Next: free a seat",
			"error = CountViolation", "state = ActiveWithError", "prepaidUnits.enabled = 5", "consumedUnits = 5"}},
		{"license-count-violation", "", "license.sku-capacity", checks.StatusFail, []string{
			"ENTERPRISEPREMIUM (Office 365 E5) is out of seats (5 of 5 seats used)", "in CountViolation"}},
		{"license-count-violation", "", "license.okta-entra-match", checks.StatusPass, []string{
			"Okta and Entra ID agree on ivan@contoso.com's licenses: ENTERPRISEPREMIUM (Office 365 E5)"}},
		{"usage-location-missing", "", "license.usage-location", checks.StatusFail, []string{
			"hank@contoso.com has no usageLocation in Entra ID and Okta assigns ENTERPRISEPACK (Office 365 E3)",
			"License assignment cannot be done for user with invalid usage location.", "Set it to US", "okta syncState = ERROR"}},
		{"usage-location-missing", "", "license.okta-entra-match", checks.StatusFail, []string{
			"Okta assigns hank@contoso.com ENTERPRISEPACK (Office 365 E3) but Entra ID does not hold it", "see license.usage-location"}},
		{"usage-location-missing", "", "license.sku-capacity", checks.StatusPass, []string{
			"ENTERPRISEPACK (Office 365 E3) has a free seat for hank@contoso.com", "seats Okta will assign to hank@contoso.com = 1"}},
		{"group-license-priority", "", "license.group-priority", checks.StatusWarn, []string{
			"judy@contoso.com is in 2 groups assigned to Microsoft Office 365 with different licenses",
			"M365-E3 (priority 0: ENTERPRISEPACK (Office 365 E3))", "M365-E5 (priority 1: ENTERPRISEPREMIUM (Office 365 E5))",
			"Okta applies only M365-E3's", "does not get ENTERPRISEPREMIUM (Office 365 E5)"}},
		{"group-license-priority", "bob@contoso.com", "license.group-priority", checks.StatusPass, []string{"no priority to resolve"}},
		{"healthy", "carol@contoso.com", "license.sku-capacity", checks.StatusPass, []string{"carol@contoso.com holds ENTERPRISEPREMIUM (Office 365 E5) (3 of 5 seats used, 2 free)"}},
		{"healthy", "", "license.assignment-errors", checks.StatusPass, []string{"none of alice@contoso.com's 1 license assignments is in error", "error = None (1 assignments)"}},
		{"healthy", "", "license.usage-location", checks.StatusPass, []string{"alice@contoso.com's usageLocation is US"}},
	} {
		t.Run(tc.scenario+"/"+tc.id+"/"+tc.upn, func(t *testing.T) {
			t.Parallel()
			r, text := licenseResult(t, tc.scenario, tc.upn, tc.id)
			if r.Status != tc.status {
				t.Fatalf("%s = %s, want %s:\n%s", tc.id, r.Status, tc.status, text)
			}
			for _, w := range tc.want {
				if !strings.Contains(text, w) {
					t.Errorf("missing %q in:\n%s", w, text)
				}
			}
			if guid(text) {
				t.Errorf("a bare GUID is shown:\n%s", text)
			}
		})
	}
}

// TestLicenseFactsFetchedOnce: the license checks share their facts with
// the identity checks: one request of each object per user run.
func TestLicenseFactsFetchedOnce(t *testing.T) {
	t.Parallel()
	l := labtest.Start(t, "group-license-priority")
	src, _ := labtest.Sources(t, l.Settings())
	runUser(src, l.AffectedUser())
	for _, route := range []string{"graph GET /v1.0/users/{id}", "graph GET /v1.0/subscribedSkus", "okta GET /api/v1/apps/{appId}/users/{userId}",
		"okta GET /api/v1/apps/{appId}/groups", "okta GET /api/v1/users/{id}/groups", "okta GET /api/v1/users/{id}"} {
		if n := l.Requests(route); n != 1 {
			t.Errorf("%s requested %d times, want 1", route, n)
		}
	}
}
