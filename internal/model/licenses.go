package model

import (
	"strings"
	"time"
)

// AssignedLicense is one of a user's assignedLicenses (Graph v1.0): the
// SKU and the service plans turned off in it.
type AssignedLicense struct {
	SkuID         string // lower case GUID
	DisabledPlans []string
}

// LicenseState is one of a user's licenseAssignmentStates (Graph v1.0):
// how the assignment of one SKU went.
type LicenseState struct {
	SkuID string // lower case GUID
	// AssignedByGroup is the Entra group the license comes from; "" when
	// it is assigned to the user directly (as Okta assigns licenses).
	AssignedByGroup string
	State           string // Active | ActiveWithError | Disabled | Error
	// Error is Graph's error string as sent: CountViolation,
	// MutuallyExclusiveViolation, ... "None" or "" (null) on success.
	Error         string
	DisabledPlans []string
	LastUpdated   time.Time
}

// Failed reports whether the assignment is in error. The live service
// sends "None" on success where the docs say null (api-facts §Q4, §Q10.9):
// both, and "", mean no error; compared case-insensitively.
func (s LicenseState) Failed() bool {
	e := strings.TrimSpace(s.Error)
	return e != "" && !strings.EqualFold(e, "None")
}

// SKU is one of the tenant's subscribed SKUs (GET /subscribedSkus).
type SKU struct {
	ID               string // {tenantId}_{skuId}
	SkuID            string // lower case GUID
	SkuPartNumber    string // ENTERPRISEPACK
	CapabilityStatus string // Enabled | Warning | Suspended | Deleted | LockedOut
	AppliesTo        string // User | Company
	ConsumedUnits    int
	// PrepaidUnits: enabled seats, and those in grace (warning),
	// suspended or locked out.
	Enabled, Warning, Suspended, LockedOut int
	ServicePlans                           []ServicePlan
}

// Free is how many enabled seats are not consumed (negative when more are
// assigned than enabled).
func (k SKU) Free() int { return k.Enabled - k.ConsumedUnits }

// ServicePlan is one service plan of a SKU.
type ServicePlan struct {
	ID                 string
	Name               string // EXCHANGE_S_ENTERPRISE
	ProvisioningStatus string
}

// OktaGroup is an Okta group (GET /api/v1/users/{id}/groups).
type OktaGroup struct {
	ID   string
	Name string // profile.name
	Type string // OKTA_GROUP | APP_GROUP | BUILT_IN
}

// AppGroup is a group's assignment to an Okta app (GET
// /api/v1/apps/{appId}/groups): its priority (0 first) and the app-user
// profile it gives its members (licenses, roles, usageLocation).
type AppGroup struct {
	GroupID  string
	Priority int
	Profile  map[string]any
}

// Licenses is the assignment profile's licenses; ok is false when the
// profile has no licenses attribute.
func (g AppGroup) Licenses() (list []string, ok bool) { return stringList(g.Profile, "licenses") }

// Licenses is the app user's profile.licenses (the Office 365 app's
// multi-valued licenses attribute); ok is false when the profile has no
// licenses attribute at all (null or absent), which Okta treats as none.
func (u AppUser) Licenses() (list []string, ok bool) { return stringList(u.Profile, "licenses") }

// UsageLocation is the app user's profile.usageLocation.
func (u AppUser) UsageLocation() string { return stringField(u.Profile, "usageLocation") }

// stringList reads a multi-valued string attribute; values that are not
// strings are skipped, blanks dropped.
func stringList(m map[string]any, key string) ([]string, bool) {
	v, ok := m[key]
	if !ok || v == nil {
		return nil, false
	}
	var out []string
	switch l := v.(type) {
	case []any:
		for _, e := range l {
			if s, ok := e.(string); ok && strings.TrimSpace(s) != "" {
				out = append(out, strings.TrimSpace(s))
			}
		}
	case []string:
		for _, s := range l {
			if strings.TrimSpace(s) != "" {
				out = append(out, strings.TrimSpace(s))
			}
		}
	case string:
		if strings.TrimSpace(l) != "" {
			out = append(out, strings.TrimSpace(l))
		}
	}
	return out, true
}

// UserLicenses are a user's assignedLicenses and licenseAssignmentStates.
type UserLicenses struct {
	Assigned []AssignedLicense
	States   []LicenseState
}

// AssignedLicenses are the user's assignedLicenses (none when not read).
func (u EntraUser) AssignedLicenses() []AssignedLicense {
	if u.Licenses == nil {
		return nil
	}
	return u.Licenses.Assigned
}

// LicenseStates are the user's licenseAssignmentStates (none when not read).
func (u EntraUser) LicenseStates() []LicenseState {
	if u.Licenses == nil {
		return nil
	}
	return u.Licenses.States
}
