package lab

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"
	"sync"
	"time"
)

// oktaTime marshals the way Okta writes timestamps: milliseconds and Z.
type oktaTime struct{ time.Time }

func (t oktaTime) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte("null"), nil
	}
	return json.Marshal(t.UTC().Format("2006-01-02T15:04:05.000Z"))
}

func otime(t time.Time) oktaTime { return oktaTime{t.UTC().Truncate(time.Millisecond)} }

// graphTime marshals as Graph does: RFC 3339 with Z, null when unset.
type graphTime struct{ time.Time }

func (t graphTime) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte("null"), nil
	}
	return json.Marshal(t.UTC().Format("2006-01-02T15:04:05Z"))
}

// The lab keeps its state in the shapes the APIs return, so a handler
// marshals what it holds. Field order and names follow the documented and
// recorded examples cited in each handler.

type oktaUser struct {
	ID              string         `json:"id"`
	Status          string         `json:"status"`
	Created         oktaTime       `json:"created"`
	Activated       oktaTime       `json:"activated"`
	StatusChanged   oktaTime       `json:"statusChanged"`
	LastLogin       oktaTime       `json:"lastLogin"`
	LastUpdated     oktaTime       `json:"lastUpdated"`
	PasswordChanged oktaTime       `json:"passwordChanged"`
	Type            map[string]any `json:"type"`
	Profile         map[string]any `json:"profile"`
	Credentials     map[string]any `json:"credentials"`
	Links           map[string]any `json:"_links,omitempty"`
}

func (u *oktaUser) login() string { s, _ := u.Profile["login"].(string); return s }

type oktaApp struct {
	ID            string         `json:"id"`
	Name          string         `json:"name"`
	Label         string         `json:"label"`
	Status        string         `json:"status"`
	LastUpdated   oktaTime       `json:"lastUpdated"`
	Created       oktaTime       `json:"created"`
	Accessibility map[string]any `json:"accessibility"`
	Licensing     map[string]any `json:"licensing"`
	Visibility    map[string]any `json:"visibility"`
	Features      []string       `json:"features"`
	SignOnMode    string         `json:"signOnMode"`
	Credentials   map[string]any `json:"credentials"`
	Settings      map[string]any `json:"settings"`
	Links         map[string]any `json:"_links,omitempty"`

	key         string         // the scenario's app key
	externalKey string         // exk…: entityID and the {key} of /app/office365/{key}/sso/wsfed/…
	keys        []*signingCert // first = active
}

type oktaAppUser struct {
	ID              string         `json:"id"`
	ExternalID      *string        `json:"externalId"`
	Created         oktaTime       `json:"created"`
	LastUpdated     oktaTime       `json:"lastUpdated"`
	Scope           string         `json:"scope"`
	Status          string         `json:"status"`
	StatusChanged   oktaTime       `json:"statusChanged"`
	PasswordChanged oktaTime       `json:"passwordChanged"`
	SyncState       string         `json:"syncState"`
	LastSync        *oktaTime      `json:"lastSync,omitempty"` // absent when syncState is DISABLED
	Credentials     map[string]any `json:"credentials"`
	Profile         map[string]any `json:"profile"`
	Links           map[string]any `json:"_links,omitempty"`
	Embedded        map[string]any `json:"_embedded,omitempty"`
}

type oktaGroup struct {
	ID                    string         `json:"id"`
	Created               oktaTime       `json:"created"`
	LastUpdated           oktaTime       `json:"lastUpdated"`
	LastMembershipUpdated oktaTime       `json:"lastMembershipUpdated"`
	ObjectClass           []string       `json:"objectClass"`
	Type                  string         `json:"type"`
	Profile               map[string]any `json:"profile"`
	Links                 map[string]any `json:"_links,omitempty"`

	members []string // user IDs, sorted
}

type oktaAppGroup struct {
	ID          string         `json:"id"`
	LastUpdated oktaTime       `json:"lastUpdated"`
	Priority    int            `json:"priority"`
	Profile     map[string]any `json:"profile"`
	Links       map[string]any `json:"_links,omitempty"`
}

