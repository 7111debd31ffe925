package lab

import (
	"net/http"
	"strings"
	"time"
)

// graphOrganization is GET /organization: one tenant, verifiedDomains'
// capabilities as one comma-separated string.
func (l *Lab) graphOrganization(w http.ResponseWriter, r *http.Request) {
	var verified []map[string]any
	for _, d := range l.state.domains {
		if d.IsVerified {
			verified = append(verified, map[string]any{"capabilities": strings.Join(d.SupportedServices, ", "), "isDefault": d.IsDefault,
				"isInitial": d.IsInitial, "name": d.ID, "type": d.AuthenticationType})
		}
	}
	org := map[string]any{"id": l.TenantID, "displayName": l.Scenario.Tenant.DisplayName, "countryLetterCode": "US", "tenantType": "AAD",
		"onPremisesSyncEnabled": nil, "createdDateTime": graphTime{l.now().Add(-3 * 365 * 24 * time.Hour).Truncate(time.Second)},
		"verifiedDomains": nonNil(verified)}
	writeJSON(w, http.StatusOK, map[string]any{"@odata.context": l.context(r, "organization"), "value": []any{org}})
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
