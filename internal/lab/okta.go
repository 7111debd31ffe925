package lab

import (
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// oktaError is Okta's error object (errorCode, errorSummary, errorLink,
// errorId, errorCauses), as in the Core Okta API reference's examples.
type oktaError struct {
	ErrorCode    string              `json:"errorCode"`
	ErrorSummary string              `json:"errorSummary"`
	ErrorLink    string              `json:"errorLink"`
	ErrorID      string              `json:"errorId"`
	ErrorCauses  []map[string]string `json:"errorCauses"`
}

func writeOktaError(w http.ResponseWriter, status int, code, summary string, causes ...string) {
	e := oktaError{ErrorCode: code, ErrorSummary: summary, ErrorLink: code, ErrorID: "oae" + randomToken(22), ErrorCauses: []map[string]string{}}
	for _, c := range causes {
		e.ErrorCauses = append(e.ErrorCauses, map[string]string{"errorSummary": c})
	}
	writeJSON(w, status, e)
}

// oktaNotFound is E0000007 with the kind Okta names: "(User)",
// "(AppInstance)", "(AppUser)", "(UserGroup)", "(Factor)".
func oktaNotFound(w http.ResponseWriter, what, kind string) {
	writeOktaError(w, http.StatusNotFound, "E0000007", fmt.Sprintf("Not found: Resource not found: %s (%s)", what, kind))
}

func (l *Lab) oktaRoutes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/users", l.oktaListUsers)
	mux.HandleFunc("GET /api/v1/users/{id}", l.oktaGetUser)
	mux.HandleFunc("POST /api/v1/users/{id}/lifecycle/{op}", l.oktaLifecycle)
	mux.HandleFunc("GET /api/v1/users/{id}/factors", l.oktaListFactors)
	mux.HandleFunc("DELETE /api/v1/users/{id}/factors/{factorId}", l.oktaDeleteFactor)
	mux.HandleFunc("GET /api/v1/apps", l.oktaListApps)
	mux.HandleFunc("GET /api/v1/apps/{appId}", l.oktaGetApp)
	mux.HandleFunc("GET /api/v1/apps/{appId}/users", l.oktaListAppUsers)
	mux.HandleFunc("POST /api/v1/apps/{appId}/users", l.oktaAssignUser)
	mux.HandleFunc("GET /api/v1/apps/{appId}/users/{userId}", l.oktaGetAppUser)
	mux.HandleFunc("POST /api/v1/apps/{appId}/users/{userId}", l.oktaUpdateAppUser)
	mux.HandleFunc("DELETE /api/v1/apps/{appId}/users/{userId}", l.oktaUnassignUser)
	mux.HandleFunc("GET /api/v1/apps/{appId}/groups", l.oktaListAppGroups)
	mux.HandleFunc("GET /api/v1/apps/{appId}/groups/{groupId}", l.oktaGetAppGroup)
	mux.HandleFunc("GET /api/v1/apps/{appId}/credentials/keys", l.oktaListKeys)
	mux.HandleFunc("GET /api/v1/apps/{appId}/credentials/keys/{kid}", l.oktaGetKey)
	mux.HandleFunc("GET /api/v1/apps/{appId}/sso/saml/metadata", l.oktaMetadata)
	mux.HandleFunc("GET /app/office365/{key}/sso/wsfed/metadata", l.oktaWSFedMetadata)
	mux.HandleFunc("GET /api/v1/groups", l.oktaListGroups)
	mux.HandleFunc("GET /api/v1/groups/{groupId}", l.oktaGetGroup)
	mux.HandleFunc("GET /api/v1/groups/{groupId}/users", l.oktaListGroupUsers)
	mux.HandleFunc("GET /api/v1/logs", l.oktaLogs)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeOktaError(w, http.StatusNotFound, "E0000022", "The endpoint does not support the provided HTTP method")
	})
	return mux
}

