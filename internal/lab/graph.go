package lab

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// graphError writes Graph's error object: error.code, error.message and
// error.innerError with the date (no zone, no fraction) and request IDs, as
// directory errors come back from the live service.
func (l *Lab) graphError(w http.ResponseWriter, r *http.Request, status int, code, message string) {
	reqID := guid("req:" + randomToken(12))
	w.Header().Set("request-id", reqID)
	writeJSON(w, status, map[string]any{"error": map[string]any{
		"code": code, "message": message,
		"innerError": map[string]any{
			"date":              l.now().UTC().Format("2006-01-02T15:04:05"),
			"request-id":        reqID,
			"client-request-id": firstNonEmpty(r.Header.Get("client-request-id"), reqID),
		},
	}})
}

func (l *Lab) graphNotFound(w http.ResponseWriter, r *http.Request, id string) {
	l.graphError(w, r, http.StatusNotFound, "Request_ResourceNotFound",
		fmt.Sprintf("Resource '%s' does not exist or one of its queried reference-property objects are not present.", id))
}

// readGraphJSON decodes a request body, answering Graph's 400 when it is
// not JSON.
func (l *Lab) readGraphJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := readJSON(r, v); err != nil {
		l.graphError(w, r, http.StatusBadRequest, "BadRequest", "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.")
		return false
	}
	return true
}

func (l *Lab) graphRoutes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1.0/users", l.graphListUsers)
	mux.HandleFunc("GET /v1.0/users/{id}", l.graphGetUser)
	mux.HandleFunc("PATCH /v1.0/users/{id}", l.graphPatchUser)
	mux.HandleFunc("POST /v1.0/users/{id}/assignLicense", l.graphAssignLicense)
	mux.HandleFunc("POST /v1.0/users/{id}/revokeSignInSessions", l.graphRevokeSessions)
	mux.HandleFunc("GET /v1.0/organization", l.graphOrganization)
	mux.HandleFunc("GET /v1.0/domains", l.graphListDomains)
	mux.HandleFunc("GET /v1.0/domains/{id}", l.graphGetDomain)
	mux.HandleFunc("GET /v1.0/domains/{id}/verificationDnsRecords", l.graphDNSRecords(true))
	mux.HandleFunc("GET /v1.0/domains/{id}/serviceConfigurationRecords", l.graphDNSRecords(false))
	mux.HandleFunc("GET /v1.0/domains/{id}/federationConfiguration", l.graphListFederation)
	mux.HandleFunc("POST /v1.0/domains/{id}/federationConfiguration", l.graphCreateFederation)
	mux.HandleFunc("GET /v1.0/domains/{id}/federationConfiguration/{fid}", l.graphGetFederation)
	mux.HandleFunc("PATCH /v1.0/domains/{id}/federationConfiguration/{fid}", l.graphPatchFederation)
	mux.HandleFunc("GET /v1.0/subscribedSkus", l.graphSkus)
	mux.HandleFunc("GET /v1.0/directoryRoles", l.graphRoles)
	mux.HandleFunc("GET /v1.0/directoryRoles/{id}/members", l.graphRoleMembers)
	mux.HandleFunc("GET /v1.0/auditLogs/signIns", l.graphSignIns)
	mux.HandleFunc("GET /v1.0/users/{id}/memberOf", l.graphUserMemberOf)
	mux.HandleFunc("GET /v1.0/users/{id}/transitiveMemberOf", l.graphUserTransitiveMemberOf)
	mux.HandleFunc("GET /v1.0/groups/{id}", l.graphGetGroup)
	mux.HandleFunc("GET /v1.0/groups/{id}/members", l.graphGroupMembers)
	mux.HandleFunc("GET /v1.0/policies/featureRolloutPolicies", l.graphListRollouts)
	mux.HandleFunc("GET /v1.0/identity/conditionalAccess/policies", l.graphListCAPolicies)
	mux.HandleFunc("GET /v1.0/policies/authenticationMethodsPolicy", l.graphAuthMethodsPolicy)
	mux.HandleFunc("GET /v1.0/policies/featureRolloutPolicies/{id}", l.graphGetRollout)
	mux.HandleFunc("GET /v1.0/policies/featureRolloutPolicies/{id}/appliesTo", l.graphRolloutAppliesTo)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		l.graphError(w, r, http.StatusBadRequest, "BadRequest", fmt.Sprintf("Resource not found for the segment '%s'.", lastSegment(r.URL.Path)))
	})
	return mux
}

