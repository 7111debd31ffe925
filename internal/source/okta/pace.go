package okta

import (
	"context"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/o365doctor/o365doctor/internal/model"
)

// pacer keeps a bulk listing within a share of the Okta rate-limit bucket
// its requests fall in (api-facts §10: /api/v1/apps/* allows about 100
// requests a minute on most orgs, 20 on free ones, shared with every other
// integration, and each 429 lands in the customer's System Log). Before
// the next page it reads the last answer's X-Rate-Limit-Limit, -Remaining
// and -Reset: once the bucket's use reaches share × limit it waits for the
// reset, so o365doctor itself never causes a 429 and leaves the rest of
// the bucket to the org's other integrations. Use by others counts
// against the share too (Okta's Remaining is the org's): the pacer never
// spends what they might need.
type pacer struct {
	share float64
	now   func() time.Time

	// offset is the least the server's clock can be ahead of ours, learnt
	// from every answer's Date: Date (whole seconds, truncated) is at most
	// the server's time when it answered, so max(Date − our receipt time)
	// is a lower bound that closes in on the true offset. Waiting for the
	// reset by it is never early, and by less than the Date's second of
	// rounding late.
	mu     sync.Mutex
	offset time.Duration
	known  bool
}

func newPacer(share float64) *pacer {
	if share <= 0 || share > 1 {
		share = 0.5
	}
	return &pacer{share: share, now: time.Now}
}

// resetMargin is waited past a reset: Okta's reset is whole epoch seconds.
const resetMargin = 50 * time.Millisecond

// before waits, if the bucket of the answer h came with is used up to the
// share, until it resets; an answer without the headers is not paced.
func (p *pacer) before(ctx context.Context, h http.Header) error {
	if p == nil {
		return nil
	}
	b := p.budget(h)
	if b.Limit == 0 {
		return nil
	}
	allowed := max(int(math.Floor(p.share*float64(b.Limit))), 1)
	if b.Limit-b.Remaining < allowed {
		return nil
	}
	// The reset is on the server's clock; budget moved it onto ours by
	// the offset its Dates have shown.
	wait := b.Reset.Sub(p.now()) + resetMargin
	if wait <= 0 {
		return nil
	}
	// A reset far away is a broken header, not a wait: Okta's windows are
	// a minute.
	return model.Sleep(ctx, min(wait, 2*time.Minute))
}

// observe learns the server's clock offset from an answer's Date.
func (p *pacer) observe(h http.Header) {
	d, err := http.ParseTime(h.Get("Date"))
	if err != nil {
		return
	}
	obs := d.Sub(p.now())
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.known || obs > p.offset {
		p.offset, p.known = obs, true
	}
}

func (p *pacer) offsetOf() time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.offset
}

// budget is what an answer's headers say of its bucket, with the share
// o365doctor keeps to; zero when the headers are missing.
func (p *pacer) budget(h http.Header) model.RateBudget {
	if p == nil {
		return model.RateBudget{}
	}
	p.observe(h)
	limit, err1 := strconv.Atoi(strings.TrimSpace(h.Get("X-Rate-Limit-Limit")))
	remaining, err2 := strconv.Atoi(strings.TrimSpace(h.Get("X-Rate-Limit-Remaining")))
	reset, err3 := strconv.ParseInt(strings.TrimSpace(h.Get("X-Rate-Limit-Reset")), 10, 64)
	if err1 != nil || err2 != nil || err3 != nil || limit <= 0 {
		return model.RateBudget{}
	}
	// The reset on our clock: the server's, less what its Dates showed.
	return model.RateBudget{Limit: limit, Remaining: remaining, Reset: time.Unix(reset, 0).Add(-p.offsetOf()), Share: p.share}
}
