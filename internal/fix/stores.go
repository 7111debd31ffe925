package fix

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/o365doctor/o365doctor/internal/model"
)

// The write permissions the fixes declare.
const (
	PermGraphUsers          = "User.ReadWrite.All"
	PermGraphRevokeSessions = "User.RevokeSessions.All"
	PermGraphFederation     = "Domain-InternalFederation.ReadWrite.All"
	PermOktaApps            = "okta.apps.manage"
	PermOktaUsers           = "okta.users.manage"
)

// OktaAppUsers is what OktaStore needs of the Okta adapter.
type OktaAppUsers interface {
	AppUser(ctx context.Context, appID, userID string) (model.AppUser, error)
	SetAppUserProfile(ctx context.Context, appID, userID string, changes map[string]any) (model.AppUser, error)
	User(ctx context.Context, idOrLogin string) (model.OktaUser, error)
	UserLifecycle(ctx context.Context, userID, operation string) error
	Factors(ctx context.Context, userID string) ([]model.OktaFactor, error)
	DeleteFactor(ctx context.Context, userID, factorID string) error
	AssignAppUser(ctx context.Context, appID, userID string, profile map[string]any) (model.AppUser, error)
	AppKeys(ctx context.Context, appID string) ([]model.SigningKey, error)
	GenerateAppKey(ctx context.Context, appID string) (model.SigningKey, error)
	SigningKid(ctx context.Context, appID string) (string, error)
	SetSigningKid(ctx context.Context, appID, kid string) error
}

// AppObject is the object path of an Okta app; its field
// credentials.signing.kid is the key the app signs with.
func AppObject(appID string) string { return "/api/v1/apps/" + appID }

// AppKeysObject is the object path of an app's signing keys; its field
// "kids" is their IDs, sorted and comma-joined, and its action
// "generate" adds one.
func AppKeysObject(appID string) string { return "/api/v1/apps/" + appID + "/credentials/keys" }

// SigningKidField is the field of an app that names its active key.
const SigningKidField = "credentials.signing.kid"

func parseApp(object string) (string, bool) {
	id, ok := strings.CutPrefix(object, "/api/v1/apps/")
	return id, ok && id != "" && !strings.Contains(id, "/")
}

func parseAppKeys(object string) (string, bool) {
	rest, ok := strings.CutPrefix(object, "/api/v1/apps/")
	id, ok2 := strings.CutSuffix(rest, "/credentials/keys")
	return id, ok && ok2 && id != "" && !strings.Contains(id, "/")
}

// ListValue is how a list-valued field (an app user's profile.licenses)
// travels in a step: its values in their order, as a JSON array; nil is
// "". The order is kept so that an undo writes back the list as it was.
func ListValue(values []string) string {
	if values == nil {
		return ""
	}
	b, _ := json.Marshal(values)
	return string(b)
}

// SetValue is a list whose order means nothing (Entra's assigned skuIds)
// as a step holds it: lower-cased and sorted.
func SetValue(values []string) string {
	v := make([]string, len(values))
	for i, x := range values {
		v[i] = strings.ToLower(x)
	}
	slices.Sort(v)
	return ListValue(v)
}