type oktaFactor struct {
	ID          string         `json:"id"`
	FactorType  string         `json:"factorType"`
	Provider    string         `json:"provider"`
	VendorName  string         `json:"vendorName"`
	Status      string         `json:"status"`
	Created     oktaTime       `json:"created"`
	LastUpdated oktaTime       `json:"lastUpdated"`
	Profile     map[string]any `json:"profile"`
	Links       map[string]any `json:"_links,omitempty"`
}

// logEvent is one System Log event; body is the LogEvent object.
type logEvent struct {
	published time.Time
	body      map[string]any
}

type assignedLicense struct {
	DisabledPlans []string `json:"disabledPlans"`
	SkuID         string   `json:"skuId"`
}

type licenseState struct {
	AssignedByGroup     *string   `json:"assignedByGroup"`
	DisabledPlans       []string  `json:"disabledPlans"`
	Error               string    `json:"error"` // "None" on success, as the live service sends
	LastUpdatedDateTime graphTime `json:"lastUpdatedDateTime"`
	SkuID               string    `json:"skuId"`
	State               string    `json:"state"`
}

type entraUser struct {
	ID                              string            `json:"id"`
	UserPrincipalName               string            `json:"userPrincipalName"`
	DisplayName                     string            `json:"displayName"`
	GivenName                       *string           `json:"givenName"`
	Surname                         *string           `json:"surname"`
	Mail                            *string           `json:"mail"`
	JobTitle                        *string           `json:"jobTitle"`
	MobilePhone                     *string           `json:"mobilePhone"`
	OfficeLocation                  *string           `json:"officeLocation"`
	PreferredLanguage               *string           `json:"preferredLanguage"`
	BusinessPhones                  []string          `json:"businessPhones"`
	AccountEnabled                  bool              `json:"accountEnabled"`
	CreatedDateTime                 graphTime         `json:"createdDateTime"`
	OnPremisesImmutableID           *string           `json:"onPremisesImmutableId"`
	OnPremisesSyncEnabled           *bool             `json:"onPremisesSyncEnabled"`
	UsageLocation                   *string           `json:"usageLocation"`
	AssignedLicenses                []assignedLicense `json:"assignedLicenses"`
	LicenseAssignmentStates         []licenseState    `json:"licenseAssignmentStates"`
	ProxyAddresses                  []string          `json:"proxyAddresses"`
	LastPasswordChangeDateTime      graphTime         `json:"lastPasswordChangeDateTime"`
	SignInSessionsValidFromDateTime graphTime         `json:"signInSessionsValidFromDateTime"`
}

type entraDomain struct {
	AuthenticationType               string   `json:"authenticationType"`
	AvailabilityStatus               *string  `json:"availabilityStatus"`
	ID                               string   `json:"id"`
	IsAdminManaged                   bool     `json:"isAdminManaged"`
	IsDefault                        bool     `json:"isDefault"`
	IsInitial                        bool     `json:"isInitial"`
	IsRoot                           bool     `json:"isRoot"`
	IsVerified                       bool     `json:"isVerified"`
	SupportedServices                []string `json:"supportedServices"`
	PasswordValidityPeriodInDays     *int     `json:"passwordValidityPeriodInDays"`
	PasswordNotificationWindowInDays *int     `json:"passwordNotificationWindowInDays"`
	State                            *string  `json:"state"`

	verificationCode string
	federation       *federation
}

// federation is an internalDomainFederation (Graph v1.0).
type federation struct {
	ODataType                             string         `json:"@odata.type"`
	ID                                    string         `json:"id"`
	DisplayName                           string         `json:"displayName"`
	IssuerURI                             string         `json:"issuerUri"`
	MetadataExchangeURI                   *string        `json:"metadataExchangeUri"`
	SigningCertificate                    string         `json:"signingCertificate"`
	PassiveSignInURI                      string         `json:"passiveSignInUri"`
	PreferredAuthenticationProtocol       string         `json:"preferredAuthenticationProtocol"`
	ActiveSignInURI                       *string        `json:"activeSignInUri"`
	SignOutURI                            *string        `json:"signOutUri"`
	PromptLoginBehavior                   string         `json:"promptLoginBehavior"`
	IsSignedAuthenticationRequestRequired bool           `json:"isSignedAuthenticationRequestRequired"`
	NextSigningCertificate                *string        `json:"nextSigningCertificate"`
	FederatedIdpMfaBehavior               *string        `json:"federatedIdpMfaBehavior"`
	PasswordResetURI                      *string        `json:"passwordResetUri"`
	SigningCertificateUpdateStatus        map[string]any `json:"signingCertificateUpdateStatus"`
}

