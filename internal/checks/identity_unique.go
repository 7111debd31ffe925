package checks

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/o365doctor/o365doctor/internal/fix"
	"github.com/o365doctor/o365doctor/internal/model"
)

// OktaIdentityAPI is what the identity checks need of Okta beyond
// OktaAPI's core.
type OktaIdentityAPI interface {
	// UsersByEmail are the users whose primary email is email (GET
	// /api/v1/users?search=profile.email eq "..."), a few at most.
	UsersByEmail(ctx context.Context, email string) ([]model.OktaUser, error)
}

// GraphIdentityAPI is what the identity checks need of Graph beyond
// GraphAPI's core.
type GraphIdentityAPI interface {
	// UsersByImmutableID are the users whose onPremisesImmutableId is
	// immutableID (GET /users?$filter=onPremisesImmutableId eq '...').
	UsersByImmutableID(ctx context.Context, immutableID string) ([]model.EntraUser, error)
}

const (
	srcAppUsers        = "GET /api/v1/apps/{appId}/users"
	srcEntraByAnchor   = "GET /users?$filter=onPremisesImmutableId eq '...'"
	srcOktaUserByEmail = `GET /api/v1/users?search=profile.email eq "..."`
)

// AnchorHoldersFact are the Entra ID users whose onPremisesImmutableId is
// the immutableID the subject's Okta app user sends: one request, read by
// identity.immutableid-unique (another holder) and
// identity.immutableid-match (a different anchor that is someone else's).
// ErrNoSource without Graph; model.ErrNotFound without an app user or an
// anchor to ask for.
var AnchorHoldersFact = &Fact[[]model.EntraUser]{
	Name:     "the Entra ID users holding the Okta immutableID",
	Requires: []FactRef{AssignmentFact},
	Load: func(ctx context.Context, f *Facts) ([]model.EntraUser, error) {
		if err := f.need(Graph); err != nil {
			return nil, err
		}
		a, err := AssignmentFact.Get(ctx, f)
		if err != nil {
			return nil, err
		}
		anchor := a.AppUser.ImmutableID()
		if anchor == "" {
			return nil, fmt.Errorf("the Okta app user has no immutableId: %w", model.ErrNotFound)
		}
		return f.src.Graph.UsersByImmutableID(ctx, anchor)
	},
}

// otherHolders are the holders that are not the subject.
func otherHolders(holders []model.EntraUser, upn, appUserName string) []model.EntraUser {
	var out []model.EntraUser
	for _, eu := range holders {
		if !strings.EqualFold(eu.UserPrincipalName, upn) && !strings.EqualFold(eu.UserPrincipalName, appUserName) {
			out = append(out, eu)
		}
	}
	return out
}

// ImmutableIDUnique: no other user sends or holds the subject's anchor.
var ImmutableIDUnique = &Check{
	ID:       "identity.immutableid-unique",
	Title:    "immutableID held by no other user",
	Area:     AreaIdentity,
	Scope:    ScopeUser,
	Severity: Critical,
	Needs:    []Source{Okta},
	Permissions: []Permission{
		{Source: Okta, Name: "okta.users.read"}, {Source: Okta, Name: "okta.apps.read"},
		{Source: Graph, Name: "User.Read.All", Optional: true},
	},
	Requires: []FactRef{AssignmentFact, AnchorHoldersFact},
	Doc: `Entra ID finds the user of a WS-Federation sign-in by the immutableID Okta
sends. When two Office 365 app users of the same Okta app carry the same
profile.immutableId (an app user copied from another, a mapping from an
attribute that is not unique), both sign in to Microsoft 365 as the one Entra
user that holds it: one of them lands in someone else's mailbox. The check reads
every app user of the app (Okta allows 500 a page; no filter on app-user
profiles exists), keeping only those with the user's immutableID, and, with
Graph, asks Entra ID which user holds it as onPremisesImmutableId: another
user there means this user signs in as that one. Both users are named.
Fix: give each app user its own Entra user's onPremisesImmutableId (see
identity.immutableid-match), and fix the profile mapping that copied it.`,
	References: []string{
		"https://support.okta.com/help/s/article/error-during-microsoft-office-365-single-sign-on-aadsts51004-the-user-account-does-not-exist-in-the-directory",
		"https://developer.okta.com/docs/api/openapi/okta-management/management/tag/ApplicationUsers/",
		"https://learn.microsoft.com/graph/api/user-list",
	},
	Run: runImmutableIDUnique,
}

