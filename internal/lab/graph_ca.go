package lab

import (
	"fmt"
	"net/http"
	"strings"
)

// ConditionalAccessSpec is an Entra Conditional Access policy
// (tenant.conditionalAccess), named the way people write them: users by
// UPN, groups by name (tenant.groups), roles by display name.
type ConditionalAccessSpec struct {
	Name  string `yaml:"name"`  // displayName
	State string `yaml:"state"` // enabled (default) | disabled | enabledForReportingButNotEnforced
	// IncludeUsers are UPNs or Graph's keywords All, None,
	// GuestsOrExternalUsers; empty with no groups or roles means All.
	IncludeUsers  []string `yaml:"includeUsers"`
	ExcludeUsers  []string `yaml:"excludeUsers"`
	IncludeGroups []string `yaml:"includeGroups"` // tenant.groups names
	ExcludeGroups []string `yaml:"excludeGroups"`
	IncludeRoles  []string `yaml:"includeRoles"` // directory role display names
	ExcludeRoles  []string `yaml:"excludeRoles"`
	// IncludeApplications are app IDs or the keywords All (the default),
	// Office365, MicrosoftAdminPortals, None.
	IncludeApplications []string `yaml:"includeApplications"`
	ExcludeApplications []string `yaml:"excludeApplications"`
	// Grant are grantControls.builtInControls: mfa, block,
	// compliantDevice, domainJoinedDevice, approvedApplication,
	// compliantApplication, passwordChange.
	Grant    []string `yaml:"grant"`
	Operator string   `yaml:"operator"` // OR (default) | AND
	// AuthenticationStrength names a built-in strength: "Multifactor
	// authentication", "Passwordless MFA" or "Phishing-resistant MFA".
	AuthenticationStrength string `yaml:"authenticationStrength"`
	// Conditions that limit when the policy applies: named location IDs
	// or All / AllTrusted, client app types (all, the default; browser,
	// mobileAppsAndDesktopClients, exchangeActiveSync, other), sign-in
	// risk levels (low, medium, high).
	IncludeLocations []string `yaml:"includeLocations"`
	ExcludeLocations []string `yaml:"excludeLocations"`
	ClientAppTypes   []string `yaml:"clientAppTypes"`
	SignInRiskLevels []string `yaml:"signInRiskLevels"`
}

var caStates = set("enabled", "disabled", "enabledForReportingButNotEnforced")

var caGrants = set("block", "mfa", "compliantDevice", "domainJoinedDevice", "approvedApplication", "compliantApplication", "passwordChange")

// builtInStrengths are Entra's built-in authentication strengths and
// their fixed IDs (Microsoft's authentication-strengths overview lists
// them; the IDs are the ones Graph documents for the built-in policies).
var builtInStrengths = map[string]string{
	"Multifactor authentication": "00000000-0000-0000-0000-000000000002",
	"Passwordless MFA":           "00000000-0000-0000-0000-000000000003",
	"Phishing-resistant MFA":     "00000000-0000-0000-0000-000000000004",
}

// strengthCombinations are the built-in strengths' allowedCombinations as
// GET /policies/authenticationStrengthPolicies lists them (the v1.0
// reference's example and Microsoft365DSC's export of the built-ins): the
// Multifactor authentication strength takes a federated IdP's MFA
// (federatedMultiFactor) or its first factor with Entra's second; the
// other two take neither.
var strengthCombinations = map[string][]string{
	"Multifactor authentication": {"windowsHelloForBusiness", "fido2", "x509CertificateMultiFactor", "deviceBasedPush",
		"temporaryAccessPassOneTime", "temporaryAccessPassMultiUse", "password,microsoftAuthenticatorPush", "password,softwareOath",
		"password,hardwareOath", "password,x509CertificateSingleFactor", "password,x509CertificateMultiFactor", "password,sms",
		"password,voice", "federatedMultiFactor", "microsoftAuthenticatorPush,federatedSingleFactor",
		"softwareOath,federatedSingleFactor", "hardwareOath,federatedSingleFactor", "sms,federatedSingleFactor",
		"voice,federatedSingleFactor"},
	"Passwordless MFA":       {"windowsHelloForBusiness", "fido2", "x509CertificateMultiFactor", "deviceBasedPush"},
	"Phishing-resistant MFA": {"windowsHelloForBusiness", "fido2", "x509CertificateMultiFactor"},
}

