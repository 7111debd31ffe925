package labtests

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/o365doctor/o365doctor/internal/checks"
	"github.com/o365doctor/o365doctor/internal/lab"
	"github.com/o365doctor/o365doctor/internal/lab/labtest"
)

// Each tenant-wide check on the bulk scenario lists exactly the generated
// users whose seeded defect it is about (the lab's own record of what it
// gave each user), with no healthy user, from one listing of each side.
func TestTenantChecksFindEverySeededDefect(t *testing.T) {
	const users = 2000
	l := labtest.StartWith(t, "bulk", lab.Options{Users: users})
	src, _ := labtest.Sources(t, l.Settings())
	defectsOf := map[string][]string{
		"identity.entra-without-okta": {"not-assigned", "no-okta-user", "service-account"},
		// Shared mailboxes (sign-in disabled) are in neither: they do not
		// sign in.
		"identity.tenant-service-accounts": {"service-account"},
		"identity.tenant-immutableid":      {"immutableid-mismatch", "immutableid-blank-entra", "immutableid-blank-okta"},
		"identity.tenant-okta-status":      {"locked-out", "staged"},
		"identity.tenant-username":         nil,
		"license.tenant-usage-location":    {"usage-location-missing"},
		"license.tenant-wipe-risk":         {"license-wipe-risk"},
		"license.tenant-sku-capacity":      nil,
	}
	var list []*checks.Check
	for id := range defectsOf {
		c, ok := checks.Lookup(id)
		if !ok {
			t.Fatalf("no check %s", id)
		}
		list = append(list, c)
	}
	l.ResetRequests()
	results := checks.Run(context.Background(), list, checks.TenantSubject("contoso.com"), src, checks.RunOptions{}, nil)
	for _, r := range results {
		want := []string{}
		for i := 1; i <= users; i++ {
			upn := lab.BulkUserUPN(i, "contoso.com")
			if slices.Contains(defectsOf[r.CheckID], l.BulkDefect(upn)) {
				want = append(want, upn)
			}
		}
		got := []string{}
		for _, f := range r.Findings {
			if f.Status != checks.StatusPass {
				got = append(got, strings.ToLower(f.Object.Name))
			}
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("%s (%s): found %d users, the lab seeded %d\nfound: %v\nseeded: %v", r.CheckID, r.Status, len(got), len(want), got, want)
		}
		if len(want) == 0 && r.Status != checks.StatusPass || len(want) > 0 && r.Status == checks.StatusPass {
			t.Errorf("%s: %s %s", r.CheckID, r.Status, r.Message)
		}
	}
	// One listing of each side for all six checks: 4 pages of app users,
	// 3 of Entra users.
	if n := l.Requests("okta GET /api/v1/apps/{appId}/users"); n != 4 {
		t.Errorf("%d app-user pages read, want 4", n)
	}
	if n := l.Requests("graph GET /v1.0/users"); n != 3 {
		t.Errorf("%d Entra user pages read, want 3", n)
	}
}

// Okta assigns E5 to alice and bob, who hold E3 in Entra, and E5 has one
// free seat: both are listed (which one gets the seat depends on Okta's
// push order); with two free seats, none.
func TestTenantSKUCapacityCountsTheSeatsNeeded(t *testing.T) {
	for free, want := range map[int][]string{1: {"alice@contoso.com", "bob@contoso.com"}, 2: nil} {
		l := labtest.StartText(t, fmt.Sprintf(`name: t
base: healthy
tenant:
  skus:
    - {name: ENTERPRISEPREMIUM, enabled: %d, extraUsed: 2}
okta:
  users:
    - login: alice@contoso.com
      assignments:
        - {app: o365, profile: {immutableId: suKEY0sY9cuOzPEMp6ZWPA==, usageLocation: US, licenses: [ENTERPRISEPACK, ENTERPRISEPREMIUM]}}
    - login: bob@contoso.com
      assignments:
        - {app: o365, scope: GROUP, profile: {immutableId: vFGdn+9wyiFcFPMHmAop2A==, usageLocation: US, licenses: [ENTERPRISEPREMIUM]}}
`, 3+free)) // carol holds one, and 2 are used elsewhere
		src, _ := labtest.Sources(t, l.Settings())
		r := checks.Run(context.Background(), []*checks.Check{checks.TenantSKUCapacity}, checks.TenantSubject("contoso.com"), src, checks.RunOptions{}, nil)[0]
		var got []string
		for _, f := range r.Findings {
			if f.Status == checks.StatusFail {
				got = append(got, f.Object.Name)
			}
		}
		slices.Sort(got)
		if !slices.Equal(got, want) || (len(want) == 0) != (r.Status == checks.StatusPass) {
			t.Errorf("%d free: %s %s, listed %v, want %v", free, r.Status, r.Message, got, want)
		}
	}
}
