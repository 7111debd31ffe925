package lab

import (
	"fmt"
	"net/http"
	"strconv"
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

// readOktaJSON decodes a request body, answering Okta's 400 when it is
// not JSON.
func readOktaJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := readJSON(r, v); err != nil {
		writeOktaError(w, http.StatusBadRequest, "E0000003", "The request body was not well-formed.", err.Error())
		return false
	}
	return true
}

func (l *Lab) oktaRoutes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/users", l.oktaListUsers)
	mux.HandleFunc("GET /api/v1/users/{id}", l.oktaGetUser)
	mux.HandleFunc("POST /api/v1/users/{id}/lifecycle/{op}", l.oktaLifecycle)
	mux.HandleFunc("GET /api/v1/users/{id}/factors", l.oktaListFactors)
	mux.HandleFunc("GET /api/v1/users/{id}/groups", l.oktaListUserGroups)
	mux.HandleFunc("DELETE /api/v1/users/{id}/factors/{factorId}", l.oktaDeleteFactor)
	mux.HandleFunc("GET /api/v1/apps", l.oktaListApps)
	mux.HandleFunc("GET /api/v1/apps/{appId}", l.oktaGetApp)
	mux.HandleFunc("PUT /api/v1/apps/{appId}", l.oktaUpdateApp)
	mux.HandleFunc("POST /api/v1/apps/{appId}/credentials/keys/generate", l.oktaGenerateKey)
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
	mux.HandleFunc("GET /api/v1/groups", l.oktaListGroups)
	mux.HandleFunc("GET /api/v1/groups/{groupId}", l.oktaGetGroup)
	mux.HandleFunc("GET /api/v1/groups/{groupId}/users", l.oktaListGroupUsers)
	mux.HandleFunc("GET /api/v1/logs", l.oktaLogs)
	mux.HandleFunc("GET /api/v1/zones", l.oktaListZones)
	mux.HandleFunc("GET /api/v1/domains", l.oktaListDomains)
	mux.HandleFunc("GET /api/v1/domains/{domainId}", l.oktaGetDomain)
	mux.HandleFunc("GET /api/v1/policies/{policyId}", l.oktaGetPolicy)
	mux.HandleFunc("GET /api/v1/policies/{policyId}/rules", l.oktaListPolicyRules)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeOktaError(w, http.StatusNotFound, "E0000022", "The endpoint does not support the provided HTTP method")
	})
	return mux
}

// oktaAuth checks the SSWS token and adds the headers every Okta response
// carries: the request ID and the rate-limit triple (limit, remaining in
// this minute, reset in UTC epoch seconds).
func (l *Lab) oktaAuth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		now := l.now()
		l.countMu.Lock()
		window := &l.oktaWindow
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
		if r.Header.Get("Authorization") != "SSWS "+l.OktaToken {
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
