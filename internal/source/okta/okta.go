// Package okta is the narrow adapter over github.com/okta/okta-sdk-golang/v2,
// the only package that imports it. It pins every SDK option so neither
// ~/.okta/okta.yaml nor OKTA_CLIENT_* can steer it, disables the SDK's GET
// cache (it would hide a fix), and converts SDK types into internal/model.
package okta

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/okta/okta-sdk-golang/v2/okta"
	"github.com/okta/okta-sdk-golang/v2/okta/query"

	"github.com/o365doctor/o365doctor/internal/config"
	"github.com/o365doctor/o365doctor/internal/model"
)

// Client reads and writes the Okta objects o365doctor needs.
type Client struct {
	sdk    *okta.Client
	orgURL string
}

// New builds a client for s.OktaURL with s.OktaToken.
func New(ctx context.Context, s config.Settings) (*Client, error) {
	if ok, why := s.OktaConfigured(); !ok {
		return nil, errors.New(why)
	}
	orgURL := strings.TrimRight(s.OktaURL, "/") // a trailing slash gives //api/v1 and fails
	timeout := int64(s.Timeout / time.Second)
	if timeout < 1 {
		timeout = 1
	}
	_, sdk, err := okta.NewClient(ctx,
		okta.WithOrgUrl(orgURL),
		okta.WithToken(s.OktaToken.Reveal()),
		okta.WithAuthorizationMode("SSWS"),
		okta.WithHttpClientPtr(s.HTTPClient()),
		okta.WithCache(false),
		okta.WithRequestTimeout(timeout),
		okta.WithRateLimitMaxRetries(2),
		okta.WithRateLimitMaxBackOff(timeout),
		okta.WithConnectionTimeout(timeout),
		okta.WithUserAgentExtra("o365doctor"),
	)
	if err != nil {
		return nil, fmt.Errorf("okta: %s", config.Mask(err.Error()))
	}
	return &Client{sdk: sdk, orgURL: orgURL}, nil
}

// OrgURL is the org this client talks to.
func (c *Client) OrgURL() string { return c.orgURL }

// User returns the Okta user with this ID or login.
func (c *Client) User(ctx context.Context, idOrLogin string) (model.OktaUser, error) {
	u, resp, err := c.sdk.User.GetUser(ctx, url.PathEscape(idOrLogin))
	if err != nil {
		return model.OktaUser{}, wrap(resp, err, "get user %s", idOrLogin)
	}
	return toUser(u), nil
}

// Office365Apps lists every Microsoft Office 365 app instance in the org,
// active or not, following every page.
func (c *Client) Office365Apps(ctx context.Context) ([]model.OktaApp, error) {
	qp := query.NewQueryParams(query.WithFilter(`name eq "` + model.Office365AppName + `"`))
	apps, resp, err := c.sdk.Application.ListApplications(ctx, qp)
	if err != nil {
		return nil, wrap(resp, err, "list office365 apps")
	}
	var out []model.OktaApp
	for {
		for _, a := range apps {
			if app, ok := a.(*okta.Application); ok {
				out = append(out, toApp(app))
			}
		}
		if resp == nil || !resp.HasNextPage() {
			return out, nil
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		var page []okta.Application
		resp, err = resp.Next(ctx, &page)
		if err != nil {
			return nil, wrap(resp, err, "list office365 apps (next page)")
		}
		apps = apps[:0]
		for i := range page {
			apps = append(apps, &page[i])
		}
	}
}

// AppUser returns the user's assignment to the app; model.ErrNotFound when
// the user is not assigned.
func (c *Client) AppUser(ctx context.Context, appID, userID string) (model.AppUser, error) {
	au, resp, err := c.sdk.Application.GetApplicationUser(ctx, url.PathEscape(appID), url.PathEscape(userID), nil)
	if err != nil {
		return model.AppUser{}, wrap(resp, err, "get app user %s of app %s", userID, appID)
	}
	return toAppUser(appID, au), nil
}

// SetAppUserProfile changes the given profile attributes of an app user and
// returns the app user as Okta stored it. Okta merges the posted profile
// into the stored one, so only the changed attributes are sent.
func (c *Client) SetAppUserProfile(ctx context.Context, appID, userID string, changes map[string]any) (model.AppUser, error) {
	body := okta.AppUser{Profile: changes}
	au, resp, err := c.sdk.Application.UpdateApplicationUser(ctx, url.PathEscape(appID), url.PathEscape(userID), body)
	if err != nil {
		return model.AppUser{}, wrap(resp, err, "update app user %s of app %s", userID, appID)
	}
	return toAppUser(appID, au), nil
}

func toUser(u *okta.User) model.OktaUser {
	out := model.OktaUser{ID: u.Id, Status: u.Status}
	if u.Profile != nil {
		p := *u.Profile
		out.Login, _ = p["login"].(string)
		out.Email, _ = p["email"].(string)
	}
	out.StatusChanged = timeOf(u.StatusChanged)
	out.LastLogin = timeOf(u.LastLogin)
	out.PasswordChanged = timeOf(u.PasswordChanged)
	return out
}

func toApp(a *okta.Application) model.OktaApp {
	out := model.OktaApp{ID: a.Id, Name: a.Name, Label: a.Label, Status: a.Status, SignOnMode: a.SignOnMode}
	if a.Settings != nil && a.Settings.App != nil {
		out.Settings = map[string]any(*a.Settings.App)
	}
	if a.Credentials != nil && a.Credentials.UserNameTemplate != nil {
		out.UserNameTemplate = a.Credentials.UserNameTemplate.Template
	}
	return out
}

func toAppUser(appID string, au *okta.AppUser) model.AppUser {
	out := model.AppUser{AppID: appID, UserID: au.Id, Scope: au.Scope, Status: au.Status, SyncState: au.SyncState}
	if au.Credentials != nil {
		out.UserName = au.Credentials.UserName
	}
	if p, ok := au.Profile.(map[string]interface{}); ok {
		out.Profile = p
	}
	return out
}

func timeOf(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}

// wrap turns an SDK error into one line: what was asked, the HTTP status and
// Okta's error code and summary. A 404 wraps model.ErrNotFound.
func wrap(resp *okta.Response, err error, format string, args ...any) error {
	what := fmt.Sprintf(format, args...)
	var oe *okta.Error
	if errors.As(err, &oe) {
		msg := fmt.Sprintf("okta: %s: %s %s", what, oe.ErrorCode, oe.ErrorSummary)
		if resp != nil && resp.StatusCode == http.StatusNotFound {
			return fmt.Errorf("%s: %w", config.Mask(msg), model.ErrNotFound)
		}
		if resp != nil {
			msg = fmt.Sprintf("okta: %s: HTTP %d %s %s", what, resp.StatusCode, oe.ErrorCode, oe.ErrorSummary)
		}
		return errors.New(config.Mask(msg))
	}
	if resp != nil && resp.StatusCode == http.StatusNotFound {
		return fmt.Errorf("okta: %s: %w", what, model.ErrNotFound)
	}
	return errors.New(config.Mask(fmt.Sprintf("okta: %s: %v", what, err)))
}
