package lab

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/o365doctor/o365doctor/internal/jws"
)

// Okta's OAuth 2.0 service apps, as the org authorization server serves
// them: private-key JWT client authentication at {org}/oauth2/v1/token
// (developer.okta.com "Implement OAuth for Okta with a service app"), DPoP
// when the app requires it ("Configure OAuth 2.0 Demonstrating
// Proof-of-Possession": the first proof is answered 400 use_dpop_nonce with
// a dpop-nonce header; resource requests carry Authorization: DPoP and a
// proof with ath, no nonce required), and the okta.* scopes checked on
// every /api/v1 request (403 with the reason in WWW-Authenticate and an
// empty body: okta-sdk-golang issue 145, terraform-provider-okta issue
// 2375).

// OktaServiceApp is the lab's Okta service app for o365doctor.
type OktaServiceApp struct {
	ClientID string
	KeyID    string
	// PrivateKeyPEM is the key the app's public JWK belongs to (PKCS#8).
	PrivateKeyPEM []byte
	DPoP          bool
	// Scopes are the okta.* scopes granted to the app.
	Scopes []string
}

// OktaAllScopes are the scopes the lab grants a service app unless told
// fewer: every read and write of o365doctor.
var OktaAllScopes = []string{"okta.apps.read", "okta.apps.manage", "okta.users.read", "okta.users.manage",
	"okta.groups.read", "okta.groups.manage", "okta.logs.read", "okta.policies.read", "okta.domains.read", "okta.networkZones.read", "okta.roles.read"}

// oktaOAuth is the authorization server's state.
type oktaOAuth struct {
	app    OktaServiceApp
	pub    crypto.PublicKey
	nonce  string
	mu     sync.Mutex
	tokens map[string]oktaAccessToken
	jtis   map[string]time.Time // assertion and proof jtis seen, until they expire
}

type oktaAccessToken struct {
	expires time.Time
	scopes  []string
	jkt     string // the DPoP key's thumbprint, for a DPoP-bound token
}

// newOktaOAuth registers the service app: a fresh RSA key unless pub is
// given.
func newOktaOAuth(opts OktaOAuthOptions) (*oktaOAuth, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	o := &oktaOAuth{
		app: OktaServiceApp{ClientID: "0oa" + randomToken(17), KeyID: "lab-" + randomToken(10),
			PrivateKeyPEM: pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), DPoP: opts.DPoP, Scopes: opts.Scopes},
		pub: key.Public(), nonce: randomToken(32), tokens: map[string]oktaAccessToken{}, jtis: map[string]time.Time{},
	}
	if o.app.Scopes == nil {
		o.app.Scopes = OktaAllScopes
	}
	return o, nil
}

// OktaOAuthOptions turn on the lab's Okta service app.
type OktaOAuthOptions struct {
	DPoP   bool
	Scopes []string // nil: OktaAllScopes
}

func oauthError(w http.ResponseWriter, status int, code, desc string) {
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}

