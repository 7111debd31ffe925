package okta

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/o365doctor/o365doctor/internal/config"
	"github.com/o365doctor/o365doctor/internal/jws"
	"github.com/o365doctor/o365doctor/internal/tokencache"
)

// An Okta OAuth 2.0 service app signs in with private-key JWT client
// authentication (RFC 7523) at the org authorization server's token
// endpoint, {org}/oauth2/v1/token, for the scopes the selected checks and
// fixes declare. okta-sdk-golang v2 has no DPoP (RFC 9449), which Okta
// turns on for new service apps by default since 2024, so the whole token
// flow is here: the SDK sends each request with a placeholder Bearer
// credential and oauthTransport, under it, puts the real one in
// (Authorization: Bearer|DPoP …, and a DPoP proof per request).
//
// Whether the app requires DPoP is learnt from the token endpoint: a
// request without a proof is refused "invalid_dpop_proof", and the first
// proof is answered "use_dpop_nonce" with a DPoP-Nonce header, which the
// retry carries (developer.okta.com, "Configure OAuth 2.0 Demonstrating
// Proof-of-Possession").

// placeholderToken is what the SDK is configured with: never sent, the
// transport replaces the Authorization header of every request.
const placeholderToken = "o365doctor-oauth-placeholder"

// tokenSource gets and caches the service app's access token.
type tokenSource struct {
	orgURL   string
	clientID string
	keyID    string
	key      jws.Key
	scopes   []string
	http     *http.Client // the guarded transport, no auth of its own
	now      func() time.Time
	// fixedScopes: the settings named the scopes (OKTA_CLIENT_SCOPES).
	fixedScopes bool
	// store keeps Bearer tokens between runs (--token-cache); a DPoP
	// token is bound to this run's proof key and is never kept.
	store *tokencache.Store

	mu     sync.Mutex
	tokens [2]cachedToken    // read, write
	dpop   *ecdsa.PrivateKey // the proof key, made when the app needs DPoP
	nonce  string            // the token endpoint's DPoP nonce
	resNon string            // the resource server's, if it asks for one
}

// cachedToken is one access token: the read one (the checks' scopes) or the
// write one (those and the fixes' manage scopes), asked for at the first
// change, so a diagnosis holds no write scope.
type cachedToken struct {
	token   string
	typ     string // "Bearer" or "DPoP"
	expires time.Time
	renew   time.Time // when to ask for the next one
	granted []string
	// refused is the token endpoint's refusal, kept for a while: every
	// call of the run would meet it again.
	refused   error
	refusedAt time.Time
}

// refusalKept is how long a refused token request is not repeated.
const refusalKept = 30 * time.Second

// WriteScopes are the manage scopes of o365doctor's fixes.
var WriteScopes = []string{"okta.users.manage", "okta.apps.manage", "okta.groups.manage"}

func (ts *tokenSource) scopesFor(write bool) []string {
	if !write {
		return ts.scopes
	}
	out := append([]string(nil), ts.scopes...)
	for _, w := range WriteScopes {
		if !slices.Contains(out, w) {
			out = append(out, w)
		}
	}
	return out
}

// TokenInfo is what an access token grants, for `auth status`.
type TokenInfo struct {
	Type    string    // Bearer or DPoP
	Expires time.Time // when it stops working
	Scopes  []string  // granted (the token endpoint's "scope")
}

func (ts *tokenSource) endpoint() string { return ts.orgURL + "/oauth2/v1/token" }

// current returns a token valid for at least a minute more, fetching one
// if needed; write asks for the one with the fixes' scopes.
func (ts *tokenSource) current(ctx context.Context, write bool) (tok, typ string, err error) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	c := &ts.tokens[index(write)]
	now := ts.now()
	if c.refused != nil && now.Sub(c.refusedAt) < refusalKept {
		return "", "", c.refused
	}
	if c.token == "" && ts.store != nil {
		if v, exp, ok := ts.store.Get(ts.cacheID(ts.scopesFor(write)), now, time.Minute); ok {
			if scopes, tok, found := strings.Cut(v, "\n"); found && tok != "" {
				config.RegisterSecret(tok)
				*c = cachedToken{token: tok, typ: "Bearer", expires: exp, renew: exp.Add(-time.Minute), granted: strings.Fields(scopes)}
			}
		}
	}
	if c.token == "" || !now.Before(c.renew) {
		if err := ts.fetch(ctx, c, ts.scopesFor(write)); err != nil {
			if re := (*RefusedError)(nil); errors.As(err, &re) {
				c.refused, c.refusedAt = err, now
			}
			return "", "", err
		}
		c.refused = nil
	}
	return c.token, c.typ, nil
}

