package labtests

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/o365doctor/o365doctor/internal/checks"
	"github.com/o365doctor/o365doctor/internal/lab"
	"github.com/o365doctor/o365doctor/internal/lab/labtest"
)

// An interrupted listing that had not used its share *as far as the
// snapshot saw* but had asked pages ahead (the pipelined fetcher) is
// resumed at once: the resumed run must not be the one that trips a 429.
func TestResumeAfterPipelinedPagesCausesNo429(t *testing.T) {
	const window = 3 * time.Second
	l := labtest.StartWith(t, "bulk", lab.Options{Users: 5000, RateLimits: map[string]int{"/api/v1/apps": 8}, RateWindow: window})
	// Start at the beginning of a lab window (the lab aligns them).
	time.Sleep(time.Until(time.Now().Truncate(window).Add(window + 200*time.Millisecond)))
	s := l.Settings()
	s.OktaRateShare = 1
	list := []*checks.Check{checks.EntraUsersWithoutOkta}
	subject := checks.TenantSubject("contoso.com")
	dir := t.TempDir()

	ctx, cancel := context.WithCancel(context.Background())
	var once sync.Once
	src, _ := labtest.Sources(t, s)
	checks.Run(ctx, list, subject, src, checks.RunOptions{Snapshot: checks.SnapshotOptions{Dir: dir}, OnProgress: func(p checks.Progress) {
		if p.What == "Okta app users" && p.Done >= 2500 { // page 5 of 10
			once.Do(cancel)
		}
	}}, nil)
	before := l.Stats()
	t.Logf("after the interrupted run: %+v, app-user pages asked %d", before, l.Requests("okta GET /api/v1/apps/{appId}/users"))

	src2, _ := labtest.Sources(t, s)
	r := checks.Run(context.Background(), list, subject, src2, checks.RunOptions{Snapshot: checks.SnapshotOptions{Dir: dir, Resume: true}}, nil)[0]
	t.Logf("resumed: %s %s", r.Status, r.Message)
	if st := l.Stats(); st.RateLimited() != 0 {
		t.Fatalf("the resumed run caused 429s: %+v", st)
	}
}

// The second target as `preflight --domain` runs it: every check
// of the domain (its own /api/v1/apps reads included), not the tenant
// checks alone, at apps=20 per 5 s with --okta-rate-share 1.
func TestFullPreflightAtTheTightLimitCausesNo429(t *testing.T) {
	l := labtest.StartWith(t, "bulk", lab.Options{Users: 20000, RateLimits: map[string]int{"/api/v1/apps": 20}, RateWindow: 5 * time.Second})
	s := l.Settings()
	s.OktaRateShare = 1
	src, _ := labtest.Sources(t, s)
	subject := checks.TenantSubject("contoso.com")
	list, err := checks.Select(checks.All(), subject.Scopes(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range checks.Run(context.Background(), list, subject, src, checks.RunOptions{CheckTimeout: time.Hour}, nil) {
		if r.Status == checks.StatusError {
			t.Errorf("%s: %s", r.CheckID, r.Message)
		}
	}
	if st := l.Stats(); st.RateLimited() != 0 {
		t.Fatalf("429s served: %+v", st)
	}
}
