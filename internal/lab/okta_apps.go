package lab

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

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

// appView adds the links of the recorded office365 app (terraform
// -provider-okta VCR fixture TestAccAppSaml_preconfigured, SAML_1_1,
// api-facts §Q1a): users, groups, appLinks, uploadLogo, and deactivate or
// activate by status. That app has no metadata link (ordinary SAML_2_0
// apps do) and no self link, so neither is served. The recorded help
// (on the -admin host) and logo (on Okta's CDN) links are left out: the
// lab has no admin host, and a link off loopback would invite traffic.
// An app the scenario gives a sign-in policy also links it as
// accessPolicy, as Identity Engine orgs do (api-facts §Q9).
func (l *Lab) appView(r *http.Request, a *oktaApp) oktaApp {
	c := *a
	base := l.base(r) + "/api/v1/apps/" + a.ID
	c.Links = map[string]any{
		"users":      map[string]any{"href": base + "/users"},
		"groups":     map[string]any{"href": base + "/groups"},
		"uploadLogo": map[string]any{"href": base + "/logo", "hints": map[string]any{"allow": []string{"POST"}}},
		"appLinks":   []any{map[string]any{"name": "login", "href": l.base(r) + "/home/office365/" + a.ID + "/2161", "type": "text/html"}},
	}
	if link, ok := l.accessPolicyLink(r, a); ok {
		c.Links["accessPolicy"] = link
	}
	if a.Status == "ACTIVE" {
		c.Links["deactivate"] = map[string]any{"href": base + "/lifecycle/deactivate"}
	} else {
		c.Links["activate"] = map[string]any{"href": base + "/lifecycle/activate"}
	}
	return c
}

// appRef finds the app the path names, answering 404 when it is missing.
func (l *Lab) appRef(w http.ResponseWriter, r *http.Request) *oktaApp {
	a := l.state.appByID[r.PathValue("appId")]
	if a == nil {
		oktaNotFound(w, r.PathValue("appId"), "AppInstance")
	}
	return a
}

// appUserRef finds the app and its app user the path names, answering 404
// when either is missing.
func (l *Lab) appUserRef(w http.ResponseWriter, r *http.Request) (*oktaApp, *oktaAppUser) {
	app := l.appRef(w, r)
	if app == nil {
		return nil, nil
	}
	au := l.state.appUser(app.ID, r.PathValue("userId"))
	if au == nil {
		oktaNotFound(w, r.PathValue("userId"), "AppUser")
		return nil, nil
	}
	return app, au
}

func (l *Lab) oktaGetApp(w http.ResponseWriter, r *http.Request) {
	if a := l.appRef(w, r); a != nil {
		writeJSON(w, http.StatusOK, l.appView(r, a))
	}
}

