package checks

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
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
	ID:          "identity.okta-user",
	Title:       "Okta user exists and can sign in",
	Area:        AreaIdentity,
	Scope:       ScopeUser,
	Severity:    Critical,
	Needs:       []Source{Okta},
	Permissions: []Permission{{Source: Okta, Name: "okta.users.read"}},
	Requires:    []FactRef{OktaUserMatchFact},
	Doc: `Once a domain is federated, Okta authenticates every Microsoft 365 sign-in
of that domain. The user must exist in Okta (login = the UPN; else the check
looks for the one user whose primary email is the UPN, and fails when several
have it: o365doctor cannot tell which one signs in) with a status that
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
func oktaStatusMeaning(status string) (Status, string, bool) {
	switch status {
	case model.OktaActive:
		return StatusPass, "active: Okta will sign them in", true
	case model.OktaStaged:
		return StatusFail, "STAGED: created but never activated; they cannot sign in until an admin activates them", true
	case model.OktaProvisioned:
		return StatusFail, "PROVISIONED: activation pending; they have not finished the activation email", true
	case model.OktaRecovery:
		return StatusWarn, "RECOVERY: a password reset is in progress; they must finish it at Okta before Microsoft 365 sign-in works", true
	case model.OktaPasswordExpired:
		return StatusWarn, "PASSWORD_EXPIRED: they must change their password at Okta; Outlook and other legacy clients loop until they do", true
	case model.OktaLockedOut:
		return StatusFail, "LOCKED_OUT: too many failed sign-ins; unlock them in Okta (or wait for the auto-unlock period)", true
	case model.OktaSuspended:
		return StatusFail, "SUSPENDED: an admin suspended them; unsuspend them in Okta", true
	case model.OktaDeprovisioned:
		return StatusFail, "DEPROVISIONED: deactivated in Okta; Microsoft 365 answers AADSTS50057 or the Okta sign-in fails", true
	}
	return "", "", false
}

func oktaUserObject(u model.OktaUser) Object { return Object{Kind: ObjUser, ID: u.ID, Name: u.Login} }

func runOktaUserStatus(ctx context.Context, pass *Pass) error {
	upn := pass.Subject.UPN
	m, err := OktaUserMatchFact.Get(ctx, pass.Facts)
	if errors.Is(err, ErrAmbiguousUser) {
		reportAmbiguousUser(pass, m.Candidates)
		return nil
	}
	if errors.Is(err, model.ErrNotFound) {
		reportUserNotFound(pass, "okta", "login", srcOktaUser,
			fmt.Sprintf("no Okta user with login %s (nor with it as email): Okta cannot sign them in to Microsoft 365", upn))
		return nil
	}
	if err != nil {
		return err
	}
	u := m.User
	obj := oktaUserObject(u)
	read := func(field, value string) Evidence {
		return Value{Read{System: "okta", Object: obj, Field: field, Value: value, Source: srcOktaUser}}
	}
	ev := []Evidence{
		read("status", u.Status),
		read("id", u.ID),
		read("statusChanged", stamp(u.StatusChanged)),
		read("lastLogin", stamp(u.LastLogin)),
	}
	found := ""
	if m.By == "email" {
		found = fmt.Sprintf(" (found by email: their Okta login is %s, not the UPN %s)", u.Login, upn)
		ev = append(ev, Value{Read{System: "okta", Object: obj, Field: "profile.email", Value: u.Email, Source: srcOktaUserByEmail, Personal: true}})
	}
	status, meaning, ok := oktaStatusMeaning(u.Status)
	if !ok {
		pass.Report(Finding{Object: obj, Status: StatusWarn, Evidence: ev,
			Message: fmt.Sprintf("Okta user %s has status %q, which o365doctor does not know%s", u.Login, u.Status, found)})
		return nil
	}
	pass.Report(Finding{Object: obj, Status: status, Evidence: ev, Message: "Okta user " + u.Login + " is " + meaning + found,
		Fixes: lifecyclePlans(pass.Check.ID, upn, u)})
	return nil
}

// lifecyclePlans are the fixes of a blocked Okta user: activate a STAGED
// one, unlock a LOCKED_OUT one, unsuspend a SUSPENDED one. Only
// unsuspend can be undone (by suspending): Okta cannot lock a user again,
// and undoing an activation would deactivate the user, which unassigns
// every app.
func lifecyclePlans(checkID, upn string, u model.OktaUser) []fix.Plan {
	step := fix.Step{System: "okta", Method: "POST", Object: fix.UserObject(u.ID), Field: "status", Before: u.Status, Permission: fix.PermOktaUsers}
	plan := fix.Plan{CheckID: checkID, Subject: upn}
	switch u.Status {
	case model.OktaStaged:
		step.Action, step.After = "activate", model.OktaProvisioned
		if u.HasPassword {
			step.After = model.OktaActive
		}
		plan.ID, plan.Title = "okta.activate-user", "Activate the Okta user (Okta emails them the activation link)"
		plan.Risk = "cannot be undone: undoing would deactivate the user, which unassigns every app; " + u.Login + " receives Okta's activation email and must finish it before signing in"
		if u.HasPassword {
			plan.Risk = "cannot be undone: undoing would deactivate the user, which unassigns every app; " + u.Login + " can sign in at once with their password"
		}
	case model.OktaLockedOut:
		step.Action, step.After = "unlock", model.OktaActive
		plan.ID, plan.Title = "okta.unlock-user", "Unlock the Okta user"
		plan.Risk = "cannot be undone (Okta cannot lock a user again); if a client with a stale password keeps retrying, " + u.Login + " is locked out again: fix that client first (see loginloop.legacy-clients)"
	case model.OktaSuspended:
		step.Action, step.After, step.Undo = "unsuspend", model.OktaActive, "suspend"
		plan.ID, plan.Title, plan.Reversible = "okta.unsuspend-user", "Unsuspend the Okta user", true
		plan.Risk = "low: " + u.Login + " can sign in again at once; an admin suspended them: check why first"
	default:
		return nil
	}
	step.Path = fix.UserObject(u.ID) + "/lifecycle/" + step.Action
	plan.Steps = []fix.Step{step}
	return []fix.Plan{plan}
}

// reportUserNotFound fails the subject: system has no user with the UPN
// in field.
func reportUserNotFound(pass *Pass, system, field, source, message string) {
	upn := pass.Subject.UPN
	pass.Report(Finding{
		Object:  Object{Kind: ObjUser, ID: upn, Name: upn},
		Status:  StatusFail,
		Message: message,
		Evidence: []Evidence{Value{Read{System: system, Object: Object{Kind: ObjUser, Name: upn}, Field: field,
			Value: "(not found)", Source: source, Personal: true}}},
	})
}

// reportAmbiguousUser fails the subject when no Okta login is the UPN and
// several users have it as email, naming each.
func reportAmbiguousUser(pass *Pass, candidates []model.OktaUser) {
	upn := pass.Subject.UPN
	var logins []string
	var ev []Evidence
	for _, c := range candidates {
		logins = append(logins, c.Login)
		ev = append(ev, Value{Read{System: "okta", Object: oktaUserObject(c), Field: "profile.email", Value: c.Email, Source: srcOktaUserByEmail, Personal: true}},
			Value{Read{System: "okta", Object: oktaUserObject(c), Field: "status", Value: c.Status, Source: srcOktaUserByEmail}})
	}
	pass.Report(Finding{
		Object: Object{Kind: ObjUser, ID: upn, Name: upn},
		Status: StatusFail,
		Message: fmt.Sprintf("no Okta user has login %s, and %d have it as email (%s): o365doctor cannot tell which one signs in to Microsoft 365; make the right one's login the UPN",
			upn, len(candidates), strings.Join(logins, ", ")),
		Evidence: ev,
	})
}

// O365Assignment: the user is assigned to the Office 365 app of their domain.
var O365Assignment = &Check{
	ID:          "identity.o365-assignment",
	Title:       "Assigned to the Office 365 app in Okta",
	Area:        AreaIdentity,
	Scope:       ScopeUser,
	Severity:    Critical,
	Needs:       []Source{Okta},
	Permissions: []Permission{{Source: Okta, Name: "okta.users.read"}, {Source: Okta, Name: "okta.apps.read"}, {Source: Okta, Name: "okta.groups.read", Optional: true}},
	Requires:    []FactRef{AssignmentFact},
	Doc: `Okta answers a Microsoft 365 sign-in only for users assigned to the
