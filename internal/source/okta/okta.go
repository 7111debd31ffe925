// Package okta is the narrow adapter over github.com/okta/okta-sdk-golang/v2,
// the only package that imports it. It pins every SDK option so neither
// ~/.okta/okta.yaml nor OKTA_CLIENT_* can steer it, disables the SDK's GET
// cache (it would hide a fix), and converts SDK types into internal/model,
// refusing answers that are not what was asked for.
package okta

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/okta/okta-sdk-golang/v2/okta"
	"github.com/okta/okta-sdk-golang/v2/okta/query"

	"github.com/o365doctor/o365doctor/internal/config"
	"github.com/o365doctor/o365doctor/internal/jws"
	"github.com/o365doctor/o365doctor/internal/model"
	"github.com/o365doctor/o365doctor/internal/tokencache"
)

// Client reads and writes the Okta objects o365doctor needs.
type Client struct {
	sdk    *okta.Client
	orgURL string
	pace   *pacer
	// bulk sends the bulk pages: no SDK or HTTP-client timeout, each
	// request its own deadline of timeout.
	bulk    *okta.Client
	timeout time.Duration
	// oauth is the service app's token source; nil with an API token.
	oauth *tokenSource
}

// New builds a client for s.OktaURL with s.OktaToken.
func New(ctx context.Context, s config.Settings) (*Client, error) {
	if ok, why := s.OktaConfigured(); !ok {
		return nil, errors.New("okta: " + why)
	}
	orgURL := strings.TrimRight(s.OktaURL, "/") // a trailing slash gives //api/v1 and fails
	timeout := int64(s.Timeout / time.Second)
	if timeout < 1 {
		timeout = 1
	}
	token, mode := s.OktaToken.Reveal(), "SSWS"
	var ts *tokenSource
	// auth wraps the bare transport with the service app's credentials,
	// if any: under the guard's retries, so each attempt has its own
	// DPoP proof.
	var auth func(rt http.RoundTripper) http.RoundTripper
	if s.OktaAuth == config.OktaPrivateKey {
		key, kid, err := jws.ParsePrivateKey([]byte(s.OktaPrivateKey.Reveal()))
		if err != nil {
			return nil, fmt.Errorf("okta: the service app's private key (%s): %v", cmp.Or(s.OktaPrivateKeyFrom, "--okta-private-key"), err)
		}
		ts = &tokenSource{orgURL: orgURL, clientID: s.OktaClientID, keyID: cmp.Or(s.OktaKeyID, kid), key: key,
			scopes: scopesOrDefault(s.OktaScopes), fixedScopes: len(s.OktaScopes) > 0, http: s.HTTPClientFor(config.Okta), now: time.Now}
		if s.TokenCache != "" {
			if ts.store, err = tokencache.Open(s.TokenCache); err != nil {
				return nil, fmt.Errorf("okta: %v", err)
			}
		}
		token, mode = placeholderToken, "Bearer"
		auth = func(rt http.RoundTripper) http.RoundTripper { return oauthTransport{next: rt, ts: ts} }
	}
	httpClient := s.HTTPClientWith(config.Okta, auth)
	httpClient.Transport = linkGuard{next: httpClient.Transport}
	options := func(requestTimeout int64) []okta.ConfigSetter {
		return []okta.ConfigSetter{
			okta.WithOrgUrl(orgURL),
			okta.WithToken(token),
			okta.WithAuthorizationMode(mode),
			okta.WithHttpClientPtr(httpClient),
			okta.WithCache(false),
			okta.WithRequestTimeout(requestTimeout),
			okta.WithRateLimitMaxRetries(2),
			okta.WithRateLimitMaxBackOff(timeout),
			okta.WithConnectionTimeout(timeout),
			okta.WithUserAgentExtra("o365doctor"),
		}
	}
	_, sdk, err := okta.NewClient(ctx, options(timeout)...)
	if err != nil {
		return nil, errors.New(oneLine("okta: " + err.Error()))
	}
	// The bulk pages' bodies are read after the SDK returns (capture), so
	// their requests cannot carry the SDK's own timeout, which ends with
	// Do, nor the HTTP client's, which ends with the SDK's empty body: each
	// has a deadline of its own, --timeout, body included.
	bulkHTTP := s.HTTPClientWith(config.Okta, auth)
	bulkHTTP.Timeout = 0 // http.Client ends a request's context at its body's end
	bulkHTTP.Transport = linkGuard{next: bulkHTTP.Transport}
	bulkOptions := append(options(0), okta.WithHttpClientPtr(bulkHTTP))
	_, bulk, err := okta.NewClient(ctx, bulkOptions...)
	if err != nil {
		return nil, errors.New(oneLine("okta: " + err.Error()))
	}
	return &Client{sdk: sdk, bulk: bulk, timeout: time.Duration(timeout) * time.Second, orgURL: orgURL, pace: newPacer(s.OktaRateShare), oauth: ts}, nil
}

