package lab

import (
	"net/http"
	"strings"
)

// graphAuthMethodsPolicy is GET /policies/authenticationMethodsPolicy, shaped
// as the v1.0 reference's example (authenticationmethodspolicy-get.md):
// the registration campaign under registrationEnforcement, targets by
// object ID or all_users. The per-method configurations are left empty:
// no check reads them. enforceRegistrationAfterAllowedSnoozes is a beta
// field the v1.0 example does not show, so it is not sent.
func (l *Lab) graphAuthMethodsPolicy(w http.ResponseWriter, r *http.Request) {
	spec := l.state.scenario.Tenant.RegistrationCampaign
	if spec == nil {
		spec = &RegistrationCampaignSpec{}
	}
	state := firstNonEmpty(spec.State, "default")
	include := spec.Include
	if len(include) == 0 {
		include = []string{"all_users"}
	}
	target := func(name string) map[string]any {
		if name == "all_users" {
			return map[string]any{"id": "all_users", "targetType": "group"}
		}
		if u := l.state.entraByUPN[strings.ToLower(name)]; u != nil {
			return map[string]any{"id": u.ID, "targetType": "user"}
		}
		return map[string]any{"id": guid("group:" + name), "targetType": "group"}
	}
	in, ex := []any{}, []any{}
	for _, n := range include {
		t := target(n)
		t["targetedAuthenticationMethod"] = "microsoftAuthenticator"
		in = append(in, t)
	}
	for _, n := range spec.Exclude {
		ex = append(ex, target(n))
	}
	snooze := spec.SnoozeDays
	if snooze == 0 {
		snooze = 1
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"@odata.context": l.context(r, "policies/authenticationMethodsPolicy/$entity"),
		"id":             "authenticationMethodsPolicy", "displayName": "Authentication Methods Policy",
		"description":          "The tenant-wide policy that controls which authentication methods are allowed in the tenant, authentication method registration requirements, and self-service password reset settings",
		"lastModifiedDateTime": "2024-01-10T18:03:45.4127321Z", "policyVersion": "1.4",
		"registrationEnforcement": map[string]any{"authenticationMethodsRegistrationCampaign": map[string]any{
			"snoozeDurationInDays": snooze, "state": state, "excludeTargets": ex, "includeTargets": in}},
		"authenticationMethodConfigurations": []any{},
	})
}
