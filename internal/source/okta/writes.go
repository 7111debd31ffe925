package okta

import (
	"context"
	"fmt"
	"net/url"

	"github.com/okta/okta-sdk-golang/v2/okta"
	"github.com/okta/okta-sdk-golang/v2/okta/query"

	"github.com/o365doctor/o365doctor/internal/model"
)

// AssignAppUser assigns the app to the user directly (POST
// /api/v1/apps/{appId}/users; okta.apps.manage) with the given profile
// attributes, and returns the app user as Okta stored it. For the Office
// 365 app the profile carries the licenses: an assignment without them
// makes Okta's push remove the user's licenses in Microsoft 365.
func (c *Client) AssignAppUser(ctx context.Context, appID, userID string, profile map[string]any) (model.AppUser, error) {
	o := op{what: fmt.Sprintf("assign app %s to user %s", appID, userID), noun: "an app user", perm: "okta.apps.manage"}
	for _, id := range []string{appID, userID} {
		if err := checkID(id); err != nil {
			return model.AppUser{}, o.errorf("%v; not asked", err)
		}
	}
	au, resp, err := c.sdk.Application.AssignUserToApplication(ctx, appID, okta.AppUser{Id: userID, Scope: "USER", Profile: profile})
	if err != nil {
		return model.AppUser{}, o.fail(resp, err)
	}
	if au == nil || au.Id == "" {
		return model.AppUser{}, o.notA("no id")
	}
	return toAppUser(appID, au), nil
}

// keyValidityYears is the validity of a key o365doctor generates: Okta
// takes 2 to 10 years.
const keyValidityYears = 2

// GenerateAppKey generates a new signing key for the app (POST
// /api/v1/apps/{appId}/credentials/keys/generate?validityYears=2;
// okta.apps.manage). The key is not active: the app keeps signing with
// credentials.signing.kid until that is changed.
func (c *Client) GenerateAppKey(ctx context.Context, appID string) (model.SigningKey, error) {
	o := op{what: "generate a signing key for app " + appID, noun: "a signing key", perm: "okta.apps.manage"}
	if err := checkID(appID); err != nil {
		return model.SigningKey{}, o.errorf("%v; not asked", err)
	}
	k, resp, err := c.sdk.Application.GenerateApplicationKey(ctx, appID, query.NewQueryParams(query.WithValidityYears(keyValidityYears)))
	if err != nil {
		return model.SigningKey{}, o.fail(resp, err)
	}
	if k == nil || k.Kid == "" || len(k.X5c) == 0 {
		return model.SigningKey{}, o.notA("a key without kid or x5c")
	}
	return model.SigningKey{Kid: model.Clean(k.Kid), Created: timeOf(k.Created), ExpiresAt: timeOf(k.ExpiresAt)}, nil
}

// SigningKid reads the app's active signing key (credentials.signing.kid
// of GET /api/v1/apps/{appId}; okta.apps.read).
func (c *Client) SigningKid(ctx context.Context, appID string) (string, error) {
	o := op{what: "get app " + appID, noun: "an app", perm: "okta.apps.read"}
	if err := checkID(appID); err != nil {
		return "", o.errorf("%v; not asked", err)
	}
	var app map[string]any
	if err := c.getJSON(ctx, o, "/api/v1/apps/"+appID, &app); err != nil {
		return "", err
	}
	kid, _ := signing(app)["kid"].(string)
	return model.Clean(kid), nil
}

// SetSigningKid makes kid the app's active signing key: the app as Okta
// returns it, whole, with credentials.signing.kid changed, PUT back (PUT
// /api/v1/apps/{appId}; okta.apps.manage). The app is read and written as
// raw JSON: the SDK's typed app would drop the Office 365 app's own
// settings and the PUT would clear them.
func (c *Client) SetSigningKid(ctx context.Context, appID, kid string) error {
	o := op{what: "set the signing key of app " + appID, noun: "an app", perm: "okta.apps.manage"}
	if err := checkID(appID); err != nil {
		return o.errorf("%v; not asked", err)
	}
	if err := checkKid(kid); err != nil {
		return o.errorf("%v; not asked", err)
	}
	var app map[string]any
	if err := c.getJSON(ctx, o, "/api/v1/apps/"+appID, &app); err != nil {
		return err
	}
	if id, _ := app["id"].(string); id != appID {
		return o.notA("another app's id")
	}
	s := signing(app)
	if s == nil {
		return o.notA("an app without credentials")
	}
	s["kid"] = kid
	delete(app, "_links")
	delete(app, "_embedded")
	rq := c.sdk.CloneRequestExecutor()
	req, err := rq.WithAccept("application/json").WithContentType("application/json").NewRequest("PUT", "/api/v1/apps/"+url.PathEscape(appID), app)
	if err != nil {
		return o.fail(nil, err)
	}
	var answer map[string]any
	resp, err := rq.Do(ctx, req, &answer)
	if err != nil {
		return o.fail(resp, err)
	}
	if got, _ := signing(answer)["kid"].(string); got != kid {
		return o.notA("an app still signing with another key")
	}
	return nil
}

// signing is the app's credentials.signing object, created when the app
// has credentials but no signing object; nil when it has no credentials.
func signing(app map[string]any) map[string]any {
	cred, ok := app["credentials"].(map[string]any)
	if !ok {
		return nil
	}
	s, ok := cred["signing"].(map[string]any)
	if !ok {
		s = map[string]any{}
		cred["signing"] = s
	}
	return s
}

// checkKid accepts an Okta key ID: base64url characters.
func checkKid(kid string) error {
	if kid == "" || len(kid) > 128 {
		return fmt.Errorf("%q is not a key ID", model.Clean(firstN(kid, 64)))
	}
	for _, r := range kid {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return fmt.Errorf("%q is not a key ID", model.Clean(kid))
		}
	}
	return nil
}