// OrgURL is the org this client talks to.
func (c *Client) OrgURL() string { return c.orgURL }

// User returns the Okta user with this ID or login.
func (c *Client) User(ctx context.Context, idOrLogin string) (model.OktaUser, error) {
	o := op{what: "get user " + idOrLogin, noun: "a user", perm: "okta.users.read"}
	u, resp, err := c.sdk.User.GetUser(ctx, url.PathEscape(idOrLogin))
	if err != nil {
		return model.OktaUser{}, o.fail(resp, err)
	}
	if u == nil || u.Id == "" {
		return model.OktaUser{}, o.notA("no id")
	}
	return toUser(u), nil
}

// maxAppPages bounds Office365Apps: 1000 pages of 200 apps is far more
// than any org has, and a server that never stops linking is stopped.
const maxAppPages = 1000

// Office365Apps lists every Microsoft Office 365 app instance in the org,
// active or not, following every page.
func (c *Client) Office365Apps(ctx context.Context) ([]model.OktaApp, error) {
	o := op{what: "list office365 apps", noun: "a list of apps", perm: "okta.apps.read"}
	qp := query.NewQueryParams(query.WithFilter(`name eq "`+model.Office365AppName+`"`), query.WithLimit(200))
	apps, resp, err := c.sdk.Application.ListApplications(ctx, qp)
	var page []okta.Application
	for _, a := range apps {
		page = append(page, *a.(*okta.Application)) // what ListApplications decodes into
	}
	var out []model.OktaApp
	p := newPager()
	for {
		if err != nil {
			return nil, o.fail(resp, err)
		}
		if len(page) == 0 && !isJSONList(resp) {
			return nil, o.notA("not a JSON list")
		}
		for i := range page {
			app, err := toApp(&page[i])
			if err != nil {
				return nil, o.notA(err.Error())
			}
			out = append(out, app)
		}
		// Named apart from err: resp.Next below sets the loop's err.
		next, linkErr := p.next(resp)
		if linkErr != nil {
			return nil, o.errorf("%v", linkErr)
		}
		if next == "" {
			return out, nil
		}
		if p.followed > maxAppPages {
			return nil, o.errorf("more than %d pages; stopping", maxAppPages)
		}
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, o.fail(nil, ctxErr)
		}
		page = nil
		resp, err = resp.Next(ctx, &page)
	}
}

// AppUser returns the user's assignment to the app; model.ErrNotFound when
// the user is not assigned.
func (c *Client) AppUser(ctx context.Context, appID, userID string) (model.AppUser, error) {
	o := op{what: fmt.Sprintf("get app user %s of app %s", userID, appID), noun: "an app user", perm: "okta.apps.read"}
	au, resp, err := c.sdk.Application.GetApplicationUser(ctx, url.PathEscape(appID), url.PathEscape(userID), nil)
	if err != nil {
		return model.AppUser{}, o.fail(resp, err)
	}
	if au == nil || au.Id == "" {
		return model.AppUser{}, o.notA("no id")
	}
	return toAppUser(appID, au), nil
}

// SetAppUserProfile changes the given profile attributes of an app user and
// returns the app user as Okta stored it. Okta merges the posted profile
// into the stored one, so only the changed attributes are sent.
func (c *Client) SetAppUserProfile(ctx context.Context, appID, userID string, changes map[string]any) (model.AppUser, error) {
	o := op{what: fmt.Sprintf("update app user %s of app %s", userID, appID), noun: "an app user", perm: "okta.apps.manage"}
	body := okta.AppUser{Profile: changes}
	au, resp, err := c.sdk.Application.UpdateApplicationUser(ctx, url.PathEscape(appID), url.PathEscape(userID), body)
	if err != nil {
		return model.AppUser{}, o.fail(resp, err)
	}
	if au == nil || au.Id == "" {
		return model.AppUser{}, o.notA("no id")
	}
	return toAppUser(appID, au), nil
}

// The conversions copy every string through model.Clean: an Okta admin
// controls labels, names and profile values, and none of them may steer a
// terminal.

