package config_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/o365doctor/o365doctor/internal/config"
	"github.com/o365doctor/o365doctor/internal/source/sourcetest"
)

func get(t *testing.T, c *http.Client, ctx context.Context, u string) (*http.Response, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c.Do(req)
}

// TestGuardRefusesRedirects: every redirect status ends the request with a
// *RedirectError naming the setting; the target sees nothing; the shown
// address has no user info, query or fragment.
func TestGuardRefusesRedirects(t *testing.T) {
	t.Parallel()
	other := sourcetest.Start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	for _, status := range []int{301, 302, 303, 307, 308} {
		srv := sourcetest.Start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Location", strings.Replace(other.URL, "https://", "https://user:pw@", 1)+"/token?code=abc#frag")
			w.WriteHeader(status)
		}))
		s := config.Settings{ExtraCAPEM: srv.CAPEM(), Timeout: 5 * time.Second}
		_, err := get(t, s.HTTPClientFor(config.Login), context.Background(), srv.URL+"/x")
		var re *config.RedirectError
		if !errors.As(err, &re) || re.Status != status || re.Location != other.URL+"/token" {
			t.Fatalf("%d: %#v", status, err)
		}
		want := "the server redirected (HTTP " + strconv.Itoa(status) + ") to " + other.URL + "/token; o365doctor does not follow redirects (check --login-url)"
		if re.Error() != want {
			t.Fatalf("%q\nwant %q", re.Error(), want)
		}
	}
	if n := len(other.Requests()); n != 0 {
		t.Fatalf("the redirect target received %d requests", n)
	}
	// A relative Location is shown resolved; none at all is said.
	srv := sourcetest.Start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/rel" {
			w.Header().Set("Location", "/elsewhere?x=1")
		}
		w.WriteHeader(http.StatusFound)
	}))
	s := config.Settings{ExtraCAPEM: srv.CAPEM(), Timeout: 5 * time.Second}
	if _, err := get(t, s.HTTPClientFor(config.Okta), context.Background(), srv.URL+"/rel"); err == nil || !strings.Contains(err.Error(), "to "+srv.URL+"/elsewhere; ") {
		t.Fatalf("relative: %v", err)
	}
	if _, err := get(t, s.HTTPClient(), context.Background(), srv.URL+"/none"); err == nil ||
		!strings.Contains(err.Error(), "redirect (HTTP 302) without a location; o365doctor does not follow redirects (check the server's address)") {
		t.Fatalf("no location: %v", err)
	}
}