Microsoft Office 365 app that federates their domain (settings.app.domain),
directly or through a group (named, when the user's groups can be read). An unassigned user sees "Your account has not
been configured for this application" at Okta after typing their password.
Fix: assign the user (or one of their groups) to the app.`,
	References: []string{
		"https://support.okta.com/help/s/article/Office-365-Error-Your-Account-Has-Not-Been-Configured-For-This-Application",
		"https://developer.okta.com/docs/api/openapi/okta-management/management/tag/ApplicationUsers/",
	},
	Run: runO365Assignment,
}

func appObject(a model.OktaApp) Object { return Object{Kind: ObjApp, ID: a.ID, Name: a.Label} }

func appUserObject(a Assignment) Object {
	return Object{Kind: ObjAppUser, ID: a.App.ID + "/" + a.User.ID, Name: a.User.Login}
}

func runO365Assignment(ctx context.Context, pass *Pass) error {
	a, done, err := assignmentOf(ctx, pass)
	if done || err != nil {
		return err
	}
	app, au := appObject(a.App), appUserObject(a)
	appRead := func(field, value string) Evidence {
		return Value{Read{System: "okta", Object: app, Field: field, Value: value, Source: srcOktaApps}}
	}
	auRead := func(field, value string) Evidence {
		return Value{Read{System: "okta", Object: au, Field: field, Value: value, Source: srcAppUser}}
	}
	ev := []Evidence{
		appRead("id", a.App.ID),
		appRead("settings.app.domain", a.App.Domain()),
		auRead("scope", a.AppUser.Scope),
		auRead("status", a.AppUser.Status),
		auRead("syncState", a.AppUser.SyncState),
		Value{Read{System: "okta", Object: au, Field: "credentials.userName", Value: a.AppUser.UserName, Source: srcAppUser, Personal: true}},
	}
	how := "directly"
	if a.AppUser.Scope == "GROUP" {
		how = "through a group"
		if groups := assigningGroups(ctx, pass); len(groups) > 0 {
			how = "through group " + strings.Join(groups, ", ")
			ev = append(ev, Value{Read{System: "okta", Object: au, Field: "groups assigned to the app", Value: strings.Join(groups, ", "), Source: srcAssigningGroups}})
		}
	}
	pass.Report(Finding{Object: au, Status: StatusPass, Evidence: ev,
		Message: fmt.Sprintf("%s is assigned %s to %s (%s)", a.User.Login, how, a.App.Label, a.App.ID)})
	return nil
}

const srcAssigningGroups = "GET /api/v1/apps/{appId}/groups and /api/v1/users/{id}/groups"

// assigningGroups names the subject's groups assigned to the app, in the
// app's priority order: the license checks read both lists anyway, so this
// costs no request in a user run. Nil when either cannot be read (the
// finding then says "through a group").
func assigningGroups(ctx context.Context, pass *Pass) []string {
	appGroups, err := AppGroupsFact.Get(ctx, pass.Facts)
	if err != nil {
		return nil
	}
	userGroups, err := UserGroupsFact.Get(ctx, pass.Facts)
	if err != nil {
		return nil
	}
	names := map[string]string{}
	for _, g := range userGroups {
		names[g.ID] = g.Name
	}
	appGroups = slices.Clone(appGroups) // the fact is shared: sort a copy
	slices.SortStableFunc(appGroups, func(x, y model.AppGroup) int { return x.Priority - y.Priority })
	var out []string
	for _, g := range appGroups {
		if name, ok := names[g.GroupID]; ok {
			out = append(out, name)
		}
	}
	return out
}

// assignmentOf reads the subject's Office 365 assignment. done means the
// check ends there: the finding (no app, not assigned) is reported, or the
// Okta user does not exist, which is identity.okta-user's finding.
func assignmentOf(ctx context.Context, pass *Pass) (a Assignment, done bool, err error) {
	upn, domain := pass.Subject.UPN, pass.Subject.Domain
	a, err = AssignmentFact.Get(ctx, pass.Facts)
	switch {
	case err == nil:
		return a, false, nil
	case a.User.ID == "" && errors.Is(err, model.ErrNotFound):
		return a, true, Skip("no Okta user %s (see identity.okta-user)", upn)
	case errors.Is(err, ErrNoApp):
		pass.Report(Finding{
			Object:  Object{Kind: ObjDomain, ID: domain, Name: domain},
			Status:  StatusFail,
			Message: fmt.Sprintf("no active Office 365 app in Okta has settings.app.domain = %s: nobody in that domain can be signed in by Okta", domain),
			Evidence: []Evidence{Value{Read{System: "okta", Object: Object{Kind: ObjApp, Name: "office365 apps"},
				Field: "settings.app.domain", Value: "(none = " + domain + ")", Source: srcOktaApps}}},
		})
		return a, true, nil
	case a.App.ID != "" && errors.Is(err, model.ErrNotFound):
		au := appUserObject(a)
		f := Finding{
			Object:  au,
			Status:  StatusFail,
			Message: fmt.Sprintf("%s is not assigned to %s (%s): Okta shows \"Your account has not been configured for this application\"", a.User.Login, a.App.Label, a.App.ID),
			Evidence: []Evidence{
				Value{Read{System: "okta", Object: appObject(a.App), Field: "id", Value: a.App.ID, Source: srcOktaApps}},
				Value{Read{System: "okta", Object: au, Field: "assignment", Value: "(none)", Source: srcAppUser}},
			},
		}
		if pass.Check.ID == "identity.o365-assignment" {
			// The plan carries what Entra holds (Graph is optional here).
			eu, euErr := EntraUserFact.Get(ctx, pass.Facts)
			skus, _ := SubscribedSkusFact.Get(ctx, pass.Facts) // names the SKUs; Microsoft's table does without
			if p, why := assignAppPlan(pass.Check.ID, upn, a, eu, skus, euErr); why != "" {
				f.Message += "; " + why
			} else {
				f.Fixes = []fix.Plan{p}
			}
		}
		pass.Report(f)
		return a, true, nil
	}
	return a, true, err
}

// ImmutableIDMatch: Okta sends the anchor Entra ID holds for the user.
var ImmutableIDMatch = &Check{
	ID:          "identity.immutableid-match",
	Title:       "immutableID equal in Okta and Entra ID",
	Area:        AreaIdentity,
	Scope:       ScopeUser,
	Severity:    Critical,
	Needs:       []Source{Okta, Graph},
	Permissions: []Permission{{Source: Okta, Name: "okta.users.read"}, {Source: Okta, Name: "okta.apps.read"}, {Source: Graph, Name: "User.Read.All"}},
	Requires:    []FactRef{AssignmentFact, EntraUserFact, AnchorHoldersFact},
	Doc: `In a WS-Federation sign-in Okta sends the Office 365 app user's immutableId
as the user's anchor; Entra ID finds the user whose onPremisesImmutableId equals
it. Blank in Okta: AADSTS90020 or "Your account has not been configured for this
application". Blank or different in Entra: AADSTS51004 "The user account does
not exist in the directory" right after a successful Okta sign-in; when
another Entra user holds the value Okta sends, the sign-in lands as that
user instead (identity.immutableid-unique names them).
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

func runImmutableIDMatch(ctx context.Context, pass *Pass) error {
	upn := pass.Subject.UPN
	a, err := appUserOf(ctx, pass)
	if err != nil {
		return err
	}
	eu, err := EntraUserFact.Get(ctx, pass.Facts)
	if errors.Is(err, model.ErrNotFound) {
		return Skip("no Entra ID user %s to compare with", upn)
	}
	if err != nil {
		return err
	}
	okta, entra := a.AppUser.ImmutableID(), eu.OnPremisesImmutableID
	cmp := Compare("immutableID",
		Read{System: "okta", Object: appUserObject(a), Field: "profile.immutableId", Value: okta, Source: srcAppUser, Personal: true},
		Read{System: "entra", Object: Object{Kind: ObjUser, ID: eu.ID, Name: eu.UserPrincipalName}, Field: "onPremisesImmutableId", Value: entra, Source: srcEntraUser, Personal: true},
	)
	f := Finding{Object: Object{Kind: ObjUser, ID: eu.ID, Name: upn}, Status: StatusFail, Evidence: []Evidence{cmp}}
	oktaPlan := fix.Plan{
		ID:         "okta.set-app-user-immutableid",
		Title:      "Set the Okta app user's immutableId to Entra ID's onPremisesImmutableId",
		CheckID:    pass.Check.ID,
		Subject:    upn,
		Risk:       "low: one attribute of one Okta app user; a profile mapping in Okta may overwrite it on the next push",
		Reversible: true,
		Steps: []fix.Step{{
			System: "okta", Method: "POST", Object: fix.AppUserObject(a.App.ID, a.AppUser.UserID),
			Field: "profile.immutableId", Before: okta, After: entra, Permission: fix.PermOktaApps,
		}},
	}
	switch {
	case okta != "" && okta == entra:
		f.Status, f.Message = StatusPass, "Okta and Entra ID hold the same immutableID for "+upn
	case okta == "" && entra == "":
		f.Message = "immutableID is blank in Okta and in Entra ID: Microsoft cannot match the Okta sign-in to a user (AADSTS90020)"
	case entra == "":
		f.Message = "Entra ID has no onPremisesImmutableId for the user: Microsoft answers AADSTS51004 after the Okta sign-in"
		// Okta's value is the only one: Entra takes it.
		if p, ok := entraAnchorPlan(ctx, pass, eu, okta); ok {
			f.Fixes = []fix.Plan{p}
		}
	case okta == "":
		f.Message = "the Okta app user has no immutableId: Okta shows \"Your account has not been configured for this application\" (AADSTS90020)"
		f.Fixes = []fix.Plan{oktaPlan}
	default:
		f.Message = "Okta sends a different immutableID than Entra ID holds: Microsoft answers AADSTS51004 after the Okta sign-in"
		// The anchor Okta sends may be another Entra user's: then
		// Microsoft signs this person in as that user, no error.
		holders, _ := AnchorHoldersFact.Get(ctx, pass.Facts)
		if others := otherHolders(holders, upn, a.AppUser.UserName); len(others) > 0 {
			f.Message = fmt.Sprintf("Okta sends a different immutableID than Entra ID holds for %s, and Entra ID holds Okta's value for %s: the sign-in lands as %s, not as %s (see identity.immutableid-unique)",
				upn, others[0].UserPrincipalName, others[0].UserPrincipalName, upn)
		}
		// The side that is not the source of truth changes: a user Entra
		// Connect syncs from Active Directory carries AD's anchor, so
		// Okta takes it; otherwise Okta takes Entra's (one attribute,
		// no UPN move), and setting Entra's from Okta stays available.
		if eu.SyncedFromAD {
			oktaPlan.Risk += "; Entra Connect syncs " + upn + " from Active Directory, whose anchor is the source of truth: Okta takes it"
			f.Fixes = []fix.Plan{oktaPlan}
			break
		}
		f.Fixes = []fix.Plan{oktaPlan}
		if p, ok := entraAnchorPlan(ctx, pass, eu, okta); ok {
			f.Fixes = append(f.Fixes, p)
		}
	}
	pass.Report(f)
	return nil
}

// entraAnchorPlan sets Entra's onPremisesImmutableId to Okta's value.
// Graph refuses that for a UPN in a federated domain, so the plan moves
// the UPN to the tenant's initial *.onmicrosoft.com domain, sets the
// value and moves the UPN back; a failing step rolls back what was made.
// None for a user Entra Connect syncs (AD writes the anchor) or when the
// tenant's initial domain is not known.
func entraAnchorPlan(ctx context.Context, pass *Pass, eu model.EntraUser, value string) (fix.Plan, bool) {
	if eu.SyncedFromAD {
		return fix.Plan{}, false
	}
	upn := eu.UserPrincipalName
	obj := fix.EntraUserObject(eu.ID)
	// Undoing means writing the old value back; a blank one would be a
	// null, which Graph has answered 400 (api-facts §Q4): then the plan
	// cannot be undone, and says so.
	reversible := eu.OnPremisesImmutableID != ""
	undoNote := ""
	if !reversible {
		undoNote = "; cannot be undone: Graph refuses to clear an anchor once set"
	}
	p := fix.Plan{ID: "graph.set-onpremises-immutableid", CheckID: pass.Check.ID, Subject: pass.Subject.UPN, Reversible: reversible,
		Title: "Set Entra ID's onPremisesImmutableId to the immutableId Okta sends",
		Risk:  "low: one attribute of one Entra user" + undoNote,
		Steps: []fix.Step{{System: "graph", Method: "PATCH", Object: obj, Field: "onPremisesImmutableId", Before: eu.OnPremisesImmutableID, After: value, Permission: fix.PermGraphUsers}}}
	fed, err := FederationFact.Get(ctx, pass.Facts)
	if err != nil {
		return fix.Plan{}, false
	}
	if fed == nil {
		return p, true // a managed domain: Graph takes the value as it is
	}
	org, err := OrganizationFact.Get(ctx, pass.Facts)
	if err != nil {
		return fix.Plan{}, false
	}
	initial := ""
	for _, d := range org.VerifiedDomains {
		if d.IsInitial {
			initial = d.Name
		}
	}
	local, _, ok := strings.Cut(upn, "@")
	if initial == "" || !ok {
		return fix.Plan{}, false
	}
	temp := local + "@" + initial
	p.Title = "Set Entra ID's onPremisesImmutableId to the immutableId Okta sends (moving the UPN to " + initial + " and back)"
	// ASSUMED: Graph takes the UPN move to the initial domain without a
	// passwordProfile (MSOnline's Set-MsolUserPrincipalName wanted a new
	// password for federated-to-standard; no Graph document says so).
	p.Risk = "medium: Graph changes the anchor only outside a federated domain, so for a few seconds " + upn + " is " + temp +
		" and a sign-in then fails (a UPN change can also make Office clients ask to sign in again); if any step fails, the plan moves the UPN back" + undoNote
	p.Steps = []fix.Step{
		{System: "graph", Method: "PATCH", Object: obj, Field: "userPrincipalName", Before: upn, After: temp, Permission: fix.PermGraphUsers},
		p.Steps[0],
		{System: "graph", Method: "PATCH", Object: obj, Field: "userPrincipalName", Before: temp, After: upn, Permission: fix.PermGraphUsers},
	}
	return p, true
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return "(never)"
	}
	return t.UTC().Format(time.RFC3339)
}
