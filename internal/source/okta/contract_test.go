package okta_test

// Contract tests: every Okta endpoint the lab serves, decoded by the real
// SDK into its typed values, with the fields o365doctor relies on present.
// The shapes follow Okta's management API reference and the recorded
// office365 responses in terraform-provider-okta's VCR fixtures (cited in
// internal/lab).

import (
	"context"
	"net/http"
	"testing"
	"time"

	sdk "github.com/okta/okta-sdk-golang/v2/okta"
	"github.com/okta/okta-sdk-golang/v2/okta/query"

	"github.com/o365doctor/o365doctor/internal/lab"
	"github.com/o365doctor/o365doctor/internal/lab/labtest"
	oktasrc "github.com/o365doctor/o365doctor/internal/source/okta"
)

func rawClient(t *testing.T, l *lab.Lab) *sdk.Client {
	t.Helper()
	c, err := oktasrc.New(context.Background(), l.Settings())
	if err != nil {
		t.Fatal(err)
	}
	return oktasrc.SDK(c)
}

func office365AppID(t *testing.T, c *sdk.Client) string {
	t.Helper()
	apps, _, err := c.Application.ListApplications(context.Background(), query.NewQueryParams(query.WithFilter(`name eq "office365"`)))
	if err != nil || len(apps) == 0 {
		t.Fatalf("office365 app: %v %v", apps, err)
	}
	return apps[0].(*sdk.Application).Id
}

func TestContractUsersAndLifecycle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	l := labtest.Start(t, "locked-out")
	c := rawClient(t, l)
	u, _, err := c.User.GetUser(ctx, "alice@contoso.com")
	if err != nil {
		t.Fatal(err)
	}
	p := *u.Profile
	if u.Id == "" || u.Status != "LOCKED_OUT" || p["login"] != "alice@contoso.com" || u.Created == nil || u.LastLogin == nil || u.Links == nil {
		t.Fatalf("user = %+v", u)
	}
	if _, err := c.User.UnlockUser(ctx, u.Id); err != nil {
		t.Fatal(err)
	}
	if u, _, _ = c.User.GetUser(ctx, u.Id); u.Status != "ACTIVE" {
		t.Fatalf("after unlock: %s", u.Status)
	}
	resp, err := c.User.UnsuspendUser(ctx, u.Id)
	if e, ok := err.(*sdk.Error); !ok || resp.StatusCode != http.StatusBadRequest || e.ErrorCode != "E0000001" {
		t.Fatalf("unsuspend of an active user: %#v", err)
	}
	if _, err := c.User.SuspendUser(ctx, u.Id); err != nil {
		t.Fatal(err)
	}
	if _, err := c.User.UnsuspendUser(ctx, u.Id); err != nil {
		t.Fatal(err)
	}
	users, _, err := c.User.ListUsers(ctx, query.NewQueryParams(query.WithSearch(`profile.login eq "bob@contoso.com"`)))
	if err != nil || len(users) != 1 || users[0].Status != "ACTIVE" {
		t.Fatalf("search: %v %v", users, err)
	}
	_, resp, err = c.User.GetUser(ctx, "nobody@contoso.com")
	if e, ok := err.(*sdk.Error); !ok || resp.StatusCode != 404 || e.ErrorCode != "E0000007" || e.ErrorSummary == "" {
		t.Fatalf("404: %#v", err)
	}
}

func TestContractActivateStagedUser(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	l := labtest.Start(t, "staged-user")
	c := rawClient(t, l)
	token, _, err := c.User.ActivateUser(ctx, "gina@contoso.com", query.NewQueryParams(query.WithSendEmail(false)))
	if err != nil || token.ActivationToken == "" || token.ActivationUrl == "" {
		t.Fatalf("activate: %+v %v", token, err)
	}
	u, _, _ := c.User.GetUser(ctx, "gina@contoso.com")
	if u.Status != "PROVISIONED" {
		t.Fatalf("after activation without a password: %s, want PROVISIONED", u.Status)
	}
	if _, _, err := c.User.ActivateUser(ctx, "alice@contoso.com", nil); err == nil {
		t.Fatal("activating an active user succeeded")
	}
}