func index(write bool) int {
	if write {
		return 1
	}
	return 0
}

// info is the read token's grant.
func (ts *tokenSource) info(ctx context.Context) (TokenInfo, error) {
	if _, _, err := ts.current(ctx, false); err != nil {
		return TokenInfo{}, err
	}
	ts.mu.Lock()
	defer ts.mu.Unlock()
	c := ts.tokens[0]
	return TokenInfo{Type: c.typ, Expires: c.expires, Scopes: append([]string(nil), c.granted...)}, nil
}

// drop forgets a token (the resource server refused it).
func (ts *tokenSource) drop(tok string) {
	ts.mu.Lock()
	for i := range ts.tokens {
		if ts.tokens[i].token == tok {
			ts.tokens[i] = cachedToken{}
		}
	}
	ts.mu.Unlock()
}

// tokenError is the token endpoint's OAuth error.
type tokenError struct {
	Code        string `json:"error"`
	Description string `json:"error_description"`
	status      int
	nonce       string
}

func (e *tokenError) Error() string {
	return strings.TrimSpace(e.Code + ": " + e.Description)
}

// fetch asks the token endpoint, learning DPoP and its nonce on the way:
// at most three requests (none, proof, proof with nonce). Called with mu.
func (ts *tokenSource) fetch(ctx context.Context, c *cachedToken, scopes []string) error {
	for attempt := 0; ; attempt++ {
		err := ts.ask(ctx, c, scopes)
		var te *tokenError
		if err == nil || !errors.As(err, &te) || attempt >= 3 {
			return ts.explain(err)
		}
		switch {
		case te.Code == "invalid_dpop_proof" && ts.dpop == nil:
			// The app requires DPoP: make the proof key, ask again.
			k, kerr := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
			if kerr != nil {
				return kerr
			}
			ts.dpop = k
		case te.Code == "use_dpop_nonce" && te.nonce != "" && te.nonce != ts.nonce:
			ts.nonce = te.nonce
		case te.Code == "invalid_scope" && len(refusedScopes(te.Description, scopes)) > 0 && len(refusedScopes(te.Description, scopes)) < len(scopes):
			// Ask for the rest: the checks that need a refused scope
			// are skipped, saying which (auth status lists them).
			refused := refusedScopes(te.Description, scopes)
			scopes = slices.DeleteFunc(slices.Clone(scopes), func(s string) bool { return slices.Contains(refused, s) })
			attempt--
		default:
			return ts.explain(err)
		}
	}
}

// explain turns a token endpoint failure into one line that says what to
// do; it never quotes the assertion or the key.
func (ts *tokenSource) explain(err error) error {
	if err == nil {
		return nil
	}
	var te *tokenError
	if !errors.As(err, &te) {
		return fmt.Errorf("okta: service app %s could not get a token at %s: %w", ts.clientID, ts.endpoint(), err)
	}
	hint := ""
	switch te.Code {
	case "invalid_client":
		hint = "; check --okta-client-id, that --okta-private-key is the key whose public half the service app holds, and --okta-key-id"
	case "invalid_scope":
		hint = "; grant those scopes to the service app (Okta API Scopes tab), or run fewer checks (--only/--skip)"
	case "invalid_dpop_proof", "use_dpop_nonce":
		hint = "; the service app's DPoP setting and o365doctor disagree"
	}
	return &RefusedError{Code: te.Code, msg: fmt.Sprintf("okta: service app %s was refused a token: %s%s", ts.clientID, oneLine(config.Mask(te.Error())), hint)}
}

