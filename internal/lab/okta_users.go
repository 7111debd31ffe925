package lab

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
)

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

// userRef finds the user the path names (by ID or login), answering 404
// when there is none.
func (l *Lab) userRef(w http.ResponseWriter, r *http.Request) *oktaUser {
	u := l.state.oktaUserRef(r.PathValue("id"))
	if u == nil {
		oktaNotFound(w, r.PathValue("id"), "User")
	}
	return u
}

// oktaGetUser is GET /api/v1/users/{id|login}, with an ETag: Okta's
// Users API takes the user's ETag in If-Match for a conditional update.
// The tag's exact form is not in any recorded response the project has read
// (the terraform-provider-okta VCR fixtures keep only Content-Type, Date and
// a few other headers): the lab sends a weak tag, W/"…", a hash of the
// user's stored state, which changes whenever the user does (ASSUMED shape).
func (l *Lab) oktaGetUser(w http.ResponseWriter, r *http.Request) {
	if r.PathValue("id") == "me" {
		l.oktaMe(w, r)
		return
	}
	if u := l.userRef(w, r); u != nil {
		w.Header().Set("ETag", userETag(u))
		writeJSON(w, http.StatusOK, l.userView(r, u, true))
	}
}

// userETag is a weak entity tag over the user as stored (links excluded,
// they depend on the request's host).
func userETag(u *oktaUser) string {
	c := *u
	c.Links = nil
	b, _ := json.Marshal(c)
	sum := sha256.Sum256(b)
	return `W/"` + hex.EncodeToString(sum[:16]) + `"`
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
	u := l.userRef(w, r)
	if u == nil {
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
	switch r.PathValue("op") {
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
	u := l.userRef(w, r)
	if u == nil {
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
	u := l.userRef(w, r)
	if u == nil {
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
