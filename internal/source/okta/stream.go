package okta

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"iter"
	"net/url"
	"strings"

	"github.com/okta/okta-sdk-golang/v2/okta"
	"github.com/okta/okta-sdk-golang/v2/okta/query"

	"github.com/o365doctor/o365doctor/internal/model"
	"github.com/o365doctor/o365doctor/internal/source/jsonpage"
)

// AppUsersPerPage is Okta's maximum page of app users.
const AppUsersPerPage = 500

// AppUserPages streams every app user of the app, AppUsersPerPage a page,
// page by page (GET /api/v1/apps/{appId}/users?limit=500&expand=user,
// following the Link rel="next" cursor). The requests are one chain (each
// page's cursor is in the answer before it), so a page is asked for while
// the consumer decodes and reads the one before, and its body is read
// while the next is asked for: at most two requests ahead of the
// consumer, cancelled when it stops. It checks ctx between
// pages, paces the chain to the rate-limit share, and yields (nil, err)
// once on an error: a failed request, a page that is not a list of app
// users, a page larger than asked for, or a next link back to a page
// already read.
func (c *Client) AppUserPages(ctx context.Context, appID string) iter.Seq2[[]model.AppUser, error] {
	return func(yield func([]model.AppUser, error) bool) {
		for page, err := range c.AppUserListing(ctx, appID, "") {
			if !yield(page.Users, err) || err != nil {
				return
			}
		}
	}
}

// AppUserListing is AppUserPages with each page's cursor and the rate-limit
// bucket its answer reported, starting after the page whose next link is
// from ("" for the first page; a link on another host or to another
// listing is refused, so a snapshot cannot send the token elsewhere).
func (c *Client) AppUserListing(ctx context.Context, appID, from string) iter.Seq2[model.AppUserPage, error] {
	return func(yield func(model.AppUserPage, error) bool) {
		o := op{what: "list app users of app " + appID, noun: "a list of app users", perm: "okta.apps.read"}
		if from != "" && !c.isAppUserPage(appID, from) {
			yield(model.AppUserPage{}, o.errorf("the saved cursor is not a page of this app's users on %s; not asked", c.orgURL))
			return
		}
		ctx, cancel := context.WithCancel(ctx)
		fetched := make(chan rawPage, 1) // two requests ahead at most
		done := make(chan struct{})
		go func() {
			defer close(done)
			defer close(fetched)
			c.fetchAppUserPages(ctx, o, appID, from, fetched)
		}()
		defer func() { cancel(); <-done }()
		// The chain ends after the page without a next link, or with an
		// error; a chain that ends otherwise (its error lost to a
		// cancellation racing the send) is an error, never a listing that
		// looks complete.
		ended := false
		for raw := range fetched {
			if raw.err != nil {
				yield(model.AppUserPage{}, raw.err)
				return
			}
			buf, err := raw.body.wait()
			if err != nil {
				raw.body.release()
				yield(model.AppUserPage{}, o.fail(nil, err))
				return
			}
			users, err := decodeAppUsers(appID, buf.Bytes())
			pagePool.Put(buf)
			if err != nil {
				yield(model.AppUserPage{}, o.notA(err.Error()))
				return
			}
			ended = raw.next == ""
			if !yield(model.AppUserPage{Users: users, Next: raw.next, Budget: raw.budget}, nil) {
				return
			}
			// A consumer that cancelled gets that, not a page fetched ahead.
			if err := ctx.Err(); err != nil && !ended {
				yield(model.AppUserPage{}, o.fail(nil, err))
				return
			}
		}
		if !ended {
			yield(model.AppUserPage{}, o.fail(nil, cmp.Or(ctx.Err(), errors.New("the listing ended before its last page"))))
		}
	}
}

// isAppUserPage: raw is a page of the app's users, as a path (the SDK's
// next links are paths, which it puts after the org URL: a full URL would
// become a request to a garbled host).
func (c *Client) isAppUserPage(appID, raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" || !strings.HasPrefix(raw, "/") {
		return false
	}
	return u.EscapedPath() == "/api/v1/apps/"+url.PathEscape(appID)+"/users"
}

// rawPage is one answer of the chain: its body (still arriving; its
// buffer goes back to pagePool once decoded), or the error that ends it.
type rawPage struct {
	body   *pendingBody
	next   string // the next page's link, "" after the last
	budget model.RateBudget
	err    error
}