type sku struct {
	AccountName      string           `json:"accountName"`
	AccountID        string           `json:"accountId"`
	AppliesTo        string           `json:"appliesTo"`
	CapabilityStatus string           `json:"capabilityStatus"`
	ConsumedUnits    int              `json:"consumedUnits"`
	ID               string           `json:"id"`
	PrepaidUnits     map[string]int   `json:"prepaidUnits"`
	ServicePlans     []map[string]any `json:"servicePlans"`
	SkuID            string           `json:"skuId"`
	SkuPartNumber    string           `json:"skuPartNumber"`
	SubscriptionIDs  []string         `json:"subscriptionIds"`

	extraUsed int
}

type directoryRole struct {
	ID             string `json:"id"`
	Description    string `json:"description"`
	DisplayName    string `json:"displayName"`
	RoleTemplateID string `json:"roleTemplateId"`

	members []string // user IDs
}

type signIn struct {
	created time.Time
	upn     string
	body    map[string]any
}

// pageKey orders sign-ins as Graph lists them, newest first, ties by ID:
// the time's distance to the end of int64 time, as fixed-width hex, sorts
// descending when the strings sort ascending.
func (s signIn) pageKey() string {
	id, _ := s.body["id"].(string)
	return fmt.Sprintf("%016x|%s", math.MaxInt64-s.created.UnixNano(), id)
}

// state is the lab's tenant. One mutex guards it.
type state struct {
	// bulkDefects is the defect each generated user got ("" none), by UPN.
	bulkDefects map[string]string
	mu          sync.RWMutex
	// gen counts the requests that took mu to write: a view rendered at
	// another gen may be stale.
	gen uint64

	scenario *Scenario
	tenantID string
	oktaURL  string
	certs    map[string]*signingCert

	oktaUsers   []*oktaUser // sorted by ID, as Okta pages them
	oktaByID    map[string]*oktaUser
	oktaByLogin map[string]*oktaUser
	apps        []*oktaApp
	appByID     map[string]*oktaApp
	appByKey    map[string]*oktaApp
	appUsers    map[string][]*oktaAppUser // by app ID, sorted by user ID
	appUserIdx  map[string]map[string]*oktaAppUser
	groups      []*oktaGroup
	groupByID   map[string]*oktaGroup
	appGroups   map[string][]*oktaAppGroup // by app ID, sorted by priority then ID
	factors     map[string][]*oktaFactor   // by user ID
	logs        []logEvent                 // sorted by published

	entraUsers []*entraUser // sorted by ID, as the lab pages them
	entraByID  map[string]*entraUser
	entraByUPN map[string]*entraUser
	domains    []*entraDomain
	skus       []*sku
	roles      []*directoryRole
	signIns    []signIn // newest first, by pageKey

	entraGroups []*entraGroup
	rollouts    []*featureRollout
}

