package checks

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/o365doctor/o365doctor/internal/model"
)

// EntraUserEnabled: the Entra ID user exists, is enabled, and has the UPN
// Okta sends for it.
var EntraUserEnabled = &Check{
	ID:       "identity.entra-user",
	Title:    "Entra ID user exists, is enabled and has the UPN Okta sends",
	Area:     AreaIdentity,
	Scope:    ScopeUser,
	Severity: Critical,
	Needs:    []Source{Graph},
	Permissions: []Permission{
		{Source: Graph, Name: "User.Read.All"},
		{Source: Okta, Name: "okta.users.read", Optional: true}, {Source: Okta, Name: "okta.apps.read", Optional: true},
	},
	Requires: []FactRef{EntraUserFact, AssignmentFact},
	Doc: `After Okta signs a user in, Microsoft 365 needs an Entra ID user to sign in
to: one that exists and is enabled. A disabled account (accountEnabled false:
Okta's deprovisioning when the user was unassigned or deactivated, or an
admin) gets AADSTS50057 right after a successful Okta sign-in. The Office 365
app user's credentials.userName is the UPN Okta sends in the WS-Federation
token and pushes with the profile: when it is not the Entra user's UPN, the
next profile push renames the Entra user (or fails), and Okta's view of who
is assigned (identity.entra-without-okta) misses the user.
Fix: enable the account in Entra ID (or reactivate and reassign the user in
Okta and push); set the app user's user name to the Entra UPN, or correct the
app's username template.`,
	References: []string{
		"https://learn.microsoft.com/entra/identity-platform/reference-error-codes",
		"https://learn.microsoft.com/graph/api/resources/user",
		"https://developer.okta.com/docs/api/openapi/okta-management/management/tag/ApplicationUsers/",
	},
	Run: runEntraUser,
}

func runEntraUser(ctx context.Context, pass *Pass) error {
	upn := pass.Subject.UPN
	eu, err := EntraUserFact.Get(ctx, pass.Facts)
	if errors.Is(err, model.ErrNotFound) {
		reportUserNotFound(pass, "entra", "userPrincipalName", srcEntraUser,
			fmt.Sprintf("no Entra ID user %s: after the Okta sign-in Microsoft 365 has no one to sign in; create the user (Okta's provisioning, or by hand with the same immutableID)", upn))
		return nil
	}
	if err != nil {
		return err
	}
	obj := Object{Kind: ObjUser, ID: eu.ID, Name: eu.UserPrincipalName}
	enabled := "(not returned)"
	if eu.AccountEnabled != nil {
		enabled = fmt.Sprint(*eu.AccountEnabled)
	}
	enabledRead := Value{Read{System: "entra", Object: obj, Field: "accountEnabled", Value: enabled, Source: srcEntraUser}}
	ok := true
	if eu.AccountEnabled != nil && !*eu.AccountEnabled {
		ok = false
		pass.Report(Finding{Object: obj, Status: StatusFail, Evidence: []Evidence{enabledRead},
			Message: fmt.Sprintf("Entra ID user %s is disabled (accountEnabled false): Microsoft answers AADSTS50057 right after the Okta sign-in", eu.UserPrincipalName)})
	}
	// The user name is compared when there is an app user to compare:
	// without one, identity.okta-user and identity.o365-assignment say why.
	a, aErr := AssignmentFact.Get(ctx, pass.Facts)
	note := ""
	switch {
	case aErr == nil && !strings.EqualFold(a.AppUser.UserName, eu.UserPrincipalName):
		ok = false
		pass.Report(Finding{Object: obj, Status: StatusFail,
			Message: fmt.Sprintf("Okta's Office 365 app user for %s is named %s, not the Entra UPN %s: Okta sends %s as the UPN in the sign-in token and in profile pushes, which rename the Entra user",
				a.User.Login, a.AppUser.UserName, eu.UserPrincipalName, a.AppUser.UserName),
			Evidence: []Evidence{Compare("UPN",
				Read{System: "okta", Object: appUserObject(a), Field: "credentials.userName", Value: a.AppUser.UserName, Source: srcAppUser, Personal: true},
				Read{System: "entra", Object: obj, Field: "userPrincipalName", Value: eu.UserPrincipalName, Source: srcEntraUser, Personal: true},
			)}})
	case aErr != nil:
		note = "; the Okta app user's name not compared (no app user to read)"
	}
	if ok {
		pass.Report(Finding{Object: obj, Status: StatusPass, Evidence: []Evidence{enabledRead},
			Message: fmt.Sprintf("Entra ID user %s exists and is enabled%s", eu.UserPrincipalName, cmp.Or(note, ", with the UPN Okta sends"))})
	}
	return nil
}
