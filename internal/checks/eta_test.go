package checks

import (
	"testing"
	"time"

	"github.com/o365doctor/o365doctor/internal/model"
)

// The listing's ETA is the longer of the pace so far and what the rate
// limit allows for the pages left: 60 000 users to go at 500 a page are
// 120 requests; a share of 10 a minute-window, 4 of this window's left
// until its reset in 20 s, gives 20 s + 11 more windows.
func TestListingETA(t *testing.T) {
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	e := &listingETA{start: now.Add(-time.Second), now: func() time.Time { return now }, window: time.Minute}
	if p := e.entra(999, 100_500); p.Total != 100_500 || p.ETA != 0 {
		t.Fatalf("before any Okta page: %+v", p)
	}
	budget := model.RateBudget{Limit: 20, Remaining: 14, Reset: now.Add(20 * time.Second), Share: 0.5} // 6 used, 10 allowed
	for range 80 {
		e.okta(500, budget)
	}
	p := e.okta(500, budget) // 40 500 read, 60 000 left: 120 pages
	want := 20*time.Second + 11*time.Minute
	if p.ETA != want {
		t.Fatalf("ETA %s, want %s (rate floor)", p.ETA, want)
	}
	// Without a bucket, the pace so far: 81 pages in 1 s, 120 to go.
	e2 := &listingETA{start: now.Add(-time.Second), now: func() time.Time { return now }, window: time.Minute, total: 100_500}
	for range 80 {
		e2.okta(500, model.RateBudget{})
	}
	if p := e2.okta(500, model.RateBudget{}); p.ETA < 1400*time.Millisecond || p.ETA > 1500*time.Millisecond {
		t.Fatalf("pace ETA %s", p.ETA)
	}
	// Past the count, or with nothing known: no ETA, never negative.
	e3 := &listingETA{start: now, now: func() time.Time { return now }, window: time.Minute, total: 100}
	if p := e3.okta(500, budget); p.ETA != 0 {
		t.Fatalf("done: %s", p.ETA)
	}
}