// TestGuardRateLimits: a 429 whose wait the request cannot afford is a
// *RateLimitError, read the way each system says it; an affordable one is
// passed on, body intact, for the SDK to wait and retry.
func TestGuardRateLimits(t *testing.T) {
	t.Parallel()
	type answer struct {
		headers map[string]string
		body    string
	}
	now := time.Now().UTC().Truncate(time.Second)
	date := now.Format(http.TimeFormat)
	epoch := func(d time.Duration) string { return strconv.FormatInt(now.Add(d).Unix(), 10) }
	cases := []struct {
		name   string
		system config.System
		answer answer
		pass   bool
		wait   time.Duration
		code   string
	}{
		{"okta hour", config.Okta, answer{map[string]string{"Date": date, "X-Rate-Limit-Reset": epoch(time.Hour)}, `{"errorCode":"E0000047"}`}, false, time.Hour, "E0000047"},
		{"okta now", config.Okta, answer{map[string]string{"Date": date, "X-Rate-Limit-Reset": epoch(0)}, `{"errorCode":"E0000047"}`}, true, 0, ""},
		{"okta no reset", config.Okta, answer{map[string]string{"Date": date}, `{"errorCode":"E0000047"}`}, false, 0, "E0000047"},
		{"graph seconds", config.Graph, answer{map[string]string{"Retry-After": "120"}, `{"error":{"code":"TooManyRequests"}}`}, false, 2 * time.Minute, "TooManyRequests"},
		{"graph date", config.Graph, answer{map[string]string{"Date": date, "Retry-After": now.Add(90 * time.Second).Format(http.TimeFormat)}, `{}`}, false, 90 * time.Second, ""},
		{"graph one second", config.Graph, answer{map[string]string{"Retry-After": "1"}, `{"error":{"code":"TooManyRequests"}}`}, true, 0, ""},
		{"graph no header", config.Graph, answer{nil, `{}`}, true, 0, ""},
		{"login ms", config.Login, answer{map[string]string{"Retry-After-Ms": "600000"}, `{"error":"temporarily_unavailable","error_description":"AADSTS90055: throttled"}`}, false, 10 * time.Minute, "temporarily_unavailable AADSTS90055"},
		{"hostile code", config.Graph, answer{map[string]string{"Retry-After": "600"}, `{"error":{"code":"Too\u001b[2J Many\nRequests"}}`}, false, 10 * time.Minute, "Too2JManyRequests"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := sourcetest.Start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				for k, v := range tc.answer.headers {
					w.Header().Set(k, v)
				}
				w.WriteHeader(http.StatusTooManyRequests)
				_, _ = io.WriteString(w, tc.answer.body)
			}))
			s := config.Settings{ExtraCAPEM: srv.CAPEM(), Timeout: 30 * time.Second}
			resp, err := get(t, s.HTTPClientFor(tc.system), context.Background(), srv.URL)
			if tc.pass {
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(resp.Body)
				if resp.StatusCode != 429 || string(b) != tc.answer.body {
					t.Fatalf("passed on: %d %q", resp.StatusCode, b)
				}
				return
			}
			var rl *config.RateLimitError
			if !errors.As(err, &rl) {
				t.Fatalf("err = %v", err)
			}
			if rl.System != tc.system || rl.Status != 429 || rl.Code != tc.code || (rl.Wait-tc.wait).Abs() > 2*time.Second || rl.Timeout != s.Timeout ||
				rl.Left > s.Timeout || rl.Left < s.Timeout-5*time.Second {
				t.Fatalf("%+v", rl)
			}
		})
	}
	t.Run("the caller's deadline", func(t *testing.T) {
		t.Parallel()
		srv := sourcetest.Start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "10")
			w.WriteHeader(http.StatusTooManyRequests)
		}))
		s := config.Settings{ExtraCAPEM: srv.CAPEM(), Timeout: 30 * time.Second}
		if _, err := get(t, s.HTTPClientFor(config.Graph), context.Background(), srv.URL); err != nil {
			t.Fatalf("10 s of 30 s: %v", err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		_, err := get(t, s.HTTPClientFor(config.Graph), ctx, srv.URL)
		if err == nil || !strings.Contains(err.Error(), "in 10s — longer than the 3s left before the deadline") {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestRateLimitErrorText(t *testing.T) {
	t.Parallel()
	reset := time.Date(2026, 5, 4, 10, 15, 4, 0, time.UTC)
	for _, tc := range []struct {
		err  config.RateLimitError
		want string
	}{
		{config.RateLimitError{System: config.Okta, Status: 429, Code: "E0000047", Reset: reset, Wait: 59*time.Minute + 56*time.Second, Left: 29900 * time.Millisecond, Timeout: 30 * time.Second},
			"rate limited (HTTP 429 E0000047); the limit resets at 10:15:04 UTC, in 59m56s — longer than the timeout 30s"},
		{config.RateLimitError{Status: 429, Reset: reset, Wait: 30 * time.Second, Left: 12200 * time.Millisecond, Timeout: 30 * time.Second},
			"rate limited (HTTP 429); the limit resets at 10:15:04 UTC, in 30s — longer than the 12s left before the deadline"},
		{config.RateLimitError{Status: 429, Reset: reset, Wait: 49 * time.Hour, Left: 30 * time.Second, Timeout: 30 * time.Second},
			"rate limited (HTTP 429); the limit resets at 2026-05-04 10:15:04 UTC, in 49h0m0s — longer than the timeout 30s"},
		{config.RateLimitError{Status: 429, Code: "E0000047"},
			"rate limited (HTTP 429 E0000047); the answer does not say when the limit resets"},
	} {
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("%q\nwant %q", got, tc.want)
		}
	}
}

// TestGuardBoundsBodies: a body past MaxBodyBytes fails with a
// *BodyTooLargeError when read; exactly MaxBodyBytes reads whole.
func TestGuardBoundsBodies(t *testing.T) {
	t.Parallel()
	srv := sourcetest.Start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.ParseInt(r.URL.Query().Get("n"), 10, 64)
		sourcetest.Huge(w, n)
	}))
	s := config.Settings{ExtraCAPEM: srv.CAPEM(), Timeout: 30 * time.Second}
	for _, n := range []int64{config.MaxBodyBytes - 70<<10, config.MaxBodyBytes + 1} {
		resp, err := get(t, s.HTTPClientFor(config.Graph), context.Background(), srv.URL+"?n="+strconv.FormatInt(n, 10))
		if err != nil {
			t.Fatal(err)
		}
		read, err := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		var bt *config.BodyTooLargeError
		if tooLarge := errors.As(err, &bt); tooLarge != (n > config.MaxBodyBytes) || read > config.MaxBodyBytes {
			t.Fatalf("n=%d: read %d, err %v", n, read, err)
		}
		if err != nil && (err.Error() != "the answer is larger than 64 MiB, the most o365doctor reads of one answer" || config.Refused(err) == nil) {
			t.Fatalf("err = %v", err)
		}
	}
}