func toUser(u *okta.User) model.OktaUser {
	out := model.OktaUser{ID: model.Clean(u.Id), Status: model.Clean(u.Status)}
	if u.Profile != nil {
		p := *u.Profile
		out.Login = cleanString(p["login"])
		out.Email = cleanString(p["email"])
	}
	out.StatusChanged = timeOf(u.StatusChanged)
	out.LastLogin = timeOf(u.LastLogin)
	out.PasswordChanged = timeOf(u.PasswordChanged)
	out.HasPassword = u.Credentials != nil && u.Credentials.Password != nil
	return out
}

// lifecycleOps are the user lifecycle operations a fix may call (POST
// /api/v1/users/{id}/lifecycle/{op}; okta.users.manage). Deactivation is
// not one: it deprovisions the user from every app.
var lifecycleOps = map[string]string{"activate": "?sendEmail=true", "unlock": "", "unsuspend": "", "suspend": ""}

// UserLifecycle runs a lifecycle operation on the user.
func (c *Client) UserLifecycle(ctx context.Context, userID, operation string) error {
	o := op{what: operation + " user " + userID, noun: "a lifecycle answer", perm: "okta.users.manage"}
	q, ok := lifecycleOps[operation]
	if !ok {
		return o.errorf("%q is not a lifecycle operation o365doctor makes", operation)
	}
	if err := checkID(userID); err != nil {
		return o.errorf("%v; not asked", err)
	}
	rq := c.sdk.CloneRequestExecutor()
	req, err := rq.WithAccept("application/json").WithContentType("application/json").NewRequest("POST", "/api/v1/users/"+userID+"/lifecycle/"+operation+q, nil)
	if err != nil {
		return o.fail(nil, err)
	}
	var answer map[string]any // the activation token when sendEmail is false; never kept
	resp, err := rq.Do(ctx, req, &answer)
	if err != nil {
		return o.fail(resp, err)
	}
	return nil
}

func toApp(a *okta.Application) (model.OktaApp, error) {
	if a.Id == "" {
		return model.OktaApp{}, errors.New("an app without id")
	}
	// The filter asked for office365 apps only: another app here means the
	// server ignored it, and a check would take that app for Office 365.
	if !strings.EqualFold(a.Name, model.Office365AppName) {
		return model.OktaApp{}, fmt.Errorf("app %s is %q, not %s", model.Clean(a.Id), model.Clean(a.Name), model.Office365AppName)
	}
	out := model.OktaApp{
		ID: model.Clean(a.Id), Name: model.Clean(a.Name), Label: model.Clean(a.Label),
		Status: model.Clean(a.Status), SignOnMode: model.Clean(a.SignOnMode),
	}
	if a.Settings != nil && a.Settings.App != nil {
		out.Settings = cleanMap(map[string]any(*a.Settings.App))
	}
	if a.Credentials != nil && a.Credentials.UserNameTemplate != nil {
		out.UserNameTemplate = model.Clean(a.Credentials.UserNameTemplate.Template)
	}
	if a.Credentials != nil && a.Credentials.Signing != nil {
		out.SigningKid = model.Clean(a.Credentials.Signing.Kid)
	}
	for _, f := range a.Features {
		out.Features = append(out.Features, model.Clean(f))
	}
	if links, ok := a.Links.(map[string]any); ok {
		if ap, ok := links["accessPolicy"].(map[string]any); ok {
			out.AccessPolicyHref = cleanString(ap["href"])
		}
	}
	return out, nil
}

func toAppUser(appID string, au *okta.AppUser) model.AppUser {
	out := model.AppUser{
		AppID: appID, UserID: model.Clean(au.Id), Scope: model.Clean(au.Scope),
		Status: model.Clean(au.Status), SyncState: model.Clean(au.SyncState),
	}
	if au.Credentials != nil {
		out.UserName = model.Clean(au.Credentials.UserName)
	}
	if p, ok := au.Profile.(map[string]interface{}); ok {
		out.Profile = cleanMap(p)
	}
	if e, ok := au.Embedded.(map[string]interface{}); ok {
		if u, ok := e["user"].(map[string]interface{}); ok {
			out.UserStatus = cleanString(u["status"])
		}
	}
	return out
}

func cleanString(v any) string {
	s, _ := v.(string)
	return model.Clean(s)
}

// cleanMap copies a decoded JSON object with every string in it (keys,
// values, nested objects and lists) cleaned.
func cleanMap(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[model.Clean(k)] = cleanValue(v)
	}
	return out
}

