package lab

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// graphError writes Graph's error object: error.code, error.message and
// error.innerError with the date and request IDs.
func (l *Lab) graphError(w http.ResponseWriter, r *http.Request, status int, code, message string) {
	reqID := guid("req:" + randomToken(12))
	w.Header().Set("request-id", reqID)
	writeJSON(w, status, map[string]any{"error": map[string]any{
		"code": code, "message": message,
		"innerError": map[string]any{
			"date":              l.now().UTC().Format("2006-01-02T15:04:05"),
			"request-id":        reqID,
			"client-request-id": r.Header.Get("client-request-id"),
		},
	}})
}

func (l *Lab) graphHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1.0/users/{id}", l.graphGetUser)
	mux.HandleFunc("PATCH /v1.0/users/{id}", l.graphPatchUser)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		l.graphError(w, r, http.StatusBadRequest, "BadRequest", fmt.Sprintf("Resource not found for the segment '%s'.", lastSegment(r.URL.Path)))
	})
	counted := l.counted("graph", mux)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || token == "" {
			l.graphError(w, r, http.StatusUnauthorized, "InvalidAuthenticationToken", "Access token is empty.")
			return
		}
		if !l.validToken(token) {
			l.graphError(w, r, http.StatusUnauthorized, "InvalidAuthenticationToken", "Lifetime validation failed, the token is expired.")
			return
		}
		counted.ServeHTTP(w, r)
	})
}

func lastSegment(p string) string {
	p = strings.TrimRight(p, "/")
	return p[strings.LastIndexByte(p, '/')+1:]
}

// graphDefaultUserSelect is what Graph returns for a user without $select.
var graphDefaultUserSelect = []string{"businessPhones", "displayName", "givenName", "jobTitle", "mail", "mobilePhone", "officeLocation", "preferredLanguage", "surname", "userPrincipalName", "id"}

func (l *Lab) graphGetUser(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	l.state.mu.RLock()
	u := l.state.entraUserRef(id)
	var full map[string]any
	if u != nil {
		full = toMap(u)
	}
	l.state.mu.RUnlock()
	if u == nil {
		l.graphError(w, r, http.StatusNotFound, "Request_ResourceNotFound",
			fmt.Sprintf("Resource '%s' does not exist or one of its queried reference-property objects are not present.", id))
		return
	}
	sel := splitSelect(r.URL.Query().Get("$select"))
	ctx := "users/$entity"
	if len(sel) > 0 {
		ctx = "users(" + strings.Join(sel, ",") + ")/$entity"
	} else {
		sel = graphDefaultUserSelect
	}
	out := map[string]any{"@odata.context": l.GraphURL + "/$metadata#" + ctx}
	for _, k := range sel {
		v, ok := full[k]
		if !ok {
			v = nil
		}
		out[k] = v
	}
	if _, ok := out["businessPhones"]; ok && out["businessPhones"] == nil {
		out["businessPhones"] = []string{}
	}
	writeJSON(w, http.StatusOK, out)
}

func splitSelect(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func toMap(v any) map[string]any {
	b, _ := json.Marshal(v)
	m := map[string]any{}
	_ = json.Unmarshal(b, &m)
	return m
}

// graphPatchUser is PATCH /users/{id}: 204 on success. Like the real
// service it refuses to set onPremisesImmutableId on a user whose UPN is in
// a federated domain.
func (l *Lab) graphPatchUser(w http.ResponseWriter, r *http.Request) {
	var body map[string]any
	if err := readJSON(r, &body); err != nil {
		l.graphError(w, r, http.StatusBadRequest, "BadRequest", "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.")
		return
	}
	l.state.mu.Lock()
	defer l.state.mu.Unlock()
	u := l.state.entraUserRef(r.PathValue("id"))
	if u == nil {
		l.graphError(w, r, http.StatusNotFound, "Request_ResourceNotFound",
			fmt.Sprintf("Resource '%s' does not exist or one of its queried reference-property objects are not present.", r.PathValue("id")))
		return
	}
	next := *u
	for k, v := range body {
		switch k {
		case "onPremisesImmutableId":
			next.OnPremisesImmutableID = optionalAny(v)
		case "usageLocation":
			next.UsageLocation = optionalAny(v)
		case "displayName":
			if s, ok := v.(string); ok {
				next.DisplayName = s
			}
		case "accountEnabled":
			if b, ok := v.(bool); ok {
				next.AccountEnabled = b
			}
		case "userPrincipalName":
			s, _ := v.(string)
			if d := l.state.domain(domainOf(s)); d == nil || !d.IsVerified {
				if !strings.EqualFold(domainOf(s), l.state.scenario.Tenant.InitialDomain) {
					l.graphError(w, r, http.StatusBadRequest, "Request_BadRequest",
						"The domain portion of the userPrincipalName property is invalid. You must use one of the verified domain names in your organization.")
					return
				}
			}
			next.UserPrincipalName = s
		case "@odata.type":
		default:
			// Other writable properties are accepted and ignored: the lab
			// models only what o365doctor reads.
		}
	}
	if _, ok := body["onPremisesImmutableId"]; ok {
		if d := l.state.domain(domainOf(next.UserPrincipalName)); d != nil && d.AuthenticationType == "Federated" {
			l.graphError(w, r, http.StatusBadRequest, "Request_BadRequest",
				"Property 'onPremisesImmutableId' cannot be set for a user in a federated domain; move the user to a managed domain first.")
			return
		}
	}
	if !strings.EqualFold(next.UserPrincipalName, u.UserPrincipalName) {
		delete(l.state.entraByUPN, strings.ToLower(u.UserPrincipalName))
		l.state.entraByUPN[strings.ToLower(next.UserPrincipalName)] = u
	}
	*u = next
	w.WriteHeader(http.StatusNoContent)
}

func optionalAny(v any) *string {
	s, _ := v.(string)
	return optional(s)
}

func domainOf(upn string) string {
	_, d, _ := strings.Cut(upn, "@")
	return strings.ToLower(d)
}

func (l *Lab) issueToken() (string, time.Duration) {
	const life = time.Hour
	tok := "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9." + randomToken(80) + "." + randomToken(43)
	l.tokensMu.Lock()
	l.tokens[tok] = l.now().Add(life)
	l.tokensMu.Unlock()
	return tok, life
}

func (l *Lab) validToken(tok string) bool {
	l.tokensMu.Lock()
	defer l.tokensMu.Unlock()
	exp, ok := l.tokens[tok]
	return ok && l.now().Before(exp)
}