func TestContractFactors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	l := labtest.Start(t, "login-loop-okta-verify")
	c := rawClient(t, l)
	u, _, _ := c.User.GetUser(ctx, "alice@contoso.com")
	factors, _, err := c.UserFactor.ListFactors(ctx, u.Id)
	if err != nil || len(factors) != 2 {
		t.Fatalf("factors: %v %v", factors, err)
	}
	var pending string
	for _, f := range factors {
		uf, ok := f.(*sdk.UserFactor)
		if !ok {
			t.Fatalf("factor type %T", f)
		}
		if uf.FactorType != "push" || uf.Provider != "OKTA" || uf.Id == "" {
			t.Fatalf("factor = %+v", uf)
		}
		if uf.Status == "PENDING_ACTIVATION" {
			pending = uf.Id
		}
	}
	resp, err := c.UserFactor.DeleteFactor(ctx, u.Id, pending)
	if err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("delete factor: %v", err)
	}
	if _, err := c.User.ResetFactors(ctx, u.Id); err != nil {
		t.Fatal(err)
	}
	if factors, _, _ = c.UserFactor.ListFactors(ctx, u.Id); len(factors) != 0 {
		t.Fatalf("after reset: %d factors", len(factors))
	}
}

func TestContractAppsKeysGroups(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	l := labtest.Start(t, "group-license-priority")
	c := rawClient(t, l)
	apps, _, err := c.Application.ListApplications(ctx, query.NewQueryParams(query.WithFilter(`name eq "office365"`)))
	if err != nil || len(apps) != 1 {
		t.Fatalf("apps: %v %v", apps, err)
	}
	app := apps[0].(*sdk.Application)
	settings := map[string]any(*app.Settings.App)
	if app.SignOnMode != "SAML_1_1" || settings["domain"] != "contoso.com" || settings["msftTenant"] != "contoso" ||
		app.Credentials.Signing.Kid == "" || app.Credentials.UserNameTemplate.Template != "${source.login}" || len(app.Features) == 0 {
		t.Fatalf("app = %+v %+v", app, settings)
	}
	keys, _, err := c.Application.ListApplicationKeys(ctx, app.Id)
	if err != nil || len(keys) != 1 || keys[0].Kid != app.Credentials.Signing.Kid || len(keys[0].X5c) != 1 || keys[0].X5tS256 == "" || keys[0].ExpiresAt == nil || keys[0].N == "" {
		t.Fatalf("keys: %+v %v", keys, err)
	}
	if k, _, err := c.Application.GetApplicationKey(ctx, app.Id, keys[0].Kid); err != nil || k.Kid != keys[0].Kid {
		t.Fatalf("key: %v", err)
	}
	assigned, _, err := c.Application.ListApplicationGroupAssignments(ctx, app.Id, nil)
	if err != nil || len(assigned) != 2 || assigned[0].PriorityPtr == nil || *assigned[1].PriorityPtr != 1 || assigned[1].Profile == nil {
		t.Fatalf("group assignments: %v %v", assigned, err)
	}
	groups, _, err := c.Group.ListGroups(ctx, query.NewQueryParams(query.WithQ("M365")))
	if err != nil || len(groups) != 2 || groups[0].Profile.Name == "" {
		t.Fatalf("groups: %v %v", groups, err)
	}
	for _, g := range groups {
		members, _, err := c.Group.ListGroupUsers(ctx, g.Id, nil)
		if err != nil || len(members) == 0 {
			t.Fatalf("members of %s: %v %v", g.Profile.Name, members, err)
		}
	}
	if g, _, err := c.Group.GetGroup(ctx, groups[0].Id); err != nil || g.Id != groups[0].Id {
		t.Fatalf("group: %v", err)
	}
}

