package checks

import (
	"os"
	"testing"
	"time"

	"github.com/o365doctor/o365doctor/internal/model"
)

// A run killed mid-write leaves a torn last line; the resumed run appends
// after it. Its pages must count for the next resume too.
func TestResumeAfterATornLineKeepsTheResumedPages(t *testing.T) {
	dir := t.TempDir()
	s, err := createSnapshot(dir, "contoso.com", "0oa1", false, time.Now(), 0)
	if err != nil {
		t.Fatal(err)
	}
	s.write(snapshotLine{Side: "okta", Next: "/api/v1/apps/0oa1/users?after=a", Okta: []TenantOkta{{UserName: "a@contoso.com"}}})
	s.close(false)
	path := snapshotPath(dir, "contoso.com")
	f, _ := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	f.WriteString(`{"side":"okta","next":"/api/v1/apps/0oa1/users?after=b","okta":[{"UserName":"b@con`) // SIGKILL here
	f.Close()

	o, _, _, ok, end, err := readSnapshotAt(path, "contoso.com", "0oa1")
	if !ok || err != nil || o.pages != 1 {
		t.Fatalf("first resume: ok %v err %v pages %d", ok, err, o.pages)
	}
	// The resumed run re-reads page 2 and reads page 3, then is interrupted.
	s, err = createSnapshot(dir, "contoso.com", "0oa1", true, time.Now(), end)
	if err != nil {
		t.Fatal(err)
	}
	s.write(snapshotLine{Side: "okta", Next: "/api/v1/apps/0oa1/users?after=b", Okta: []TenantOkta{{UserName: "b@contoso.com"}}})
	s.write(snapshotLine{Side: "okta", Next: "/api/v1/apps/0oa1/users?after=c", Okta: []TenantOkta{{UserName: "c@contoso.com"}}})
	s.close(false)

	o, _, _, _, err = readSnapshot(path, "contoso.com", "0oa1")
	if err != nil || o.pages != 3 {
		t.Fatalf("second resume: %d pages kept (want 3), next %q, err %v", o.pages, o.next, err)
	}
}

// The ETA's total is Graph's count of the *domain's* users, but the app's
// users are the org's (every domain assigned the app): past that count the
// total and the ETA are unknown (0), never "40 500 of ~30 000, done".
func TestETAWhenTheAppHasMoreUsersThanTheDomain(t *testing.T) {
	now := time.Unix(1_000_000, 0)
	e := &listingETA{start: now, now: func() time.Time { return now }, window: time.Minute}
	e.entra(999, 30_000) // the domain: 30 000 users
	for range 80 {       // 40 000 app users read of the org's 100 000
		now = now.Add(600 * time.Millisecond)
		e.okta(500, budget(100, 50, now.Add(30*time.Second)))
	}
	if p := e.okta(500, budget(100, 50, now.Add(30*time.Second))); p.ETA != 0 || p.Total != 0 {
		t.Errorf("ETA %s after %d of ~%d users: past the domain's count both are unknown", p.ETA, p.Done, p.Total)
	}
}

// An absurd @odata.count (any server's, or a snapshot's) must not give a
// negative or wrapped ETA.
func TestETAHugeCount(t *testing.T) {
	now := time.Unix(1_000_000, 0)
	e := &listingETA{start: now, now: func() time.Time { return now }, window: time.Minute}
	e.entra(1, 1<<62)
	now = now.Add(time.Second)
	p := e.okta(500, budget(100, 10, now.Add(30*time.Second)))
	if p.ETA <= 0 || p.ETA > 24*time.Hour {
		t.Fatalf("ETA %d", p.ETA)
	}
}

func budget(limit, remaining int, reset time.Time) (b model.RateBudget) {
	return model.RateBudget{Limit: limit, Remaining: remaining, Reset: reset, Share: 0.5}
}