// normalisePolicies checks the Conditional Access policies and the Okta
// access policies against the users, groups and roles they name.
func (s *Scenario) normalisePolicies(upns, entraGroups, logins, oktaGroups map[string]bool) error {
	if rc := s.Tenant.RegistrationCampaign; rc != nil {
		if rc.State != "" && rc.State != "enabled" && rc.State != "disabled" && rc.State != "default" {
			return fmt.Errorf("registrationCampaign: state %q is not enabled, disabled or default", rc.State)
		}
		for _, t := range append(append([]string{}, rc.Include...), rc.Exclude...) {
			if t != "all_users" && !upns[strings.ToLower(t)] && !entraGroups[t] {
				return fmt.Errorf("registrationCampaign: target %q is not all_users, an Entra user or an Entra group", t)
			}
		}
	}
	for i := range s.Tenant.ConditionalAccess {
		p := &s.Tenant.ConditionalAccess[i]
		if p.Name == "" {
			return fmt.Errorf("conditional access policy %d: name is required", i+1)
		}
		def(&p.State, "enabled")
		def(&p.Operator, "OR")
		if !caStates[p.State] {
			return fmt.Errorf("conditional access policy %s: state %q is not enabled, disabled or enabledForReportingButNotEnforced", p.Name, p.State)
		}
		if len(p.IncludeUsers)+len(p.IncludeGroups)+len(p.IncludeRoles) == 0 {
			p.IncludeUsers = []string{"All"}
		}
		if len(p.IncludeApplications) == 0 {
			p.IncludeApplications = []string{"All"}
		}
		for _, u := range append(append([]string{}, p.IncludeUsers...), p.ExcludeUsers...) {
			if u != "All" && u != "None" && u != "GuestsOrExternalUsers" && !upns[strings.ToLower(u)] {
				return fmt.Errorf("conditional access policy %s: user %q is not a tenant user", p.Name, u)
			}
		}
		for _, g := range append(append([]string{}, p.IncludeGroups...), p.ExcludeGroups...) {
			if !entraGroups[g] {
				return fmt.Errorf("conditional access policy %s: group %q is not in tenant.groups", p.Name, g)
			}
		}
		for _, r := range append(append([]string{}, p.IncludeRoles...), p.ExcludeRoles...) {
			if roleTemplates[r] == "" {
				return fmt.Errorf("conditional access policy %s: role %q is not one the lab knows (%s)", p.Name, r, strings.Join(sortedKeys(toSet(roleTemplates)), ", "))
			}
		}
		for _, g := range p.Grant {
			if !caGrants[g] {
				return fmt.Errorf("conditional access policy %s: grant %q is not a builtInControls value", p.Name, g)
			}
		}
		if p.AuthenticationStrength != "" && builtInStrengths[p.AuthenticationStrength] == "" {
			return fmt.Errorf("conditional access policy %s: authenticationStrength %q is not a built-in strength (%s)", p.Name, p.AuthenticationStrength, strings.Join(sortedKeys(toSet(builtInStrengths)), ", "))
		}
	}
	return s.normaliseAccessPolicies(logins, oktaGroups)
}

func toSet(m map[string]string) map[string]bool {
	out := map[string]bool{}
	for k := range m {
		out[k] = true
	}
	return out
}

// graphListCAPolicies is GET /identity/conditionalAccess/policies: every
// policy on one page, in the v1.0 conditionalAccessPolicy shape
// (msgraph-metadata v1.0 CSDL: conditionalAccessPolicy,
// conditionalAccessConditionSet, conditionalAccessUsers,
// conditionalAccessApplications, conditionalAccessGrantControls). The
// inline grantControls.authenticationStrength with its @odata.context
// follows the example in Microsoft's "List policies" page; no live
// response was seen, and its allowedCombinations are the lab's short list.
// The real service limits these reads to 1 per second per tenant with a
// 429 without Retry-After: the lab does not.
func (l *Lab) graphListCAPolicies(w http.ResponseWriter, r *http.Request) {
	out := []map[string]any{}
	for _, p := range l.state.scenario.Tenant.ConditionalAccess {
		out = append(out, l.caPolicyView(r, p))
	}
	writeJSON(w, http.StatusOK, map[string]any{"@odata.context": l.context(r, "identity/conditionalAccess/policies"), "value": out})
}

