package checks

import (
	"math"
	"sync"
	"time"

	"github.com/o365doctor/o365doctor/internal/model"
)

// listingETA estimates when the tenant listing ends. Okta's side is the
// long one: one request a page of 500, each after the one before, and at
// most a share of the rate-limit bucket a window. Its ETA is the longer
// of what the pace so far gives and what the rate limit allows for the
// pages left (the floor: a fast start does not promise a fast finish when
// the bucket will run dry). The pages left come from the number of users
// Graph counts in the domain (@odata.count), the Okta app users being
// about as many.
type listingETA struct {
	mu     sync.Mutex
	start  time.Time
	now    func() time.Time
	window time.Duration // the bucket's window: learnt from its resets

	oktaDone, entraDone   int
	oktaPages, entraPages int
	total                 int // Graph's count of the domain's users; 0 unknown
	lastReset             time.Time
	budget                model.RateBudget
}

// oktaPageSize is Okta's page of app users (the adapter asks for the most).
const oktaPageSize = 500

func (e *listingETA) okta(users int, b model.RateBudget) Progress {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.oktaDone += users
	e.oktaPages++
	if b.Limit > 0 {
		if !e.lastReset.IsZero() && b.Reset.After(e.lastReset) {
			e.window = b.Reset.Sub(e.lastReset)
		}
		e.lastReset, e.budget = b.Reset, b
	}
	// Past Graph's count of the domain's users, the app (which may hold
	// other domains' users too) has more than it: the total and the ETA
	// are unknown, not "40 500 of ~30 000, done".
	total := e.total
	if e.oktaDone >= total {
		total = 0
	}
	return Progress{What: "Okta app users", Done: e.oktaDone, Total: total, ETA: e.eta()}
}

func (e *listingETA) entra(users, count int) Progress {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.entraDone += users
	e.entraPages++
	if count > 0 {
		e.total = count
	}
	return Progress{What: "Entra users", Done: e.entraDone, Total: e.total, ETA: e.eta()}
}

// eta is the Okta side's time left; 0 when it cannot be told yet.
func (e *listingETA) eta() time.Duration {
	if e.total == 0 || e.oktaPages == 0 {
		return 0
	}
	// A count past any real tenant (a server's or a snapshot's) is not
	// believed: the ETA stays within a day.
	left := int(math.Ceil(float64(min(max(e.total-e.oktaDone, 0), maxETAUsers)) / oktaPageSize))
	if left == 0 {
		return 0
	}
	now := e.now()
	pace := clampETA(now.Sub(e.start).Seconds() / float64(e.oktaPages) * float64(left))
	return max(pace, e.rateFloor(left, now))
}

// maxETAUsers bounds the users an ETA is computed for (10 million).
const maxETAUsers = 10_000_000

// clampETA turns seconds into a duration between 0 and a day.
func clampETA(seconds float64) time.Duration {
	if math.IsNaN(seconds) || seconds <= 0 {
		return 0
	}
	return time.Duration(min(seconds, 24*60*60) * float64(time.Second))
}

// rateFloor is the least time the bucket allows for n more requests.
func (e *listingETA) rateFloor(n int, now time.Time) time.Duration {
	b := e.budget
	if b.Limit == 0 {
		return 0
	}
	share := b.Share
	if share <= 0 || share > 1 {
		share = 1
	}
	allowed := max(int(math.Floor(share*float64(b.Limit))), 1)
	free := max(allowed-(b.Limit-b.Remaining), 0) // what this window still gives
	if n <= free {
		return 0
	}
	windows := math.Ceil(float64(n-free) / float64(allowed))
	return clampETA(max(b.Reset.Sub(now), 0).Seconds() + (windows-1)*e.window.Seconds())
}
