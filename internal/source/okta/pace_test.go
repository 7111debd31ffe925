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
