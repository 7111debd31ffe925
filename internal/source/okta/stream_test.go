package okta_test

import (
	"context"
	"strings"
	"testing"

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
// first page causes no second request; one that cancels gets the
// cancellation once, without another request.
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
	if n := l.Requests(appUsersRoute); n != 1 {
		t.Fatalf("%d requests after the consumer stopped at page 1", n)
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
	if n := l.Requests(appUsersRoute); n != 2 {
		t.Fatalf("%d requests in all, want 2 (one page each)", n)
	}
}
