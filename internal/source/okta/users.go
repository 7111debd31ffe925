package okta

import (
	"context"
	"errors"
	"strings"

	"github.com/okta/okta-sdk-golang/v2/okta"
	"github.com/okta/okta-sdk-golang/v2/okta/query"

	"github.com/o365doctor/o365doctor/internal/model"
)

// UsersByEmail returns the users whose primary email is email (GET
// /api/v1/users?search=profile.email eq "..."&limit=200; okta.users.read),
// every page. An answer holding a user with another email is refused (a
// server that ignored the search).
func (c *Client) UsersByEmail(ctx context.Context, email string) ([]model.OktaUser, error) {
	o := op{what: "search users by email " + email, noun: "a list of users", perm: "okta.users.read"}
	// The search expression quotes the value with "..."; Okta's grammar
	// has no escape the project could confirm, so such an email is not sent.
	if email == "" || strings.ContainsAny(email, "\"\\") {
		return nil, o.errorf("an empty email, or one with a quote or backslash; not asked")
	}
	qp := query.NewQueryParams(query.WithSearch(`profile.email eq "`+email+`"`), query.WithLimit(200))
	page, resp, err := c.sdk.User.ListUsers(ctx, qp)
	var out []model.OktaUser
	err = readPages(ctx, o, page, resp, err, func(page []*okta.User) error {
		for _, u := range page {
			if u == nil || u.Id == "" {
				return errors.New("a user without id")
			}
			mu := toUser(u)
			if !strings.EqualFold(mu.Email, email) {
				return errors.New("user " + mu.ID + " has another email than asked")
			}
			out = append(out, mu)
		}
		return nil
	})
	return out, err
}
