package lab

import (
	"encoding/json"
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

// The lab keeps its state in the shapes the APIs return, so a handler
// marshals what it holds.

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

type oktaApp struct {
	ID            string         `json:"id"`
	Name          string         `json:"name"`
	Label         string         `json:"label"`
	Status        string         `json:"status"`
	LastUpdated   oktaTime       `json:"lastUpdated"`
	Created       oktaTime       `json:"created"`
	Accessibility map[string]any `json:"accessibility"`
	Visibility    map[string]any `json:"visibility"`
	Features      []string       `json:"features"`
	SignOnMode    string         `json:"signOnMode"`
	Credentials   map[string]any `json:"credentials"`
	Settings      map[string]any `json:"settings"`
	Links         map[string]any `json:"_links,omitempty"`
}

type oktaAppUser struct {
	ID              string         `json:"id"`
	ExternalID      string         `json:"externalId"`
	Created         oktaTime       `json:"created"`
	LastUpdated     oktaTime       `json:"lastUpdated"`
	Scope           string         `json:"scope"`
	Status          string         `json:"status"`
	StatusChanged   oktaTime       `json:"statusChanged"`
	PasswordChanged oktaTime       `json:"passwordChanged"`
	SyncState       string         `json:"syncState"`
	LastSync        oktaTime       `json:"lastSync"`
	Credentials     map[string]any `json:"credentials"`
	Profile         map[string]any `json:"profile"`
	Links           map[string]any `json:"_links,omitempty"`
	Embedded        map[string]any `json:"_embedded,omitempty"`
}

type entraUser struct {
	ID                    string  `json:"id"`
	UserPrincipalName     string  `json:"userPrincipalName"`
	DisplayName           string  `json:"displayName"`
	GivenName             *string `json:"givenName"`
	Surname               *string `json:"surname"`
	Mail                  *string `json:"mail"`
	AccountEnabled        bool    `json:"accountEnabled"`
	OnPremisesImmutableID *string `json:"onPremisesImmutableId"`
	UsageLocation         *string `json:"usageLocation"`
}

type entraDomain struct {
	ID                 string   `json:"id"`
	AuthenticationType string   `json:"authenticationType"`
	IsDefault          bool     `json:"isDefault"`
	IsInitial          bool     `json:"isInitial"`
	IsRoot             bool     `json:"isRoot"`
	IsVerified         bool     `json:"isVerified"`
	SupportedServices  []string `json:"supportedServices"`
}

// state is the lab's tenant. One mutex guards it: the lab serves tens of
// requests a second in tests, not thousands.
type state struct {
	mu sync.RWMutex

	scenario *Scenario
	tenantID string

	oktaUsers   []*oktaUser
	oktaByID    map[string]*oktaUser
	oktaByLogin map[string]*oktaUser
	apps        []*oktaApp
	appByID     map[string]*oktaApp
	// appUsers[appID] is ordered by user ID, as Okta pages them.
	appUsers map[string][]*oktaAppUser

	entraUsers []*entraUser
	entraByID  map[string]*entraUser
	entraByUPN map[string]*entraUser
	domains    []*entraDomain
}

func newState(sc *Scenario, now time.Time) *state {
	st := &state{
		scenario:    sc,
		tenantID:    sc.Tenant.ID,
		oktaByID:    map[string]*oktaUser{},
		oktaByLogin: map[string]*oktaUser{},
		appByID:     map[string]*oktaApp{},
		appUsers:    map[string][]*oktaAppUser{},
		entraByID:   map[string]*entraUser{},
		entraByUPN:  map[string]*entraUser{},
	}
	created := oktaTime{now.Add(-400 * 24 * time.Hour).Truncate(time.Millisecond)}
	appKeys := map[string]*oktaApp{}
	for _, a := range sc.Okta.Apps {
		app := &oktaApp{
			ID: oktaID("0oa", sc.Name+"|"+a.Key), Name: a.Name, Label: a.Label, Status: a.Status,
			Created: created, LastUpdated: created, SignOnMode: a.SignOnMode,
			Accessibility: map[string]any{"selfService": false, "errorRedirectUrl": nil, "loginRedirectUrl": nil},
			Visibility:    map[string]any{"autoSubmitToolbar": false, "hide": map[string]any{"iOS": false, "web": false}, "appLinks": map[string]any{}},
			Features:      []string{"PUSH_NEW_USERS", "PUSH_USER_DEACTIVATION", "REACTIVATE_USERS", "PUSH_PROFILE_UPDATES"},
			Credentials: map[string]any{
				"userNameTemplate": map[string]any{"template": a.UserNameTemplate, "type": "BUILT_IN"},
				"signing":          map[string]any{"kid": "lab-" + oktaID("kid", a.Key)},
			},
			Settings: map[string]any{
				"app":           cloneMap(a.Settings),
				"notifications": map[string]any{"vpn": map[string]any{"network": map[string]any{"connection": "DISABLED"}, "message": nil, "helpUrl": nil}},
			},
		}
		st.apps = append(st.apps, app)
		st.appByID[app.ID] = app
		appKeys[a.Key] = app
	}
	for _, u := range sc.Okta.Users {
		id := oktaID("00u", strings.ToLower(u.Login))
		ou := &oktaUser{
			ID: id, Status: u.Status, Created: created, StatusChanged: created, LastUpdated: created,
			Type: map[string]any{"id": "oty" + id[3:]},
			Profile: map[string]any{
				"login": u.Login, "email": u.Email, "firstName": u.FirstName, "lastName": u.LastName,
				"mobilePhone": nil, "secondEmail": nil,
			},
			Credentials: map[string]any{"provider": map[string]any{"type": "OKTA", "name": "OKTA"}},
		}
		if u.Status != "STAGED" {
			ou.Activated = created
		}
		if u.Status == "ACTIVE" || u.Status == "PASSWORD_EXPIRED" || u.Status == "LOCKED_OUT" || u.Status == "RECOVERY" {
			ou.PasswordChanged = created
			ou.Credentials["password"] = map[string]any{}
			ou.LastLogin = oktaTime{now.Add(-26 * time.Hour).Truncate(time.Millisecond)}
		}
		st.oktaUsers = append(st.oktaUsers, ou)
		st.oktaByID[id] = ou
		st.oktaByLogin[strings.ToLower(u.Login)] = ou
		for _, as := range u.Assignments {
			app := appKeys[as.App]
			au := &oktaAppUser{
				ID: id, ExternalID: guid("ext:" + strings.ToLower(u.Login)),
				Created: created, LastUpdated: created, Scope: as.Scope, Status: as.Status,
				StatusChanged: created, SyncState: as.SyncState, LastSync: created,
				Credentials: map[string]any{"userName": as.UserName},
				Profile:     cloneMap(as.Profile),
			}
			st.appUsers[app.ID] = append(st.appUsers[app.ID], au)
		}
	}
	for _, list := range st.appUsers {
		sort.Slice(list, func(i, j int) bool { return list[i].ID < list[j].ID })
	}
	for _, d := range sc.Tenant.Domains {
		st.domains = append(st.domains, &entraDomain{
			ID: d.Name, AuthenticationType: d.AuthenticationType, IsDefault: d.IsDefault,
			IsVerified: d.IsVerified == nil || *d.IsVerified, IsRoot: true,
			SupportedServices: []string{"Email", "OfficeCommunicationsOnline"},
		})
	}
	for _, u := range sc.Tenant.Users {
		eu := &entraUser{
			ID: guid("user:" + sc.Tenant.ID + ":" + strings.ToLower(u.UPN)), UserPrincipalName: u.UPN,
			DisplayName: u.DisplayName, AccountEnabled: u.AccountEnabled == nil || *u.AccountEnabled,
			OnPremisesImmutableID: optional(u.ImmutableID), UsageLocation: optional(u.UsageLocation),
			Mail: optional(u.UPN),
		}
		if first, last, ok := strings.Cut(u.DisplayName, " "); ok {
			eu.GivenName, eu.Surname = optional(first), optional(last)
		}
		st.entraUsers = append(st.entraUsers, eu)
		st.entraByID[eu.ID] = eu
		st.entraByUPN[strings.ToLower(u.UPN)] = eu
	}
	return st
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
	for _, au := range st.appUsers[appID] {
		if au.ID == userID {
			return au
		}
	}
	return nil
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
