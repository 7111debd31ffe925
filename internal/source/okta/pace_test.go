package okta

import (
	"context"
	"net/http"
	"strconv"
	"testing"
	"time"
)

// The pacer waits for the reset once the bucket's use reaches its share,
// measured on the server's clock, and not before; an answer without the
// headers is not waited for; a wait ends with its context.
func TestPacer(t *testing.T) {
	serverNow := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	h := func(limit, remaining int, resetIn time.Duration) http.Header {
		hd := http.Header{}
		hd.Set("Date", serverNow.Format(http.TimeFormat))
		hd.Set("X-Rate-Limit-Limit", strconv.Itoa(limit))
		hd.Set("X-Rate-Limit-Remaining", strconv.Itoa(remaining))
		hd.Set("X-Rate-Limit-Reset", strconv.FormatInt(serverNow.Add(resetIn).Unix(), 10))
		return hd
	}
	p := newPacer(0.5)
	p.now = func() time.Time { return serverNow.Add(time.Hour) } // the local clock is off: the server's counts
	for _, tc := range []struct {
		name     string
		h        http.Header
		min, max time.Duration
	}{
		{"under the share", h(100, 51, 400*time.Millisecond), 0, 30 * time.Millisecond},
		{"at the share", h(100, 50, time.Second), time.Second, 1300 * time.Millisecond}, // the reset is whole seconds, +50 ms
		{"no headers", http.Header{}, 0, 30 * time.Millisecond},
	} {
		start := time.Now()
		if err := p.before(context.Background(), tc.h); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d < tc.min || d > tc.max {
			t.Errorf("%s: waited %s, want %s to %s", tc.name, d, tc.min, tc.max)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := p.before(ctx, h(100, 0, time.Hour)); err == nil {
		t.Fatal("a cancelled wait returned no error")
	}
}

// The pacer learns the server's clock from the Dates of many answers:
// a Date is truncated to the second, but the latest bound wins, so the
// wait ends close after the reset instead of up to a second late.
func TestPacerLearnsTheServerClock(t *testing.T) {
	local := time.Date(2026, 11, 29, 12, 0, 0, 900_000_000, time.UTC) // .9 into a second
	p := newPacer(1)
	p.now = func() time.Time { return local }
	date := func(at time.Time) http.Header {
		h := http.Header{}
		h.Set("Date", at.Format(http.TimeFormat)) // truncated to the second
		return h
	}
	_ = p.before(context.Background(), date(local)) // 12:00:00 at 12:00:00.9: offset ≥ -0.9 s
	local = local.Add(200 * time.Millisecond)       // 12:00:01.1
	_ = p.before(context.Background(), date(local)) // 12:00:01 at .1: offset ≥ -0.1 s
	if got := p.offsetOf(); got != -100*time.Millisecond {
		t.Fatalf("offset %s, want -100ms", got)
	}
}
