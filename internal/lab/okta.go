package lab

import (
	"fmt"
	"net/http"
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
	mux.HandleFunc("GET /api/v1/users/{id}/roles", l.oktaListRoles)
	// Answered before authentication (oktaAuth); here for its route name.
	mux.HandleFunc("POST /oauth2/v1/token", l.oktaToken)
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
		switch r.URL.Path {
		case "/__lab/stats":
			l.oktaStats(w)
			return
		case "/oauth2/v1/token":
			l.oktaToken(w, r)
			return
		}
		now := l.now()
		l.countMu.Lock()
		window, bucket := l.oktaBucket(r.URL.Path)
		if now.Sub(window.start) >= l.window {
			window.start, window.used = now.Truncate(l.window), 0
		}
		window.used++
		// Only a configured bucket refuses: the default one reports
		// Okta's headers but lets the lab's own tests through.
		over := window.used > window.limit && window != &l.oktaWindow
		remaining, reset := max(window.limit-window.used, 0), window.start.Add(l.window)
		l.countMu.Unlock()
		h := w.Header()
		h.Set("X-Okta-Request-Id", randomToken(27))
		h.Set("Date", rfc1123(now))
		h.Set("X-Rate-Limit-Limit", strconv.Itoa(window.limit))
		h.Set("X-Rate-Limit-Remaining", strconv.Itoa(remaining))
		// Okta's reset is whole epoch seconds: rounded up, so a client
		// that waits for it is never early.
		h.Set("X-Rate-Limit-Reset", strconv.FormatInt(reset.Add(time.Second-time.Nanosecond).Unix(), 10))
		scheme, tok, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		switch {
		case scheme == "SSWS" && tok == l.OktaToken:
		case scheme == "Bearer" || scheme == "DPoP":
			if !l.oauthAllowed(w, r, scheme, tok) {
				return
			}
		default:
			writeOktaError(w, http.StatusUnauthorized, "E0000011", "Invalid token provided")
			return
		}
		if over {
			// Counted as served: 429s, not the 401s of a bad token.
			l.countMu.Lock()
			l.limited["okta "+bucket]++
			l.countMu.Unlock()
			writeOktaError(w, http.StatusTooManyRequests, "E0000047", "API call exceeded rate limit due to too many requests.")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// oktaBucket is the rate-limit window of the path: the configured bucket
// with the longest matching prefix, else Okta's default (600 a minute).
// Called with countMu held.
func (l *Lab) oktaBucket(path string) (*rateWindow, string) {
	best := ""
	for prefix := range l.buckets {
		if strings.HasPrefix(path, prefix) && len(prefix) > len(best) {
			best = prefix
		}
	}
	if best == "" {
		if l.oktaWindow.limit == 0 {
			l.oktaWindow.limit = 600
		}
		return &l.oktaWindow, "(default)"
	}
	return l.buckets[best], best
}

// SystemStats are one system's counts in /__lab/stats.
type SystemStats struct {
	Requests    int `json:"requests"`
	RateLimited int `json:"rateLimited"` // 429s the rate limits answered
	// Buckets are the 429s by bucket (Okta: the path prefix; Graph:
	// conditionalAccess, reports).
	Buckets map[string]int `json:"buckets,omitempty"`
}

// LabStats is what GET {okta}/__lab/stats answers, by system: "okta",
// "graph", "login".
type LabStats map[string]SystemStats

// Stats are the lab's counts (the same as /__lab/stats).
func (l *Lab) Stats() LabStats {
	l.countMu.Lock()
	defer l.countMu.Unlock()
	st := LabStats{}
	for _, sys := range []string{"okta", "graph", "login"} {
		st[sys] = SystemStats{}
	}
	for route, n := range l.counts {
		sys, _, _ := strings.Cut(route, " ")
		s := st[sys]
		s.Requests += n
		st[sys] = s
	}
	for key, n := range l.limited {
		sys, bucket, _ := strings.Cut(key, " ")
		s := st[sys]
		s.RateLimited += n
		if s.Buckets == nil {
			s.Buckets = map[string]int{}
		}
		s.Buckets[bucket] += n
		st[sys] = s
	}
	return st
}

// RateLimited is the 429s the rate limits answered, all systems.
func (st LabStats) RateLimited() int {
	n := 0
	for _, s := range st {
		n += s.RateLimited
	}
	return n
}

func (l *Lab) oktaStats(w http.ResponseWriter) {
	writeJSON(w, http.StatusOK, l.Stats())
}

func (l *Lab) base(r *http.Request) string {
	if r == nil || r.Host == "" || r.Host == "lab" {
		return l.OktaURL
	}
	return "https://" + r.Host
}
