package lab

import (
	"net/http"
	"slices"
	"strings"
)

func (l *Lab) groupView(r *http.Request, g *oktaGroup) oktaGroup {
	c := *g
	base := l.base(r) + "/api/v1/groups/" + g.ID
	c.Links = map[string]any{"users": map[string]any{"href": base + "/users"}, "apps": map[string]any{"href": base + "/apps"}}
	return c
}

func (l *Lab) oktaListGroups(w http.ResponseWriter, r *http.Request) {
	match, err := parseOktaFilter(r.URL.Query().Get("filter"))
	if err != nil {
		writeOktaError(w, http.StatusBadRequest, "E0000031", "Invalid search criteria.", err.Error())
		return
	}
	prefix := strings.ToLower(r.URL.Query().Get("q"))
	var groups []*oktaGroup
	for _, g := range l.state.groups {
		name, _ := g.Profile["name"].(string)
		if prefix != "" && !strings.HasPrefix(strings.ToLower(name), prefix) {
			continue
		}
		if match(func(attr string) []string {
			switch attr {
			case "id":
				return []string{g.ID}
			case "type":
				return []string{g.Type}
			case "profile.name":
				return []string{name}
			}
			return nil
		}) {
			groups = append(groups, g)
		}
	}
	oktaList(w, r, groups, func(g *oktaGroup) string { return g.ID }, 200, 10000,
		func(g *oktaGroup) oktaGroup { return l.groupView(r, g) })
}

func (l *Lab) oktaGetGroup(w http.ResponseWriter, r *http.Request) {
	g := l.state.groupByID[r.PathValue("groupId")]
	if g == nil {
		oktaNotFound(w, r.PathValue("groupId"), "UserGroup")
		return
	}
	writeJSON(w, http.StatusOK, l.groupView(r, g))
}

// oktaListGroupUsers is GET /api/v1/groups/{groupId}/users: Users with
// _links.self only; limit default 1000.
func (l *Lab) oktaListGroupUsers(w http.ResponseWriter, r *http.Request) {
	g := l.state.groupByID[r.PathValue("groupId")]
	if g == nil {
		oktaNotFound(w, r.PathValue("groupId"), "UserGroup")
		return
	}
	oktaList(w, r, g.members, func(id string) string { return id }, 1000, 1000,
		func(id string) oktaUser { return l.userView(r, l.state.oktaByID[id], false) })
}

// oktaListUserGroups is GET /api/v1/users/{id}/groups: the groups the user
// is a member of, as Group objects, sorted by ID. Okta's reference
// (Users > List all groups of a user) documents no limit parameter; the
// lab pages at 200 (its maximum, 10000, is the one of GET /api/v1/groups)
// with the same Link headers as every listing.
func (l *Lab) oktaListUserGroups(w http.ResponseWriter, r *http.Request) {
	u := l.userRef(w, r)
	if u == nil {
		return
	}
	var groups []*oktaGroup
	for _, g := range l.state.groups {
		if _, ok := slices.BinarySearch(g.members, u.ID); ok {
			groups = append(groups, g)
		}
	}
	oktaList(w, r, groups, func(g *oktaGroup) string { return g.ID }, 200, 10000,
		func(g *oktaGroup) oktaGroup { return l.groupView(r, g) })
}
