package labtests

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/o365doctor/o365doctor/internal/checks"
	"github.com/o365doctor/o365doctor/internal/lab"
	"github.com/o365doctor/o365doctor/internal/lab/labtest"
)

// The tenant-wide listing paces itself within its share of Okta's
// /api/v1/apps bucket: with the bucket at 8 requests a second, half of it
// already used by "another integration" in the first window and a share
// of 0.5, the lab answers no 429, and the findings are those of a run
// without limits.
func TestTenantListingCausesNo429(t *testing.T) {
	const users = 3000 // 6 pages of 500 app users
	ctx := context.Background()
	findings := func(l *lab.Lab, share float64) []string {
		t.Helper()
		s := l.Settings()
		s.OktaRateShare = share
		src, _ := labtest.Sources(t, s)
		r := checks.Run(ctx, []*checks.Check{checks.EntraUsersWithoutOkta}, checks.TenantSubject("contoso.com"), src, checks.RunOptions{}, nil)[0]
		if r.Status != checks.StatusFail {
			t.Fatalf("%s: %s", r.Status, r.Message)
		}
		var ids []string
		for _, f := range r.Findings {
			ids = append(ids, f.Object.Name)
		}
		slices.Sort(ids)
		return ids
	}
	free := labtest.StartWith(t, "bulk", lab.Options{Users: users})
	want := findings(free, 0.5)

	limited := labtest.StartWith(t, "bulk", lab.Options{Users: users,
		RateLimits: map[string]int{"/api/v1/apps": 8}, RateWindow: time.Second, PreConsume: map[string]int{"/api/v1/apps": 4}})
	start := time.Now()
	got := findings(limited, 0.5)
	if st := limited.Stats(); st.RateLimited() != 0 {
		t.Fatalf("429s served: %+v", st)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("findings under the rate limit differ: %d vs %d", len(got), len(want))
	}
	// 4 of each second's 8 are o365doctor's: the 6 pages and the app
	// listing need at least two resets.
	if took := time.Since(start); took < time.Second {
		t.Fatalf("the run took %s: it did not wait for a reset", took)
	}
}

// Against Okta's published limits and Graph's throttles, every check of a
// domain preflight and of a user's triage runs with no 429 served: the
// limits o365doctor meets in a real org are not ones it trips.
func TestPublishedLimitsCauseNo429(t *testing.T) {
	ctx := context.Background()
	l := labtest.StartWith(t, "healthy", lab.Options{RateLimits: lab.OktaPublishedLimits, GraphThrottle: true})
	src, _ := labtest.Sources(t, l.Settings())
	for _, subject := range []checks.Subject{checks.TenantSubject("contoso.com"), checks.UserSubject("alice@contoso.com")} {
		list, err := checks.Select(checks.All(), subject.Scopes(), nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range checks.Run(ctx, list, subject, src, checks.RunOptions{}, nil) {
			if r.Status == checks.StatusError {
				t.Errorf("%s: %s", r.CheckID, r.Message)
			}
		}
	}
	if st := l.Stats(); st.RateLimited() != 0 || st["okta"].Requests == 0 || st["graph"].Requests == 0 {
		t.Fatalf("stats: %+v", st)
	}
}