// LicensesField is the Entra user's assigned skuIds, read as SetValue: a
// guard of plans built from them.
const LicensesField = "assignedLicenses"

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
func (s OktaStore) Do(ctx context.Context, action, object, body string) error {
	if uid, fid, ok := parseFactor(object); ok && action == "delete" {
		return s.API.DeleteFactor(ctx, uid, fid)
	}
	if appID, ok := parseAppKeys(object); ok && action == "generate" {
		_, err := s.API.GenerateAppKey(ctx, appID)
		return err
	}
	if appID, userID, _, err := parseAppUser(object, "status"); err == nil && action == "assign" {
		var profile map[string]any
		if err := json.Unmarshal([]byte(body), &profile); err != nil || profile == nil {
			return fmt.Errorf("okta store: an assignment needs a profile object, not %q", body)
		}
		_, err := s.API.AssignAppUser(ctx, appID, userID, profile)
		return err
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
	if field == "status" {
		return parts[0], parts[2], "", nil
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
	if appID, ok := parseAppKeys(object); ok && field == "kids" {
		keys, err := s.API.AppKeys(ctx, appID)
		if err != nil {
			return "", err
		}
		kids := make([]string, len(keys))
		for i, k := range keys {
			kids[i] = k.Kid
		}
		slices.Sort(kids)
		return strings.Join(kids, ","), nil
	}
	if appID, ok := parseApp(object); ok && field == SigningKidField {
		return s.API.SigningKid(ctx, appID)
	}
	appID, userID, attr, err := parseAppUser(object, field)
	if err != nil {
		return "", err
	}
	au, err := s.API.AppUser(ctx, appID, userID)
	if field == "status" && errors.Is(err, model.ErrNotFound) {
		return "", nil // not assigned
	}
	if err != nil {
		return "", err
	}
	if field == "status" {
		return au.Status, nil
	}
	return profileString(au.Profile[attr])
}

func (s OktaStore) Write(ctx context.Context, object, field, value string) error {
	if appID, ok := parseApp(object); ok && field == SigningKidField {
		if value == "" {
			return fmt.Errorf("okta store: an app cannot be left without a signing key")
		}
		return s.API.SetSigningKid(ctx, appID, value)
	}
	appID, userID, attr, err := parseAppUser(object, field)
	if err != nil || attr == "" {
		return cmpErr(err, fmt.Errorf("okta store: %s of an app user is not written", field))
	}
	var v any // "" clears the attribute (JSON null)
	switch {
	case strings.HasPrefix(value, "["):
		var list []string
		if err := json.Unmarshal([]byte(value), &list); err != nil {
			return fmt.Errorf("okta store: %s: %q is not a list of strings", field, value)
		}
		v = list
	case value != "":
		v = value
	}
	_, err = s.API.SetAppUserProfile(ctx, appID, userID, map[string]any{attr: v})
	return err
}

func cmpErr(err, otherwise error) error {
	if err != nil {
		return err
	}
	return otherwise
}

// ProfileValue is an Okta profile value as a step holds it: a string as
// it is, a list of strings as ListValue, null as "".
func ProfileValue(v any) (string, error) { return profileString(v) }

func profileString(v any) (string, error) {
	switch x := v.(type) {
	case nil:
		return "", nil
	case string:
		return x, nil
	case []any:
		list := make([]string, 0, len(x))
		for _, e := range x {
			s, ok := e.(string)
			if !ok {
				return "", fmt.Errorf("okta store: profile list %v holds a %T, not a string", v, e)
			}
			list = append(list, s)
		}
		return ListValue(list), nil
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
	RevokeSessions(ctx context.Context, id string) error
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
	if !ok || len(parts) != 3 || parts[1] != "federationConfiguration" || parts[0] == "" || parts[2] == "" || !federationFields[field] {
		return "", "", false
	}
	return parts[0], parts[2], true
}

// federationFields are the federation properties the store reads and writes.
var federationFields = map[string]bool{"federatedIdpMfaBehavior": true, "signingCertificate": true, "nextSigningCertificate": true,
	"issuerUri": true, "passiveSignInUri": true, "activeSignInUri": true, "signOutUri": true, "metadataExchangeUri": true}

func federationField(f model.Federation, field string) string {
	switch field {
	case "signingCertificate":
		return f.SigningCertificate
	case "nextSigningCertificate":
		return f.NextSigningCertificate
	case "issuerUri":
		return f.IssuerURI
	case "passiveSignInUri":
		return f.PassiveSignInURI
	case "activeSignInUri":
		return f.ActiveSignInURI
	case "signOutUri":
		return f.SignOutURI
	case "metadataExchangeUri":
		return f.MetadataExchangeURI
	}
	return f.FederatedIdpMfaBehavior
}

// SessionsField is the user property a revocation moves.
const SessionsField = "signInSessionsValidFromDateTime"

// Do runs an action on an Entra user: revokeSignInSessions.
func (s GraphStore) Do(ctx context.Context, action, object, body string) error {
	id, err := parseEntraUser(object, SessionsField)
	if err != nil || action != "revokeSignInSessions" {
		return cmpErr(err, fmt.Errorf("graph store: %s is not an action it runs", action))
	}
	return s.API.RevokeSessions(ctx, id)
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
	case "userPrincipalName", "onPremisesImmutableId", "usageLocation", SessionsField, LicensesField:
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
		return federationField(fed, field), err
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
	case LicensesField:
		ids := []string{}
		for _, l := range u.AssignedLicenses() {
			ids = append(ids, l.SkuID)
		}
		return SetValue(ids), nil
	case SessionsField:
		if u.Sessions.SessionsValidFrom.IsZero() {
			return "", nil
		}
		return u.Sessions.SessionsValidFrom.UTC().Format(time.RFC3339), nil
	}
	return u.UsageLocation, nil
}

func (s GraphStore) Write(ctx context.Context, object, field, value string) error {
	if domain, id, ok := parseFederation(object, field); ok {
		var v any = value
		switch {
		case value == "" && field == "federatedIdpMfaBehavior":
			// Graph refuses federatedIdpMfaBehavior back to null: no plan
			// may write it, so none is sent.
			return fmt.Errorf("graph store: federatedIdpMfaBehavior cannot be set back to empty")
		case value == "" && (field == "signingCertificate" || field == "issuerUri" || field == "passiveSignInUri"):
			// A federation without a signing certificate (or issuer, or
			// sign-in URL) is one Graph cannot manage any more.
			return fmt.Errorf("graph store: a federation is never written without its %s", field)
		case value == "":
			v = nil
		}
		return s.API.PatchFederation(ctx, domain, id, map[string]any{field: v})
	}
	id, err := parseEntraUser(object, field)
	if err != nil {
		return err
	}
	if field == SessionsField || field == LicensesField {
		return fmt.Errorf("graph store: %s is not written by this store", field)
	}
	var v any // "" clears the property (JSON null)
	if value != "" {
		v = value
	}
	return s.API.PatchUser(ctx, id, map[string]any{field: v})
}

// Both stores run actions.
var (
	_ ActionStore = OktaStore{}
	_ ActionStore = GraphStore{}
)