// RefusedError is the token endpoint refusing the service app: its OAuth
// error code (invalid_client: the key, key ID or client ID is not what
// Okta holds) and a line saying what to check.
type RefusedError struct {
	Code string
	msg  string
}

func (e *RefusedError) Error() string { return e.msg }

// ask makes one token request.
func (ts *tokenSource) ask(ctx context.Context, c *cachedToken, scopes []string) error {
	now := ts.now()
	assertion, err := jws.Sign(ts.key, ts.kidHeader(), map[string]any{
		"iss": ts.clientID, "sub": ts.clientID, "aud": ts.endpoint(),
		"iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(), "jti": randomID(),
	})
	if err != nil {
		return fmt.Errorf("signing the client assertion: %w", err)
	}
	form := url.Values{
		"grant_type":            {"client_credentials"},
		"scope":                 {strings.Join(scopes, " ")},
		"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
		"client_assertion":      {assertion},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ts.endpoint(), strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	if ts.dpop != nil {
		proof, err := dpopProof(ts.dpop, http.MethodPost, ts.endpoint(), ts.nonce, "", now)
		if err != nil {
			return err
		}
		req.Header.Set("DPoP", proof)
	}
	resp, err := ts.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		te := &tokenError{status: resp.StatusCode, nonce: resp.Header.Get("DPoP-Nonce")}
		if json.Unmarshal(body, te) != nil || te.Code == "" {
			return fmt.Errorf("HTTP %d, not an OAuth error", resp.StatusCode)
		}
		return te
	}
	var ok struct {
		TokenType   string `json:"token_type"`
		ExpiresIn   int64  `json:"expires_in"`
		AccessToken string `json:"access_token"`
		Scope       string `json:"scope"`
	}
	if err := json.Unmarshal(body, &ok); err != nil || ok.AccessToken == "" || ok.ExpiresIn <= 0 {
		return errors.New("the token endpoint's answer is not a token (access_token, expires_in)")
	}
	var typ string
	switch {
	case strings.EqualFold(ok.TokenType, "DPoP") && ts.dpop != nil:
		typ = "DPoP"
	case strings.EqualFold(ok.TokenType, "Bearer"):
		typ = "Bearer"
	default:
		return fmt.Errorf("the token endpoint answered a token of type %q", ok.TokenType)
	}
	config.RegisterSecret(ok.AccessToken)
	// Okta's tokens live an hour; an answer outside a minute to a day is
	// held to it, and the next token is asked for a minute early, or at
	// half the life of a short one.
	life := time.Duration(min(max(ok.ExpiresIn, 60), 86400)) * time.Second
	*c = cachedToken{token: ok.AccessToken, typ: typ, expires: now.Add(life), renew: now.Add(life - min(time.Minute, life/2)), granted: strings.Fields(ok.Scope)}
	if ts.store != nil && typ == "Bearer" {
		_ = ts.store.Put(ts.cacheID(scopes), ok.Scope+"\n"+ok.AccessToken, c.expires, now) // unwritable: only slower
	}
	return nil
}

// cacheID names a token in the cache: the org, the app, its key and the
// scopes asked for.
func (ts *tokenSource) cacheID(scopes []string) string {
	return "okta|" + ts.orgURL + "|" + ts.clientID + "|" + ts.keyID + "|" + strings.Join(scopes, " ")
}

func (ts *tokenSource) kidHeader() map[string]any {
	if ts.keyID == "" {
		return nil
	}
	return map[string]any{"kid": ts.keyID}
}

// dpopProof is an RFC 9449 proof for one request: htu is the URL without
// query and fragment; ath binds it to the access token, when one is sent.
func dpopProof(key *ecdsa.PrivateKey, method, rawURL, nonce, accessToken string, now time.Time) (string, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", err
	}
	u.RawQuery, u.Fragment = "", ""
	jwk, err := jws.PublicJWK(key.Public(), "")
	if err != nil {
		return "", err
	}
	claims := map[string]any{"htm": method, "htu": u.String(), "iat": now.Unix(), "jti": randomID()}
	if nonce != "" {
		claims["nonce"] = nonce
	}
	if accessToken != "" {
		sum := sha256.Sum256([]byte(accessToken))
		claims["ath"] = base64.RawURLEncoding.EncodeToString(sum[:])
	}
	return jws.Sign(key, map[string]any{"typ": "dpop+jwt", "jwk": jwk}, claims)
}

