package lab

import (
	"net/http"
	"strings"
	"time"
)

// graphOrganization is GET /organization: one tenant, verifiedDomains'
// capabilities as one comma-separated string. Every collection the v1.0
// CSDL declares Nullable="false" on organization (msgraph-metadata
// schemas/v1.0-Prod.csdl @f54f11b6: assignedPlans, businessPhones,
// marketingNotificationEmails, provisionedPlans,
// securityComplianceNotificationMails, securityComplianceNotificationPhones,
// technicalNotificationMails, verifiedDomains) is sent, [] when empty, never
// null or left out. The plans follow the subscribed SKUs' service plans.
func (l *Lab) graphOrganization(w http.ResponseWriter, r *http.Request) {
	verified := []map[string]any{}
	for _, d := range l.state.domains {
		if d.IsVerified {
			verified = append(verified, map[string]any{"capabilities": strings.Join(d.SupportedServices, ", "), "isDefault": d.IsDefault,
				"isInitial": d.IsInitial, "name": d.ID, "type": d.AuthenticationType})
		}
	}
	created := l.now().Add(-3 * 365 * 24 * time.Hour).Truncate(time.Second)
	assigned, provisioned := []map[string]any{}, []map[string]any{}
	seen := map[string]bool{}
	for _, k := range l.state.skus {
		for _, p := range k.ServicePlans {
			name, _ := p["servicePlanName"].(string)
			if seen[name] {
				continue
			}
			seen[name] = true
			service := firstNonEmpty(planServices[name], name)
			assigned = append(assigned, map[string]any{"assignedDateTime": graphTime{created}, "capabilityStatus": "Enabled",
				"service": service, "servicePlanId": p["servicePlanId"]})
			provisioned = append(provisioned, map[string]any{"capabilityStatus": "Enabled", "provisioningStatus": "Success", "service": service})
		}
	}
	org := map[string]any{"id": l.TenantID, "deletedDateTime": nil, "displayName": l.Scenario.Tenant.DisplayName,
		"businessPhones": []string{}, "city": nil, "country": nil, "countryLetterCode": "US", "defaultUsageLocation": nil,
		"marketingNotificationEmails": []string{}, "onPremisesLastSyncDateTime": nil, "onPremisesSyncEnabled": nil,
		"partnerTenantType": nil, "postalCode": nil, "preferredLanguage": "en", "privacyProfile": nil,
		"securityComplianceNotificationMails": []string{}, "securityComplianceNotificationPhones": []string{},
		"state": nil, "street": nil, "technicalNotificationMails": []string{}, "tenantType": "AAD",
		"createdDateTime": graphTime{created}, "assignedPlans": assigned, "provisionedPlans": provisioned,
		"verifiedDomains": verified}
	writeJSON(w, http.StatusOK, map[string]any{"@odata.context": l.context(r, "organization"), "value": []any{org}})
}

// planServices names the service of a service plan, as assignedPlans and
// provisionedPlans write it (Graph's organization and user examples).
var planServices = map[string]string{
	"EXCHANGE_S_ENTERPRISE": "exchange", "EXCHANGE_S_STANDARD": "exchange",
	"SHAREPOINTENTERPRISE": "SharePoint", "SHAREPOINTSTANDARD": "SharePoint",
	"TEAMS1": "TeamspaceAPI", "MCOSTANDARD": "MicrosoftCommunicationsOnline", "MCOEV": "MicrosoftCommunicationsOnline",
}

// graphRoles lists activated directory roles; they support no paging.
func (l *Lab) graphRoles(w http.ResponseWriter, r *http.Request) {
	out := []directoryRole{}
	for _, role := range l.state.roles {
		out = append(out, *role)
	}
	writeJSON(w, http.StatusOK, map[string]any{"@odata.context": l.context(r, "directoryRoles"), "value": out})
}

// graphRoleMembers is GET /directoryRoles/{id}/members, also addressed as
// roleTemplateId={templateId}; members are users with their @odata.type.
func (l *Lab) graphRoleMembers(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	tmpl, byTemplate := strings.CutPrefix(id, "roleTemplateId=")
	for _, role := range l.state.roles {
		if role.ID == id || (byTemplate && role.RoleTemplateID == tmpl) {
			out := []map[string]any{}
			for _, uid := range role.members {
				if u := l.state.entraByID[uid]; u != nil {
					m := project(toMap(u), graphDefaultUserSelect)
					m["@odata.type"] = "#microsoft.graph.user"
					out = append(out, m)
				}
			}
			writeJSON(w, http.StatusOK, map[string]any{"@odata.context": l.context(r, "directoryObjects"), "value": out})
			return
		}
	}
	l.graphNotFound(w, r, id)
}
