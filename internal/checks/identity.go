package checks

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/o365doctor/o365doctor/internal/fix"
	"github.com/o365doctor/o365doctor/internal/model"
)

const (
	srcOktaUser  = "GET /api/v1/users/{login}"
	srcOktaApps  = `GET /api/v1/apps?filter=name eq "office365"`
	srcAppUser   = "GET /api/v1/apps/{appId}/users/{userId}"
	srcEntraUser = "GET /users/{upn}?$select=onPremisesImmutableId,..."
)

// OktaUserStatus: the person exists in Okta and Okta will let them sign in.
var OktaUserStatus = &Check{
	ID:       "identity.okta-user",
	Title:    "Okta user exists and can sign in",
	Area:     "identity",
	Scope:    ScopeUser,
	Severity: Critical,
	Needs:    []Source{Okta},
	Doc: `Once a domain is federated, Okta authenticates every Microsoft 365 sign-in
of that domain. The user must exist in Okta (login = the UPN) with a status that
can sign in: ACTIVE. STAGED and PROVISIONED users have not activated their
account, LOCKED_OUT and SUSPENDED users are blocked, DEPROVISIONED users are
deactivated; PASSWORD_EXPIRED and RECOVERY users must finish a password change
first, which legacy mail clients cannot do (a sign-in loop).
Fix: activate, unlock or unsuspend the user in Okta.`,
	References: []string{
		"https://developer.okta.com/docs/api/openapi/okta-management/management/tag/User/",
		"https://developer.okta.com/docs/api/openapi/okta-management/management/tag/UserLifecycle/",
	},
	Run: runOktaUserStatus,
}

// oktaStatusMeaning explains each Okta user status for a helpdesk.
var oktaStatusMeaning = map[string]struct {
	status  Status
	meaning string
}{
	model.OktaActive:          {Pass, "active: Okta will sign them in"},
	model.OktaStaged:          {Fail, "STAGED: created but never activated; they cannot sign in until an admin activates them"},
	model.OktaProvisioned:     {Fail, "PROVISIONED: activation pending; they have not finished the activation email"},
	model.OktaRecovery:        {Warn, "RECOVERY: a password reset is in progress; they must finish it at Okta before Microsoft 365 sign-in works"},
	model.OktaPasswordExpired: {Warn, "PASSWORD_EXPIRED: they must change their password at Okta; Outlook and other legacy clients loop until they do"},
	model.OktaLockedOut:       {Fail, "LOCKED_OUT: too many failed sign-ins; unlock them in Okta (or wait for the auto-unlock period)"},
	model.OktaSuspended:       {Fail, "SUSPENDED: an admin suspended them; unsuspend them in Okta"},
	model.OktaDeprovisioned:   {Fail, "DEPROVISIONED: deactivated in Okta; Microsoft 365 answers AADSTS50057 or the Okta sign-in fails"},
}

func runOktaUserStatus(ctx context.Context, s *Subject) Result {
	u, err := s.Facts.OktaUser(ctx, s.UPN)
	if errors.Is(err, model.ErrNotFound) {
		return Result{Status: Fail,
			Message:  fmt.Sprintf("no Okta user with login %s: Okta cannot sign them in to Microsoft 365", s.UPN),
			Evidence: []Evidence{{System: "okta", Object: "user " + s.UPN, Field: "login", Value: "(not found)", Source: srcOktaUser}}}
	}
	if err != nil {
		return errorResult(err)
	}
	ev := []Evidence{
		{System: "okta", Object: "user " + u.Login, Field: "status", Value: u.Status, Source: srcOktaUser},
		{System: "okta", Object: "user " + u.Login, Field: "id", Value: u.ID, Source: srcOktaUser},
		{System: "okta", Object: "user " + u.Login, Field: "statusChanged", Value: stamp(u.StatusChanged), Source: srcOktaUser},
		{System: "okta", Object: "user " + u.Login, Field: "lastLogin", Value: stamp(u.LastLogin), Source: srcOktaUser},
	}
	m, ok := oktaStatusMeaning[u.Status]
	if !ok {
		return Result{Status: Warn, Message: fmt.Sprintf("Okta user %s has status %q, which o365doctor does not know", u.Login, u.Status), Evidence: ev}
	}
	return Result{Status: m.status, Message: "Okta user " + u.Login + " is " + m.meaning, Evidence: ev}
}