// oktaToken is POST {org}/oauth2/v1/token.
func (l *Lab) oktaToken(w http.ResponseWriter, r *http.Request) {
	o := l.oktaOAuth
	if r.Method != http.MethodPost {
		writeOktaError(w, http.StatusMethodNotAllowed, "E0000022", "The endpoint does not support the provided HTTP method")
		return
	}
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "The request body was not well-formed.")
		return
	}
	now := l.now()
	// okta-sdk-golang v2 sends the parameters in the query string, other
	// clients in the body: Okta takes both.
	f := r.Form
	if o == nil {
		oauthError(w, http.StatusUnauthorized, "invalid_client", "Client authentication failed. Either the client or the client credentials are invalid.")
		return
	}
	if f.Get("grant_type") != "client_credentials" {
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "The authorization grant type is not supported by the authorization server. Configured grant types: [client_credentials].")
		return
	}
	if f.Get("client_assertion_type") != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" || f.Get("client_assertion") == "" {
		oauthError(w, http.StatusUnauthorized, "invalid_client", "Client authentication failed. Either the client or the client credentials are invalid.")
		return
	}
	l.seen(f.Get("client_assertion"))
	l.seen(r.Header.Get("DPoP"))
	if msg := o.checkAssertion(f.Get("client_assertion"), l.OktaURL+"/oauth2/v1/token", now); msg != "" {
		oauthError(w, http.StatusUnauthorized, "invalid_client", msg)
		return
	}
	scopes := strings.Fields(f.Get("scope"))
	if len(scopes) == 0 {
		oauthError(w, http.StatusBadRequest, "invalid_scope", "The authorization server resource does not have any configured default scopes, 'scope' must be provided.")
		return
	}
	var refused []string
	for _, s := range scopes {
		if !slices.Contains(o.app.Scopes, s) {
			refused = append(refused, s)
		}
	}
	if len(refused) > 0 {
		// ASSUMED wording: no public capture of this description was found.
		oauthError(w, http.StatusBadRequest, "invalid_scope", "The following scopes are not allowed: "+strings.Join(refused, " ")+".")
		return
	}
	jkt := ""
	if proof := r.Header.Get("DPoP"); o.app.DPoP {
		if proof == "" {
			oauthError(w, http.StatusBadRequest, "invalid_dpop_proof", "The DPoP proof JWT header is missing.")
			return
		}
		thumb, nonce, msg := o.checkProof(proof, http.MethodPost, l.OktaURL+"/oauth2/v1/token", "", now)
		if msg != "" {
			oauthError(w, http.StatusBadRequest, "invalid_dpop_proof", msg)
			return
		}
		if nonce != o.nonce {
			w.Header().Set("DPoP-Nonce", o.nonce)
			oauthError(w, http.StatusBadRequest, "use_dpop_nonce", "Authorization server requires nonce in DPoP proof.")
			return
		}
		jkt = thumb
	}
	const life = time.Hour
	claims := map[string]any{"ver": 1, "jti": "AT." + randomToken(20), "iss": l.OktaURL, "aud": l.OktaURL,
		"iat": now.Unix(), "exp": now.Add(life).Unix(), "cid": o.app.ClientID, "sub": o.app.ClientID, "scp": scopes}
	typ := "Bearer"
	if jkt != "" {
		claims["cnf"] = map[string]string{"jkt": jkt}
		typ = "DPoP"
	}
	payload, _ := json.Marshal(claims)
	tok := "eyJraWQiOiJsYWIiLCJhbGciOiJSUzI1NiJ9." + base64.RawURLEncoding.EncodeToString(payload) + "." + randomToken(43)
	o.mu.Lock()
	o.tokens[tok] = oktaAccessToken{expires: now.Add(life), scopes: scopes, jkt: jkt}
	o.mu.Unlock()
	l.seen(tok)
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]any{"token_type": typ, "expires_in": int(life.Seconds()), "access_token": tok, "scope": strings.Join(scopes, " ")})
}

// checkAssertion verifies the client assertion: the registered key's
// signature, iss = sub = client ID, aud = the token endpoint, exp at most
// an hour ahead and not past, a jti not seen before. "" = valid.
func (o *oktaOAuth) checkAssertion(assertion, aud string, now time.Time) string {
	p, err := jws.Parse(assertion)
	if err != nil {
		return "The client_assertion token is malformed."
	}
	if kid, _ := p.Header["kid"].(string); kid != "" && kid != o.app.KeyID {
		return "The client_assertion JWT kid is invalid." // okta-sdk-python issue 289
	}
	if p.Verify(o.pub) != nil {
		return "The client_assertion signature is invalid."
	}
	if p.String("iss") != o.app.ClientID || p.String("sub") != o.app.ClientID {
		return "The client_assertion token's iss and sub claims must be the client_id."
	}
	if p.String("aud") != aud {
		return "The audience claim for client_assertion must be the endpoint invoked for the request."
	}
	exp, ok := p.Number("exp")
	switch {
	case !ok || time.Unix(exp, 0).Before(now):
		return "The client_assertion token is expired."
	case time.Unix(exp, 0).After(now.Add(time.Hour + time.Minute)):
		return "The client_assertion token has an expiration too far into the future."
	}
	if jti := p.String("jti"); jti != "" && !o.once(jti, time.Unix(exp, 0), now) {
		return "The client_assertion token has already been used."
	}
	return ""
}

