package model

import (
	"net/netip"
	"strings"
)

// ConditionalAccessPolicy is an Entra Conditional Access policy
// (GET /identity/conditionalAccess/policies, Graph v1.0
// conditionalAccessPolicy): who and what it applies to and what it grants
// with. Lists hold Graph's values as written: object IDs, role template
// IDs, application IDs, and the keywords All, None, Office365,
// GuestsOrExternalUsers.
type ConditionalAccessPolicy struct {
	ID          string
	DisplayName string
	// State is enabled, disabled or enabledForReportingButNotEnforced.
	State string

	IncludeUsers, ExcludeUsers               []string
	IncludeGroups, ExcludeGroups             []string
	IncludeRoles, ExcludeRoles               []string // role template IDs
	IncludeApplications, ExcludeApplications []string
	ClientAppTypes                           []string // all, browser, mobileAppsAndDesktopClients, exchangeActiveSync, other
	IncludeLocations, ExcludeLocations       []string // named location IDs, All, AllTrusted
	// SignInRiskLevels, UserRiskLevels, Platforms (included device
	// platforms) and DeviceFilter (its rule) limit when it applies too.
	SignInRiskLevels, UserRiskLevels []string
	Platforms                        []string
	DeviceFilter                     string

	// GrantOperator is AND or OR; BuiltInControls are block, mfa,
	// compliantDevice, domainJoinedDevice, ...
	GrantOperator   string
	BuiltInControls []string
	// AuthenticationStrength is grantControls.authenticationStrength, nil
	// when the policy asks for none.
	AuthenticationStrength *AuthenticationStrength
}

// AuthenticationStrength names a Conditional Access authentication
// strength (authenticationStrengthPolicy).
type AuthenticationStrength struct {
	ID          string
	DisplayName string
	// AllowedCombinations are the method combinations that satisfy it
	// (federatedMultiFactor: a federated IdP's MFA claim; "sms,
	// federatedSingleFactor": its first factor and Entra's second).
	AllowedCombinations []string
}

// Takes reports whether the strength accepts a combination.
func (s AuthenticationStrength) Takes(combination string) bool {
	for _, c := range s.AllowedCombinations {
		if strings.EqualFold(strings.ReplaceAll(c, " ", ""), combination) {
			return true
		}
	}
	return false
}

// TakesFederatedFirstFactor: some combination is the federated IdP's
// first factor with a second factor of Entra's.
func (s AuthenticationStrength) TakesFederatedFirstFactor() bool {
	for _, c := range s.AllowedCombinations {
		if strings.Contains(strings.ToLower(c), "federatedsinglefactor") && strings.Contains(c, ",") {
			return true
		}
	}
	return false
}

