package okta

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/url"

	"github.com/okta/okta-sdk-golang/v2/okta"
	"github.com/okta/okta-sdk-golang/v2/okta/query"

	"github.com/o365doctor/o365doctor/internal/model"
)

// AppUsersPerPage is Okta's maximum page of app users.
const AppUsersPerPage = 500

// AppUserPages streams every app user of the app, AppUsersPerPage a page,
// page by page (GET /api/v1/apps/{appId}/users?limit=500, following the
// Link rel="next" cursor). It asks for the next page only when the consumer
// wants it, checks ctx between pages, and yields (nil, err) once on an
// error: a failed request, a page that is not a list of app users, a page
// larger than asked for, or a next link back to a page already read.
func (c *Client) AppUserPages(ctx context.Context, appID string) iter.Seq2[[]model.AppUser, error] {
	return func(yield func([]model.AppUser, error) bool) {
		o := op{what: "list app users of app " + appID, noun: "a list of app users", perm: "okta.apps.read"}
		// expand=user embeds each Okta user: its status comes with the
		// page, not one request a user.
		qp := query.NewQueryParams(query.WithLimit(AppUsersPerPage), query.WithExpand("user"))
		page, resp, err := c.sdk.Application.ListApplicationUsers(ctx, url.PathEscape(appID), qp)
		p := newPager()
		for {
			if err != nil {
				yield(nil, o.fail(resp, err))
				return
			}
			// Named apart from err: resp.Next below sets the loop's err.
			users, convErr := toAppUsers(appID, page, resp)
			if convErr != nil {
				yield(nil, o.notA(convErr.Error()))
				return
			}
			if !yield(users, nil) {
				return
			}
			next, linkErr := p.next(resp)
			if linkErr != nil {
				yield(nil, o.errorf("%v", linkErr))
				return
			}
			if next == "" {
				return
			}
			if ctxErr := ctx.Err(); ctxErr != nil {
				yield(nil, o.fail(nil, ctxErr))
				return
			}
			if paceErr := c.pace.before(ctx, resp.Header); paceErr != nil {
				yield(nil, o.fail(nil, paceErr))
				return
			}
			page = nil
			resp, err = resp.Next(ctx, &page)
		}
	}
}

// toAppUsers converts one page, refusing one that is not a list of app
// users with IDs, or holds more than a page.
func toAppUsers(appID string, page []*okta.AppUser, resp *okta.Response) ([]model.AppUser, error) {
	if len(page) == 0 && !isJSONList(resp) {
		return nil, errors.New("not a JSON list")
	}
	if len(page) > AppUsersPerPage {
		return nil, fmt.Errorf("%d app users in a page of at most %d", len(page), AppUsersPerPage)
	}
	out := make([]model.AppUser, 0, len(page))
	for _, au := range page {
		if au == nil || au.Id == "" {
			return nil, errors.New("an app user without id")
		}
		out = append(out, toAppUser(appID, au))
	}
	return out, nil
}
