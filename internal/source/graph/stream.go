package graph

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/url"
	"strconv"
	"strings"

	abs "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoftgraph/msgraph-sdk-go/users"

	"github.com/o365doctor/o365doctor/internal/model"
)

// UsersPerPage is Graph's maximum $top for users.
const UsersPerPage = 999

// UserPages streams every user whose UPN ends with "@"+domain (every user
// when domain is ""), UsersPerPage a page, with the same $select as User.
// The domain filter is endsWith, which Graph serves only as an advanced
// query: ConsistencyLevel: eventual and $count=true. It follows
// @odata.nextLink only on the configured Graph host, asks for the next page
// only when the consumer wants it, checks ctx between pages, and yields
// (nil, err) once on an error: a failed request, a page that is not a list
// of users, a page larger than asked for, or a nextLink to another host or
// back to a page already read.
func (c *Client) UserPages(ctx context.Context, domain string) iter.Seq2[[]model.EntraUser, error] {
	return func(yield func([]model.EntraUser, error) bool) {
		o := op{what: "list users", noun: "a list of users", perm: permUsers}
		q := url.Values{}
		q.Set("$select", strings.Join(userSelect, ","))
		q.Set("$top", strconv.Itoa(UsersPerPage))
		headers := abs.NewRequestHeaders()
		if domain != "" {
			o.what += " of " + domain
			q.Set("$filter", "endswith(userPrincipalName,'@"+strings.ReplaceAll(domain, "'", "''")+"')")
			q.Set("$count", "true")
			headers.Add("ConsistencyLevel", "eventual")
		}
		next := c.baseURL.String() + "/users?" + q.Encode()
		seen := map[string]bool{}
		for next != "" {
			key, err := c.pageKey(next)
			if err != nil {
				yield(nil, o.errorf("%v", err))
				return
			}
			if seen[key] {
				yield(nil, o.errorf("the server's nextLink leads back to a page already read; stopping"))
				return
			}
			seen[key] = true
			if err := ctx.Err(); err != nil {
				yield(nil, o.fail(err))
				return
			}
			page, err := c.sdk.Users().WithUrl(next).Get(ctx, &users.UsersRequestBuilderGetRequestConfiguration{Headers: headers})
			if err != nil {
				yield(nil, o.fail(err))
				return
			}
			if page == nil || page.GetValue() == nil {
				yield(nil, o.notA("no value"))
				return
			}
			if n := len(page.GetValue()); n > UsersPerPage {
				yield(nil, o.notA(fmt.Sprintf("%d users in a page of at most %d", n, UsersPerPage)))
				return
			}
			out := make([]model.EntraUser, 0, len(page.GetValue()))
			for _, u := range page.GetValue() {
				if u == nil || deref(u.GetId()) == "" {
					yield(nil, o.notA("a user without id"))
					return
				}
				out = append(out, toUser(u))
			}
			if !yield(out, nil) {
				return
			}
			next = deref(page.GetOdataNextLink())
		}
	}
}

// pageKey checks that a page's URL stays on the configured Graph host and
// under its path (kiota's page iterator follows a nextLink anywhere, with
// the token), and returns it in a canonical form.
func (c *Client) pageKey(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", errors.New("the server's nextLink is not a URL")
	}
	if u.Scheme != "https" || !strings.EqualFold(u.Host, c.baseURL.Host) || !strings.HasPrefix(u.Path, c.baseURL.Path+"/") {
		return "", fmt.Errorf("the server's nextLink leads to %s, off the configured Graph URL; o365doctor does not follow it (check --graph-url)",
			(&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String())
	}
	return strings.ToLower(u.Host) + u.EscapedPath() + "?" + u.Query().Encode(), nil
}
