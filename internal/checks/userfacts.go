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
	// OktaUserFact is the Okta user whose login is the subject's UPN
	// (model.ErrNotFound when there is none).
	OktaUserFact = &Fact[model.OktaUser]{
		Name: "the Okta user",
		Load: func(ctx context.Context, f *Facts) (model.OktaUser, error) {
			if err := f.need(Okta); err != nil {
				return model.OktaUser{}, err
			}
			return f.src.Okta.User(ctx, f.subject.UPN)
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
			for _, a := range apps {
				if a.Status == "ACTIVE" && a.Federates(f.subject.Domain) {
					return a, nil
				}
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

// ErrNoApp says no active Office 365 app federates the domain.
var ErrNoApp = errors.New("no active Office 365 app in Okta for this domain")

// Assignment is a user's assignment to the Office 365 app of their domain.
type Assignment struct {
	User    model.OktaUser
	App     model.OktaApp
	AppUser model.AppUser
}