// oktaListAppUsers is GET /api/v1/apps/{appId}/users: limit 1–500
// (default 50), after, q (startsWith on userName, names, email) and
// expand=user (the full user in _embedded.user).
func (l *Lab) oktaListAppUsers(w http.ResponseWriter, r *http.Request) {
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
	page, ok := oktaPage(w, r, list, func(u *oktaAppUser) string { return u.ID }, 50, 500)
	if !ok {
		return
	}
	base := l.base(r)
	views := make([][]byte, len(page))
	size := 3
	for i, au := range page {
		views[i] = l.views.get(l.state, viewKey{au, base, expand}, func() []byte { return renderJSON(l.appUserView(r, app.ID, au, expand)) })
		size += len(views[i]) + 1
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	if g, ok := w.(interface{ Grow(int) }); ok {
		g.Grow(size)
	}
	_, _ = w.Write([]byte{'['})
	for i, v := range views {
		if i > 0 {
			_, _ = w.Write([]byte{','})
		}
		_, _ = w.Write(v)
	}
	_, _ = w.Write([]byte("]\n"))
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
	app, au := l.appUserRef(w, r)
	if au == nil {
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
	if !readOktaJSON(w, r, &body) {
		return
	}
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
	if !readOktaJSON(w, r, &body) {
		return
	}
	app, au := l.appUserRef(w, r)
	if au == nil {
		return
	}
	body.mergeInto(au, otime(l.now()))
	writeJSON(w, http.StatusOK, l.appUserView(r, app.ID, au, false))
}

// oktaUnassignUser removes a direct assignment: 204. A user assigned
// through a group keeps it until the group assignment goes.
func (l *Lab) oktaUnassignUser(w http.ResponseWriter, r *http.Request) {
	app, au := l.appUserRef(w, r)
	if au == nil {
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
	app := l.appRef(w, r)
	if app == nil {
		return
	}
	oktaList(w, r, l.state.appGroups[app.ID], func(g *oktaAppGroup) string { return g.ID }, 20, 200,
		func(g *oktaAppGroup) oktaAppGroup { return l.appGroupView(r, app.ID, g) })
}

func (l *Lab) oktaGetAppGroup(w http.ResponseWriter, r *http.Request) {
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
	app := l.appRef(w, r)
	if app == nil {
		return
	}
	// Without ?kid= the metadata publishes the key the app signs with
	// (credentials.signing.kid), else its first key.
	want := r.URL.Query().Get("kid")
	if want == "" {
		signing, _ := app.Credentials["signing"].(map[string]any)
		want, _ = signing["kid"].(string)
	}
	var key *signingCert
	for _, k := range app.keys {
		if want == "" || want == k.Kid {
			key = k
			break
		}
	}
	if key == nil && r.URL.Query().Get("kid") == "" && len(app.keys) > 0 {
		key = app.keys[0]
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

// oktaGenerateKey is POST /api/v1/apps/{appId}/credentials/keys/generate
// ?validityYears=2..10: 201 with the new key, which is not active (the
// app keeps signing with credentials.signing.kid). Okta's refusal of a
// validity out of range is its recorded one (E0000001, "Validity years out
// of range. It should be 2 - 10 years.").
func (l *Lab) oktaGenerateKey(w http.ResponseWriter, r *http.Request) {
	app := l.appRef(w, r)
	if app == nil {
		return
	}
	years, err := strconv.Atoi(r.URL.Query().Get("validityYears"))
	if err != nil || years < 2 || years > 10 {
		writeOktaError(w, http.StatusBadRequest, "E0000001", "Api validation failed: generateKey", "Validity years out of range. It should be 2 - 10 years.")
		return
	}
	subject := "okta"
	if len(app.keys) > 0 {
		subject = app.keys[0].Cert.Subject.CommonName
	}
	c, err := newSigningCert(CertSpec{Name: fmt.Sprintf("%s-generated-%d", app.key, len(app.keys)+1), Subject: subject, ValidDays: 365 * years}, l.now())
	if err != nil {
		writeOktaError(w, http.StatusInternalServerError, "E0000009", "Internal Server Error")
		return
	}
	app.keys = append(app.keys, c)
	writeJSON(w, http.StatusCreated, c.jwk())
}

// oktaUpdateApp is PUT /api/v1/apps/{appId}: the body replaces the app's
// label, settings and credentials, as Okta's PUT does (a client that drops
// fields from what it read drops them here too). The name and sign-on mode
// cannot change, and credentials.signing.kid must be one of the app's keys.
// ASSUMED: Okta's answer to an unknown kid is not published; the lab
// answers 400 E0000001 as for other validation failures.
func (l *Lab) oktaUpdateApp(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Name        string         `json:"name"`
		Label       string         `json:"label"`
		SignOnMode  string         `json:"signOnMode"`
		Settings    map[string]any `json:"settings"`
		Credentials map[string]any `json:"credentials"`
	}
	if !readOktaJSON(w, r, &body) {
		return
	}
	app := l.appRef(w, r)
	if app == nil {
		return
	}
	switch {
	case body.Name != app.Name:
		writeOktaError(w, http.StatusBadRequest, "E0000001", "Api validation failed: name", "name: The app name cannot be changed.")
		return
	case body.SignOnMode != app.SignOnMode:
		writeOktaError(w, http.StatusBadRequest, "E0000001", "Api validation failed: signOnMode", "signOnMode: The sign-on mode cannot be changed here.")
		return
	case body.Label == "":
		writeOktaError(w, http.StatusBadRequest, "E0000001", "Api validation failed: label", "label: The field cannot be left blank.")
		return
	}
	signing, _ := body.Credentials["signing"].(map[string]any)
	if kid, _ := signing["kid"].(string); kid != "" {
		known := false
		for _, k := range app.keys {
			known = known || k.Kid == kid
		}
		if !known {
			writeOktaError(w, http.StatusBadRequest, "E0000001", "Api validation failed: credentials.signing.kid", "credentials.signing.kid: The key does not exist.")
			return
		}
	}
	app.Label, app.Settings, app.Credentials = body.Label, body.Settings, body.Credentials
	app.LastUpdated = otime(l.now())
	writeJSON(w, http.StatusOK, l.appView(r, app))
}
