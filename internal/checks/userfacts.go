package checks

import (
	"context"
	"errors"
	"fmt"

	"github.com/o365doctor/o365doctor/internal/model"
)

// The facts of a user run. Each is the subject's: "the Okta user" is the
// Okta user whose login is the subject's UPN.
var (
	// OktaUserMatchFact is how the subject's Okta user was found: by
	// login (= the UPN), else by primary email; with the candidates when
	// several users have that email (ErrAmbiguousUser).
	OktaUserMatchFact = &Fact[OktaUserMatch]{
		Name: "the Okta user, by login or email",
		Load: func(ctx context.Context, f *Facts) (OktaUserMatch, error) {
			if err := f.need(Okta); err != nil {
				return OktaUserMatch{}, err
			}
			upn := f.subject.UPN
			u, err := f.src.Okta.User(ctx, upn)
			if !errors.Is(err, model.ErrNotFound) {
				return OktaUserMatch{User: u, By: "login"}, err
			}
			// The search costs a request only when the login is not the
			// UPN, where it tells "no Okta user" from "another login".
			byEmail, searchErr := f.src.Okta.UsersByEmail(ctx, upn)
			switch {
			case searchErr != nil:
				return OktaUserMatch{}, fmt.Errorf("%w (and the search by email failed: %v)", err, searchErr)
			case len(byEmail) == 1:
				return OktaUserMatch{User: byEmail[0], By: "email"}, nil
			case len(byEmail) > 1:
				return OktaUserMatch{By: "email", Candidates: byEmail},
					fmt.Errorf("%w: no Okta user has login %s and %d have it as email", ErrAmbiguousUser, upn, len(byEmail))
			}
			return OktaUserMatch{}, err
		},
	}

	// OktaUserFact is the subject's Okta user: the one whose login is the
	// UPN, else the only one whose email is (model.ErrNotFound when there
	// is none, and when several have that email).
	OktaUserFact = &Fact[model.OktaUser]{
		Name:     "the Okta user",
		Requires: []FactRef{OktaUserMatchFact},
		Load: func(ctx context.Context, f *Facts) (model.OktaUser, error) {
			m, err := OktaUserMatchFact.Get(ctx, f)
			return m.User, err
		},
	}

	// Office365AppsFact are every Office 365 app instance in the Okta org.
	Office365AppsFact = &Fact[[]model.OktaApp]{
		Name: "the Okta org's Office 365 apps",
		Load: func(ctx context.Context, f *Facts) ([]model.OktaApp, error) {
			if err := f.need(Okta); err != nil {
				return nil, err
			}
			return f.src.Okta.Office365Apps(ctx)
		},
	}

	// Office365AppFact is the active Office 365 app whose settings.app.domain
	// is the subject's domain (ErrNoApp when there is none).
	Office365AppFact = &Fact[model.OktaApp]{
		Name:     "the domain's Office 365 app",
		Requires: []FactRef{Office365AppsFact},
		Load: func(ctx context.Context, f *Facts) (model.OktaApp, error) {
			apps, err := Office365AppsFact.Get(ctx, f)
			if err != nil {
				return model.OktaApp{}, err
			}
			if a, ok := domainApp(apps, f.subject.Domain); ok {
				return a, nil
			}
			return model.OktaApp{}, fmt.Errorf("%w: %s (%d Office 365 app(s) in the org)", ErrNoApp, f.subject.Domain, len(apps))
		},
	}

	// AssignmentFact is the subject's assignment to the Office 365 app of
	// their domain: the Okta user, the app and the app user.
	AssignmentFact = &Fact[Assignment]{
		Name:     "the Office 365 app user",
		Requires: []FactRef{OktaUserFact, Office365AppFact},
		Load: func(ctx context.Context, f *Facts) (Assignment, error) {
			u, err := OktaUserFact.Get(ctx, f)
			if err != nil {
				return Assignment{}, err
			}
			app, err := Office365AppFact.Get(ctx, f)
			if err != nil {
				return Assignment{User: u}, err
			}
			au, err := f.src.Okta.AppUser(ctx, app.ID, u.ID)
			return Assignment{User: u, App: app, AppUser: au}, err
		},
	}

	// EntraUserFact is the Entra ID user whose UPN is the subject's.
	EntraUserFact = &Fact[model.EntraUser]{
		Name: "the Entra ID user",
		Load: func(ctx context.Context, f *Facts) (model.EntraUser, error) {
			if err := f.need(Graph); err != nil {
				return model.EntraUser{}, err
			}
			return f.src.Graph.User(ctx, f.subject.UPN)
		},
	}
)

// ErrAmbiguousUser says several Okta users have the subject's UPN as
// email and none as login. It is a model.ErrNotFound: checks that need
// "the" Okta user skip, as for no user.
var ErrAmbiguousUser = fmt.Errorf("%w: several Okta users match", model.ErrNotFound)

// OktaUserMatch is the subject's Okta user and how it was found.
type OktaUserMatch struct {
	User model.OktaUser
	// By is "login" or "email".
	By string
	// Candidates are the users sharing the email when none has the login
	// and several have the email.
	Candidates []model.OktaUser
}

// ErrNoApp says no active Office 365 app federates the domain.
var ErrNoApp = errors.New("no active Office 365 app in Okta for this domain")

// Assignment is a user's assignment to the Office 365 app of their domain.
type Assignment struct {
	User    model.OktaUser
	App     model.OktaApp
	AppUser model.AppUser
}

// domainApp is the active Office 365 app that federates the domain.
func domainApp(apps []model.OktaApp, domain string) (model.OktaApp, bool) {
	for _, a := range apps {
		if a.Status == "ACTIVE" && a.Federates(domain) {
			return a, true
		}
	}
	return model.OktaApp{}, false
}
