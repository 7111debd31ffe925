package lab

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// oktaError is Okta's error object (errorCode, errorSummary, errorLink,
// errorId, errorCauses), as in the Okta Management API reference.
type oktaError struct {
	ErrorCode    string              `json:"errorCode"`
	ErrorSummary string              `json:"errorSummary"`
	ErrorLink    string              `json:"errorLink"`
	ErrorID      string              `json:"errorId"`
	ErrorCauses  []map[string]string `json:"errorCauses"`
}

func writeOktaError(w http.ResponseWriter, status int, code, summary string, causes ...string) {
	e := oktaError{ErrorCode: code, ErrorSummary: summary, ErrorLink: code, ErrorID: "oae" + randomToken(19), ErrorCauses: []map[string]string{}}
	for _, c := range causes {
		e.ErrorCauses = append(e.ErrorCauses, map[string]string{"errorSummary": c})
	}
	writeJSON(w, status, e)
}

func oktaNotFound(w http.ResponseWriter, what, kind string) {
	writeOktaError(w, http.StatusNotFound, "E0000007", fmt.Sprintf("Not found: Resource not found: %s (%s)", what, kind))
}

func (l *Lab) oktaHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/users/{id}", l.oktaGetUser)
	mux.HandleFunc("GET /api/v1/apps", l.oktaListApps)
	mux.HandleFunc("GET /api/v1/apps/{appId}", l.oktaGetApp)
	mux.HandleFunc("GET /api/v1/apps/{appId}/users", l.oktaListAppUsers)
	mux.HandleFunc("GET /api/v1/apps/{appId}/users/{userId}", l.oktaGetAppUser)
	mux.HandleFunc("POST /api/v1/apps/{appId}/users/{userId}", l.oktaUpdateAppUser)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeOktaError(w, http.StatusNotFound, "E0000022", "The endpoint does not support the provided HTTP method")
	})
	return l.oktaMiddleware(l.counted("okta", mux))
}

// oktaMiddleware authenticates the SSWS token and adds the headers every
// Okta response carries: the request ID and the rate-limit triple.
func (l *Lab) oktaMiddleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Okta-Request-Id", randomToken(27))
		h.Set("X-Rate-Limit-Limit", "600")
		h.Set("X-Rate-Limit-Remaining", "599")
		h.Set("X-Rate-Limit-Reset", strconv.FormatInt(l.now().Add(time.Minute).Unix(), 10))
		auth := r.Header.Get("Authorization")
		if auth != "SSWS "+l.OktaToken {
			writeOktaError(w, http.StatusUnauthorized, "E0000011", "Invalid token provided")
			return
		}
		next.ServeHTTP(w, r)
	})
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
	writeJSON(w, http.StatusOK, l.withUserLinks(r, u))
}

func (l *Lab) withUserLinks(r *http.Request, u *oktaUser) oktaUser {
	c := *u
	base := "https://" + r.Host + "/api/v1/users/" + u.ID
	c.Links = map[string]any{"self": map[string]any{"href": base}}
	return c
}

func (l *Lab) oktaListApps(w http.ResponseWriter, r *http.Request) {
	match, err := parseOktaFilter(r.URL.Query().Get("filter"), map[string]bool{"name": true, "status": true})
	if err != nil {
		writeOktaError(w, http.StatusBadRequest, "E0000031", "Invalid search criteria.", err.Error())
		return
	}
	l.state.mu.RLock()
	defer l.state.mu.RUnlock()
	var apps []*oktaApp
	for _, a := range l.state.apps {
		if match(map[string]string{"name": a.Name, "status": a.Status}) {
			apps = append(apps, a)
		}
	}
	page, ok := oktaPage(w, r, apps, func(a *oktaApp) string { return a.ID }, 20, 200)
	if !ok {
		return
	}
	out := make([]oktaApp, len(page))
	for i, a := range page {
		out[i] = l.withAppLinks(r, a)
	}
	writeJSON(w, http.StatusOK, out)
}

func (l *Lab) withAppLinks(r *http.Request, a *oktaApp) oktaApp {
	c := *a
	base := "https://" + r.Host + "/api/v1/apps/" + a.ID
	c.Links = map[string]any{
		"users":    map[string]any{"href": base + "/users"},
		"groups":   map[string]any{"href": base + "/groups"},
		"self":     map[string]any{"href": base},
		"metadata": map[string]any{"href": base + "/sso/wsfed/metadata", "type": "application/xml"},
	}
	return c
}

func (l *Lab) oktaGetApp(w http.ResponseWriter, r *http.Request) {
	l.state.mu.RLock()
	defer l.state.mu.RUnlock()
	a := l.state.appByID[r.PathValue("appId")]
	if a == nil {
		oktaNotFound(w, r.PathValue("appId"), "App")
		return
	}
	writeJSON(w, http.StatusOK, l.withAppLinks(r, a))
}

