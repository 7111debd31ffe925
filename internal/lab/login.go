package lab

import (
	"fmt"
	"net/http"
	"strings"
)

func (l *Lab) loginHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{tenant}/v2.0/.well-known/openid-configuration", l.openIDConfig(true))
	mux.HandleFunc("GET /{tenant}/.well-known/openid-configuration", l.openIDConfig(false))
	mux.HandleFunc("POST /{tenant}/oauth2/v2.0/token", l.token)
	return l.counted("login", mux)
}

// knownTenant accepts the tenant ID or any of the tenant's domains, as
// login.microsoftonline.com does.
func (l *Lab) knownTenant(t string) bool {
	if strings.EqualFold(t, l.TenantID) || strings.EqualFold(t, l.Scenario.Tenant.InitialDomain) {
		return true
	}
	l.state.mu.RLock()
	defer l.state.mu.RUnlock()
	return l.state.domain(t) != nil
}

func (l *Lab) loginError(w http.ResponseWriter, status int, code, aadsts, desc string) {
	trace := guid("trace:" + randomToken(8))
	corr := guid("corr:" + randomToken(8))
	ts := l.now().UTC().Format("2006-01-02 15:04:05Z")
	var codes []int
	var n int
	if _, err := fmt.Sscanf(aadsts, "%d", &n); err == nil {
		codes = []int{n}
	}
	writeJSON(w, status, map[string]any{
		"error":             code,
		"error_description": fmt.Sprintf("AADSTS%s: %s Trace ID: %s Correlation ID: %s Timestamp: %s", aadsts, desc, trace, corr, ts),
		"error_codes":       codes,
		"timestamp":         ts,
		"trace_id":          trace,
		"correlation_id":    corr,
		"error_uri":         l.LoginURL + "/error?code=" + aadsts,
	})
}

// openIDConfig serves the OpenID Provider metadata. MSAL requires the
// issuer's scheme and host to equal the authority's, and non-empty
// authorization and token endpoints.
func (l *Lab) openIDConfig(v2 bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		t := r.PathValue("tenant")
		if !l.knownTenant(t) {
			l.loginError(w, http.StatusBadRequest, "invalid_tenant", "90002", fmt.Sprintf("Tenant '%s' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.", t))
			return
		}
		base := l.LoginURL + "/" + l.TenantID
		cfg := map[string]any{
			"token_endpoint_auth_methods_supported": []string{"client_secret_post", "private_key_jwt", "client_secret_basic"},
			"response_modes_supported":              []string{"query", "fragment", "form_post"},
			"subject_types_supported":               []string{"pairwise"},
			"id_token_signing_alg_values_supported": []string{"RS256"},
			"response_types_supported":              []string{"code", "id_token", "code id_token", "id_token token"},
			"scopes_supported":                      []string{"openid", "profile", "email", "offline_access"},
			"request_uri_parameter_supported":       false,
			"http_logout_supported":                 true,
			"frontchannel_logout_supported":         true,
			"tenant_region_scope":                   "NA",
			"cloud_instance_name":                   "microsoftonline.com",
			"cloud_graph_host_name":                 "graph.windows.net",
			"msgraph_host":                          "graph.microsoft.com",
			"rbac_url":                              "https://pas.windows.net",
		}
		if v2 {
			cfg["issuer"] = base + "/v2.0"
			cfg["authorization_endpoint"] = base + "/oauth2/v2.0/authorize"
			cfg["token_endpoint"] = base + "/oauth2/v2.0/token"
			cfg["jwks_uri"] = l.LoginURL + "/" + l.TenantID + "/discovery/v2.0/keys"
			cfg["end_session_endpoint"] = base + "/oauth2/v2.0/logout"
			cfg["device_authorization_endpoint"] = base + "/oauth2/v2.0/devicecode"
			cfg["kerberos_endpoint"] = base + "/kerberos"
			cfg["userinfo_endpoint"] = "https://graph.microsoft.com/oidc/userinfo"
		} else {
			cfg["issuer"] = "https://sts.windows.net/" + l.TenantID + "/"
			cfg["authorization_endpoint"] = base + "/oauth2/authorize"
			cfg["token_endpoint"] = base + "/oauth2/token"
			cfg["jwks_uri"] = l.LoginURL + "/common/discovery/keys"
			cfg["end_session_endpoint"] = base + "/oauth2/logout"
			cfg["device_authorization_endpoint"] = base + "/oauth2/devicecode"
			cfg["kerberos_endpoint"] = base + "/kerberos"
			cfg["userinfo_endpoint"] = base + "/openid/userinfo"
		}
		writeJSON(w, http.StatusOK, cfg)
	}
}

// token is the client-credentials grant of the v2.0 token endpoint.
func (l *Lab) token(w http.ResponseWriter, r *http.Request) {
	if !l.knownTenant(r.PathValue("tenant")) {
		l.loginError(w, http.StatusBadRequest, "invalid_tenant", "90002", fmt.Sprintf("Tenant '%s' not found.", r.PathValue("tenant")))
		return
	}
	if err := r.ParseForm(); err != nil {
		l.loginError(w, http.StatusBadRequest, "invalid_request", "900144", "The request body must contain the following parameter: 'grant_type'.")
		return
	}
	switch {
	case r.PostForm.Get("grant_type") != "client_credentials":
		l.loginError(w, http.StatusBadRequest, "unsupported_grant_type", "70003", "The app requested an unsupported grant type.")
	case r.PostForm.Get("client_id") != l.ClientID:
		l.loginError(w, http.StatusBadRequest, "unauthorized_client", "700016", fmt.Sprintf("Application with identifier '%s' was not found in the directory '%s'.", r.PostForm.Get("client_id"), l.Scenario.Tenant.DisplayName))
	case r.PostForm.Get("client_secret") != l.ClientSecret:
		l.loginError(w, http.StatusUnauthorized, "invalid_client", "7000215", "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '"+l.ClientID+"'.")
	case !hasDefaultScope(r.PostForm.Get("scope")):
		l.loginError(w, http.StatusBadRequest, "invalid_scope", "1002012", "The provided value for scope "+r.PostForm.Get("scope")+" is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).")
	default:
		tok, life := l.issueToken()
		secs := int(life.Seconds()) - 1
		w.Header().Set("Cache-Control", "no-store, no-cache")
		writeJSON(w, http.StatusOK, map[string]any{
			"token_type": "Bearer", "expires_in": secs, "ext_expires_in": secs, "access_token": tok,
		})
	}
}

// hasDefaultScope: client-credential requests must ask for RESOURCE/.default
// (MSAL may add openid, profile and offline_access beside it).
func hasDefaultScope(scope string) bool {
	for _, s := range strings.Fields(scope) {
		if strings.HasSuffix(s, "/.default") {
			return true
		}
	}
	return false
}