// Conditions are what limits when the policy applies beyond users and
// apps, in words ("outside locations AllTrusted", "client apps
// exchangeActiveSync"); none means always.
func (p ConditionalAccessPolicy) Conditions() []string {
	var out []string
	if inc := p.IncludeLocations; len(inc) > 0 && !(len(inc) == 1 && strings.EqualFold(inc[0], "All")) {
		out = append(out, "in locations "+strings.Join(inc, ", "))
	}
	if len(p.ExcludeLocations) > 0 {
		out = append(out, "outside locations "+strings.Join(p.ExcludeLocations, ", "))
	}
	if len(p.ClientAppTypes) > 0 && !containsFold(p.ClientAppTypes, "all") {
		out = append(out, "for client apps "+strings.Join(p.ClientAppTypes, ", "))
	}
	if len(p.SignInRiskLevels) > 0 {
		out = append(out, "at sign-in risk "+strings.Join(p.SignInRiskLevels, ", "))
	}
	if len(p.UserRiskLevels) > 0 {
		out = append(out, "at user risk "+strings.Join(p.UserRiskLevels, ", "))
	}
	if len(p.Platforms) > 0 && !containsFold(p.Platforms, "all") {
		out = append(out, "on platforms "+strings.Join(p.Platforms, ", "))
	}
	if p.DeviceFilter != "" {
		out = append(out, "for devices matching "+p.DeviceFilter)
	}
	return out
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

// Conditional Access policy states.
const (
	CAEnabled    = "enabled"
	CADisabled   = "disabled"
	CAReportOnly = "enabledForReportingButNotEnforced"
)

// OktaAccessPolicy is an Okta Identity Engine app sign-in policy
// (type ACCESS_POLICY; GET /api/v1/policies/{id}) and its rules in
// priority order (GET /api/v1/policies/{id}/rules).
type OktaAccessPolicy struct {
	ID     string
	Name   string
	Status string
	Rules  []OktaPolicyRule
}

// OktaPolicyRule is one rule of an app sign-in policy (api-facts §Q9).
// Okta evaluates the ACTIVE rules by priority; the first whose conditions
// all match decides.
type OktaPolicyRule struct {
	ID       string
	Name     string
	Status   string // ACTIVE | INACTIVE
	Priority int
	System   bool // the Catch-all Rule
	// Access is actions.appSignOn.access: ALLOW or DENY.
	Access string
	// FactorMode is actions.appSignOn.verificationMethod.factorMode: 1FA
	// or 2FA ("" for a verification method without one).
	FactorMode       string
	VerificationType string // ASSURANCE | AUTH_METHOD_CHAIN | ID_PROOFING
	// Network is conditions.network: connection ANYWHERE or ZONE, with
	// the zone IDs included or excluded.
	NetworkConnection string
	NetworkInclude    []string
	NetworkExclude    []string
	// People are conditions.people: Okta user and group IDs.
	UsersInclude, UsersExclude   []string
	GroupsInclude, GroupsExclude []string
	// OtherConditions name the other conditions the rule sets (device,
	// platform, riskScore, userType, elCondition): the rule applies only
	// in some situations, which the API alone cannot place a user in.
	OtherConditions []string
	// Device is conditions.device: registered (with Okta Verify), managed
	// (by a device management system), device assurance policy IDs.
	DeviceRegistered, DeviceManaged bool
	DeviceAssurance                 []string
	// PlatformInclude and PlatformExclude are conditions.platform: each
	// {type: DESKTOP|MOBILE, os.type: WINDOWS|MACOS|IOS|ANDROID|CHROMEOS|OTHER}.
	PlatformInclude, PlatformExclude []OktaPlatform
	// ElCondition is conditions.elCondition.condition, an Okta Expression
	// Language test ("" for none).
	ElCondition string
}

// OktaPlatform is one platform of a rule's platform condition.
type OktaPlatform struct{ Type, OS string }

// NeedsDeviceTrust: the rule matches only a device registered with Okta
// Verify, managed, or meeting a device assurance policy.
func (r OktaPolicyRule) NeedsDeviceTrust() bool {
	return r.DeviceRegistered || r.DeviceManaged || len(r.DeviceAssurance) > 0
}

// MatchesPlatform: a device of this type and OS falls under the rule's
// platform condition (no condition: every device).
func (r OktaPolicyRule) MatchesPlatform(typ, os string) bool {
	in := func(list []OktaPlatform) bool {
		for _, p := range list {
			if strings.EqualFold(p.Type, typ) && (p.OS == "" || strings.EqualFold(p.OS, os)) {
				return true
			}
		}
		return false
	}
	if in(r.PlatformExclude) {
		return false
	}
	return len(r.PlatformInclude) == 0 || in(r.PlatformInclude)
}

// RegistrationCampaign is the Entra registration campaign (the nudge to
// set up Microsoft Authenticator after an MFA), from
// authenticationMethodsPolicy.registrationEnforcement.
type RegistrationCampaign struct {
	// State is enabled, disabled or default (Microsoft-managed).
	State               string
	SnoozeDurationDays  int
	EnforceAfterSnoozes *bool // beta field; nil when Graph does not send it
	// IncludeTargets and ExcludeTargets are user or group object IDs, or
	// all_users.
	IncludeTargets, ExcludeTargets []CampaignTarget
}

// CampaignTarget is one target of the registration campaign.
type CampaignTarget struct {
	ID, Type string // Type: user or group
	Method   string // targetedAuthenticationMethod (include targets)
}

// NetworkZone is an Okta network zone (GET /api/v1/zones): an IP zone's
// gateways (CIDR or range) decide whether an address is in it; a DYNAMIC
// zone (countries, ASNs, proxy types) cannot be judged from an address.
type NetworkZone struct {
	ID, Name, Type, Status string
	Gateways               []netip.Prefix
	Ranges                 [][2]netip.Addr
}

// Contains reports whether addr is in an IP zone's gateways; known is false
// for a zone whose membership an address does not settle (DYNAMIC, or an
// IP zone with no gateway read).
func (z NetworkZone) Contains(addr netip.Addr) (in, known bool) {
	if z.Type != "IP" || len(z.Gateways)+len(z.Ranges) == 0 || !addr.IsValid() {
		return false, false
	}
	addr = addr.Unmap()
	for _, p := range z.Gateways {
		if p.Contains(addr) {
			return true, true
		}
	}
	for _, r := range z.Ranges {
		if r[0].Compare(addr) <= 0 && addr.Compare(r[1]) <= 0 {
			return true, true
		}
	}
	return false, true
}