func newStateShell(sc *Scenario, oktaURL string) *state {
	return &state{
		scenario: sc, tenantID: sc.Tenant.ID, oktaURL: oktaURL,
		certs:       map[string]*signingCert{},
		oktaByID:    map[string]*oktaUser{},
		oktaByLogin: map[string]*oktaUser{},
		appByID:     map[string]*oktaApp{},
		appByKey:    map[string]*oktaApp{},
		appUsers:    map[string][]*oktaAppUser{},
		appUserIdx:  map[string]map[string]*oktaAppUser{},
		groupByID:   map[string]*oktaGroup{},
		appGroups:   map[string][]*oktaAppGroup{},
		factors:     map[string][]*oktaFactor{},
		entraByID:   map[string]*entraUser{},
		entraByUPN:  map[string]*entraUser{},
	}
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func cloneMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// oktaUserRef finds an Okta user by ID or login (case-insensitive), as
// GET /api/v1/users/{idOrLogin} does.
func (st *state) oktaUserRef(idOrLogin string) *oktaUser {
	if u := st.oktaByID[idOrLogin]; u != nil {
		return u
	}
	return st.oktaByLogin[strings.ToLower(idOrLogin)]
}

func (st *state) appUser(appID, userID string) *oktaAppUser {
	return st.appUserIdx[appID][userID]
}

// appendAppUser indexes an app user at build time; newState sorts the
// lists once at the end (a sorted insert per user is quadratic at 100k).
func (st *state) appendAppUser(appID string, au *oktaAppUser) {
	st.appUsers[appID] = append(st.appUsers[appID], au)
	if st.appUserIdx[appID] == nil {
		st.appUserIdx[appID] = map[string]*oktaAppUser{}
	}
	st.appUserIdx[appID][au.ID] = au
}

// addAppUser inserts an app user in ID order (a new assignment).
func (st *state) addAppUser(appID string, au *oktaAppUser) {
	list := st.appUsers[appID]
	i := sort.Search(len(list), func(i int) bool { return list[i].ID >= au.ID })
	list = append(list, nil)
	copy(list[i+1:], list[i:])
	list[i] = au
	st.appUsers[appID] = list
	if st.appUserIdx[appID] == nil {
		st.appUserIdx[appID] = map[string]*oktaAppUser{}
	}
	st.appUserIdx[appID][au.ID] = au
}

func (st *state) removeAppUser(appID, userID string) {
	list := st.appUsers[appID]
	for i, au := range list {
		if au.ID == userID {
			st.appUsers[appID] = append(list[:i], list[i+1:]...)
			break
		}
	}
	delete(st.appUserIdx[appID], userID)
}

func (st *state) entraUserRef(idOrUPN string) *entraUser {
	if u := st.entraByID[idOrUPN]; u != nil {
		return u
	}
	return st.entraByUPN[strings.ToLower(idOrUPN)]
}

func (st *state) domain(name string) *entraDomain {
	for _, d := range st.domains {
		if strings.EqualFold(d.ID, name) {
			return d
		}
	}
	return nil
}

func (st *state) skuByID(id string) *sku {
	for _, k := range st.skus {
		if strings.EqualFold(k.SkuID, id) {
			return k
		}
	}
	return nil
}

func (st *state) skuByName(name string) *sku {
	for _, k := range st.skus {
		if k.SkuPartNumber == name {
			return k
		}
	}
	return nil
}

// consumed counts the users holding a SKU, plus those outside the scenario.
func (st *state) consumed(k *sku) int {
	n := k.extraUsed
	for _, u := range st.entraUsers {
		for _, l := range u.AssignedLicenses {
			if l.SkuID == k.SkuID {
				n++
			}
		}
	}
	return n
}

// Issuer forms Okta writes as the domain's issuerUri in Entra (Okta KB,
// api-facts §Q2): automatic federation "{domain}:{exk}", manual (PowerShell)
// federation "https://{exk}", and the older "http://www.okta.com/{exk}"
// (low confidence that Office 365 instances ever used it; Okta's KB speaks
// of migrating the issuer format of old instances).
const (
	IssuerAutomatic = "automatic"
	IssuerManual    = "manual"
	IssuerLegacy    = "legacy"
)

// issuerURI is the issuer of the app for the domain in the given form.
func issuerURI(form, domain, exk string) string {
	switch form {
	case IssuerManual:
		return "https://" + exk
	case IssuerLegacy:
		return "http://www.okta.com/" + exk
	}
	return strings.ToLower(domain) + ":" + exk
}

// wsfedURIs are what Okta writes into Entra for an Office 365 app and a
// domain: the issuer in the form asked for, sign-in at
// /app/office365/{exk}/sso/wsfed/passive (the endpoint Microsoft's
// GetUserRealm AuthURL shows for Okta-federated domains), active and mex
// beside it, sign-out at the org's /login/signout.
// With customDomain the URIs name the org's custom URL domain instead of
// its okta.com host (a real Okta AuthURL may: wmlogin.wm.com, api-facts
// §Q2).
func (st *state) wsfedURIs(app *oktaApp, domain, form string, customDomain bool) (issuer, passive, active, signOut, mex string) {
	org := st.oktaURL
	if customDomain {
		org = "https://" + st.scenario.Okta.CustomDomain
	}
	base := org + "/app/office365/" + app.externalKey + "/sso/wsfed/"
	// The sign-out URI is the app's WS-Fed signout endpoint, as Okta's
	// manual-federation script sets LogOffUri (api-facts §Q2), not the
	// org's /login/signout.
	return issuerURI(form, domain, app.externalKey), base + "passive", base + "active", base + "signout", base + "mex"
}