// once records a jti until expiry; false if it was seen.
func (o *oktaOAuth) once(jti string, until, now time.Time) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	for k, t := range o.jtis {
		if t.Before(now) {
			delete(o.jtis, k)
		}
	}
	if _, seen := o.jtis[jti]; seen {
		return false
	}
	o.jtis[jti] = until
	return true
}

// checkProof verifies a DPoP proof: typ, the embedded key's signature, htm,
// htu (no query), iat within a minute, a fresh jti, and ath when a token
// is bound. It returns the key's thumbprint and the proof's nonce.
func (o *oktaOAuth) checkProof(proof, method, htu, accessToken string, now time.Time) (thumb, nonce, msg string) {
	p, err := jws.Parse(proof)
	if err != nil {
		return "", "", "The DPoP proof JWT is malformed."
	}
	if typ, _ := p.Header["typ"].(string); typ != "dpop+jwt" {
		return "", "", "The DPoP proof JWT 'typ' header is invalid."
	}
	raw, _ := json.Marshal(p.Header["jwk"])
	var jwk jws.JWK
	if json.Unmarshal(raw, &jwk) != nil || jwk.D != "" {
		return "", "", "The DPoP proof JWT 'jwk' header is invalid."
	}
	pub, err := jwk.Public()
	if err != nil || p.Verify(pub) != nil {
		return "", "", "The DPoP proof JWT signature is invalid."
	}
	if p.String("htm") != method {
		return "", "", "'htm' claim in the DPoP proof JWT is invalid."
	}
	if p.String("htu") != htu {
		return "", "", "'htu' claim in the DPoP proof JWT is invalid."
	}
	iat, ok := p.Number("iat")
	if !ok || time.Unix(iat, 0).Before(now.Add(-time.Minute)) || time.Unix(iat, 0).After(now.Add(time.Minute)) {
		return "", "", "'iat' claim in the DPoP proof JWT is invalid."
	}
	if accessToken != "" {
		sum := sha256.Sum256([]byte(accessToken))
		if p.String("ath") != base64.RawURLEncoding.EncodeToString(sum[:]) {
			return "", "", "'ath' claim in the DPoP proof JWT is invalid."
		}
	}
	if jti := p.String("jti"); jti == "" || !o.once("dpop:"+jti, now.Add(2*time.Minute), now) {
		return "", "", "'jti' claim in the DPoP proof JWT is invalid."
	}
	thumb, _ = jws.Thumbprint(pub)
	return thumb, p.String("nonce"), ""
}

// oktaScope is the scope an /api/v1 request needs, as Okta's management
// API reference names them per operation.
func oktaScope(method, path string) string {
	family := strings.TrimPrefix(path, "/api/v1/")
	family, rest, _ := strings.Cut(family, "/")
	verb := "read"
	if method != http.MethodGet && method != http.MethodHead {
		verb = "manage"
	}
	switch family {
	case "users":
		if strings.HasSuffix(rest, "/roles") {
			return "okta.roles.read"
		}
		return "okta.users." + verb
	case "apps":
		return "okta.apps." + verb
	case "groups":
		return "okta.groups." + verb
	case "logs":
		return "okta.logs.read"
	case "zones":
		return "okta.networkZones." + verb
	case "domains":
		return "okta.domains." + verb
	case "policies":
		return "okta.policies." + verb
	}
	return "okta." + family + "." + verb
}