// isCleanValue reports whether cleanValue would change nothing in v.
func isCleanValue(v any) bool {
	switch v := v.(type) {
	case string:
		return model.Clean(v) == v
	case map[string]any:
		for k, x := range v {
			if model.Clean(k) != k || !isCleanValue(x) {
				return false
			}
		}
	case []any:
		for _, x := range v {
			if !isCleanValue(x) {
				return false
			}
		}
	}
	return true
}

func cleanValue(v any) any {
	switch v := v.(type) {
	case string:
		return model.Clean(v)
	case map[string]any:
		return cleanMap(v)
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = cleanValue(x)
		}
		return out
	}
	return v
}

func timeOf(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}

// isJSONList reports whether an answer the SDK decoded into an empty list
// was one: the SDK decodes an empty or `null` body into no items and no
// error, which would read as "no apps". It leaves the body it read in
// resp.Body.
func isJSONList(resp *okta.Response) bool {
	if resp == nil || resp.Response == nil || resp.Body == nil {
		return false
	}
	var b [64]byte
	n, _ := resp.Body.Read(b[:])
	return strings.HasPrefix(strings.TrimSpace(string(b[:n])), "[")
}

// linkGuard refuses an answer whose Link header does not parse: the SDK
// dereferences the parsed URL without checking the error, and panics. It
// also applies a request's own bound on its answer (limitBody).
type linkGuard struct{ next http.RoundTripper }

func (g linkGuard) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := g.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	for _, link := range resp.Header.Values("Link") {
		target, _, ok := strings.Cut(link, ";")
		if !ok {
			continue // the SDK skips it too
		}
		target = strings.TrimRight(strings.TrimLeft(target, "<"), ">")
		if _, err := url.Parse(target); err != nil {
			resp.Body.Close()
			return nil, &badAnswer{"the answer has a Link header that is not a URL"}
		}
	}
	resp, err = limitBody(req, resp)
	if err != nil {
		return nil, err
	}
	if c, ok := req.Context().Value(rawJSONKey{}).(*capture); ok && resp.StatusCode/100 == 2 && strings.Contains(resp.Header.Get("Content-Type"), "application/json") {
		if err := c.take(resp); err != nil {
			return nil, err
		}
	}
	return resp, nil
}

// rawJSONKey marks a request whose JSON answer o365doctor decodes itself
// (the bulk pages, lean): the SDK's Do still sends it (authentication,
// retries, the Link cursor), but the transport takes a 2xx JSON body into
// the request's capture and hands the SDK an empty one, which its
// buildResponse returns without decoding (pinned v2.20;
// TestAppUserPagesLeanDecodeMatchesTheSDK fails if that changes). An
// error, or an answer of another type, reaches the SDK as sent.
type rawJSONKey struct{}

// capture holds the last body the transport took for a chain of page
// requests (one at a time). The body is read on its own goroutine, into a
// buffer from pagePool: the SDK returns as soon as the headers are in
// (the next page's cursor is in the Link header), so the next request
// goes out while this body still arrives.
type capture struct {
	body *pendingBody
	end  context.CancelFunc // the request's deadline, ended with its body
}

// pendingBody is a body being read; done closes when it is complete.
type pendingBody struct {
	done chan struct{}
	buf  *bytes.Buffer
	err  error
}

// wait returns the complete body, or why it is not.
func (p *pendingBody) wait() (*bytes.Buffer, error) {
	<-p.done
	return p.buf, p.err
}

var pagePool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func (c *capture) take(resp *http.Response) error {
	p := &pendingBody{done: make(chan struct{}), buf: pagePool.Get().(*bytes.Buffer)}
	p.buf.Reset()
	if resp.ContentLength > 0 {
		// A page is about 650 KB; what a server announces beyond a few MB
		// is read as it comes, not reserved up front.
		p.buf.Grow(int(min(resp.ContentLength, 8<<20)))
	}
	body, end := resp.Body, c.end
	go func() {
		defer close(p.done)
		defer end()
		defer body.Close()
		_, p.err = p.buf.ReadFrom(body)
	}()
	if c.body != nil {
		c.body.release() // a body the SDK asked for again (a retry)
	}
	c.body = p
	resp.Body, resp.ContentLength = http.NoBody, 0
	return nil
}

// release puts the buffer back once the body is read to its end.
func (p *pendingBody) release() {
	go func() {
		<-p.done
		pagePool.Put(p.buf)
	}()
}

// taken returns the body taken for the last answer, nil when none was.
func (c *capture) taken() *pendingBody {
	b := c.body
	c.body = nil
	return b
}

// badAnswer is an answer the adapter refuses before the SDK reads it.
type badAnswer struct{ msg string }

func (e *badAnswer) Error() string { return e.msg }
