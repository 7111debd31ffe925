package lab

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/o365doctor/o365doctor/internal/config"
	"github.com/o365doctor/o365doctor/internal/jws"
)

// The Microsoft sign-ins beside the client secret, as the v2.0 endpoints
// answer them:
//   - client certificate: a client assertion MSAL signs PS256 with the
//     certificate's SHA-256 thumbprint in x5t#S256 (standard base64),
//     aud = the token endpoint, iss = sub = the client ID, nbf/exp
//     (MSAL Go apps/internal/oauth/ops/accesstokens); refusals are
//     AADSTS700027 (keycloak issue 19425, azure-sdk-for-net issue 29007);
//   - device code: POST /{tenant}/oauth2/v2.0/devicecode, then the token
//     endpoint answers 400 authorization_pending (AADSTS70016) until the
//     code is approved (`lab approve CODE`, or AutoApprove);
//   - the Azure CLI: a stand-in `az` that prints what
//     `az account get-access-token -o json` prints.
// Delegated tokens carry scp (the admin's consented scopes), app tokens
// roles; Graph checks them per route (graphReadPermissions).

// GraphAuthOptions turn on the other Graph sign-ins.
type GraphAuthOptions struct {
	// Certificate registers a certificate on the app (Lab.GraphCertificatePEM).
	Certificate bool
	// AutoApprove approves each device code after its first poll.
	AutoApprove bool
	// DelegatedScopes are the scopes an admin's sign-in (device code,
	// Azure CLI) carries; nil: the app's roles' names.
	DelegatedScopes []string
}

type graphAuth struct {
	opts    GraphAuthOptions
	certPEM []byte // certificate and key, PEM
	thumb   string // x5t#S256 of the certificate
	pub     *rsa.PublicKey
	mu      sync.Mutex
	codes   map[string]*deviceCode // device_code → its state
	jtis    map[string]time.Time
}

type deviceCode struct {
	user     string
	expires  time.Time
	approved bool
	polled   bool
	scope    string
	clientID string
}

func newGraphAuth(opts GraphAuthOptions, now time.Time) (*graphAuth, error) {
	g := &graphAuth{opts: opts, codes: map[string]*deviceCode{}, jtis: map[string]time.Time{}}
	if opts.Certificate {
		key, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return nil, err
		}
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(now.UnixNano()), Subject: pkix.Name{CommonName: "o365doctor lab app"},
			NotBefore: now.Add(-time.Hour), NotAfter: now.Add(365 * 24 * time.Hour)}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
		if err != nil {
			return nil, err
		}
		kder, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(der)
		g.thumb = base64.StdEncoding.EncodeToString(sum[:])
		g.pub = &key.PublicKey
		g.certPEM = append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder})...)
	}
	return g, nil
}

// GraphCertificatePEM is the app's certificate and key (PEM), when the lab
// registered one.
func (l *Lab) GraphCertificatePEM() []byte {
	if l.graphAuthN == nil {
		return nil
	}
	return l.graphAuthN.certPEM
}

// AdminUPN is the admin a delegated sign-in (device code, Azure CLI) signs
// in as. ASSUMED: the lab's own name; no scenario names its admins.
func (l *Lab) AdminUPN() string {
	return "o365doctor-admin@" + l.Scenario.Tenant.InitialDomain
}

// delegatedScopes are what an admin's token carries.
func (l *Lab) delegatedScopes() []string {
	if l.graphAuthN != nil && l.graphAuthN.opts.DelegatedScopes != nil {
		return l.graphAuthN.opts.DelegatedScopes
	}
	if d := l.state.scenario.Tenant.DelegatedScopes; d != nil {
		return d
	}
	return l.appRoles()
}

