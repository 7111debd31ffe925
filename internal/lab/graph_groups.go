package lab

import (
	"net/http"
	"strings"
)

// entraGroup is a security group (Graph v1.0 group), the kind staged
// rollout applies to (featureRolloutPolicy.appliesTo supports groups only,
// neither dynamic nor nested ones).
type entraGroup struct {
	ODataType       string    `json:"@odata.type"`
	ID              string    `json:"id"`
	DeletedDateTime *string   `json:"deletedDateTime"`
	CreatedDateTime graphTime `json:"createdDateTime"`
	Description     *string   `json:"description"`
	DisplayName     string    `json:"displayName"`
	GroupTypes      []string  `json:"groupTypes"`
	Mail            *string   `json:"mail"`
	MailEnabled     bool      `json:"mailEnabled"`
	MailNickname    string    `json:"mailNickname"`
	SecurityEnabled bool      `json:"securityEnabled"`
	Visibility      *string   `json:"visibility"`

	members []string // user IDs
}

// featureRollout is a featureRolloutPolicy (Graph v1.0, /policies/
// featureRolloutPolicies): staged rollout of cloud authentication.
// Users in its appliesTo groups sign in with passwordHashSync or
// passthroughAuthentication at Microsoft instead of being sent to the
// federation (Okta), whatever their domain's federation says. appliesTo
// is a navigation property: it is sent only with $expand=appliesTo.
type featureRollout struct {
	ID                      string `json:"id"`
	DisplayName             string `json:"displayName"`
	Description             string `json:"description"`
	Feature                 string `json:"feature"`
	IsEnabled               bool   `json:"isEnabled"`
	IsAppliedToOrganization bool   `json:"isAppliedToOrganization"`

	groups []string // group IDs
}

func (l *Lab) groupRef(w http.ResponseWriter, r *http.Request) *entraGroup {
	for _, g := range l.state.entraGroups {
		if g.ID == r.PathValue("id") {
			return g
		}
	}
	l.graphNotFound(w, r, r.PathValue("id"))
	return nil
}

func (l *Lab) graphGetGroup(w http.ResponseWriter, r *http.Request) {
	if g := l.groupRef(w, r); g != nil {
		out := toMap(g)
		delete(out, "@odata.type")
		out["@odata.context"] = l.context(r, "groups/$entity")
		writeJSON(w, http.StatusOK, out)
	}
}

// graphGroupMembers is GET /groups/{id}/members: the direct members, users
// and groups with their @odata.type (the scenario's groups are small: one
// page).
func (l *Lab) graphGroupMembers(w http.ResponseWriter, r *http.Request) {
	g := l.groupRef(w, r)
	if g == nil {
		return
	}
	out := []map[string]any{}
	for _, uid := range g.members {
		if u := l.state.entraByID[uid]; u != nil {
			m := project(toMap(u), graphDefaultUserSelect)
			m["@odata.type"] = "#microsoft.graph.user"
			out = append(out, m)
		}
		for _, sub := range l.state.entraGroups {
			if sub.ID == uid {
				out = append(out, toMap(sub))
			}
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"@odata.context": l.context(r, "directoryObjects"), "value": out})
}

// graphUserMemberOf is GET /users/{id}/memberOf: the groups and directory
// roles the user is a direct member of, each with its @odata.type.
func (l *Lab) graphUserMemberOf(w http.ResponseWriter, r *http.Request) {
	u := l.graphUserRef(w, r)
	if u == nil {
		return
	}
	out := []map[string]any{}
	for _, g := range l.state.entraGroups {
		for _, m := range g.members {
			if m == u.ID {
				out = append(out, toMap(g))
			}
		}
	}
	l.writeMemberOf(w, r, u.ID, out)
}

// graphUserTransitiveMemberOf is GET /users/{id}/transitiveMemberOf: the
// groups the user is in directly or through member groups, and the
// directory roles, each once.
func (l *Lab) graphUserTransitiveMemberOf(w http.ResponseWriter, r *http.Request) {
	u := l.graphUserRef(w, r)
	if u == nil {
		return
	}
	in := map[string]bool{u.ID: true}
	out := []map[string]any{}
	for grew := true; grew; {
		grew = false
		for _, g := range l.state.entraGroups {
			if in[g.ID] {
				continue
			}
			for _, m := range g.members {
				if in[m] {
					in[g.ID], grew = true, true
					out = append(out, toMap(g))
					break
				}
			}
		}
	}
	l.writeMemberOf(w, r, u.ID, out)
}

// writeMemberOf answers a memberOf listing: the groups found, then the
// directory roles the user holds.
func (l *Lab) writeMemberOf(w http.ResponseWriter, r *http.Request, userID string, out []map[string]any) {
	for _, role := range l.state.roles {
		for _, m := range role.members {
			if m == userID {
				rm := toMap(role)
				rm["@odata.type"] = "#microsoft.graph.directoryRole"
				out = append(out, rm)
			}
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"@odata.context": l.context(r, "directoryObjects"), "value": out})
}

// rolloutView is a policy as Graph writes it, with appliesTo (the groups,
// typed) when $expand asks for it.
func (l *Lab) rolloutView(r *http.Request, p *featureRollout) map[string]any {
	out := toMap(p)
	if strings.Contains(r.URL.Query().Get("$expand"), "appliesTo") {
		out["appliesTo"] = l.rolloutGroups(p)
	}
	return out
}

func (l *Lab) rolloutGroups(p *featureRollout) []map[string]any {
	out := []map[string]any{}
	for _, id := range p.groups {
		for _, g := range l.state.entraGroups {
			if g.ID == id {
				out = append(out, toMap(g))
			}
		}
	}
	return out
}

// graphListRollouts is GET /policies/featureRolloutPolicies[?$expand=appliesTo].
// Microsoft documents only delegated permissions for this API
// (Policy.Read.HybridAuthentication; "Application: Not supported"): the
// real service may refuse an app-only token, which the lab does not
// model; a client must expect a 403 there.
func (l *Lab) graphListRollouts(w http.ResponseWriter, r *http.Request) {
	out := []map[string]any{}
	for _, p := range l.state.rollouts {
		out = append(out, l.rolloutView(r, p))
	}
	writeJSON(w, http.StatusOK, map[string]any{"@odata.context": l.context(r, "policies/featureRolloutPolicies"), "value": out})
}

func (l *Lab) rolloutRef(w http.ResponseWriter, r *http.Request) *featureRollout {
	for _, p := range l.state.rollouts {
		if p.ID == r.PathValue("id") {
			return p
		}
	}
	l.graphNotFound(w, r, r.PathValue("id"))
	return nil
}

func (l *Lab) graphGetRollout(w http.ResponseWriter, r *http.Request) {
	if p := l.rolloutRef(w, r); p != nil {
		out := l.rolloutView(r, p)
		out["@odata.context"] = l.context(r, "policies/featureRolloutPolicies/$entity")
		writeJSON(w, http.StatusOK, out)
	}
}

// graphRolloutAppliesTo is GET /policies/featureRolloutPolicies/{id}/appliesTo.
func (l *Lab) graphRolloutAppliesTo(w http.ResponseWriter, r *http.Request) {
	if p := l.rolloutRef(w, r); p != nil {
		writeJSON(w, http.StatusOK, map[string]any{"@odata.context": l.context(r, "directoryObjects"), "value": l.rolloutGroups(p)})
	}
}