// fetchAppUserPages runs the chain of page requests, sending each page's
// body (or the error that ends the chain) to out until there is no next
// page or ctx ends.
func (c *Client) fetchAppUserPages(ctx context.Context, o op, appID, from string, out chan<- rawPage) {
	send := func(p rawPage) bool {
		select {
		case out <- p:
			return true
		case <-ctx.Done():
			return false
		}
	}
	// expand=user embeds each Okta user: its status comes with the page,
	// not one request a user.
	qp := query.NewQueryParams(query.WithLimit(AppUsersPerPage), query.WithExpand("user"))
	got := &capture{}
	// Each request has its own deadline (--timeout), which also bounds
	// its body, read after the SDK returns: the capture ends it then.
	request := func() context.Context {
		rctx, cancel := context.WithTimeout(context.WithValue(ctx, rawJSONKey{}, got), c.timeout)
		got.end = cancel
		return rctx
	}
	var unused any
	var resp *okta.Response
	var err error
	if from == "" {
		// ListApplicationUsers' request, its body left to the capture.
		from = "/api/v1/apps/" + url.PathEscape(appID) + "/users" + qp.String()
	}
	resp, err = c.appUserPageAt(request(), from, &unused)
	p := newPager()
	for {
		if err != nil {
			got.end()
			send(rawPage{err: o.fail(resp, err)})
			return
		}
		body := got.taken()
		if body == nil {
			got.end()
			send(rawPage{err: o.notA("not a JSON list")})
			return
		}
		next, linkErr := p.next(resp)
		if linkErr != nil {
			body.release()
			send(rawPage{err: o.errorf("%v", linkErr)})
			return
		}
		if !send(rawPage{body: body, next: next, budget: c.pace.budget(resp.Header)}) {
			body.release()
			return
		}
		if next == "" {
			return
		}
		if ctxErr := ctx.Err(); ctxErr != nil {
			send(rawPage{err: o.fail(nil, ctxErr)})
			return
		}
		if paceErr := c.pace.before(ctx, resp.Header); paceErr != nil {
			send(rawPage{err: o.fail(nil, paceErr)})
			return
		}
		resp, err = resp.Next(request(), &unused)
	}
}

// decodeAppUsers decodes one page lean and converts it, refusing one that
// is not a list of app users with IDs, or holds more than a page.
func decodeAppUsers(appID string, body []byte) ([]model.AppUser, error) {
	var page []leanAppUser // values: one allocation a page (a null is an app user without id)
	if err := jsonpage.Unmarshal(body, &page); err != nil {
		return nil, errors.New(jsonpage.Problem(err, "a JSON list"))
	}
	if page == nil {
		return nil, errors.New("not a JSON list")
	}
	if len(page) > AppUsersPerPage {
		return nil, fmt.Errorf("%d app users in a page of at most %d", len(page), AppUsersPerPage)
	}
	out := make([]model.AppUser, 0, len(page))
	for i := range page {
		if page[i].ID == "" {
			return nil, errors.New("an app user without id")
		}
		out = append(out, page[i].toAppUser(appID))
	}
	return out, nil
}

// The bulk pages are decoded lean: the request is the SDK's own (its
// request executor: authentication, retries on 429 and the rate-limit
// headers, the Link cursor), but the body is left to o365doctor
// (rawJSONKey) and each app user is decoded into the fields o365doctor
// reads, the embedded Okta user into its status alone, not every
// attribute into generic maps (docs/performance.md). A value of the wrong
// JSON type fails the page, as it fails the SDK's decode; so does an
// _embedded that is not an object holding a user object (the SDK takes
// any JSON there; Okta sends that object with expand=user).

type leanAppUser struct {
	ID          string `json:"id"`
	Scope       string `json:"scope"`
	Status      string `json:"status"`
	SyncState   string `json:"syncState"`
	Credentials *struct {
		UserName string `json:"userName"`
	} `json:"credentials"`
	Profile  any `json:"profile"`
	Embedded *struct {
		User *struct {
			Status any `json:"status"`
		} `json:"user"`
	} `json:"_embedded"`
}

// toAppUser is toAppUser of the SDK's typed decode of the same JSON
// (TestAppUserPagesLeanDecodeMatchesTheSDK), built without the SDK's
// types: no map for the embedded user, and the page's own profile map
// kept when nothing in it needs cleaning.
func (au *leanAppUser) toAppUser(appID string) model.AppUser {
	out := model.AppUser{
		AppID: appID, UserID: model.Clean(au.ID), Scope: model.Clean(au.Scope),
		Status: model.Clean(au.Status), SyncState: model.Clean(au.SyncState),
	}
	if au.Credentials != nil {
		out.UserName = model.Clean(au.Credentials.UserName)
	}
	if p, ok := au.Profile.(map[string]any); ok {
		if isCleanValue(p) {
			out.Profile = p // decoded for this page alone: nobody else holds it
		} else {
			out.Profile = cleanMap(p)
		}
	}
	if au.Embedded != nil && au.Embedded.User != nil {
		out.UserStatus = cleanString(au.Embedded.User.Status)
	}
	return out
}

// appUserPageAt asks for the page at link (the first page's path or a
// next link) with the bulk client, leaving the body to the request's
// capture.
func (c *Client) appUserPageAt(ctx context.Context, link string, body *any) (*okta.Response, error) {
	rq := c.bulk.CloneRequestExecutor()
	req, err := rq.WithAccept("application/json").WithContentType("application/json").NewRequest("GET", link, nil)
	if err != nil {
		return nil, err
	}
	return rq.Do(ctx, req, body)
}