func TestContractAppUsersPagingAssignUnassign(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	l := labtest.StartWith(t, "bulk", lab.Options{Users: 47})
	c := rawClient(t, l)
	appID := office365AppID(t, c)
	seen := map[string]int{}
	page, resp, err := c.Application.ListApplicationUsers(ctx, appID, query.NewQueryParams(query.WithLimit(5), query.WithExpand("user")))
	pages := 0
	for {
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, au := range page {
			seen[au.Id]++
			if au.Embedded == nil || au.Credentials.UserName == "" {
				t.Fatalf("app user without _embedded.user or userName: %+v", au)
			}
		}
		if !resp.HasNextPage() {
			break
		}
		page = nil
		resp, err = resp.Next(ctx, &page)
	}
	if pages < 4 {
		t.Fatalf("%d pages: the test must cross more than 3", pages)
	}
	total := 0
	for id, n := range seen {
		if n != 1 {
			t.Fatalf("app user %s listed %d times", id, n)
		}
		total++
	}
	// 47 generated users less the bulk defects without an assignment, plus
	// the healthy base's 3 users.
	if total < 40 {
		t.Fatalf("%d app users listed", total)
	}
	users, _, err := c.User.ListUsers(ctx, query.NewQueryParams(query.WithLimit(200)))
	if err != nil {
		t.Fatal(err)
	}
	var unassigned *sdk.User
	for _, u := range users {
		if _, ok := seen[u.Id]; !ok {
			unassigned = u
		}
	}
	if unassigned == nil {
		t.Fatal("the bulk seed gave no unassigned user: assign and unassign went untested")
	}
	au, _, err := c.Application.AssignUserToApplication(ctx, appID, sdk.AppUser{Id: unassigned.Id, Scope: "USER",
		Credentials: &sdk.AppUserCredentials{UserName: (*unassigned.Profile)["login"].(string)}, Profile: map[string]any{"immutableId": "x=="}})
	if err != nil || au.Status == "" || au.Profile.(map[string]any)["immutableId"] != "x==" {
		t.Fatalf("assign: %+v %v", au, err)
	}
	if resp, err := c.Application.DeleteApplicationUser(ctx, appID, unassigned.Id, nil); err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("unassign: %v", err)
	}
}

func TestContractSystemLog(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	l := labtest.Start(t, "locked-out")
	c := rawClient(t, l)
	if _, _, err := c.LogEvent.GetLogs(ctx, query.NewQueryParams(query.WithSince("2020-01-01T00:00:00Z"),
		query.WithUntil("2100-01-01T00:00:00Z"))); err == nil {
		t.Fatal("since more than 180 days ago was accepted")
	}
	events, _, err := c.LogEvent.GetLogs(ctx, query.NewQueryParams(query.WithFilter(`eventType eq "user.session.start" and outcome.result eq "FAILURE"`),
		query.WithUntil(time.Now().Add(time.Minute).UTC().Format("2006-01-02T15:04:05.000Z")), query.WithLimit(100)))
	if err != nil || len(events) != 10 {
		t.Fatalf("events: %d %v", len(events), err)
	}
	e := events[0]
	if e.Published == nil || e.Actor == nil || e.Actor.AlternateId != "alice@contoso.com" || e.Outcome.Result != "FAILURE" ||
		e.Client == nil || e.Client.GeographicalContext.PostalCode == "" || e.DebugContext == nil || e.Uuid == "" {
		t.Fatalf("event = %+v", e)
	}
}

// TestBulk100kAppUserListing lists every Office 365 app user of a
// 100,000-user lab through the SDK's pager (limit=500).
func TestBulk100kAppUserListing(t *testing.T) {
	if testing.Short() {
		t.Skip("100k users: skipped with -short")
	}
	ctx := context.Background()
	l := labtest.StartWith(t, "bulk", lab.Options{Users: 100_000})
	c := rawClient(t, l)
	appID := office365AppID(t, c)
	page, resp, err := c.Application.ListApplicationUsers(ctx, appID, query.NewQueryParams(query.WithLimit(500)))
	n := 0
	for {
		if err != nil {
			t.Fatal(err)
		}
		n += len(page)
		if !resp.HasNextPage() {
			break
		}
		page = nil
		resp, err = resp.Next(ctx, &page)
	}
	// Generated users without an assignment (not-assigned, no-okta-user,
	// service-account, shared-mailbox: 3% by the scenario's fractions) are
	// not listed.
	if n < 96_000 || n > 98_000 {
		t.Fatalf("%d app users listed", n)
	}
}

// Custom domains (GET /api/v1/domains), decoded by the SDK's Domain model.
func TestContractCustomDomains(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	l := labtest.Start(t, "okta-custom-domain")
	c := rawClient(t, l)
	list, _, err := c.Domain.ListDomains(ctx)
	if err != nil || len(list.Domains) != 1 {
		t.Fatalf("domains: %v %v", list, err)
	}
	d := list.Domains[0]
	if d.Domain != "login.contoso.com" || d.ValidationStatus != "VERIFIED" || len(d.DnsRecords) != 2 || d.PublicCertificate == nil || d.PublicCertificate.Expiration == "" {
		t.Fatalf("domain: %+v", d)
	}
	if got, _, err := c.Domain.GetDomain(ctx, d.Id); err != nil || got.Domain != d.Domain {
		t.Fatalf("domain by id: %v", err)
	}
}
