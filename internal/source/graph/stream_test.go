package graph_test

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/o365doctor/o365doctor/internal/lab"
	"github.com/o365doctor/o365doctor/internal/lab/labtest"
	"github.com/o365doctor/o365doctor/internal/model"
	"github.com/o365doctor/o365doctor/internal/source/graph"
)

const usersRoute = "graph GET /v1.0/users"

// TestUserPagesBulk: every user of a 5000-user lab exactly once, 999 a
// page; with a domain, exactly the users whose UPN ends with it.
func TestUserPagesBulk(t *testing.T) {
	t.Setenv("AZURE_REGIONAL_AUTHORITY_NAME", "")
	t.Setenv("MSAL_FORCE_REGION", "")
	ctx := context.Background()
	l := labtest.StartWith(t, "bulk", lab.Options{Users: 5000})
	c, err := graph.New(l.Settings())
	if err != nil {
		t.Fatal(err)
	}
	all := map[string]model.EntraUser{}
	pages := 0
	for page, err := range c.UserPages(ctx, "") {
		if err != nil {
			t.Fatal(err)
		}
		pages++
		if len(page) > graph.UsersPerPage {
			t.Fatalf("page of %d", len(page))
		}
		for _, u := range page {
			if _, dup := all[u.ID]; dup || u.UserPrincipalName == "" || u.AccountEnabled == nil {
				t.Fatalf("user %+v (listed before: %v)", u, dup)
			}
			all[u.ID] = u
		}
	}
	if len(all) != 5004 || pages != 6 || l.Requests(usersRoute) != pages {
		t.Fatalf("%d users in %d pages, %d requests; want 5004 users (5000 generated + 4 base) in 6", len(all), pages, l.Requests(usersRoute))
	}

	want := 0
	for _, u := range all {
		if strings.HasSuffix(u.UserPrincipalName, "@contoso.com") {
			want++
		}
	}
	got := map[string]bool{}
	for page, err := range c.UserPages(ctx, "contoso.com") {
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range page {
			if got[u.ID] || !strings.HasSuffix(u.UserPrincipalName, "@contoso.com") || all[u.ID].UserPrincipalName != u.UserPrincipalName || all[u.ID].OnPremisesImmutableID != u.OnPremisesImmutableID {
				t.Fatalf("filtered user %+v (twice: %v)", u, got[u.ID])
			}
			got[u.ID] = true
		}
	}
	if len(got) != want || want == len(all) {
		t.Fatalf("%d users in contoso.com, want %d of %d", len(got), want, len(all))
	}
}