// clientAssertion checks a certificate assertion; "" = valid, else the
// AADSTS description.
func (l *Lab) clientAssertion(assertion, aud, clientID string, now time.Time) string {
	g := l.graphAuthN
	p, err := jws.Parse(assertion)
	if err != nil {
		return "AADSTS50027: JWT token is invalid or malformed."
	}
	thumb, _ := p.Header["x5t#S256"].(string)
	if g == nil || g.pub == nil || thumb != g.thumb {
		return fmt.Sprintf("AADSTS700027: The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '%s'.]", clientID)
	}
	if p.Verify(g.pub) != nil {
		return "AADSTS700027: Client assertion contains an invalid signature. [Reason - Key was found, but use of the key to verify the signature failed.]"
	}
	if p.String("iss") != clientID || p.String("sub") != clientID {
		return "AADSTS700023: Client assertion audience claim does not match Realm issuer." // ASSUMED wording
	}
	if p.String("aud") != aud {
		return "AADSTS700016: Client assertion audience claim does not match the token endpoint." // ASSUMED wording
	}
	exp, ok1 := p.Number("exp")
	nbf, ok2 := p.Number("nbf")
	if !ok1 || time.Unix(exp, 0).Before(now) || (ok2 && time.Unix(nbf, 0).After(now.Add(5*time.Minute))) {
		return "AADSTS700024: Client assertion is not within its valid time range." // ASSUMED wording
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	jti := p.String("jti")
	if _, seen := g.jtis[jti]; seen && jti != "" {
		return "AADSTS700025: Client assertion has already been used." // ASSUMED wording
	}
	g.jtis[jti] = time.Unix(exp, 0)
	return ""
}

// deviceCodeStart is POST /{tenant}/oauth2/v2.0/devicecode.
func (l *Lab) deviceCodeStart(w http.ResponseWriter, r *http.Request) {
	if !l.knownTenant(r.PathValue("tenant")) {
		l.loginError(w, http.StatusBadRequest, "invalid_tenant", "90002", fmt.Sprintf("Tenant '%s' not found.", r.PathValue("tenant")))
		return
	}
	if err := r.ParseForm(); err != nil || r.PostForm.Get("client_id") == "" {
		l.loginError(w, http.StatusBadRequest, "invalid_request", "900144", "The request body must contain the following parameter: 'client_id'.")
		return
	}
	client := r.PostForm.Get("client_id")
	if client != config.GraphCLIClientID && client != l.ClientID {
		l.loginError(w, http.StatusBadRequest, "unauthorized_client", "700016", fmt.Sprintf("Application with identifier '%s' was not found in the directory '%s'.", client, l.Scenario.Tenant.DisplayName))
		return
	}
	g := l.graphAuthN
	user := strings.ToUpper(randomToken(12))
	user = strings.Map(func(c rune) rune {
		if c >= 'A' && c <= 'Z' {
			return c
		}
		return 'K'
	}, user)[:9]
	dc := "DAQABAAEAAAD--" + randomToken(60)
	l.seen(dc)
	g.mu.Lock()
	g.codes[dc] = &deviceCode{user: user, expires: l.now().Add(15 * time.Minute), scope: r.PostForm.Get("scope"), clientID: client}
	g.mu.Unlock()
	const uri = "https://microsoft.com/devicelogin"
	writeJSON(w, http.StatusOK, map[string]any{
		"user_code": user, "device_code": dc, "verification_uri": uri, "expires_in": 900, "interval": 5,
		"message": fmt.Sprintf("To sign in, use a web browser to open the page %s and enter the code %s to authenticate.", uri, user),
	})
}

// Approve approves a pending device code, as the admin entering it at
// microsoft.com/devicelogin would; false if no pending code has it.
func (l *Lab) Approve(userCode string) bool {
	g := l.graphAuthN
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, c := range g.codes {
		if strings.EqualFold(c.user, strings.TrimSpace(userCode)) && l.now().Before(c.expires) {
			c.approved = true
			return true
		}
	}
	return false
}

// deviceCodeToken is the device-code grant at the token endpoint.
func (l *Lab) deviceCodeToken(w http.ResponseWriter, r *http.Request) {
	g := l.graphAuthN
	g.mu.Lock()
	c := g.codes[r.PostForm.Get("device_code")]
	var pending, expired bool
	if c != nil {
		expired = !l.now().Before(c.expires)
		if !c.approved && c.polled && g.opts.AutoApprove {
			c.approved = true
		}
		c.polled = true
		pending = !c.approved
		if c.approved || expired {
			delete(g.codes, r.PostForm.Get("device_code"))
		}
	}
	g.mu.Unlock()
	switch {
	case c == nil:
		l.loginError(w, http.StatusBadRequest, "invalid_grant", "70000", "The provided value for the input parameter 'device_code' is not valid.")
	case expired:
		l.loginError(w, http.StatusBadRequest, "expired_token", "70020", "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.")
	case pending:
		l.loginError(w, http.StatusBadRequest, "authorization_pending", "70016", "The provided request has not yet been authorized by the user. The user must input their code.")
	default:
		tok, life := l.issueDelegated(c.clientID, time.Hour)
		oid := guid("admin:" + l.AdminUPN())
		idTok := unsignedJWT(map[string]any{"aud": c.clientID, "iss": l.loginBase(r) + "/" + l.state.tenantID + "/v2.0", "iat": l.now().Unix(),
			"nbf": l.now().Unix(), "exp": l.now().Add(life).Unix(), "name": "o365doctor lab admin", "oid": oid,
			"preferred_username": l.AdminUPN(), "sub": randomToken(20), "tid": l.state.tenantID, "ver": "2.0"})
		info, _ := json.Marshal(map[string]string{"uid": oid, "utid": l.state.tenantID})
		secs := int(life.Seconds()) - 1
		w.Header().Set("Cache-Control", "no-store, no-cache")
		writeJSON(w, http.StatusOK, map[string]any{
			// The scopes asked for (MSAL refuses a token whose scope
			// lacks one as "declined") and the consented ones they
			// stand for. ASSUMED: the exact list Entra returns for a
			// .default request is not in a public capture.
			"token_type": "Bearer", "scope": strings.TrimSpace(c.scope + " https://graph.microsoft.com/" + strings.Join(l.delegatedScopes(), " https://graph.microsoft.com/")),
			"expires_in": secs, "ext_expires_in": secs, "access_token": tok, "id_token": idTok,
			"client_info": base64.RawURLEncoding.EncodeToString(info),
		})
	}
}

func unsignedJWT(claims map[string]any) string {
	payload, _ := json.Marshal(claims)
	return "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9." + base64.RawURLEncoding.EncodeToString(payload) + "." + randomToken(43)
}

// issueDelegated makes an admin's access token: scp, upn, idtyp user.
func (l *Lab) issueDelegated(clientID string, life time.Duration) (string, time.Duration) {
	scp := l.delegatedScopes()
	tok := unsignedJWT(map[string]any{"aud": "https://graph.microsoft.com", "iss": "https://sts.windows.net/" + l.state.tenantID + "/",
		"tid": l.state.tenantID, "appid": clientID, "idtyp": "user", "scp": strings.Join(scp, " "), "upn": l.AdminUPN(),
		"name": "o365doctor lab admin", "oid": guid("admin:" + l.AdminUPN()), "exp": l.now().Add(life).Unix(), "uti": randomToken(22)})
	l.tokensMu.Lock()
	l.tokens[tok] = graphGrant{expires: l.now().Add(life), perms: scp}
	l.tokensMu.Unlock()
	l.seen(tok)
	return tok, life
}

// WriteAzureCLI writes a stand-in `az` into dir: it answers
// `az account get-access-token` as the Azure CLI does for the lab's
// signed-in admin (azidentity runs it through /bin/sh and reads
// accessToken and expires_on). It returns dir, for PATH.
func (l *Lab) WriteAzureCLI(dir string) (string, error) {
	const life = 12 * time.Hour
	tok, _ := l.issueDelegated("04b07795-8ddb-461a-bbee-02f9e1bf7b46", life) // the Azure CLI's client ID
	exp := l.now().Add(life)
	out, _ := json.Marshal(map[string]any{"accessToken": tok, "expiresOn": exp.Local().Format("2006-01-02 15:04:05.000000"),
		"expires_on": exp.Unix(), "subscription": guid("sub:" + l.TenantID), "tenant": l.TenantID, "tokenType": "Bearer"})
	script := "#!/bin/sh\n# o365doctor lab: a stand-in for the Azure CLI, signed in as " + l.AdminUPN() + "\n" +
		"case \"$*\" in\n*\"account get-access-token\"*)\n  cat <<'JSON'\n" + string(out) + "\nJSON\n  ;;\n" +
		"*)\n  echo \"ERROR: the o365doctor lab's az only answers 'az account get-access-token'\" >&2\n  exit 2\n  ;;\nesac\n"
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(dir, "az"), []byte(script), 0o700); err != nil {
		return "", err
	}
	return dir, nil
}