// oktaAuth checks the SSWS token and adds the headers every Okta response
// carries: the request ID and the rate-limit triple (limit, remaining in
// this minute, reset in UTC epoch seconds).
func (l *Lab) oktaAuth(next http.Handler) http.Handler {
	var window struct {
		start time.Time
		used  int
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		now := l.now()
		l.countMu.Lock()
		if now.Sub(window.start) >= time.Minute {
			window.start, window.used = now.Truncate(time.Minute), 0
		}
		window.used++
		remaining, reset := max(600-window.used, 0), window.start.Add(time.Minute)
		l.countMu.Unlock()
		h := w.Header()
		h.Set("X-Okta-Request-Id", randomToken(27))
		h.Set("X-Rate-Limit-Limit", "600")
		h.Set("X-Rate-Limit-Remaining", strconv.Itoa(remaining))
		h.Set("X-Rate-Limit-Reset", strconv.FormatInt(reset.Unix(), 10))
		// /app/… is the apps' public sign-in surface (metadata), not the API.
		if !strings.HasPrefix(r.URL.Path, "/app/") && r.Header.Get("Authorization") != "SSWS "+l.OktaToken {
			writeOktaError(w, http.StatusUnauthorized, "E0000011", "Invalid token provided")
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (l *Lab) base(r *http.Request) string {
	if r.Host == "" || r.Host == "lab" {
		return l.OktaURL
	}
	return "https://" + r.Host
}

// userView is a user as one object (every link its status allows) or as a
// collection item (self only), as Okta's HAL rules say.
func (l *Lab) userView(r *http.Request, u *oktaUser, full bool) oktaUser {
	c := *u
	self := l.base(r) + "/api/v1/users/" + u.ID
	links := map[string]any{"self": map[string]any{"href": self}}
	if full {
		post := func(op string) map[string]any {
			return map[string]any{"href": self + "/lifecycle/" + op, "method": "POST"}
		}
		switch u.Status {
		case "STAGED":
			links["activate"] = post("activate")
		case "PROVISIONED":
			links["reactivate"] = post("reactivate")
		case "LOCKED_OUT":
			links["unlock"] = post("unlock")
		case "SUSPENDED":
			links["unsuspend"] = post("unsuspend")
		case "ACTIVE", "PASSWORD_EXPIRED", "RECOVERY":
			links["suspend"] = post("suspend")
			links["resetPassword"] = post("reset_password")
		}
		if u.Status != "DEPROVISIONED" {
			links["deactivate"] = post("deactivate")
		}
		if len(l.state.factors[u.ID]) > 0 {
			links["resetFactors"] = post("reset_factors")
		}
		links["type"] = map[string]any{"href": l.base(r) + "/api/v1/meta/types/user/" + u.Type["id"].(string)}
	}
	c.Links = links
	return c
}

func (l *Lab) oktaGetUser(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	l.state.mu.RLock()
	defer l.state.mu.RUnlock()
	u := l.state.oktaUserRef(id)
	if u == nil {
		oktaNotFound(w, id, "User")
		return
	}
	writeJSON(w, http.StatusOK, l.userView(r, u, true))
}

// oktaListUsers is GET /api/v1/users with q (startsWith on login, email,
// first and last name), filter and search (eq and sw on status and
// profile attributes), limit (default and maximum 200) and after.
func (l *Lab) oktaListUsers(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	expr := q.Get("filter")
	if s := q.Get("search"); s != "" {
		expr = s
	}
	match, err := parseOktaFilter(expr)
	if err != nil {
		writeOktaError(w, http.StatusBadRequest, "E0000031", "Invalid search criteria.", err.Error())
		return
	}
	prefix := strings.ToLower(q.Get("q"))
	l.state.mu.RLock()
	defer l.state.mu.RUnlock()
	var users []*oktaUser
	for _, u := range l.state.oktaUsers {
		if prefix != "" && !userStartsWith(u, prefix) {
			continue
		}
		if expr != "" && !match(func(attr string) []string { return userAttr(u, attr) }) {
			continue
		}
		users = append(users, u)
	}
	oktaList(w, r, users, func(u *oktaUser) string { return u.ID }, 200, 200,
		func(u *oktaUser) oktaUser { return l.userView(r, u, false) })
}

func userStartsWith(u *oktaUser, prefix string) bool {
	for _, k := range []string{"login", "email", "firstName", "lastName"} {
		if s, _ := u.Profile[k].(string); strings.HasPrefix(strings.ToLower(s), prefix) {
			return true
		}
	}
	return false
}

func userAttr(u *oktaUser, attr string) []string {
	switch attr {
	case "id":
		return []string{u.ID}
	case "status":
		return []string{u.Status}
	}
	if p, ok := strings.CutPrefix(attr, "profile."); ok {
		if s, ok := u.Profile[p].(string); ok {
			return []string{s}
		}
	}
	return nil
}

// oktaLifecycle is POST /api/v1/users/{id}/lifecycle/{op}: the status
// transitions of the Users lifecycle API, with its errors when the user's
// status does not allow the operation.
func (l *Lab) oktaLifecycle(w http.ResponseWriter, r *http.Request) {
	l.state.mu.Lock()
	defer l.state.mu.Unlock()
	id, op := r.PathValue("id"), r.PathValue("op")
	u := l.state.oktaUserRef(id)
	if u == nil {
		oktaNotFound(w, id, "User")
		return
	}
	now := otime(l.now())
	set := func(status string) {
		u.Status, u.StatusChanged, u.LastUpdated = status, now, now
	}
	notAllowed := func() {
		writeOktaError(w, http.StatusForbidden, "E0000038", "This operation is not allowed in the user's current status.")
	}
	body := map[string]any{}
	switch op {
	case "activate":
		if u.Status == "ACTIVE" {
			writeOktaError(w, http.StatusForbidden, "E0000016", "Activation failed because the user is already active")
			return
		}
		if u.Status != "STAGED" && u.Status != "DEPROVISIONED" {
			notAllowed()
			return
		}
		// Without a password the user must finish activation: PROVISIONED.
		if _, hasPassword := u.Credentials["password"]; hasPassword {
			set("ACTIVE")
		} else {
			set("PROVISIONED")
		}
		u.Activated = now
		if r.URL.Query().Get("sendEmail") == "false" {
			token := randomToken(20)
			body = map[string]any{"activationUrl": l.base(r) + "/welcome/" + token, "activationToken": token}
		}
	case "reactivate":
		if u.Status != "PROVISIONED" {
			notAllowed()
			return
		}
	case "unlock":
		if u.Status != "LOCKED_OUT" {
			notAllowed()
			return
		}
		set("ACTIVE")
	case "unsuspend":
		if u.Status != "SUSPENDED" {
			writeOktaError(w, http.StatusBadRequest, "E0000001", "Api validation failed: unsuspend", "status: The user is not suspended.")
			return
		}
		set("ACTIVE")
	case "suspend":
		if u.Status != "ACTIVE" {
			writeOktaError(w, http.StatusBadRequest, "E0000001", "Api validation failed: suspend", "status: Only active users can be suspended.")
			return
		}
		set("SUSPENDED")
	case "deactivate":
		set("DEPROVISIONED")
	case "reset_factors":
		delete(l.state.factors, u.ID)
	default:
		writeOktaError(w, http.StatusNotFound, "E0000022", "The endpoint does not support the provided HTTP method")
		return
	}
	writeJSON(w, http.StatusOK, body)
}

func (l *Lab) factorView(r *http.Request, userID string, f *oktaFactor) oktaFactor {
	c := *f
	self := l.base(r) + "/api/v1/users/" + userID + "/factors/" + f.ID
	c.Links = map[string]any{
		"self":   map[string]any{"href": self, "hints": map[string]any{"allow": []string{"GET", "DELETE"}}},
		"verify": map[string]any{"href": self + "/verify", "hints": map[string]any{"allow": []string{"POST"}}},
		"user":   map[string]any{"href": l.base(r) + "/api/v1/users/" + userID, "hints": map[string]any{"allow": []string{"GET"}}},
	}
	return c
}

func (l *Lab) oktaListFactors(w http.ResponseWriter, r *http.Request) {
	l.state.mu.RLock()
	defer l.state.mu.RUnlock()
	u := l.state.oktaUserRef(r.PathValue("id"))
	if u == nil {
		oktaNotFound(w, r.PathValue("id"), "User")
		return
	}
	out := []oktaFactor{}
	for _, f := range l.state.factors[u.ID] {
		out = append(out, l.factorView(r, u.ID, f))
	}
	writeJSON(w, http.StatusOK, out)
}

// oktaDeleteFactor un-enrolls a factor: 204 No Content.
func (l *Lab) oktaDeleteFactor(w http.ResponseWriter, r *http.Request) {
	l.state.mu.Lock()
	defer l.state.mu.Unlock()
	u := l.state.oktaUserRef(r.PathValue("id"))
	if u == nil {
		oktaNotFound(w, r.PathValue("id"), "User")
		return
	}
	if u.Status == "DEPROVISIONED" {
		writeOktaError(w, http.StatusForbidden, "E0000038", "This operation is not allowed in the user's current status.")
		return
	}
	list := l.state.factors[u.ID]
	for i, f := range list {
		if f.ID == r.PathValue("factorId") {
			l.state.factors[u.ID] = append(list[:i], list[i+1:]...)
			w.WriteHeader(http.StatusNoContent)
			return
		}
	}
	oktaNotFound(w, r.PathValue("factorId"), "Factor")
}

// oktaListApps is GET /api/v1/apps with filter (id, name, status), q
// (startsWith on name or label), limit (maximum 200) and after.
func (l *Lab) oktaListApps(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	match, err := parseOktaFilter(q.Get("filter"))
	if err != nil {
		writeOktaError(w, http.StatusBadRequest, "E0000031", "Invalid search criteria.", err.Error())
		return
	}
	prefix := strings.ToLower(q.Get("q"))
	l.state.mu.RLock()
	defer l.state.mu.RUnlock()
	var apps []*oktaApp
	for _, a := range l.state.apps {
		if prefix != "" && !strings.HasPrefix(strings.ToLower(a.Name), prefix) && !strings.HasPrefix(strings.ToLower(a.Label), prefix) {
			continue
		}
		if match(func(attr string) []string {
			switch attr {
			case "id":
				return []string{a.ID}
			case "name":
				return []string{a.Name}
			case "status":
				return []string{a.Status}
			}
			return nil
		}) {
			apps = append(apps, a)
		}
	}
	oktaList(w, r, apps, func(a *oktaApp) string { return a.ID }, 20, 200,
		func(a *oktaApp) oktaApp { return l.appView(r, a) })
}

// appView adds the links of a recorded office365 app (terraform-provider
// -okta VCR, SAML_1_1): users, groups, self, metadata, appLinks, and
// activate or deactivate by status.
func (l *Lab) appView(r *http.Request, a *oktaApp) oktaApp {
	c := *a
	base := l.base(r) + "/api/v1/apps/" + a.ID
	c.Links = map[string]any{
		"users":    map[string]any{"href": base + "/users"},
		"groups":   map[string]any{"href": base + "/groups"},
		"self":     map[string]any{"href": base},
		"metadata": map[string]any{"href": base + "/sso/saml/metadata", "type": "application/xml"},
		"appLinks": []any{map[string]any{"name": "login", "href": l.base(r) + "/home/office365/" + a.ID + "/2161", "type": "text/html"}},
	}
	if a.Status == "ACTIVE" {
		c.Links["deactivate"] = map[string]any{"href": base + "/lifecycle/deactivate"}
	} else {
		c.Links["activate"] = map[string]any{"href": base + "/lifecycle/activate"}
	}
	return c
}

func (l *Lab) appRef(w http.ResponseWriter, r *http.Request) *oktaApp {
	a := l.state.appByID[r.PathValue("appId")]
	if a == nil {
		oktaNotFound(w, r.PathValue("appId"), "AppInstance")
	}
	return a
}

func (l *Lab) oktaGetApp(w http.ResponseWriter, r *http.Request) {
	l.state.mu.RLock()
	defer l.state.mu.RUnlock()
	if a := l.appRef(w, r); a != nil {
		writeJSON(w, http.StatusOK, l.appView(r, a))
	}
}

// oktaListAppUsers is GET /api/v1/apps/{appId}/users: limit 1–500
// (default 50), after, q (startsWith on userName, names, email) and
// expand=user (the full user in _embedded.user).
func (l *Lab) oktaListAppUsers(w http.ResponseWriter, r *http.Request) {
	l.state.mu.RLock()
	defer l.state.mu.RUnlock()
	app := l.appRef(w, r)
	if app == nil {
		return
	}
	list := l.state.appUsers[app.ID]
	if prefix := strings.ToLower(r.URL.Query().Get("q")); prefix != "" {
		var kept []*oktaAppUser
		for _, au := range list {
			name, _ := au.Credentials["userName"].(string)
			if strings.HasPrefix(strings.ToLower(name), prefix) || userStartsWith(l.state.oktaByID[au.ID], prefix) {
				kept = append(kept, au)
			}
		}
		list = kept
	}
	expand := r.URL.Query().Get("expand") == "user"
	oktaList(w, r, list, func(u *oktaAppUser) string { return u.ID }, 50, 500,
		func(au *oktaAppUser) oktaAppUser { return l.appUserView(r, app.ID, au, expand) })
}

func (l *Lab) appUserView(r *http.Request, appID string, au *oktaAppUser, expand bool) oktaAppUser {
	c := *au
	c.Links = map[string]any{
		"app":  map[string]any{"href": l.base(r) + "/api/v1/apps/" + appID},
		"user": map[string]any{"href": l.base(r) + "/api/v1/users/" + au.ID},
	}
	if expand {
		if u := l.state.oktaByID[au.ID]; u != nil {
			c.Embedded = map[string]any{"user": l.userView(r, u, false)}
		}
	}
	return c
}

func (l *Lab) oktaGetAppUser(w http.ResponseWriter, r *http.Request) {
	l.state.mu.RLock()
	defer l.state.mu.RUnlock()
	app := l.appRef(w, r)
	if app == nil {
		return
	}
	au := l.state.appUser(app.ID, r.PathValue("userId"))
	if au == nil {
		oktaNotFound(w, r.PathValue("userId"), "AppUser")
		return
	}
	writeJSON(w, http.StatusOK, l.appUserView(r, app.ID, au, r.URL.Query().Get("expand") == "user"))
}

type appUserBody struct {
	ID          string         `json:"id"`
	Scope       string         `json:"scope"`
	Profile     map[string]any `json:"profile"`
	Credentials map[string]any `json:"credentials"`
}

// mergeInto applies a posted app user: profile attributes merge into the
// stored profile (Okta's update semantics), a userName replaces the old one.
func (b appUserBody) mergeInto(au *oktaAppUser, now oktaTime) {
	for k, v := range b.Profile {
		au.Profile[k] = v
	}
	if name, ok := b.Credentials["userName"].(string); ok && name != "" {
		au.Credentials["userName"] = name
	}
	au.LastUpdated = now
}

// oktaAssignUser is POST /api/v1/apps/{appId}/users: assign a user (by
// id) with credentials and an app profile; 200 with the app user.
func (l *Lab) oktaAssignUser(w http.ResponseWriter, r *http.Request) {
	var body appUserBody
	if err := readJSON(r, &body); err != nil {
		writeOktaError(w, http.StatusBadRequest, "E0000003", "The request body was not well-formed.", err.Error())
		return
	}
	l.state.mu.Lock()
	defer l.state.mu.Unlock()
	app := l.appRef(w, r)
	if app == nil {
		return
	}
	u := l.state.oktaByID[body.ID]
	if u == nil {
		writeOktaError(w, http.StatusBadRequest, "E0000001", "Api validation failed: id", "id: The user does not exist.")
		return
	}
	now := otime(l.now())
	au := l.state.appUser(app.ID, u.ID)
	if au == nil {
		au = &oktaAppUser{ID: u.ID, Created: now, Scope: "USER", Status: "PROVISIONED", StatusChanged: now, SyncState: "SYNCHRONIZED",
			LastSync: &now, Credentials: map[string]any{"userName": u.login()}, Profile: map[string]any{}}
		l.state.addAppUser(app.ID, au)
	}
	body.mergeInto(au, now)
	writeJSON(w, http.StatusOK, l.appUserView(r, app.ID, au, false))
}

// oktaUpdateAppUser is POST /api/v1/apps/{appId}/users/{userId}: the posted
// profile attributes are merged into the app user's profile.
func (l *Lab) oktaUpdateAppUser(w http.ResponseWriter, r *http.Request) {
	var body appUserBody
	if err := readJSON(r, &body); err != nil {
		writeOktaError(w, http.StatusBadRequest, "E0000003", "The request body was not well-formed.", err.Error())
		return
	}
	l.state.mu.Lock()
	defer l.state.mu.Unlock()
	app := l.appRef(w, r)
	if app == nil {
		return
	}
	au := l.state.appUser(app.ID, r.PathValue("userId"))
	if au == nil {
		oktaNotFound(w, r.PathValue("userId"), "AppUser")
		return
	}
	body.mergeInto(au, otime(l.now()))
	writeJSON(w, http.StatusOK, l.appUserView(r, app.ID, au, false))
}

// oktaUnassignUser removes a direct assignment: 204. A user assigned
// through a group keeps it until the group assignment goes.
func (l *Lab) oktaUnassignUser(w http.ResponseWriter, r *http.Request) {
	l.state.mu.Lock()
	defer l.state.mu.Unlock()
	app := l.appRef(w, r)
	if app == nil {
		return
	}
	au := l.state.appUser(app.ID, r.PathValue("userId"))
	if au == nil {
		oktaNotFound(w, r.PathValue("userId"), "AppUser")
		return
	}
	if au.Scope == "GROUP" {
		writeOktaError(w, http.StatusForbidden, "E0000006", "You do not have permission to perform the requested action", "The user is assigned to the app through a group.")
		return
	}
	l.state.removeAppUser(app.ID, au.ID)
	w.WriteHeader(http.StatusNoContent)
}

func (l *Lab) appGroupView(r *http.Request, appID string, g *oktaAppGroup) oktaAppGroup {
	c := *g
	base := l.base(r) + "/api/v1"
	c.Links = map[string]any{
		"app":   map[string]any{"href": base + "/apps/" + appID},
		"self":  map[string]any{"href": base + "/apps/" + appID + "/groups/" + g.ID},
		"group": map[string]any{"href": base + "/groups/" + g.ID},
	}
	return c
}

// oktaListAppGroups is GET /api/v1/apps/{appId}/groups: limit 20–200
// (default 20), after; each assignment with its priority and profile.
func (l *Lab) oktaListAppGroups(w http.ResponseWriter, r *http.Request) {
	l.state.mu.RLock()
	defer l.state.mu.RUnlock()
	app := l.appRef(w, r)
	if app == nil {
		return
	}
	oktaList(w, r, l.state.appGroups[app.ID], func(g *oktaAppGroup) string { return g.ID }, 20, 200,
		func(g *oktaAppGroup) oktaAppGroup { return l.appGroupView(r, app.ID, g) })
}

func (l *Lab) oktaGetAppGroup(w http.ResponseWriter, r *http.Request) {
	l.state.mu.RLock()
	defer l.state.mu.RUnlock()
	app := l.appRef(w, r)
	if app == nil {
		return
	}
	for _, g := range l.state.appGroups[app.ID] {
		if g.ID == r.PathValue("groupId") {
			writeJSON(w, http.StatusOK, l.appGroupView(r, app.ID, g))
			return
		}
	}
	oktaNotFound(w, r.PathValue("groupId"), "ApplicationGroupAssignment")
}

func (l *Lab) oktaListKeys(w http.ResponseWriter, r *http.Request) {
	l.state.mu.RLock()
	defer l.state.mu.RUnlock()
	app := l.appRef(w, r)
	if app == nil {
		return
	}
	out := []jwk{}
	for _, k := range app.keys {
		out = append(out, k.jwk())
	}
	writeJSON(w, http.StatusOK, out)
}

func (l *Lab) oktaGetKey(w http.ResponseWriter, r *http.Request) {
	l.state.mu.RLock()
	defer l.state.mu.RUnlock()
	app := l.appRef(w, r)
	if app == nil {
		return
	}
	for _, k := range app.keys {
		if k.Kid == r.PathValue("kid") {
			writeJSON(w, http.StatusOK, k.jwk())
			return
		}
	}
	oktaNotFound(w, r.PathValue("kid"), "JsonWebKey")
}

// oktaMetadata is GET /api/v1/apps/{appId}/sso/saml/metadata[?kid=]: a
// SAML 2.0 EntityDescriptor even for the O365 WS-Fed app, entityID = the
// app's external key, served as application/xml;charset=ISO-8859-1 (as a
// recorded office365 response in terraform-provider-okta's VCR fixtures).
func (l *Lab) oktaMetadata(w http.ResponseWriter, r *http.Request) {
	l.state.mu.RLock()
	defer l.state.mu.RUnlock()
	app := l.appRef(w, r)
	if app == nil {
		return
	}
	var key *signingCert
	for _, k := range app.keys {
		if kid := r.URL.Query().Get("kid"); kid == "" || kid == k.Kid {
			key = k
			break
		}
	}
	if key == nil {
		oktaNotFound(w, r.URL.Query().Get("kid"), "JsonWebKey")
		return
	}
	b64 := key.Base64()
	var wrapped strings.Builder
	for i := 0; i < len(b64); i += 76 {
		wrapped.WriteString(b64[i:min(i+76, len(b64))])
		if i+76 < len(b64) {
			wrapped.WriteByte('\n')
		}
	}
	sso := l.base(r) + "/app/office365/" + app.externalKey + "/sso/saml"
	w.Header().Set("Content-Type", "application/xml;charset=ISO-8859-1")
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><md:EntityDescriptor entityID="%s" xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata"><md:IDPSSODescriptor WantAuthnRequestsSigned="false" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>%s</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor><md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified</md:NameIDFormat><md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</md:NameIDFormat><md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="%s"/><md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="%s"/></md:IDPSSODescriptor></md:EntityDescriptor>`,
		app.externalKey, wrapped.String(), sso, sso)
}

// oktaWSFedMetadata serves the Office 365 app's WS-Federation metadata
// (an EntityDescriptor with a fed:SecurityTokenServiceType role, as
// MS-WSFED describes it and Entra's federation settings are derived from):
// the entityID is the issuer Okta sends, the passive endpoint is where
// Microsoft redirects, and the key is the app's active signing key. Okta
// does not document this URL publicly; the lab serves it beside the
// documented /api/v1/apps/{id}/sso/saml/metadata.
func (l *Lab) oktaWSFedMetadata(w http.ResponseWriter, r *http.Request) {
	l.state.mu.RLock()
	defer l.state.mu.RUnlock()
	var app *oktaApp
	for _, a := range l.state.apps {
		if a.externalKey == r.PathValue("key") && a.Name == "office365" {
			app = a
		}
	}
	if app == nil || len(app.keys) == 0 {
		oktaNotFound(w, r.PathValue("key"), "AppInstance")
		return
	}
	issuer, passive, _, _, _ := l.state.wsfedURIs(app)
	w.Header().Set("Content-Type", "application/xml;charset=UTF-8")
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" entityID="%s"><RoleDescriptor xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:fed="http://docs.oasis-open.org/wsfed/federation/200706" xsi:type="fed:SecurityTokenServiceType" protocolSupportEnumeration="http://docs.oasis-open.org/wsfed/federation/200706"><KeyDescriptor use="signing"><KeyInfo xmlns="http://www.w3.org/2000/09/xmldsig#"><X509Data><X509Certificate>%s</X509Certificate></X509Data></KeyInfo></KeyDescriptor><fed:TokenTypesOffered><fed:TokenType Uri="urn:oasis:names:tc:SAML:1.0:assertion"/></fed:TokenTypesOffered><fed:PassiveRequestorEndpoint><EndpointReference xmlns="http://www.w3.org/2005/08/addressing"><Address>%s</Address></EndpointReference></fed:PassiveRequestorEndpoint></RoleDescriptor></EntityDescriptor>`,
		issuer, app.keys[0].Base64(), passive)
}

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
	l.state.mu.RLock()
	defer l.state.mu.RUnlock()
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
	l.state.mu.RLock()
	defer l.state.mu.RUnlock()
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
	l.state.mu.RLock()
	defer l.state.mu.RUnlock()
	g := l.state.groupByID[r.PathValue("groupId")]
	if g == nil {
		oktaNotFound(w, r.PathValue("groupId"), "UserGroup")
		return
	}
	oktaList(w, r, g.members, func(id string) string { return id }, 1000, 1000,
		func(id string) oktaUser { return l.userView(r, l.state.oktaByID[id], false) })
}