func (l *Lab) oktaListAppUsers(w http.ResponseWriter, r *http.Request) {
	l.state.mu.RLock()
	defer l.state.mu.RUnlock()
	appID := r.PathValue("appId")
	if l.state.appByID[appID] == nil {
		oktaNotFound(w, appID, "App")
		return
	}
	page, ok := oktaPage(w, r, l.state.appUsers[appID], func(u *oktaAppUser) string { return u.ID }, 50, 500)
	if !ok {
		return
	}
	expand := r.URL.Query().Get("expand") == "user"
	out := make([]oktaAppUser, len(page))
	for i, au := range page {
		out[i] = l.withAppUserLinks(r, appID, au, expand)
	}
	writeJSON(w, http.StatusOK, out)
}

func (l *Lab) withAppUserLinks(r *http.Request, appID string, au *oktaAppUser, expand bool) oktaAppUser {
	c := *au
	base := "https://" + r.Host + "/api/v1"
	c.Links = map[string]any{
		"app":  map[string]any{"href": base + "/apps/" + appID},
		"user": map[string]any{"href": base + "/users/" + au.ID},
	}
	if expand {
		if u := l.state.oktaByID[au.ID]; u != nil {
			c.Embedded = map[string]any{"user": l.withUserLinks(r, u)}
		}
	}
	return c
}

func (l *Lab) oktaGetAppUser(w http.ResponseWriter, r *http.Request) {
	l.state.mu.RLock()
	defer l.state.mu.RUnlock()
	appID, userID := r.PathValue("appId"), r.PathValue("userId")
	if l.state.appByID[appID] == nil {
		oktaNotFound(w, appID, "App")
		return
	}
	au := l.state.appUser(appID, userID)
	if au == nil {
		oktaNotFound(w, userID, "AppUser")
		return
	}
	writeJSON(w, http.StatusOK, l.withAppUserLinks(r, appID, au, r.URL.Query().Get("expand") == "user"))
}

// oktaUpdateAppUser is POST /api/v1/apps/{appId}/users/{userId}: the posted
// profile attributes are merged into the app user's profile.
func (l *Lab) oktaUpdateAppUser(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Profile     map[string]any `json:"profile"`
		Credentials map[string]any `json:"credentials"`
	}
	if err := readJSON(r, &body); err != nil {
		writeOktaError(w, http.StatusBadRequest, "E0000003", "The request body was not well-formed.", err.Error())
		return
	}
	l.state.mu.Lock()
	defer l.state.mu.Unlock()
	appID, userID := r.PathValue("appId"), r.PathValue("userId")
	if l.state.appByID[appID] == nil {
		oktaNotFound(w, appID, "App")
		return
	}
	au := l.state.appUser(appID, userID)
	if au == nil {
		oktaNotFound(w, userID, "AppUser")
		return
	}
	for k, v := range body.Profile {
		au.Profile[k] = v
	}
	if name, ok := body.Credentials["userName"].(string); ok && name != "" {
		au.Credentials["userName"] = name
	}
	au.LastUpdated = oktaTime{l.now().Truncate(time.Millisecond)}
	writeJSON(w, http.StatusOK, l.withAppUserLinks(r, appID, au, false))
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
		start = len(items)
		for i, it := range items {
			if id(it) > after {
				start = i
				break
			}
		}
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

// parseOktaFilter understands the subset of Okta's filter expressions the
// lab needs: `attr eq "value"` clauses joined by `and`.
func parseOktaFilter(expr string, allowed map[string]bool) (func(map[string]string) bool, error) {
	expr = strings.TrimSpace(expr)
	if expr == "" {
		return func(map[string]string) bool { return true }, nil
	}
	type clause struct{ attr, value string }
	var clauses []clause
	for _, part := range strings.Split(expr, " and ") {
		fields := strings.SplitN(strings.TrimSpace(part), " ", 3)
		if len(fields) != 3 || fields[1] != "eq" || len(fields[2]) < 2 || fields[2][0] != '"' || fields[2][len(fields[2])-1] != '"' {
			return nil, fmt.Errorf("filter: cannot parse %q", part)
		}
		if !allowed[fields[0]] {
			return nil, fmt.Errorf("filter: attribute %q is not filterable", fields[0])
		}
		v, err := strconv.Unquote(fields[2])
		if err != nil {
			return nil, fmt.Errorf("filter: %v", err)
		}
		clauses = append(clauses, clause{fields[0], v})
	}
	return func(obj map[string]string) bool {
		for _, c := range clauses {
			if obj[c.attr] != c.value {
				return false
			}
		}
		return true
	}, nil
}
