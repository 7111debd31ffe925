package okta_test

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/okta/okta-sdk-golang/v2/okta/query"

	"github.com/o365doctor/o365doctor/internal/lab"
	"github.com/o365doctor/o365doctor/internal/lab/labtest"
	"github.com/o365doctor/o365doctor/internal/source/okta"
)

const appUsersRoute = "okta GET /api/v1/apps/{appId}/users"

// TestAppUserPagesBulk: every app user of a 5000-user lab exactly once,
// 500 a page, the same set the SDK lists with another page size.
func TestAppUserPagesBulk(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	l := labtest.StartWith(t, "bulk", lab.Options{Users: 5000})
	c, err := okta.New(ctx, l.Settings())
	if err != nil {
		t.Fatal(err)
	}
	apps, err := c.Office365Apps(ctx)
	if err != nil || len(apps) != 1 {
		t.Fatalf("apps: %v %v", apps, err)
	}
	appID := apps[0].ID

	seen := map[string]int{}
	pages := 0
	for page, err := range c.AppUserPages(ctx, appID) {
		if err != nil {
			t.Fatal(err)
		}
		pages++
		if len(page) > okta.AppUsersPerPage {
			t.Fatalf("page of %d", len(page))
		}
		for _, au := range page {
			if au.AppID != appID || au.UserID == "" || au.UserName == "" {
				t.Fatalf("app user = %+v", au)
			}
			seen[au.UserID]++
		}
	}
	for id, n := range seen {
		if n != 1 {
			t.Fatalf("app user %s streamed %d times", id, n)
		}
	}
	if got := l.Requests(appUsersRoute); got != pages {
		t.Fatalf("%d requests for %d pages", got, pages)
	}

	// The same listing through the SDK's own pager, 200 a page.
	sdk := okta.SDK(c)
	want := 0
	page, resp, err := sdk.Application.ListApplicationUsers(ctx, appID, query.NewQueryParams(query.WithLimit(200)))
	for {
		if err != nil {
			t.Fatal(err)
		}
		for _, au := range page {
			if seen[au.Id] != 1 {
				t.Fatalf("app user %s listed by the SDK but not streamed", au.Id)
			}
			want++
		}
		if !resp.HasNextPage() {
			break
		}
		page = nil
		resp, err = resp.Next(ctx, &page)
	}
	if len(seen) != want || want < 4500 || pages != (want+okta.AppUsersPerPage-1)/okta.AppUsersPerPage {
		t.Fatalf("streamed %d app users in %d pages; the SDK lists %d", len(seen), pages, want)
	}
}

// TestAppUserPagesStopsWithTheConsumer: a consumer that stops after the
// first page causes at most the two requests already asked ahead; one
// that cancels gets the cancellation once, and no page after it.
func TestAppUserPagesStopsWithTheConsumer(t *testing.T) {
	t.Parallel()
	l := labtest.StartWith(t, "bulk", lab.Options{Users: 5000})
	c, err := okta.New(context.Background(), l.Settings())
	if err != nil {
		t.Fatal(err)
	}
	apps, err := c.Office365Apps(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for page, err := range c.AppUserPages(context.Background(), apps[0].ID) {
		if err != nil || len(page) != okta.AppUsersPerPage {
			t.Fatalf("first page: %d, %v", len(page), err)
		}
		break
	}
	// A request sent before the stop may reach the lab's handler a little
	// later (a loaded machine): count once the number holds still.
	first := settled(l, appUsersRoute)
	if first < 1 || first > 3 {
		t.Fatalf("%d requests after the consumer stopped at page 1", first)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var errs []error
	pages := 0
	for page, err := range c.AppUserPages(ctx, apps[0].ID) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		pages++
		if len(page) == 0 {
			t.Fatal("empty page")
		}
		cancel()
	}
	if pages != 1 || len(errs) != 1 || !strings.Contains(errs[0].Error(), "context canceled") || strings.Contains(errs[0].Error(), "\n") {
		t.Fatalf("after cancel: %d pages, errors %v", pages, errs)
	}
	if n := settled(l, appUsersRoute) - first; n < 1 || n > 3 {
		t.Fatalf("%d requests for a consumer that cancelled at page 1, want 1 to 3 (two asked ahead)", n)
	}
}

// The lean decode of the bulk pages gives, for every app user of every
// scenario, what the SDK's typed decode gives for the same app user
// (GET /api/v1/apps/{appId}/users/{userId}), and the embedded user's
// status is the Okta user's.
func TestAppUserPagesLeanDecodeMatchesTheSDK(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	compared := 0
	for _, name := range lab.ScenarioNames() {
		opts := lab.Options{}
		if name == "bulk" {
			opts.Users = 300
		}
		l := labtest.StartWith(t, name, opts)
		c, err := okta.New(ctx, l.Settings())
		if err != nil {
			t.Fatal(err)
		}
		apps, err := c.Office365Apps(ctx)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, app := range apps {
			for page, err := range c.AppUserPages(ctx, app.ID) {
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				for _, lean := range page {
					typed, err := c.AppUser(ctx, app.ID, lean.UserID)
					if err != nil {
						t.Fatalf("%s: %v", name, err)
					}
					u, err := c.User(ctx, lean.UserID)
					if err != nil {
						t.Fatalf("%s: %v", name, err)
					}
					typed.UserStatus = u.Status
					if !reflect.DeepEqual(lean, typed) {
						t.Errorf("%s: %s\nlean:  %+v\ntyped: %+v", name, lean.UserID, lean, typed)
					}
					compared++
				}
			}
		}
	}
	if compared < 400 {
		t.Fatalf("%d app users compared", compared)
	}
}

// settled is the route's request count once it has not moved for 200 ms.
func settled(l *lab.Lab, route string) int {
	n := l.Requests(route)
	for {
		time.Sleep(200 * time.Millisecond)
		m := l.Requests(route)
		if m == n {
			return n
		}
		n = m
	}
}