// oktaList writes one page of items, each through view.
func oktaList[T, V any](w http.ResponseWriter, r *http.Request, items []T, id func(T) string, defLimit, maxLimit int, view func(T) V) {
	page, ok := oktaPage(w, r, items, id, defLimit, maxLimit)
	if !ok {
		return
	}
	out := make([]V, len(page))
	for i, it := range page {
		out[i] = view(it)
	}
	writeJSON(w, http.StatusOK, out)
}

// oktaPage applies Okta's cursor paging (limit, after = the last ID of the
// previous page) and writes the Link headers, one header line per link as
// Okta does: the SDK reads rel="next" only from its own line.
func oktaPage[T any](w http.ResponseWriter, r *http.Request, items []T, id func(T) string, defLimit, maxLimit int) ([]T, bool) {
	q := r.URL.Query()
	limit := defLimit
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			writeOktaError(w, http.StatusBadRequest, "E0000001", "Api validation failed: limit", "limit: must be a positive integer")
			return nil, false
		}
		limit = min(n, maxLimit)
	}
	start := 0
	if after := q.Get("after"); after != "" {
		start = cursorStart(items, id, after)
	}
	end := min(start+limit, len(items))
	page := items[start:end]
	self := *r.URL
	self.Scheme, self.Host = "https", r.Host
	w.Header().Add("Link", "<"+self.String()+`>; rel="self"`)
	if end < len(items) {
		next := self
		nq := next.Query()
		nq.Set("after", id(items[end-1]))
		nq.Set("limit", strconv.Itoa(limit))
		next.RawQuery = nq.Encode()
		w.Header().Add("Link", "<"+next.String()+`>; rel="next"`)
	}
	return page, true
}