// graphGrant is what an access token lets its bearer do.
type graphGrant struct {
	expires time.Time
	perms   []string // roles (app) or scp (delegated)
}

type grantKey struct{}

// grantedTo is the request's token's permissions; ok false for a request
// that came in without one (the state file's replay).
func grantedTo(r *http.Request) (perms []string, ok bool) {
	perms, ok = r.Context().Value(grantKey{}).([]string)
	return perms, ok
}

func withGrant(r *http.Request, perms []string) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), grantKey{}, perms))
}

// hasAny: the request's token holds one of the permissions.
func (l *Lab) hasAny(r *http.Request, perms ...string) bool {
	granted, ok := grantedTo(r)
	if !ok {
		return true // replayed from the state file: allowed when it was made
	}
	return slices.ContainsFunc(perms, func(p string) bool { return slices.Contains(granted, p) })
}

// graphReadPermissions are the permissions of which a GET needs one, from
// each operation's "Permissions" table on learn.microsoft.com (the
// least-privileged first). nil: no read permission modelled.
func graphReadPermissions(path string) []string {
	p := strings.TrimPrefix(path, "/v1.0/")
	switch {
	case strings.HasPrefix(p, "auditLogs/"):
		return []string{"AuditLog.Read.All"}
	case strings.HasPrefix(p, "users"):
		return []string{"User.Read.All", "User.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"}
	case strings.HasPrefix(p, "domains"):
		return []string{"Domain.Read.All", "Domain.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"}
	case strings.HasPrefix(p, "organization"), strings.HasPrefix(p, "subscribedSkus"):
		return []string{"Organization.Read.All", "Organization.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"}
	case strings.HasPrefix(p, "groups"):
		return []string{"GroupMember.Read.All", "Group.Read.All", "Directory.Read.All", "Group.ReadWrite.All", "Directory.ReadWrite.All"}
	case strings.HasPrefix(p, "directoryRoles"):
		return []string{"RoleManagement.Read.Directory", "Directory.Read.All", "RoleManagement.ReadWrite.Directory", "Directory.ReadWrite.All"}
	case strings.HasPrefix(p, "identity/conditionalAccess"):
		return []string{"Policy.Read.All", "Policy.ReadWrite.ConditionalAccess"}
	case strings.HasPrefix(p, "policies/authenticationMethodsPolicy"):
		return []string{"Policy.Read.AuthenticationMethod", "Policy.ReadWrite.AuthenticationMethod"}
	case strings.HasPrefix(p, "policies/"):
		return []string{"Policy.Read.All", "Directory.Read.All", "Policy.ReadWrite.FeatureRollout"}
	}
	return nil
}

// newProofKey is an ES256 key, for tests that sign DPoP proofs.
func newProofKey() (*ecdsa.PrivateKey, error) { return ecdsa.GenerateKey(elliptic.P256(), rand.Reader) }

func graphAuthOf(opts Options) GraphAuthOptions {
	if opts.GraphAuth == nil {
		return GraphAuthOptions{}
	}
	return *opts.GraphAuth
}