func randomID() string {
	b := make([]byte, 18)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// oauthTransport puts the service app's token (and, for DPoP, a proof) on
// every request the SDK sends, in place of the placeholder.
type oauthTransport struct {
	next http.RoundTripper
	ts   *tokenSource
}

func (t oauthTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, tok, err := t.send(req)
	if err != nil {
		return nil, err
	}
	retry := false
	if resp.StatusCode == http.StatusUnauthorized {
		challenge := resp.Header.Get("WWW-Authenticate")
		switch {
		case strings.Contains(challenge, "use_dpop_nonce") && resp.Header.Get("DPoP-Nonce") != "":
			t.ts.mu.Lock()
			t.ts.resNon = resp.Header.Get("DPoP-Nonce")
			t.ts.mu.Unlock()
			retry = true
		case strings.Contains(challenge, "invalid_token"):
			// Expired or revoked early: one new token.
			t.ts.drop(tok)
			retry = true
		}
	}
	if !retry || (req.Body != nil && req.GetBody == nil) {
		return resp, nil
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	resp.Body.Close()
	r2 := req.Clone(req.Context())
	if req.GetBody != nil {
		if r2.Body, err = req.GetBody(); err != nil {
			return nil, err
		}
	}
	resp, _, err = t.send(r2)
	return resp, err
}

func (t oauthTransport) send(req *http.Request) (*http.Response, string, error) {
	write := req.Method != http.MethodGet && req.Method != http.MethodHead
	tok, typ, err := t.ts.current(req.Context(), write)
	if err != nil {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, "", err
	}
	r := req.Clone(req.Context())
	r.Header.Set("Authorization", typ+" "+tok)
	if typ == "DPoP" {
		t.ts.mu.Lock()
		key, nonce := t.ts.dpop, t.ts.resNon
		t.ts.mu.Unlock()
		proof, err := dpopProof(key, r.Method, r.URL.String(), nonce, tok, t.ts.now())
		if err != nil {
			return nil, "", err
		}
		r.Header.Set("DPoP", proof)
	}
	resp, err := t.next.RoundTrip(r)
	return resp, tok, err
}

// scopesOrDefault are the scopes to ask for: the settings', else every
// read scope o365doctor's checks use.
func scopesOrDefault(s []string) []string {
	if len(s) > 0 {
		return s
	}
	return append([]string(nil), ReadScopes...)
}

// ReadScopes are the Okta read scopes of o365doctor's checks.
var ReadScopes = []string{"okta.apps.read", "okta.users.read", "okta.groups.read", "okta.logs.read",
	"okta.policies.read", "okta.domains.read", "okta.networkZones.read"}

// refusedScopes are the asked scopes Okta's invalid_scope names as not
// allowed. ASSUMED wording ("The following scopes are not allowed: a b."):
// no capture of Okta's description was found; a description that names
// none of them refuses the token as a whole.
func refusedScopes(desc string, asked []string) []string {
	_, list, ok := strings.Cut(desc, "not allowed")
	if !ok {
		return nil
	}
	var out []string
	for _, w := range strings.FieldsFunc(list, func(r rune) bool { return strings.ContainsRune(" :,[]'\"", r) }) {
		if w = strings.TrimRight(w, "."); slices.Contains(asked, w) && !slices.Contains(out, w) {
			out = append(out, w)
		}
	}
	return out
}

// SetScopes sets the scopes a service app asks for (the selected checks'),
// unless the settings named them; before the first request.
func (c *Client) SetScopes(scopes []string) {
	if c.oauth == nil || c.oauth.fixedScopes || len(scopes) == 0 {
		return
	}
	c.oauth.mu.Lock()
	c.oauth.scopes = slices.Clone(scopes)
	c.oauth.mu.Unlock()
}
