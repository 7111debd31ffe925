package lab

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

func (l *Lab) loginRoutes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /getuserrealm.srf", l.getUserRealm)
	mux.HandleFunc("GET /common/userrealm/{user}", l.userRealm)
	mux.HandleFunc("GET /common/UserRealm/{user}", l.userRealm)
	mux.HandleFunc("GET /{tenant}/v2.0/.well-known/openid-configuration", l.openIDConfig(true))
	mux.HandleFunc("GET /{tenant}/.well-known/openid-configuration", l.openIDConfig(false))
	mux.HandleFunc("POST /{tenant}/oauth2/v2.0/token", l.token)
	mux.HandleFunc("POST /{tenant}/oauth2/v2.0/devicecode", l.deviceCodeStart)
	// The admin at microsoft.com/devicelogin: `lab approve CODE`.
	mux.HandleFunc("POST /__lab/approve", func(w http.ResponseWriter, r *http.Request) {
		if !l.Approve(r.FormValue("code")) {
			writeJSON(w, http.StatusNotFound, map[string]string{"error": "no pending device code " + r.FormValue("code")})
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"approved": r.FormValue("code")})
	})
	return mux
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
		"error_uri":         "https://login.microsoftonline.com/error?code=" + aadsts,
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
		base := l.loginBase(r) + "/" + l.TenantID
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
			cfg["jwks_uri"] = base + "/discovery/v2.0/keys"
			cfg["end_session_endpoint"] = base + "/oauth2/v2.0/logout"
			cfg["device_authorization_endpoint"] = base + "/oauth2/v2.0/devicecode"
			cfg["kerberos_endpoint"] = base + "/kerberos"
			cfg["userinfo_endpoint"] = "https://graph.microsoft.com/oidc/userinfo"
		} else {
			cfg["issuer"] = "https://sts.windows.net/" + l.TenantID + "/"
			cfg["authorization_endpoint"] = base + "/oauth2/authorize"
			cfg["token_endpoint"] = base + "/oauth2/token"
			cfg["jwks_uri"] = l.loginBase(r) + "/common/discovery/keys"
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
	assertion := r.PostForm.Get("client_assertion")
	l.seen(assertion)
	var assertionErr string
	if assertion != "" {
		assertionErr = l.clientAssertion(assertion, l.loginBase(r)+"/"+l.TenantID+"/oauth2/v2.0/token", r.PostForm.Get("client_id"), l.now())
	}
	switch {
	// MSAL sends "device_code"; RFC 8628 names it in full: Entra takes both.
	case r.PostForm.Get("grant_type") == "urn:ietf:params:oauth:grant-type:device_code" || r.PostForm.Get("grant_type") == "device_code":
		l.deviceCodeToken(w, r)
	case r.PostForm.Get("grant_type") != "client_credentials":
		l.loginError(w, http.StatusBadRequest, "unsupported_grant_type", "70003", "The app requested an unsupported grant type.")
	case r.PostForm.Get("client_id") != l.ClientID:
		l.loginError(w, http.StatusBadRequest, "unauthorized_client", "700016", fmt.Sprintf("Application with identifier '%s' was not found in the directory '%s'.", r.PostForm.Get("client_id"), l.Scenario.Tenant.DisplayName))
	case assertion != "" && assertionErr != "":
		l.loginError(w, http.StatusUnauthorized, "invalid_client", strings.TrimPrefix(assertionErr[:strings.Index(assertionErr, ":")], "AADSTS"), assertionErr[strings.Index(assertionErr, ":")+2:])
	case assertion == "" && r.PostForm.Get("client_secret") == "":
		l.loginError(w, http.StatusUnauthorized, "invalid_client", "7000216", "'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type.")
	case assertion == "" && r.PostForm.Get("client_secret") != l.ClientSecret:
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

func (l *Lab) loginBase(r *http.Request) string {
	if r.Host == "" || r.Host == "lab" {
		return l.LoginURL
	}
	return "https://" + r.Host
}

// realm is what Microsoft's home realm discovery knows of a login's domain.
type realm struct {
	known     bool
	federated bool
	domain    string
	brand     string
	authURL   string // passiveSignInUri + the WS-Fed query
	fed       *federation
}

// realmOf looks the login's domain up. A domain Federated in Entra but
// with no federationConfiguration (Graph's half-created state) answers as
// federated with no AuthURL, as the real service has nowhere to send it.
func (l *Lab) realmOf(login string) realm {
	domain := strings.ToLower(login)
	if i := strings.LastIndexByte(domain, '@'); i >= 0 {
		domain = domain[i+1:]
	}
	l.state.mu.RLock()
	defer l.state.mu.RUnlock()
	d := l.state.domain(domain)
	if d == nil || !d.IsVerified {
		return realm{domain: domain}
	}
	rl := realm{known: true, domain: d.ID, brand: l.Scenario.Tenant.DisplayName}
	if d.AuthenticationType == "Federated" {
		rl.federated = true
		if f := d.federation; f != nil {
			c := *f
			rl.fed = &c
			rl.authURL = f.PassiveSignInURI + "?username=" + url.QueryEscape(login) + "&wa=wsignin1.0&wtrealm=urn%3afederation%3aMicrosoftOnline&wctx="
		}
	}
	return rl
}

// getUserRealm is GET /getuserrealm.srf?login=…[&xml=1]: JSON by default
// (State 4 / UserState 1 for Managed, 3 / 2 with AuthURL for Federated,
// NameSpaceType Unknown otherwise), or the RealmInfo XML.
func (l *Lab) getUserRealm(w http.ResponseWriter, r *http.Request) {
	login := r.URL.Query().Get("login")
	rl := l.realmOf(login)
	type info struct {
		XMLName                 xml.Name `json:"-" xml:"RealmInfo"`
		Success                 string   `json:"-" xml:"Success,attr"`
		State                   int      `json:"State" xml:"State"`
		UserState               int      `json:"UserState" xml:"UserState"`
		Login                   string   `json:"Login" xml:"Login"`
		NameSpaceType           string   `json:"NameSpaceType" xml:"NameSpaceType"`
		DomainName              string   `json:"DomainName,omitempty" xml:"DomainName,omitempty"`
		FederationGlobalVersion *int     `json:"FederationGlobalVersion,omitempty" xml:"FederationGlobalVersion,omitempty"`
		AuthURL                 string   `json:"AuthURL,omitempty" xml:"AuthURL,omitempty"`
		IsFederatedNS           *bool    `json:"-" xml:"IsFederatedNS,omitempty"`
		STSAuthURL              string   `json:"-" xml:"STSAuthURL,omitempty"`
		FederationBrandName     string   `json:"FederationBrandName,omitempty" xml:"FederationBrandName,omitempty"`
		AuthNForwardType        *int     `json:"AuthNForwardType,omitempty" xml:"-"`
		Certificate             string   `json:"-" xml:"Certificate,omitempty"`
		MEXURL                  string   `json:"-" xml:"MEXURL,omitempty"`
		CloudInstanceName       string   `json:"CloudInstanceName,omitempty" xml:"CloudInstanceName,omitempty"`
		CloudInstanceIssuerURI  string   `json:"CloudInstanceIssuerUri,omitempty" xml:"CloudInstanceIssuerUri,omitempty"`
	}
	out := info{Success: "true", State: 4, UserState: 1, Login: login, NameSpaceType: "Unknown"}
	if rl.known {
		no, one, minusOne := false, 1, -1
		out.DomainName, out.FederationBrandName = rl.domain, rl.brand
		out.CloudInstanceName, out.CloudInstanceIssuerURI = "microsoftonline.com", "urn:federation:MicrosoftOnline"
		out.NameSpaceType, out.IsFederatedNS = "Managed", &no
		if rl.federated {
			yes := true
			out.State, out.UserState, out.NameSpaceType, out.IsFederatedNS = 3, 2, "Federated", &yes
			out.FederationGlobalVersion, out.AuthNForwardType = &minusOne, &one
			out.AuthURL = rl.authURL
			if rl.fed != nil {
				out.STSAuthURL = deref(rl.fed.ActiveSignInURI)
				out.MEXURL = deref(rl.fed.MetadataExchangeURI)
				out.Certificate = rl.fed.SigningCertificate
			}
		}
	}
	if r.URL.Query().Get("xml") == "1" {
		w.Header().Set("Content-Type", "text/xml; charset=utf-8")
		_ = xml.NewEncoder(w).Encode(out)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// userRealm is GET /common/userrealm/{user}?api-version=1.0|2.0|2.1. 1.0 is
// what MSAL reads (account_type, domain_name, cloud_instance_name,
// cloud_audience_urn, and for Federated federation_protocol and
// federation_metadata_url); 2.x mixes PascalCase and snake_case keys.
func (l *Lab) userRealm(w http.ResponseWriter, r *http.Request) {
	login := r.PathValue("user")
	rl := l.realmOf(login)
	version := firstNonEmpty(r.URL.Query().Get("api-version"), "1.0")
	kind := "Unknown"
	if rl.known {
		kind = map[bool]string{true: "Federated", false: "Managed"}[rl.federated]
	}
	switch version {
	case "1.0":
		out := map[string]any{"ver": "1.0", "account_type": kind, "domain_name": rl.domain,
			"cloud_instance_name": "microsoftonline.com", "cloud_audience_urn": "urn:federation:MicrosoftOnline"}
		if rl.federated && rl.fed != nil {
			out["federation_protocol"] = "WSTrust"
			out["federation_metadata_url"] = deref(rl.fed.MetadataExchangeURI)
			out["federation_active_auth_url"] = deref(rl.fed.ActiveSignInURI)
		}
		writeJSON(w, http.StatusOK, out)
	case "2.0", "2.1":
		out := map[string]any{"NameSpaceType": kind, "Login": login, "DomainName": rl.domain,
			"FederationBrandName": rl.brand, "TenantBrandingInfo": nil, "cloud_instance_name": "microsoftonline.com"}
		if rl.federated {
			out["federation_protocol"] = "WSTrust"
			out["AuthURL"] = rl.authURL
		}
		if version == "2.1" {
			out["IsViral"] = false
		}
		writeJSON(w, http.StatusOK, out)
	default:
		l.loginError(w, http.StatusBadRequest, "invalid_request", "900561", "The endpoint only accepts api-version 1.0, 2.0 or 2.1.")
	}
}
