package fix

import (
	"context"
	"fmt"
	"strings"

	"github.com/o365doctor/o365doctor/internal/model"
)

// OktaAppUsers is what OktaStore needs of the Okta adapter.
type OktaAppUsers interface {
	AppUser(ctx context.Context, appID, userID string) (model.AppUser, error)
	SetAppUserProfile(ctx context.Context, appID, userID string, changes map[string]any) (model.AppUser, error)
}

// OktaStore reads and writes Okta app-user profile attributes: objects
// /api/v1/apps/{appId}/users/{userId}, fields profile.{attribute}.
type OktaStore struct{ API OktaAppUsers }

// AppUserObject is the object path of an app user.
func AppUserObject(appID, userID string) string {
	return "/api/v1/apps/" + appID + "/users/" + userID
}

func parseAppUser(object, field string) (appID, userID, attr string, err error) {
	parts := strings.Split(strings.TrimPrefix(object, "/api/v1/apps/"), "/")
	if !strings.HasPrefix(object, "/api/v1/apps/") || len(parts) != 3 || parts[1] != "users" || parts[0] == "" || parts[2] == "" {
		return "", "", "", fmt.Errorf("okta store: unsupported object %s", object)
	}
	attr, ok := strings.CutPrefix(field, "profile.")
	if !ok || attr == "" {
		return "", "", "", fmt.Errorf("okta store: unsupported field %s", field)
	}
	return parts[0], parts[2], attr, nil
}

func (s OktaStore) Read(ctx context.Context, object, field string) (string, error) {
	appID, userID, attr, err := parseAppUser(object, field)
	if err != nil {
		return "", err
	}
	au, err := s.API.AppUser(ctx, appID, userID)
	if err != nil {
		return "", err
	}
	return profileString(au.Profile[attr])
}

func (s OktaStore) Write(ctx context.Context, object, field, value string) error {
	appID, userID, attr, err := parseAppUser(object, field)
	if err != nil {
		return err
	}
	var v any // "" clears the attribute (JSON null)
	if value != "" {
		v = value
	}
	_, err = s.API.SetAppUserProfile(ctx, appID, userID, map[string]any{attr: v})
	return err
}

func profileString(v any) (string, error) {
	switch x := v.(type) {
	case nil:
		return "", nil
	case string:
		return x, nil
	default:
		return "", fmt.Errorf("okta store: profile value %v is a %T, not a string", v, v)
	}
}