// O365Assignment: the user is assigned to the Office 365 app of their domain.
var O365Assignment = &Check{
	ID:       "identity.o365-assignment",
	Title:    "Assigned to the Office 365 app in Okta",
	Area:     "identity",
	Scope:    ScopeUser,
	Severity: Critical,
	Needs:    []Source{Okta},
	Doc: `Okta answers a Microsoft 365 sign-in only for users assigned to the
Microsoft Office 365 app that federates their domain (settings.app.domain),
directly or through a group. An unassigned user sees "Your account has not
been configured for this application" at Okta after typing their password.
Fix: assign the user (or one of their groups) to the app.`,
	References: []string{
		"https://support.okta.com/help/s/article/Office-365-Error-Your-Account-Has-Not-Been-Configured-For-This-Application",
		"https://developer.okta.com/docs/api/openapi/okta-management/management/tag/ApplicationUsers/",
	},
	Run: runO365Assignment,
}

func runO365Assignment(ctx context.Context, s *Subject) Result {
	u, app, au, res := appUserOf(ctx, s)
	if res != nil {
		return *res
	}
	ev := []Evidence{
		{System: "okta", Object: "app " + app.Label, Field: "id", Value: app.ID, Source: srcOktaApps},
		{System: "okta", Object: "app " + app.Label, Field: "settings.app.domain", Value: app.Domain(), Source: srcOktaApps},
		{System: "okta", Object: "app user " + u.Login, Field: "scope", Value: au.Scope, Source: srcAppUser},
		{System: "okta", Object: "app user " + u.Login, Field: "status", Value: au.Status, Source: srcAppUser},
		{System: "okta", Object: "app user " + u.Login, Field: "syncState", Value: au.SyncState, Source: srcAppUser},
		{System: "okta", Object: "app user " + u.Login, Field: "credentials.userName", Value: au.UserName, Source: srcAppUser},
	}
	how := "directly"
	if au.Scope == "GROUP" {
		how = "through a group"
	}
	return Result{Status: Pass, Message: fmt.Sprintf("%s is assigned %s to %s (%s)", u.Login, how, app.Label, app.ID), Evidence: ev}
}

// appUserOf loads the Okta user, the Office 365 app of their domain and the
// assignment. A non-nil Result means the check ends there with it.
func appUserOf(ctx context.Context, s *Subject) (model.OktaUser, model.OktaApp, model.AppUser, *Result) {
	var zu model.OktaUser
	var za model.OktaApp
	var zau model.AppUser
	u, err := s.Facts.OktaUser(ctx, s.UPN)
	if errors.Is(err, model.ErrNotFound) {
		return zu, za, zau, &Result{Status: Skipped, Message: "no Okta user " + s.UPN + " (see identity.okta-user)"}
	}
	if err != nil {
		r := errorResult(err)
		return zu, za, zau, &r
	}
	app, err := s.Facts.Office365App(ctx, s.Domain)
	if errors.Is(err, ErrNoApp) {
		return zu, za, zau, &Result{Status: Fail,
			Message:  fmt.Sprintf("no active Office 365 app in Okta has settings.app.domain = %s: nobody in that domain can be signed in by Okta", s.Domain),
			Evidence: []Evidence{{System: "okta", Object: "apps", Field: "settings.app.domain", Value: "(none = " + s.Domain + ")", Source: srcOktaApps}}}
	}
	if err != nil {
		r := errorResult(err)
		return zu, za, zau, &r
	}
	au, err := s.Facts.AppUser(ctx, app.ID, u.ID)
	if errors.Is(err, model.ErrNotFound) {
		return zu, za, zau, &Result{Status: Fail,
			Message: fmt.Sprintf("%s is not assigned to %s (%s): Okta shows \"Your account has not been configured for this application\"", u.Login, app.Label, app.ID),
			Evidence: []Evidence{
				{System: "okta", Object: "app " + app.Label, Field: "id", Value: app.ID, Source: srcOktaApps},
				{System: "okta", Object: "app user " + u.Login, Field: "assignment", Value: "(none)", Source: srcAppUser},
			}}
	}
	if err != nil {
		r := errorResult(err)
		return zu, za, zau, &r
	}
	return u, app, au, nil
}

