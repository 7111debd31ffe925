package graph

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	abs "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoftgraph/msgraph-sdk-go/models/odataerrors"
	"github.com/microsoftgraph/msgraph-sdk-go/users"

	"github.com/o365doctor/o365doctor/internal/model"
	"github.com/o365doctor/o365doctor/internal/source/jsonpage"
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
		for page, err := range c.UserListing(ctx, domain, "") {
			if !yield(page.Users, err) || err != nil {
				return
			}
		}
	}
}

// UserListing is UserPages with each page's nextLink and the listing's
// @odata.count, starting at the page from ("" for the first; a link off
// the configured Graph URL is refused, as every nextLink is).
func (c *Client) UserListing(ctx context.Context, domain, from string) iter.Seq2[model.EntraUserPage, error] {
	return func(yield func(model.EntraUserPage, error) bool) {
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
		if from != "" {
			// A saved cursor must be a later page of this very listing:
			// the users collection, with this $filter and $select.
			u, err := url.Parse(from)
			if err != nil || u.Path != c.baseURL.Path+"/users" || u.Query().Get("$filter") != q.Get("$filter") || u.Query().Get("$select") != q.Get("$select") {
				yield(model.EntraUserPage{}, o.errorf("the saved cursor is not a page of this listing; not asked"))
				return
			}
			next = from
		}
		seen := map[string]bool{}
		for next != "" {
			key, err := c.pageKey(next)
			if err != nil {
				yield(model.EntraUserPage{}, o.errorf("%v", err))
				return
			}
			if seen[key] {
				yield(model.EntraUserPage{}, o.errorf("the server's nextLink leads back to a page already read; stopping"))
				return
			}
			seen[key] = true
			if err := ctx.Err(); err != nil {
				yield(model.EntraUserPage{}, o.fail(err))
				return
			}
			page, err := c.userPage(ctx, next, headers)
			if err != nil {
				yield(model.EntraUserPage{}, o.fail(err))
				return
			}
			if page.Value == nil {
				yield(model.EntraUserPage{}, o.notA("no value"))
				return
			}
			if n := len(*page.Value); n > UsersPerPage {
				yield(model.EntraUserPage{}, o.notA(fmt.Sprintf("%d users in a page of at most %d", n, UsersPerPage)))
				return
			}
			out := make([]model.EntraUser, 0, len(*page.Value))
			for i := range *page.Value {
				u := &(*page.Value)[i]
				if u.ID == "" {
					yield(model.EntraUserPage{}, o.notA("a user without id"))
					return
				}
				eu, err := u.toUser()
				if err != nil {
					yield(model.EntraUserPage{}, o.notA(err.Error()))
					return
				}
				out = append(out, eu)
			}
			count := -1
			if page.Count != nil {
				count = *page.Count
			}
			next = deref(page.NextLink)
			if !yield(model.EntraUserPage{Users: out, Next: next, Count: count}, nil) {
				return
			}
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

// Bulk pages are decoded lean: the request goes through the SDK's adapter
// (its authentication, retry, redirect and throttling middleware, Graph's
// error mapping), but the body comes back as bytes and is decoded straight
// into the fields o365doctor reads. kiota's typed models build a generic
// tree of every value first, which is most of the CPU of a 100 000-user
// listing (docs/performance.md). The result is the same model.EntraUser
// toUser makes from the typed model; a value of the wrong JSON type fails
// the page, as it fails kiota's decode.

// leanUserPage is a page of GET /users.
type leanUserPage struct {
	Value    *[]leanUser `json:"value"` // values: one allocation a page (a null is a user without id)
	NextLink *string     `json:"@odata.nextLink"`
	Count    *int        `json:"@odata.count"`
}

// The strings are values, not pointers (a JSON null leaves "" as nil
// did, through deref): five allocations fewer for each user. One
// difference, on JSON no server should send: a name given twice, the
// second time null ("id":"a","id":null), keeps the first value, where a
// pointer was set back to nil.
type leanUser struct {
	ID                              string             `json:"id"`
	UserPrincipalName               string             `json:"userPrincipalName"`
	DisplayName                     string             `json:"displayName"`
	AccountEnabled                  *bool              `json:"accountEnabled"`
	OnPremisesImmutableID           string             `json:"onPremisesImmutableId"`
	UsageLocation                   string             `json:"usageLocation"`
	AssignedLicenses                []leanLicense      `json:"assignedLicenses"`
	LicenseAssignmentStates         []leanLicenseState `json:"licenseAssignmentStates"`
	LastPasswordChangeDateTime      *strictTime        `json:"lastPasswordChangeDateTime"`
	SignInSessionsValidFromDateTime *strictTime        `json:"signInSessionsValidFromDateTime"`
	OnPremisesSyncEnabled           *bool              `json:"onPremisesSyncEnabled"`
}

type leanLicense struct {
	SkuID         *string  `json:"skuId"`
	DisabledPlans []string `json:"disabledPlans"`
}

type leanLicenseState struct {
	SkuID               *string     `json:"skuId"`
	AssignedByGroup     *string     `json:"assignedByGroup"`
	State               *string     `json:"state"`
	Error               *string     `json:"error"`
	DisabledPlans       []string    `json:"disabledPlans"`
	LastUpdatedDateTime *strictTime `json:"lastUpdatedDateTime"`
}

// strictTime is a date-time decoded as encoding/json decodes a time.Time
// (time.Time's own UnmarshalJSON: RFC 3339, strictly); the fast decoder's
// built-in parsing of time.Time is laxer (it takes "2026-01-01]00:00:00Z").
type strictTime struct{ time.Time }

func (t *strictTime) UnmarshalJSON(b []byte) error { return t.Time.UnmarshalJSON(b) }

// utc is the time in UTC, zero when absent.
func (t *strictTime) utc() time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.Time.UTC()
}

// userPage GETs one page of users through the SDK's adapter and decodes
// it lean.
func (c *Client) userPage(ctx context.Context, pageURL string, headers *abs.RequestHeaders) (*leanUserPage, error) {
	ri, err := c.sdk.Users().WithUrl(pageURL).ToGetRequestInformation(ctx, &users.UsersRequestBuilderGetRequestConfiguration{Headers: headers})
	if err != nil {
		return nil, err
	}
	errs := abs.ErrorMappings{"XXX": odataerrors.CreateODataErrorFromDiscriminatorValue}
	got := &pageBody{}
	defer got.release()
	raw, err := c.sdk.RequestAdapter.SendPrimitive(context.WithValue(ctx, pageBodyKey{}, got), ri, "[]byte", errs)
	if err != nil {
		return nil, err
	}
	body, _ := raw.([]byte)
	if got.buf != nil {
		body = got.buf.Bytes()
	}
	page := &leanUserPage{}
	if len(body) == 0 {
		return page, nil // no value: the caller says so
	}
	if err := jsonpage.Unmarshal(body, page); err != nil {
		return nil, &badAnswer{shape: jsonpage.Problem(err, "a JSON object")}
	}
	return page, nil
}

// toUser is toUser for a lean user: the same model, the same cleaning.
func (u *leanUser) toUser() (model.EntraUser, error) {
	out := model.EntraUser{
		ID:                    model.Clean(u.ID),
		UserPrincipalName:     model.Clean(u.UserPrincipalName),
		DisplayName:           model.Clean(u.DisplayName),
		AccountEnabled:        u.AccountEnabled,
		OnPremisesImmutableID: model.Clean(u.OnPremisesImmutableID),
		UsageLocation:         model.Clean(u.UsageLocation),
		Sessions:              model.UserSessions{LastPasswordChange: u.LastPasswordChangeDateTime.utc(), SessionsValidFrom: u.SignInSessionsValidFromDateTime.utc()},
		SyncedFromAD:          deref(u.OnPremisesSyncEnabled),
	}
	if u.AssignedLicenses == nil && u.LicenseAssignmentStates == nil {
		return out, nil
	}
	lic := &model.UserLicenses{Assigned: make([]model.AssignedLicense, 0, len(u.AssignedLicenses)), States: make([]model.LicenseState, 0, len(u.LicenseAssignmentStates))}
	for _, l := range u.AssignedLicenses {
		if l.SkuID == nil {
			continue
		}
		sku, plans, err := leanGUIDs(*l.SkuID, l.DisabledPlans)
		if err != nil {
			return out, err
		}
		lic.Assigned = append(lic.Assigned, model.AssignedLicense{SkuID: sku, DisabledPlans: plans})
	}
	for _, s := range u.LicenseAssignmentStates {
		if s.SkuID == nil {
			continue
		}
		sku, plans, err := leanGUIDs(*s.SkuID, s.DisabledPlans)
		if err != nil {
			return out, err
		}
		lic.States = append(lic.States, model.LicenseState{SkuID: sku, AssignedByGroup: model.Clean(deref(s.AssignedByGroup)),
			State: model.Clean(deref(s.State)), Error: model.Clean(deref(s.Error)), DisabledPlans: plans, LastUpdated: s.LastUpdatedDateTime.utc()})
	}
	out.Licenses = lic
	return out, nil
}

// leanGUIDs parses a skuId and its disabledPlans as GUIDs (kiota's
// typed decode refuses anything else) in guidString's form.
func leanGUIDs(sku string, plans []string) (string, []string, error) {
	id, err := uuid.Parse(sku)
	if err != nil {
		return "", nil, errors.New("a skuId that is not a GUID")
	}
	out := make([]string, 0, len(plans))
	for _, p := range plans {
		pid, err := uuid.Parse(p)
		if err != nil {
			return "", nil, errors.New("a disabled plan that is not a GUID")
		}
		out = append(out, guidString(&pid))
	}
	return guidString(&id), out, nil
}
