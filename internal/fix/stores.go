package fix

import (
	"context"
	"fmt"
	"strings"

	"github.com/o365doctor/o365doctor/internal/model"
)

// The write permissions the fixes declare.
const (
	PermGraphUsers      = "User.ReadWrite.All"
	PermGraphFederation = "Domain-InternalFederation.ReadWrite.All"
	PermOktaApps        = "okta.apps.manage"
	PermOktaUsers       = "okta.users.manage"
)

// OktaAppUsers is what OktaStore needs of the Okta adapter.
type OktaAppUsers interface {
	AppUser(ctx context.Context, appID, userID string) (model.AppUser, error)
	SetAppUserProfile(ctx context.Context, appID, userID string, changes map[string]any) (model.AppUser, error)
	User(ctx context.Context, idOrLogin string) (model.OktaUser, error)
	UserLifecycle(ctx context.Context, userID, operation string) error
	Factors(ctx context.Context, userID string) ([]model.OktaFactor, error)
	DeleteFactor(ctx context.Context, userID, factorID string) error
}

// FactorObject is the object path of a user's factor.
func FactorObject(userID, factorID string) string {
	return "/api/v1/users/" + userID + "/factors/" + factorID
}

func parseFactor(object string) (userID, factorID string, ok bool) {
	rest, ok := strings.CutPrefix(object, "/api/v1/users/")
	if !ok {
		return "", "", false
	}
	parts := strings.Split(rest, "/")
	if len(parts) != 3 || parts[1] != "factors" || parts[0] == "" || parts[2] == "" {
		return "", "", false
	}
	return parts[0], parts[2], true
}

// OktaStore reads and writes Okta app-user profile attributes (objects
// /api/v1/apps/{appId}/users/{userId}, fields profile.{attribute}) and
// reads users' status (objects /api/v1/users/{id}, field status), which
// its lifecycle actions change (activate, unlock, unsuspend, suspend).
type OktaStore struct{ API OktaAppUsers }

// UserObject is the object path of an Okta user.
func UserObject(userID string) string { return "/api/v1/users/" + userID }

func parseUser(object string) (string, bool) {
	id, ok := strings.CutPrefix(object, "/api/v1/users/")
	return id, ok && id != "" && !strings.Contains(id, "/")
}

// Do runs a lifecycle action on an Okta user.
func (s OktaStore) Do(ctx context.Context, action, object string) error {
	if uid, fid, ok := parseFactor(object); ok && action == "delete" {
		return s.API.DeleteFactor(ctx, uid, fid)
	}
	id, ok := parseUser(object)
	if !ok {
		return fmt.Errorf("okta store: %s on unsupported object %s", action, object)
	}
	return s.API.UserLifecycle(ctx, id, action)
}

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
	if uid, fid, ok := parseFactor(object); ok && field == "status" {
		// A deleted factor is gone from the listing: its status is "".
		factors, err := s.API.Factors(ctx, uid)
		for _, f := range factors {
			if f.ID == fid {
				return f.Status, err
			}
		}
		return "", err
	}
	if id, ok := parseUser(object); ok {
		if field != "status" {
			return "", fmt.Errorf("okta store: unsupported field %s of a user", field)
		}
		u, err := s.API.User(ctx, id)
		return u.Status, err
	}
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

// GraphUsers is what GraphStore needs of the Graph adapter.
type GraphUsers interface {
	User(ctx context.Context, idOrUPN string) (model.EntraUser, error)
	PatchUser(ctx context.Context, id string, fields map[string]any) error
	Federation(ctx context.Context, domain string) (model.Federation, bool, error)
	PatchFederation(ctx context.Context, domain, id string, fields map[string]any) error
	GrantedRoles(ctx context.Context) (map[string]bool, bool, error)
}

// Granted are the application permissions Graph's token carries.
func (s GraphStore) Granted(ctx context.Context) (map[string]bool, bool, error) {
	return s.API.GrantedRoles(ctx)
}

// FederationObject is the object path of a domain's federation configuration.
func FederationObject(domain, id string) string {
	return "/domains/" + domain + "/federationConfiguration/" + id
}

func parseFederation(object, field string) (domain, id string, ok bool) {
	rest, ok := strings.CutPrefix(object, "/domains/")
	parts := strings.Split(rest, "/")
	if !ok || len(parts) != 3 || parts[1] != "federationConfiguration" || parts[0] == "" || parts[2] == "" || field != "federatedIdpMfaBehavior" {
		return "", "", false
	}
	return parts[0], parts[2], true
}

// GraphStore reads and writes Entra user properties: objects /users/{id}
// (the object ID, which a UPN move does not change), fields
// userPrincipalName, onPremisesImmutableId, usageLocation.
type GraphStore struct{ API GraphUsers }

// EntraUserObject is the object path of an Entra user.
func EntraUserObject(id string) string { return "/users/" + id }

func parseEntraUser(object, field string) (string, error) {
	id, ok := strings.CutPrefix(object, "/users/")
	if !ok || id == "" || strings.Contains(id, "/") {
		return "", fmt.Errorf("graph store: unsupported object %s", object)
	}
	switch field {
	case "userPrincipalName", "onPremisesImmutableId", "usageLocation":
		return id, nil
	}
	return "", fmt.Errorf("graph store: unsupported field %s", field)
}

func (s GraphStore) Read(ctx context.Context, object, field string) (string, error) {
	if domain, id, ok := parseFederation(object, field); ok {
		fed, found, err := s.API.Federation(ctx, domain)
		if err == nil && (!found || fed.ID != id) {
			err = fmt.Errorf("graph store: %s has no federation configuration %s", domain, id)
		}
		return fed.FederatedIdpMfaBehavior, err
	}
	id, err := parseEntraUser(object, field)
	if err != nil {
		return "", err
	}
	u, err := s.API.User(ctx, id)
	if err != nil {
		return "", err
	}
	switch field {
	case "userPrincipalName":
		return u.UserPrincipalName, nil
	case "onPremisesImmutableId":
		return u.OnPremisesImmutableID, nil
	}
	return u.UsageLocation, nil
}

func (s GraphStore) Write(ctx context.Context, object, field, value string) error {
	if domain, id, ok := parseFederation(object, field); ok {
		if value == "" {
			// Graph refuses federatedIdpMfaBehavior back to null: no plan
			// may write it, so none is sent.
			return fmt.Errorf("graph store: federatedIdpMfaBehavior cannot be set back to empty")
		}
		return s.API.PatchFederation(ctx, domain, id, map[string]any{field: value})
	}
	id, err := parseEntraUser(object, field)
	if err != nil {
		return err
	}
	var v any // "" clears the property (JSON null)
	if value != "" {
		v = value
	}
	return s.API.PatchUser(ctx, id, map[string]any{field: v})
}
