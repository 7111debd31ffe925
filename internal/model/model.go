// Package model holds the records o365doctor reads from Okta and Entra ID, in
// the shape the checks reason about. The source adapters convert SDK types
// into these, so checks, fixes and reports never import an SDK.
package model

import (
	"errors"
	"strings"
	"time"
)

// Okta user statuses (Okta Management API, User object `status`).
const (
	OktaStaged          = "STAGED"
	OktaProvisioned     = "PROVISIONED"
	OktaActive          = "ACTIVE"
	OktaRecovery        = "RECOVERY"
	OktaPasswordExpired = "PASSWORD_EXPIRED"
	OktaLockedOut       = "LOCKED_OUT"
	OktaSuspended       = "SUSPENDED"
	OktaDeprovisioned   = "DEPROVISIONED"
)

// OktaUser is an Okta user (GET /api/v1/users/{idOrLogin}).
type OktaUser struct {
	ID              string
	Login           string
	Email           string
	Status          string
	StatusChanged   time.Time
	LastLogin       time.Time
	PasswordChanged time.Time
	// HasPassword: credentials.password is present (Okta never shows the
	// value): activation then makes the user ACTIVE, not PROVISIONED.
	HasPassword bool
}

// OktaApp is an Okta application instance (GET /api/v1/apps/{id}).
type OktaApp struct {
	ID         string
	Name       string // "office365" for the Microsoft Office 365 OIN app
	Label      string
	Status     string // ACTIVE | INACTIVE
	SignOnMode string // SAML_1_1 for WS-Federation, BROWSER_PLUGIN for SWA
	// Settings is settings.app: domain, msftTenant, wsFedConfigureType, ...
	Settings map[string]any
	// UserNameTemplate is credentials.userNameTemplate.template.
	UserNameTemplate string
	// SigningKid is credentials.signing.kid: the active signing key.
	SigningKid string
	// Features are the provisioning features turned on (PUSH_NEW_USERS,
	// PUSH_PASSWORD_UPDATES, ...).
	Features []string
	// AccessPolicyHref is _links.accessPolicy.href, the app's Identity
	// Engine sign-in policy ("" when the answer linked none).
	AccessPolicyHref string
}

// Domain returns settings.app.domain, the domain the app federates.
func (a OktaApp) Domain() string { return stringField(a.Settings, "domain") }

// Office365AppName is the OIN name of the Microsoft Office 365 app.
const Office365AppName = "office365"

// AppUser is a user's assignment to an Okta app
// (GET /api/v1/apps/{appId}/users/{userId}).
type AppUser struct {
	AppID     string
	UserID    string
	Scope     string // USER (direct) or GROUP (through a group)
	Status    string
	SyncState string
	UserName  string         // credentials.userName: the UPN sent to Microsoft
	Profile   map[string]any // immutableId, licenses, usageLocation, ...
	// UserStatus is the Okta user's status (_embedded.user.status, with
	// expand=user): "" when the listing did not embed the user.
	UserStatus string
}

// ImmutableID is profile.immutableId, the anchor Okta sends to Entra ID.
func (u AppUser) ImmutableID() string { return stringField(u.Profile, "immutableId") }

// EntraUser is a Microsoft Entra ID user (GET /users/{id|upn}).
type EntraUser struct {
	ID                    string
	UserPrincipalName     string
	DisplayName           string
	AccountEnabled        *bool
	OnPremisesImmutableID string
	UsageLocation         string
	// Licenses are assignedLicenses and licenseAssignmentStates (the
	// license checks read them); nil when the answer had neither. A
	// pointer keeps EntraUser comparable.
	Licenses *UserLicenses
	// Sessions are lastPasswordChangeDateTime and
	// signInSessionsValidFromDateTime.
	Sessions UserSessions
	// SyncedFromAD: onPremisesSyncEnabled is true (Entra Connect writes
	// the user; its anchor is Active Directory's, the source of truth).
	SyncedFromAD bool
}

// DomainOf returns the domain part of a UPN or login, lower-cased.
func DomainOf(upn string) string {
	i := strings.LastIndexByte(upn, '@')
	if i < 0 {
		return ""
	}
	return strings.ToLower(upn[i+1:])
}

func stringField(m map[string]any, key string) string {
	if m == nil {
		return ""
	}
	s, _ := m[key].(string)
	return s
}

// ErrNotFound is returned by the sources when the object does not exist, so
// a check can tell "absent" (a finding) from "could not ask" (an error).
var ErrNotFound = errors.New("not found")

// ErrAccessDenied is wrapped by the sources when the API answered 403: the
// credential works but lacks a permission, which the checks can name.
var ErrAccessDenied = errors.New("access denied")

// Domains are the domains the app federates: settings.app.domain, then
// the names in settings.app.domains (automatic WS-Fed federates several
// domains in one app; the elements are objects with a name — inferred
// from Okta support's tool, every recorded app has []; strings accepted).
func (a OktaApp) Domains() []string {
	var out []string
	if d := a.Domain(); d != "" {
		out = append(out, d)
	}
	list, _ := a.Settings["domains"].([]any)
	for _, d := range list {
		switch d := d.(type) {
		case string:
			out = append(out, d)
		case map[string]any:
			if name, _ := d["name"].(string); name != "" {
				out = append(out, name)
			}
		}
	}
	return out
}

// Federates reports whether the app federates the domain (one of Domains).
func (a OktaApp) Federates(domain string) bool {
	for _, d := range a.Domains() {
		if strings.EqualFold(d, domain) {
			return true
		}
	}
	return false
}

// Setting is a string of settings.app ("" when absent, null or not a
// string).
func (a OktaApp) Setting(key string) string { return stringField(a.Settings, key) }

// Okta sign-on modes of the Office 365 app (Office365Application in Okta's
// OpenAPI spec: BROWSER_PLUGIN and SAML_1_1 only).
const (
	SignOnWSFed = "SAML_1_1"       // WS-Federation
	SignOnSWA   = "BROWSER_PLUGIN" // Secure Web Authentication: Okta types the password into Microsoft's page
)

// OktaDomain is one of the Okta org's custom URL domains
// (GET /api/v1/domains): Okta can serve the Office 365 app's sign-in URLs
// on it instead of {org}.okta.com.
type OktaDomain struct {
	ID               string
	Domain           string // login.contoso.com
	ValidationStatus string // VERIFIED, COMPLETED, IN_PROGRESS, NOT_STARTED, FAILED_TO_VERIFY
}

// RateBudget is what an Okta answer said of its rate-limit bucket:
// Limit requests per window, Remaining of them, the window's Reset (on
// the local clock), and the Share of the bucket o365doctor keeps to.
// Zero when the answer did not say.
type RateBudget struct {
	Limit, Remaining int
	Reset            time.Time
	Share            float64
}

// AppUserPage is one page of an app's users, with the link to the next
// page ("" after the last) and the bucket's budget after it.
type AppUserPage struct {
	Users  []AppUser
	Next   string
	Budget RateBudget
}

// EntraUserPage is one page of Entra users, with the link to the next
// page ("" after the last) and Graph's @odata.count of the whole listing
// (-1 when the answer has none: only the first page of an advanced query
// carries it).
type EntraUserPage struct {
	Users []EntraUser
	Next  string
	Count int
}