// cursorStart is the position after the item with ID after; when that
// item is gone (deleted between pages) it falls back to the first ID after
// it, which is right for the lists kept in ID order.
func cursorStart[T any](items []T, id func(T) string, after string) int {
	for i, it := range items {
		if id(it) == after {
			return i + 1
		}
	}
	for i, it := range items {
		if id(it) > after {
			return i
		}
	}
	return len(items)
}

// parseOktaFilter understands the subset of Okta's filter and search
// expressions the lab needs: `attr eq "value"` and `attr sw "value"`
// clauses, joined all by `and` or all by `or`. Attribute names are
// case-sensitive; operators are not.
func parseOktaFilter(expr string) (func(get func(attr string) []string) bool, error) {
	expr = strings.TrimSpace(expr)
	if expr == "" {
		return func(func(string) []string) bool { return true }, nil
	}
	type clause struct{ attr, op, value string }
	join := " and "
	lower := strings.ToLower(expr)
	if strings.Contains(lower, " or ") {
		if strings.Contains(lower, " and ") {
			return nil, fmt.Errorf("filter: mixing and/or is not supported by the lab: %q", expr)
		}
		join = " or "
	}
	var clauses []clause
	for _, part := range splitFold(expr, join) {
		fields := strings.SplitN(strings.TrimSpace(part), " ", 3)
		if len(fields) != 3 {
			return nil, fmt.Errorf("filter: cannot parse %q", part)
		}
		op := strings.ToLower(fields[1])
		if op != "eq" && op != "sw" && op != "co" {
			return nil, fmt.Errorf("filter: operator %q is not supported", fields[1])
		}
		v, err := strconv.Unquote(fields[2])
		if err != nil {
			return nil, fmt.Errorf("filter: value %s is not a quoted string", fields[2])
		}
		clauses = append(clauses, clause{fields[0], op, v})
	}
	return func(get func(string) []string) bool {
		any := join == " or "
		for _, c := range clauses {
			ok := false
			for _, v := range get(c.attr) {
				switch c.op {
				case "eq":
					ok = ok || strings.EqualFold(v, c.value)
				case "sw":
					ok = ok || strings.HasPrefix(strings.ToLower(v), strings.ToLower(c.value))
				case "co":
					ok = ok || strings.Contains(strings.ToLower(v), strings.ToLower(c.value))
				}
			}
			if any && ok {
				return true
			}
			if !any && !ok {
				return false
			}
		}
		return !any
	}, nil
}

// splitFold splits s at the word sep (" and ", " or "), ignoring case. It
// matches on s itself: lower-casing can change byte lengths.
func splitFold(s, sep string) []string {
	re := regexp.MustCompile(`(?i)\s+` + regexp.QuoteMeta(strings.TrimSpace(sep)) + `\s+`)
	return re.Split(s, -1)
}