func runImmutableIDUnique(ctx context.Context, pass *Pass) error {
	a, err := appUserOf(ctx, pass)
	if err != nil {
		return err
	}
	anchor := a.AppUser.ImmutableID()
	if anchor == "" {
		return Skip("the Okta app user has no immutableId (see identity.immutableid-match)")
	}
	src := pass.Facts.Sources()
	var twins []model.AppUser
	read := 0
	for page, err := range src.Okta.AppUserPages(ctx, a.App.ID) {
		if err != nil {
			return err
		}
		for _, au := range page {
			if au.UserID != a.AppUser.UserID && au.ImmutableID() == anchor {
				twins = append(twins, au)
			}
		}
		read += len(page)
		pass.Progress("Okta app users", read, 0)
	}

	self := appUserObject(a)
	mine := Read{System: "okta", Object: self, Field: "profile.immutableId", Value: anchor, Source: srcAppUser, Personal: true}
	upn := pass.Subject.UPN
	shared := false
	for _, t := range twins {
		shared = true
		other := Object{Kind: ObjAppUser, ID: a.App.ID + "/" + t.UserID, Name: t.UserName}
		pass.Report(Finding{
			Object: self,
			Status: StatusFail,
			Message: fmt.Sprintf("%s and %s, two app users of %s, both send immutableID %s: Entra ID signs both in as the same user",
				a.AppUser.UserName, t.UserName, a.App.Label, anchor),
			Evidence: []Evidence{Compare("immutableID", mine,
				Read{System: "okta", Object: other, Field: "profile.immutableId", Value: t.ImmutableID(), Source: srcAppUsers, Personal: true})},
		})
	}
	// Graph is optional here: when it cannot be asked, or fails, the Okta
	// side is still judged and the message says what was not compared.
	entraNote := ", and no other Entra ID user holds it"
	holders, hErr := AnchorHoldersFact.Get(ctx, pass.Facts)
	switch {
	case errors.Is(hErr, ErrNoSource):
		entraNote = " (Entra ID not asked: " + src.Why(Graph) + ")"
	case hErr != nil && ctx.Err() != nil:
		return hErr
	case hErr != nil:
		entraNote = " (Entra ID not compared: " + hErr.Error() + ")"
	}
	for _, eu := range otherHolders(holders, upn, a.AppUser.UserName) {
		shared = true
		holder := Object{Kind: ObjUser, ID: eu.ID, Name: eu.UserPrincipalName}
		pass.Report(Finding{
			Object: self,
			Status: StatusFail,
			Message: fmt.Sprintf("%s's app user sends immutableID %s, which Entra ID holds for %s: %s signs in to Microsoft 365 as %s",
				upn, anchor, eu.UserPrincipalName, upn, eu.UserPrincipalName),
			Evidence: []Evidence{Compare("immutableID", mine,
				Read{System: "entra", Object: holder, Field: "onPremisesImmutableId", Value: eu.OnPremisesImmutableID, Source: srcEntraByAnchor, Personal: true})},
			Fixes: ownAnchorPlan(ctx, pass, a),
		})
	}
	if !shared {
		pass.Report(Finding{Object: self, Status: StatusPass, Evidence: []Evidence{Value{mine}},
			Message: fmt.Sprintf("no other of the %d app users of %s sends %s's immutableID%s", read, a.App.Label, upn, entraNote)})
	}
	return nil
}

// ownAnchorPlan gives the subject's app user back its own Entra user's
// anchor, which no one else holds (Entra keeps anchors unique): the app
// user that should not hold the shared value stops sending it. None when
// the subject's Entra user has no anchor of its own.
func ownAnchorPlan(ctx context.Context, pass *Pass, a Assignment) []fix.Plan {
	eu, err := EntraUserFact.Get(ctx, pass.Facts)
	own := eu.OnPremisesImmutableID
	if err != nil || own == "" || own == a.AppUser.ImmutableID() {
		return nil
	}
	return []fix.Plan{{ID: "okta.set-app-user-immutableid", CheckID: pass.Check.ID, Subject: pass.Subject.UPN, Reversible: true,
		Title: "Give the Okta app user its own Entra user's immutableId instead of the shared one",
		Risk:  "low: one attribute of one Okta app user; fix the profile mapping that copied it, or the next push copies it again",
		Steps: []fix.Step{{System: "okta", Method: "POST", Object: fix.AppUserObject(a.App.ID, a.AppUser.UserID),
			Field: "profile.immutableId", Before: a.AppUser.ImmutableID(), After: own, Permission: fix.PermOktaApps}}}}
}

// appUserOf reads the subject's Office 365 app user, ending the check as
// skipped when there is none to read (identity.okta-user's and
// identity.o365-assignment's findings).
func appUserOf(ctx context.Context, pass *Pass) (Assignment, error) {
	a, err := AssignmentFact.Get(ctx, pass.Facts)
	switch {
	case a.User.ID == "" && errors.Is(err, model.ErrNotFound):
		return a, Skip("no Okta user %s (see identity.okta-user)", pass.Subject.UPN)
	case errors.Is(err, ErrNoApp), a.App.ID != "" && errors.Is(err, model.ErrNotFound):
		return a, Skip("no Office 365 app user (see identity.o365-assignment)")
	}
	return a, err
}