// A GET to Okta or Graph that meets a dropped connection or a 500/502/503/
// 504 is asked again, a few times; a POST never is, nor a GET to login
// (whose callers have their own attempts).
func TestGuardRetriesTransientGETs(t *testing.T) {
	t.Parallel()
	var n atomic.Int32
	srv := sourcetest.Start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch k := n.Add(1); {
		case r.URL.Path == "/always":
			w.WriteHeader(http.StatusInternalServerError)
		case k == 1:
			if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
				conn.Close()
			}
		case k == 2:
			w.WriteHeader(http.StatusBadGateway)
		default:
			io.WriteString(w, "ok")
		}
	}))
	s := config.Settings{ExtraCAPEM: srv.CAPEM(), Timeout: 10 * time.Second}
	resp, err := get(t, s.HTTPClientFor(config.Okta), context.Background(), srv.URL+"/page")
	if err != nil || resp.StatusCode != http.StatusOK || n.Load() != 3 {
		t.Fatalf("GET after a drop and a 502: %v %v, %d requests", resp, err, n.Load())
	}
	resp.Body.Close()
	n.Store(0)
	resp, err = get(t, s.HTTPClientFor(config.Graph), context.Background(), srv.URL+"/always")
	if err != nil || resp.StatusCode != http.StatusInternalServerError || n.Load() != 4 {
		t.Fatalf("GET always failing: %v %v, %d requests (want 4: one and three retries)", resp, err, n.Load())
	}
	resp.Body.Close()
	n.Store(10) // past the failures
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/always", strings.NewReader("{}"))
	if resp, err := s.HTTPClientFor(config.Okta).Do(req); err != nil || resp.StatusCode != 500 || n.Load() != 11 {
		t.Fatalf("POST: %v %v, %d requests", resp, err, n.Load()-10)
	}
	n.Store(10)
	if resp, err := get(t, s.HTTPClientFor(config.Login), context.Background(), srv.URL+"/always"); err != nil || resp.StatusCode != 500 || n.Load() != 11 {
		t.Fatalf("login GET: %v %v, %d requests", resp, err, n.Load()-10)
	}
}