func (l *Lab) caPolicyView(r *http.Request, p ConditionalAccessSpec) map[string]any {
	users := func(list []string) []string {
		out := []string{}
		for _, u := range list {
			if eu := l.state.entraByUPN[strings.ToLower(u)]; eu != nil {
				out = append(out, eu.ID)
			} else {
				out = append(out, u)
			}
		}
		return out
	}
	groups := func(list []string) []string {
		out := []string{}
		for _, name := range list {
			for _, g := range l.state.entraGroups {
				if g.DisplayName == name {
					out = append(out, g.ID)
				}
			}
		}
		return out
	}
	roles := func(list []string) []string {
		out := []string{}
		for _, name := range list {
			out = append(out, roleTemplates[name])
		}
		return out
	}
	orEmpty := func(list []string) []string {
		if list == nil {
			return []string{}
		}
		return list
	}
	id := guid("ca:" + p.Name)
	grant := map[string]any{
		"operator": p.Operator, "builtInControls": orEmpty(p.Grant),
		"customAuthenticationFactors": []string{}, "termsOfUse": []string{},
	}
	if p.AuthenticationStrength != "" {
		sid := builtInStrengths[p.AuthenticationStrength]
		grant["authenticationStrength@odata.context"] = l.graphBase(r) + "/$metadata#identity/conditionalAccess/policies('" + id + "')/grantControls/authenticationStrength/$entity"
		grant["authenticationStrength"] = map[string]any{
			"id": sid, "createdDateTime": "2021-12-01T00:00:00Z", "modifiedDateTime": "2021-12-01T00:00:00Z",
			"displayName": p.AuthenticationStrength, "description": "Built-in authentication strength",
			"policyType": "builtIn", "requirementsSatisfied": "mfa",
			"allowedCombinations": strengthCombinations[p.AuthenticationStrength],
		}
	}
	var locations any
	if len(p.IncludeLocations)+len(p.ExcludeLocations) > 0 {
		locations = map[string]any{"includeLocations": orEmpty(p.IncludeLocations), "excludeLocations": orEmpty(p.ExcludeLocations)}
	}
	clientApps := p.ClientAppTypes
	if len(clientApps) == 0 {
		clientApps = []string{"all"}
	}
	return map[string]any{
		"id": id, "templateId": nil, "displayName": p.Name, "description": nil,
		"createdDateTime": "2024-03-01T09:00:00Z", "modifiedDateTime": nil, "state": p.State,
		"sessionControls": nil,
		"conditions": map[string]any{
			"userRiskLevels": []string{}, "signInRiskLevels": orEmpty(p.SignInRiskLevels), "clientAppTypes": clientApps,
			"servicePrincipalRiskLevels": []string{}, "platforms": nil, "locations": locations, "devices": nil,
			"clientApplications": nil, "authenticationFlows": nil,
			"applications": map[string]any{
				"includeApplications": orEmpty(p.IncludeApplications), "excludeApplications": orEmpty(p.ExcludeApplications),
				"includeUserActions": []string{}, "includeAuthenticationContextClassReferences": []string{}, "applicationFilter": nil,
			},
			"users": map[string]any{
				"includeUsers": users(p.IncludeUsers), "excludeUsers": users(p.ExcludeUsers),
				"includeGroups": groups(p.IncludeGroups), "excludeGroups": groups(p.ExcludeGroups),
				"includeRoles": roles(p.IncludeRoles), "excludeRoles": roles(p.ExcludeRoles),
				"includeGuestsOrExternalUsers": nil, "excludeGuestsOrExternalUsers": nil,
			},
		},
		"grantControls": grant,
	}
}