// oauthAllowed checks an OAuth access token on an /api/v1 request,
// answering the refusal itself; true lets the request through.
func (l *Lab) oauthAllowed(w http.ResponseWriter, r *http.Request, scheme, tok string) bool {
	o := l.oktaOAuth
	now := l.now()
	var t oktaAccessToken
	var ok bool
	if o != nil {
		o.mu.Lock()
		t, ok = o.tokens[tok]
		o.mu.Unlock()
	}
	challenge := func(status int, scope, code, desc string) {
		prefix := "Bearer "
		if scheme == "DPoP" {
			prefix = `DPoP algs="RS256 RS384 RS512 ES256 ES384 ES512", `
		}
		host := strings.TrimPrefix(l.OktaURL, "https://")
		w.Header().Set("WWW-Authenticate", fmt.Sprintf(`%sauthorization_uri="http://%s/oauth2/v1/authorize", realm="http://%s", scope="%s", error="%s", error_description="%s", resource="%s"`,
			prefix, host, host, scope, code, desc, r.URL.Path))
		w.WriteHeader(status)
	}
	scope := oktaScope(r.Method, r.URL.Path)
	switch {
	case !ok || !now.Before(t.expires):
		challenge(http.StatusUnauthorized, scope, "invalid_token", "The access token is invalid.")
		return false
	case (t.jkt != "") != (scheme == "DPoP"):
		challenge(http.StatusUnauthorized, scope, "invalid_token", "The access token is invalid.")
		return false
	}
	if t.jkt != "" {
		l.seen(r.Header.Get("DPoP"))
		thumb, _, msg := o.checkProof(r.Header.Get("DPoP"), r.Method, "https://"+r.Host+r.URL.EscapedPath(), tok, now)
		if r.Header.Get("DPoP") == "" {
			msg = "The DPoP proof JWT header is missing."
		}
		if msg == "" && thumb != t.jkt {
			msg = "The DPoP proof JWT key does not match the access token's binding."
		}
		if msg != "" {
			challenge(http.StatusUnauthorized, scope, "invalid_dpop_proof", msg)
			return false
		}
	}
	if !slices.Contains(t.scopes, scope) && !(strings.HasSuffix(scope, ".read") && slices.Contains(t.scopes, strings.TrimSuffix(scope, ".read")+".manage")) {
		challenge(http.StatusForbidden, scope, "insufficient_scope", "The access token provided does not contain the required scopes.")
		return false
	}
	return true
}

// The administrator whose API token the lab hands out. ASSUMED: no
// scenario names Okta's admins; this one is the lab's own, outside the
// org's users (so no listing shows it).
const labAdminID = "00uadm1n0365d0ct0r01"

func (l *Lab) labAdmin(r *http.Request) map[string]any {
	login := "o365doctor-admin@" + l.Scenario.Tenant.InitialDomain
	return map[string]any{"id": labAdminID, "status": "ACTIVE", "created": "2024-01-02T03:04:05.000Z", "type": map[string]string{"id": "oty1"},
		"profile": map[string]any{"login": login, "email": login, "firstName": "o365doctor", "lastName": "Admin"},
		"_links":  map[string]any{"self": map[string]string{"href": l.base(r) + "/api/v1/users/" + labAdminID}}}
}

// oktaMe is GET /api/v1/users/me: the admin the API token belongs to
// (Okta's management API reference, getUser). A service app's token has
// no user: ASSUMED 404, no capture of Okta's answer was found.
func (l *Lab) oktaMe(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.Header.Get("Authorization"), "SSWS ") {
		writeJSON(w, http.StatusOK, l.labAdmin(r))
		return
	}
	oktaNotFound(w, "me", "User")
}

// oktaListRoles is GET /api/v1/users/{id}/roles (listAssignedRolesForUser):
// the lab's admin holds Options.OktaAdminRole (SUPER_ADMIN by default).
func (l *Lab) oktaListRoles(w http.ResponseWriter, r *http.Request) {
	if r.PathValue("id") != labAdminID && r.PathValue("id") != "me" {
		if u := l.userRef(w, r); u != nil {
			writeJSON(w, http.StatusOK, []any{})
		}
		return
	}
	labels := map[string]string{"SUPER_ADMIN": "Super Administrator", "ORG_ADMIN": "Organization Administrator",
		"READ_ONLY_ADMIN": "Read-only Administrator", "APP_ADMIN": "Application Administrator", "HELP_DESK_ADMIN": "Help Desk Administrator"}
	role := l.adminRole
	writeJSON(w, http.StatusOK, []any{map[string]any{"id": "ra1" + randomToken(17), "label": labels[role], "type": role, "status": "ACTIVE",
		"created": "2024-01-02T03:04:05.000Z", "lastUpdated": "2024-01-02T03:04:05.000Z", "assignmentType": "USER",
		"_links": map[string]any{"assignee": map[string]string{"href": l.base(r) + "/api/v1/users/" + labAdminID}}}})
}
