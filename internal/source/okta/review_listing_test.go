package okta_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/o365doctor/o365doctor/internal/source/sourcetest"
)

// pagedServer serves three one-user pages of app 0oa1; page 2 is slow.
func pagedServer(t *testing.T, slow time.Duration) *sourcetest.Server {
	var srv *sourcetest.Server
	srv = sourcetest.Start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		after := r.URL.Query().Get("after")
		n := map[string]int{"": 1, "u1": 2, "u2": 3}[after]
		if n == 2 {
			select {
			case <-time.After(slow):
			case <-r.Context().Done():
				return
			}
		}
		if n < 3 {
			w.Header().Add("Link", fmt.Sprintf(`<%s/api/v1/apps/0oa1/users?after=u%d&limit=500>; rel="next"`, srv.URL, n))
		}
		sourcetest.Raw(w, http.StatusOK, "application/json",
			fmt.Sprintf(`[{"id":"u%d","credentials":{"userName":"u%d@contoso.com"},"_embedded":{"user":{"status":"ACTIVE"}}}]`, n, n))
	}))
	return srv
}

// A consumer whose context ends while the next page is being asked for
// must get an error, never a listing that just ends short (which a check
// reads as "that was every app user").
func TestCancelledListingEndsWithAnError(t *testing.T) {
	srv := pagedServer(t, 400*time.Millisecond)
	c, _ := client(t, srv, 5*time.Second)
	silent := 0
	const trials = 30
	for range trials {
		ctx, cancel := context.WithCancel(context.Background())
		pages, errs := 0, 0
		for _, err := range c.AppUserPages(ctx, "0oa1") {
			if err != nil {
				errs++
				continue
			}
			pages++
			if pages == 1 {
				time.AfterFunc(50*time.Millisecond, cancel) // while page 2 is asked
			}
		}
		cancel()
		if errs == 0 && pages < 3 {
			silent++
		}
	}
	if silent > 0 {
		t.Fatalf("%d of %d cancelled listings ended after a partial listing with no error", silent, trials)
	}
}

// A saved cursor is a path of this app's listing (the SDK prefixes the
// org URL to whatever it is given): a full URL, even on the org, another
// app's listing or another endpoint is refused before any request; the
// path resumes.
func TestResumeCursorIsAPathOfThisListing(t *testing.T) {
	srv := pagedServer(t, 0)
	c, _ := client(t, srv, 5*time.Second)
	for _, bad := range []string{srv.URL + "/api/v1/apps/0oa1/users?after=u1&limit=500", "https://evil.example/api/v1/apps/0oa1/users",
		"/api/v1/apps/0oa2/users?after=u1", "/api/v1/users?after=u1", "//evil.example/api/v1/apps/0oa1/users"} {
		for _, err := range c.AppUserListing(context.Background(), "0oa1", bad) {
			if err == nil || !strings.Contains(err.Error(), "the saved cursor is not a page of this app's users") {
				t.Fatalf("cursor %q: %v", bad, err)
			}
		}
	}
	if n := len(srv.Requests()); n != 0 {
		t.Fatalf("%d requests for refused cursors", n)
	}
	users := 0
	for page, err := range c.AppUserListing(context.Background(), "0oa1", "/api/v1/apps/0oa1/users?after=u1&limit=500") {
		if err != nil {
			t.Fatal(err)
		}
		users += len(page.Users)
	}
	if users != 2 {
		t.Fatalf("resumed at page 2: %d users, want 2", users)
	}
}
