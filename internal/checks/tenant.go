package checks

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/o365doctor/o365doctor/internal/model"
)

// EntraUsersWithoutOkta: every Entra user of the domain has an Office 365
// app user in Okta, tenant-wide.
var EntraUsersWithoutOkta = &Check{
	ID:          "identity.entra-without-okta",
	Title:       "Every Entra ID user of the domain is an Office 365 app user in Okta",
	Area:        AreaIdentity,
	Scope:       ScopeTenant,
	Severity:    Critical,
	Needs:       []Source{Okta, Graph},
	Permissions: []Permission{{Source: Okta, Name: "okta.apps.read"}, {Source: Graph, Name: "User.Read.All"}},
	Requires:    []FactRef{Office365AppFact},
	Doc: `Once a domain is federated, Okta signs in every user of that domain, and only
users assigned to the domain's Office 365 app. An Entra ID user of the domain
with no Office 365 app user in Okta (never created in Okta, or not assigned)
is locked out at the switch: Okta answers "Your account has not been configured
for this application". Before go-live, every one of them must be assigned, or
moved to another domain. The check reads every app user of the Okta app (Okta
allows 500 a page) and streams the domain's Entra users past them, holding only
the Okta user names; one finding per user who would be locked out.
Fix: assign each one (or a group of them) to the Office 365 app in Okta.`,
	References: []string{
		"https://support.okta.com/help/s/article/Office-365-Error-Your-Account-Has-Not-Been-Configured-For-This-Application",
		"https://developer.okta.com/docs/api/openapi/okta-management/management/tag/ApplicationUsers/",
		"https://learn.microsoft.com/graph/api/user-list",
	},
	Run: runEntraUsersWithoutOkta,
}

func runEntraUsersWithoutOkta(ctx context.Context, pass *Pass) error {
	domain := pass.Subject.Domain
	if domain == "" {
		return Skip("needs a domain: the Office 365 app in Okta federates one domain")
	}
	app, err := Office365AppFact.Get(ctx, pass.Facts)
	if errors.Is(err, ErrNoApp) {
		return Skip("no active Office 365 app for %s in Okta (see oktaapp.one-active-app)", domain)
	}
	if err != nil {
		return err
	}
	src := pass.Facts.Sources()
	// Hold the Okta side (user names only): both sides are the size of
	// the domain, and the Entra side streams past with its details.
	assigned, err := Index(ctx, src.Okta.AppUserPages(ctx, app.ID),
		func(au model.AppUser) (string, struct{}, bool) {
			return strings.ToLower(au.UserName), struct{}{}, au.UserName != ""
		},
		func(n int) { pass.Progress("Okta app users", n, 0) })
	if err != nil {
		return err
	}
	entra, missing := 0, 0
	err = Join(ctx, assigned, src.Graph.UserPages(ctx, domain),
		func(u model.EntraUser) string { return strings.ToLower(u.UserPrincipalName) },
		func(u model.EntraUser, _ struct{}, found bool) error {
			entra++
			if found {
				return nil
			}
			missing++
			obj := Object{Kind: ObjUser, ID: u.ID, Name: u.UserPrincipalName}
			pass.Report(Finding{
				Object:  obj,
				Status:  StatusFail,
				Message: fmt.Sprintf("%s has no Office 365 app user in Okta: locked out once %s is federated", u.UserPrincipalName, domain),
				Evidence: []Evidence{
					Value{Read{System: "entra", Object: obj, Field: "userPrincipalName", Value: u.UserPrincipalName, Source: "GET /users?$filter=endswith(userPrincipalName,...)", Personal: true}},
					Value{Read{System: "okta", Object: appObject(app), Field: "app user with this credentials.userName", Value: "(none)", Source: "GET /api/v1/apps/{appId}/users"}},
				},
			})
			return nil
		},
		func(n int) { pass.Progress("Entra users", n, 0) })
	if err != nil {
		return err
	}
	if missing == 0 {
		pass.Report(Finding{Object: Object{Kind: ObjDomain, ID: domain, Name: domain}, Status: StatusPass,
			Message: fmt.Sprintf("all %d Entra ID users of %s are Office 365 app users in Okta (%d app users)", entra, domain, len(assigned))})
		return nil
	}
	pass.Summarize("%d of %d Entra ID users of %s have no Office 365 app user in Okta: they are locked out once the domain is federated", missing, entra, domain)
	return nil
}