// graphAuth accepts only access tokens the lab's token endpoint issued.
func (l *Lab) graphAuth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || token == "" {
			l.graphError(w, r, http.StatusUnauthorized, "InvalidAuthenticationToken", "Access token is empty.")
			return
		}
		grant, valid := l.validToken(token)
		if !valid {
			l.graphError(w, r, http.StatusUnauthorized, "InvalidAuthenticationToken", "Access token has expired or is not yet valid.")
			return
		}
		r = withGrant(r, grant.perms)
		if need := graphReadPermissions(r.URL.Path); r.Method == http.MethodGet && need != nil && !l.hasAny(r, need...) {
			if strings.HasPrefix(r.URL.Path, "/v1.0/auditLogs/") {
				l.graphError(w, r, http.StatusForbidden, "Authentication_MSGraphPermissionMissing", "Calling principal does not have required MSGraph permissions AuditLog.Read.All")
			} else {
				l.graphError(w, r, http.StatusForbidden, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
			}
			return
		}
		if wait, ok := l.graphThrottled(r.URL.Path); !ok {
			if wait > 0 {
				w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
			}
			l.graphError(w, r, http.StatusTooManyRequests, "TooManyRequests", "Too many requests.")
			return
		}
		next.ServeHTTP(w, r)
	})
}

func lastSegment(p string) string {
	p = strings.TrimRight(p, "/")
	return p[strings.LastIndexByte(p, '/')+1:]
}

func toMap(v any) map[string]any {
	b, _ := json.Marshal(v)
	m := map[string]any{}
	_ = json.Unmarshal(b, &m)
	return m
}

func (l *Lab) context(r *http.Request, entity string) string {
	return l.graphBase(r) + "/$metadata#" + entity
}

func (l *Lab) graphBase(r *http.Request) string {
	if r.Host == "" || r.Host == "lab" {
		return l.GraphURL
	}
	return "https://" + r.Host + "/v1.0"
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func optionalAny(v any) *string {
	s, _ := v.(string)
	return optional(s)
}

// allAppRoles are the application permissions the lab's app holds unless
// the scenario names fewer (tenant.appRoles): what o365doctor reads and
// what its fixes write.
var allAppRoles = []string{"User.Read.All", "Directory.Read.All", "Domain.Read.All", "Organization.Read.All", "AuditLog.Read.All",
	"Policy.Read.All", "GroupMember.Read.All", "RoleManagement.Read.Directory", "Policy.Read.AuthenticationMethod",
	"User.ReadWrite.All", "Domain-InternalFederation.ReadWrite.All"}

// appRoles are the roles the lab's tokens carry.
func (l *Lab) appRoles() []string {
	if r := l.state.scenario.Tenant.AppRoles; r != nil {
		return r
	}
	return allAppRoles
}

// issueToken makes an access token shaped as Entra's app-only tokens: a
// JWT whose payload names the tenant, the app and its roles (the
// application permissions granted). Its signature is not a real one: no
// client validates an access token meant for Graph.
func (l *Lab) issueToken() (string, time.Duration) {
	const life = time.Hour
	payload, _ := json.Marshal(map[string]any{"aud": "https://graph.microsoft.com", "iss": "https://sts.windows.net/" + l.state.tenantID + "/",
		"tid": l.state.tenantID, "appid": l.ClientID, "app_displayname": "o365doctor", "idtyp": "app", "roles": l.appRoles(), "exp": l.now().Add(life).Unix(), "uti": randomToken(22)})
	tok := "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9." + base64.RawURLEncoding.EncodeToString(payload) + "." + randomToken(43)
	l.tokensMu.Lock()
	l.tokens[tok] = graphGrant{expires: l.now().Add(life), perms: l.appRoles()}
	l.tokensMu.Unlock()
	l.seen(tok)
	return tok, life
}

func (l *Lab) validToken(tok string) (graphGrant, bool) {
	l.tokensMu.Lock()
	defer l.tokensMu.Unlock()
	g, ok := l.tokens[tok]
	return g, ok && l.now().Before(g.expires)
}

// graphThrottled counts the request in its throttled family, if any, and
// says whether it may pass; when not, the wait a Retry-After names (0 for
// Conditional Access, whose 429 names none).
func (l *Lab) graphThrottled(path string) (time.Duration, bool) {
	if l.graphThrottles == nil {
		return 0, true
	}
	now := l.now()
	l.countMu.Lock()
	defer l.countMu.Unlock()
	for name, t := range l.graphThrottles {
		if !slices.ContainsFunc(t.prefixes, func(p string) bool { return strings.HasPrefix(path, p) }) {
			continue
		}
		if now.Sub(t.win.start) >= t.period {
			t.win.start, t.win.used = now, 0
		}
		t.win.used++
		if t.win.used <= t.limit {
			return 0, true
		}
		l.limited["graph "+name]++
		if !t.retryAfter {
			return 0, false
		}
		return t.win.start.Add(t.period).Sub(now), false
	}
	return 0, true
}