// TestUserPagesStopsWithTheConsumer: a consumer that stops after the first
// page causes no second request; one that cancels gets the cancellation
// once, without another request.
func TestUserPagesStopsWithTheConsumer(t *testing.T) {
	t.Setenv("AZURE_REGIONAL_AUTHORITY_NAME", "")
	t.Setenv("MSAL_FORCE_REGION", "")
	l := labtest.StartWith(t, "bulk", lab.Options{Users: 5000})
	c, err := graph.New(l.Settings())
	if err != nil {
		t.Fatal(err)
	}
	for page, err := range c.UserPages(context.Background(), "contoso.com") {
		if err != nil || len(page) != graph.UsersPerPage {
			t.Fatalf("first page: %d, %v", len(page), err)
		}
		break
	}
	if n := l.Requests(usersRoute); n != 1 {
		t.Fatalf("%d requests after the consumer stopped at page 1", n)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var errs []error
	pages := 0
	for _, err := range c.UserPages(ctx, "") {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		pages++
		cancel()
	}
	if pages != 1 || len(errs) != 1 || !strings.Contains(errs[0].Error(), "context canceled") || strings.Contains(errs[0].Error(), "\n") {
		t.Fatalf("after cancel: %d pages, errors %v", pages, errs)
	}
	if n := l.Requests(usersRoute); n != 2 {
		t.Fatalf("%d requests in all, want 2 (one page each)", n)
	}
}

// The lean decode of the bulk pages gives, for every user of every
// scenario, the model the SDK's typed decode gives for the same user
// (GET /users/{id}, same $select): licenses, states, times, anchors.
func TestUserPagesLeanDecodeMatchesTheSDK(t *testing.T) {
	t.Setenv("AZURE_REGIONAL_AUTHORITY_NAME", "")
	t.Setenv("MSAL_FORCE_REGION", "")
	ctx := context.Background()
	compared := 0
	for _, name := range lab.ScenarioNames() {
		opts := lab.Options{}
		if name == "bulk" {
			opts.Users = 300
		}
		l := labtest.StartWith(t, name, opts)
		c, err := graph.New(l.Settings())
		if err != nil {
			t.Fatal(err)
		}
		for page, err := range c.UserPages(ctx, "") {
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			for _, lean := range page {
				typed, err := c.User(ctx, lean.ID)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				if !reflect.DeepEqual(lean, typed) {
					t.Errorf("%s: %s\nlean:  %+v %+v\ntyped: %+v %+v", name, lean.ID, lean, lean.Licenses, typed, typed.Licenses)
				}
				compared++
			}
		}
	}
	if compared < 500 {
		t.Fatalf("%d users compared", compared)
	}
}

// A listing resumes from a saved nextLink of the same listing, and refuses
// one for another filter (another domain), another collection or another
// host before any request.
func TestUserListingResumesOnlyItsOwnCursor(t *testing.T) {
	t.Setenv("AZURE_REGIONAL_AUTHORITY_NAME", "")
	t.Setenv("MSAL_FORCE_REGION", "")
	ctx := context.Background()
	l := labtest.StartWith(t, "bulk", lab.Options{Users: 3000})
	c, err := graph.New(l.Settings())
	if err != nil {
		t.Fatal(err)
	}
	var cursor string
	all := 0
	for page, err := range c.UserListing(ctx, "contoso.com", "") {
		if err != nil {
			t.Fatal(err)
		}
		if cursor == "" {
			cursor = page.Next
			if page.Count < 3000 {
				t.Fatalf("count %d", page.Count)
			}
		}
		all += len(page.Users)
	}
	rest := 0
	for page, err := range c.UserListing(ctx, "contoso.com", cursor) {
		if err != nil {
			t.Fatal(err)
		}
		rest += len(page.Users)
	}
	if rest != all-graph.UsersPerPage {
		t.Fatalf("resumed after page 1: %d users, want %d", rest, all-graph.UsersPerPage)
	}
	l.ResetRequests()
	for _, bad := range []string{
		strings.Replace(cursor, "contoso.com", "fabrikam.com", 1),
		strings.Replace(cursor, "/users?", "/groups?", 1),
		strings.Replace(cursor, "https://", "https://evil.", 1),
	} {
		for _, err := range c.UserListing(ctx, "contoso.com", bad) {
			if err == nil {
				t.Fatalf("cursor %q accepted", bad)
			}
		}
	}
	if n := l.Requests(usersRoute); n != 0 {
		t.Fatalf("%d requests for refused cursors", n)
	}
}

// Graph's throttles: a second Conditional Access read in the same second
// meets a 429 without Retry-After, and the client backs off and gets the
// policies; the sixth sign-in log read in 10 s meets one with Retry-After,
// and the client waits it out. Nothing fails; the lab counts the 429s.
func TestGraphThrottlesAreWaitedOut(t *testing.T) {
	t.Setenv("AZURE_REGIONAL_AUTHORITY_NAME", "")
	t.Setenv("MSAL_FORCE_REGION", "")
	if testing.Short() {
		t.Skip("waits out Graph's throttles (seconds)")
	}
	ctx := context.Background()
	l := labtest.StartWith(t, "healthy", lab.Options{GraphThrottle: true})
	c, err := graph.New(l.Settings())
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		if _, err := c.ConditionalAccessPolicies(ctx); err != nil {
			t.Fatalf("CA read %d: %v", i+1, err)
		}
	}
	for i := range 6 {
		if _, _, err := c.SignIns(ctx, "alice@contoso.com", time.Now().Add(-time.Hour), time.Now()); err != nil {
			t.Fatalf("sign-in read %d: %v", i+1, err)
		}
	}
	g := l.Stats()["graph"]
	if g.Buckets["conditionalAccess"] == 0 || g.Buckets["reports"] == 0 {
		t.Fatalf("the throttles were not met: %+v", g)
	}
}