// ImmutableIDMatch: Okta sends the anchor Entra ID holds for the user.
var ImmutableIDMatch = &Check{
	ID:       "identity.immutableid-match",
	Title:    "immutableID equal in Okta and Entra ID",
	Area:     "identity",
	Scope:    ScopeUser,
	Severity: Critical,
	Needs:    []Source{Okta, Graph},
	Doc: `In a WS-Federation sign-in Okta sends the Office 365 app user's immutableId
as the user's anchor; Entra ID finds the user whose onPremisesImmutableId equals
it. Blank in Okta: AADSTS90020 or "Your account has not been configured for this
application". Blank or different in Entra: AADSTS51004 "The user account does
not exist in the directory" right after a successful Okta sign-in.
Fix: set the Okta app user's immutableId to Entra's value (reversible). When
Entra's value is the wrong one, set onPremisesImmutableId instead (Graph
requires moving the UPN to *.onmicrosoft.com and back for a federated domain).`,
	References: []string{
		"https://support.okta.com/help/s/article/error-during-microsoft-office-365-single-sign-on-aadsts51004-the-user-account-does-not-exist-in-the-directory",
		"https://support.okta.com/help/s/article/ms-o365-federation-immutableid-missing-issue-with-o365-federation",
		"https://learn.microsoft.com/entra/identity-platform/reference-error-codes",
	},
	Run: runImmutableIDMatch,
}

func runImmutableIDMatch(ctx context.Context, s *Subject) Result {
	u, app, au, res := appUserOf(ctx, s)
	if res != nil {
		if res.Status == Fail { // not assigned or no app: that is another check's finding
			return Result{Status: Skipped, Message: "no Office 365 app user to compare (see identity.o365-assignment)"}
		}
		return *res
	}
	eu, err := s.Facts.EntraUser(ctx, s.UPN)
	if errors.Is(err, model.ErrNotFound) {
		return Result{Status: Skipped, Message: "no Entra ID user " + s.UPN + " to compare with"}
	}
	if err != nil {
		return errorResult(err)
	}
	okta, entra := au.ImmutableID(), eu.OnPremisesImmutableID
	ev := []Evidence{
		{System: "okta", Object: "app user " + u.Login, Field: "profile.immutableId", Value: showValue(okta), Source: srcAppUser},
		{System: "entra", Object: "user " + eu.UserPrincipalName, Field: "onPremisesImmutableId", Value: showValue(entra), Source: srcEntraUser},
	}
	r := Result{Evidence: ev, Status: Fail}
	switch {
	case okta != "" && okta == entra:
		r.Status, r.Message = Pass, "Okta and Entra ID hold the same immutableID for "+s.UPN
		return r
	case okta == "" && entra == "":
		r.Message = "immutableID is blank in Okta and in Entra ID: Microsoft cannot match the Okta sign-in to a user (AADSTS90020)"
		return r
	case okta == "":
		r.Message = "the Okta app user has no immutableId: Okta shows \"Your account has not been configured for this application\" (AADSTS90020)"
	case entra == "":
		r.Message = "Entra ID has no onPremisesImmutableId for the user: Microsoft answers AADSTS51004 after the Okta sign-in"
		return r
	default:
		r.Message = "Okta sends a different immutableID than Entra ID holds: Microsoft answers AADSTS51004 after the Okta sign-in"
	}
	r.Fixes = []fix.Plan{{
		ID:         "okta.set-app-user-immutableid",
		Title:      "Set the Okta app user's immutableId to Entra ID's onPremisesImmutableId",
		CheckID:    "identity.immutableid-match",
		Subject:    s.UPN,
		Risk:       "low: one attribute of one Okta app user; a profile mapping in Okta may overwrite it on the next push",
		Reversible: true,
		Steps: []fix.Step{{
			System: "okta", Method: "POST", Object: fix.AppUserObject(app.ID, au.UserID),
			Field: "profile.immutableId", Before: okta, After: entra,
		}},
	}}
	return r
}

func errorResult(err error) Result {
	return Result{Status: Error, Message: err.Error()}
}

func showValue(v string) string {
	if v == "" {
		return "(blank)"
	}
	return v
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return "(never)"
	}
	return t.UTC().Format(time.RFC3339)
}
