package okta

import (
	"context"
	"errors"
	"fmt"
	"net/url"

	"github.com/okta/okta-sdk-golang/v2/okta"
	"github.com/okta/okta-sdk-golang/v2/okta/query"

	"github.com/o365doctor/o365doctor/internal/model"
)

// maxGroupPages bounds the group listings: 1000 pages of 200 app groups
// (or Okta's default page of user groups) is far more than an org has.
const maxGroupPages = 1000

// AppGroups lists the groups assigned to the app with their priority and
// the app-user profile each gives its members (GET
// /api/v1/apps/{appId}/groups?limit=200; okta.apps.read), every page.
func (c *Client) AppGroups(ctx context.Context, appID string) ([]model.AppGroup, error) {
	o := op{what: "list group assignments of app " + appID, noun: "a list of group assignments", perm: "okta.apps.read"}
	if err := checkID(appID); err != nil {
		return nil, o.errorf("%v", err)
	}
	page, resp, err := c.sdk.Application.ListApplicationGroupAssignments(ctx, url.PathEscape(appID), query.NewQueryParams(query.WithLimit(200)))
	var out []model.AppGroup
	err = readPages(ctx, o, page, resp, err, func(page []*okta.ApplicationGroupAssignment) error {
		for _, g := range page {
			if g == nil || g.Id == "" {
				return errors.New("a group assignment without id")
			}
			ag := model.AppGroup{GroupID: model.Clean(g.Id)}
			if g.PriorityPtr != nil {
				ag.Priority = int(*g.PriorityPtr)
			}
			if prof, ok := g.Profile.(map[string]any); ok {
				ag.Profile = cleanMap(prof)
			}
			out = append(out, ag)
		}
		return nil
	})
	return out, err
}

// UserGroups lists the groups the user is a member of (GET
// /api/v1/users/{id}/groups; okta.groups.read), every page.
func (c *Client) UserGroups(ctx context.Context, userID string) ([]model.OktaGroup, error) {
	o := op{what: "list groups of user " + userID, noun: "a list of groups", perm: "okta.groups.read"}
	if err := checkID(userID); err != nil {
		return nil, o.errorf("%v", err)
	}
	page, resp, err := c.sdk.User.ListUserGroups(ctx, url.PathEscape(userID))
	var out []model.OktaGroup
	err = readPages(ctx, o, page, resp, err, func(page []*okta.Group) error {
		for _, g := range page {
			og, convErr := toGroup(g)
			if convErr != nil {
				return convErr
			}
			out = append(out, og)
		}
		return nil
	})
	return out, err
}

// readPages hands take the first page and every page after it, following
// the Link rel="next" cursor: it refuses a page that is not a JSON list, a
// link back to a page already read and more than maxGroupPages pages, and
// checks ctx between pages.
func readPages[T any](ctx context.Context, o op, page []T, resp *okta.Response, err error, take func([]T) error) error {
	p := newPager()
	for {
		if err != nil {
			return o.fail(resp, err)
		}
		if len(page) == 0 && !isJSONList(resp) {
			return o.notA("not a JSON list")
		}
		if takeErr := take(page); takeErr != nil {
			return o.notA(takeErr.Error())
		}
		next, linkErr := p.next(resp)
		if linkErr != nil {
			return o.errorf("%v", linkErr)
		}
		if next == "" {
			return nil
		}
		if p.followed > maxGroupPages {
			return o.errorf("more than %d pages; stopping", maxGroupPages)
		}
		if ctxErr := ctx.Err(); ctxErr != nil {
			return o.fail(nil, ctxErr)
		}
		page = nil
		resp, err = resp.Next(ctx, &page)
	}
}

func toGroup(g *okta.Group) (model.OktaGroup, error) {
	if g == nil || g.Id == "" {
		return model.OktaGroup{}, fmt.Errorf("a group without id")
	}
	out := model.OktaGroup{ID: model.Clean(g.Id), Type: model.Clean(g.Type)}
	if g.Profile != nil {
		out.Name = model.Clean(g.Profile.Name)
	}
	return out, nil
}
