package labtests

import (
	"context"
	"errors"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/o365doctor/o365doctor/internal/checks"
	"github.com/o365doctor/o365doctor/internal/lab"
	"github.com/o365doctor/o365doctor/internal/lab/labtest"
	"github.com/o365doctor/o365doctor/internal/model"
)

// The tenant-wide check on the bulk scenario lists exactly the users who
// have no Office 365 app user, as an oracle finds them one by one through
// other endpoints (the Okta user by login, then the app user by ID).
func TestEntraUsersWithoutOktaListsExactlyTheSeededUsers(t *testing.T) {
	const users = 1500
	l := labtest.StartWith(t, "bulk", lab.Options{Users: users})
	src, oc := labtest.Sources(t, l.Settings())
	ctx := context.Background()

	var progress []checks.Progress
	var mu sync.Mutex
	r := checks.Run(ctx, []*checks.Check{checks.EntraUsersWithoutOkta}, checks.TenantSubject("contoso.com"), src,
		checks.RunOptions{OnProgress: func(p checks.Progress) { mu.Lock(); progress = append(progress, p); mu.Unlock() }}, nil)[0]
	if r.Status != checks.StatusFail {
		t.Fatalf("status %s: %s", r.Status, r.Message)
	}
	var got []string
	for _, f := range r.Findings {
		if f.Status != checks.StatusFail || f.Object.Kind != checks.ObjUser || f.Object.ID == "" {
			t.Fatalf("finding %+v", f)
		}
		got = append(got, strings.ToLower(f.Object.Name))
	}
	sort.Strings(got)

	// The oracle: every Entra user of the domain, looked up one by one.
	upns := []string{}
	for _, u := range l.Scenario.Tenant.Users {
		if model.DomainOf(u.UPN) == "contoso.com" {
			upns = append(upns, u.UPN)
		}
	}
	for i := 1; i <= users; i++ {
		upns = append(upns, lab.BulkUserUPN(i, "contoso.com"))
	}
	apps, err := oc.Office365Apps(ctx)
	if err != nil {
		t.Fatal(err)
	}
	appID := ""
	for _, a := range apps {
		if a.Status == "ACTIVE" && a.Domain() == "contoso.com" {
			appID = a.ID
		}
	}
	var want []string
	disabled := 0
	sem := make(chan struct{}, 8)
	var wg sync.WaitGroup
	for _, upn := range upns {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			missing := false
			// Accounts with sign-in disabled (shared mailboxes) do not
			// sign in either way: not expected.
			if eu, err := src.Graph.User(ctx, upn); err == nil && eu.AccountEnabled != nil && !*eu.AccountEnabled {
				mu.Lock()
				disabled++
				mu.Unlock()
				return
			}
			u, err := oc.User(ctx, upn)
			switch {
			case errors.Is(err, model.ErrNotFound):
				missing = true
			case err != nil:
				t.Error(err)
				return
			default:
				_, err := oc.AppUser(ctx, appID, u.ID)
				if errors.Is(err, model.ErrNotFound) {
					missing = true
				} else if err != nil {
					t.Error(err)
				}
			}
			if missing {
				mu.Lock()
				want = append(want, strings.ToLower(upn))
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	sort.Strings(want)
	if len(want) < 10 {
		t.Fatalf("the seed gave only %d users without an app user: the test proves little", len(want))
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("the check found %d users, the oracle %d\ncheck:  %v\noracle: %v", len(got), len(want), got, want)
	}
	if !strings.Contains(r.Message, "of "+strconv.Itoa(len(upns))+" Entra ID users") {
		t.Errorf("message %q does not count the %d users read", r.Message, len(upns))
	}
	// Progress came from both sides, and ended at the totals.
	last := map[string]int{}
	for _, p := range progress {
		last[p.What] = p.Done
	}
	if last["Entra users"] != len(upns) || last["Okta app users"] < len(upns)-len(want)-disabled {
		t.Errorf("progress ended at %v", last)
	}
}
