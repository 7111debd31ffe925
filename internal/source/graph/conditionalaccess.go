package graph

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	abs "github.com/microsoft/kiota-abstractions-go"
	khttp "github.com/microsoft/kiota-http-go"
	"github.com/microsoftgraph/msgraph-sdk-go/identity"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/users"

	"github.com/o365doctor/o365doctor/internal/model"
)

// Permissions of the predictor's reads.
const (
	permCAPolicies  = "Policy.Read.All"
	permGroupMember = "GroupMember.Read.All"
)

// caRetry is how the Conditional Access listing backs off. Its reads are
// limited to 1 request per second per tenant, shared by every app, and
// the 429 carries no Retry-After (DESIGN §9): the SDK's default wait (3 s,
// doubling) is longer than the limit needs, so wait 1 s, then 2 s, then
// 4 s (plus the SDK's jitter of up to 1 s), and give up after three.
var caRetry = &khttp.RetryHandlerOptions{
	MaxRetries:   3,
	DelaySeconds: 1,
	ShouldRetry: func(_ time.Duration, _ int, _ *http.Request, resp *http.Response) bool {
		return resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable
	},
}

// ConditionalAccessPolicies lists the tenant's Conditional Access policies
// (GET /identity/conditionalAccess/policies; Policy.Read.All), every
// state: the check decides which count. One request a run: a tenant has a
// few dozen policies, which Graph returns on one page (a nextLink is
// followed all the same).
func (c *Client) ConditionalAccessPolicies(ctx context.Context) ([]model.ConditionalAccessPolicy, error) {
	o := op{what: "list Conditional Access policies", noun: "a list of Conditional Access policies", perm: permCAPolicies}
	cfg := &identity.ConditionalAccessPoliciesRequestBuilderGetRequestConfiguration{Options: []abs.RequestOption{caRetry}}
	b := c.sdk.Identity().ConditionalAccess().Policies()
	first, err := b.Get(ctx, cfg)
	list, err := collect(ctx, c, o, first, err, func(ctx context.Context, next string) (models.ConditionalAccessPolicyCollectionResponseable, error) {
		return b.WithUrl(next).Get(ctx, cfg)
	})
	if err != nil {
		return nil, err
	}
	return convertAll(o, list, toCAPolicy)
}

// toCAPolicy refuses a policy without id or state: a policy whose state is
// unknown could be blamed while disabled.
func toCAPolicy(p models.ConditionalAccessPolicyable) (model.ConditionalAccessPolicy, error) {
	if p == nil || deref(p.GetId()) == "" {
		return model.ConditionalAccessPolicy{}, errors.New("a policy without id")
	}
	id := model.Clean(deref(p.GetId()))
	if p.GetState() == nil {
		return model.ConditionalAccessPolicy{}, fmt.Errorf("policy %s without state", id)
	}
	out := model.ConditionalAccessPolicy{ID: id, DisplayName: model.Clean(deref(p.GetDisplayName())), State: p.GetState().String()}
	if cond := p.GetConditions(); cond != nil {
		if u := cond.GetUsers(); u != nil {
			out.IncludeUsers, out.ExcludeUsers = cleanAll(u.GetIncludeUsers()), cleanAll(u.GetExcludeUsers())
			out.IncludeGroups, out.ExcludeGroups = cleanAll(u.GetIncludeGroups()), cleanAll(u.GetExcludeGroups())
			out.IncludeRoles, out.ExcludeRoles = cleanAll(u.GetIncludeRoles()), cleanAll(u.GetExcludeRoles())
		}
		if a := cond.GetApplications(); a != nil {
			out.IncludeApplications, out.ExcludeApplications = cleanAll(a.GetIncludeApplications()), cleanAll(a.GetExcludeApplications())
		}
		for _, t := range cond.GetClientAppTypes() {
			out.ClientAppTypes = append(out.ClientAppTypes, t.String())
		}
		if l := cond.GetLocations(); l != nil {
			out.IncludeLocations, out.ExcludeLocations = cleanAll(l.GetIncludeLocations()), cleanAll(l.GetExcludeLocations())
		}
		for _, r := range cond.GetSignInRiskLevels() {
			out.SignInRiskLevels = append(out.SignInRiskLevels, r.String())
		}
		for _, r := range cond.GetUserRiskLevels() {
			out.UserRiskLevels = append(out.UserRiskLevels, r.String())
		}
		if pl := cond.GetPlatforms(); pl != nil {
			for _, p := range pl.GetIncludePlatforms() {
				out.Platforms = append(out.Platforms, p.String())
			}
		}
		if d := cond.GetDevices(); d != nil && d.GetDeviceFilter() != nil {
			out.DeviceFilter = model.Clean(deref(d.GetDeviceFilter().GetRule()))
		}
	}
	if g := p.GetGrantControls(); g != nil {
		out.GrantOperator = model.Clean(deref(g.GetOperator()))
		for _, b := range g.GetBuiltInControls() {
			out.BuiltInControls = append(out.BuiltInControls, b.String())
		}
		if s := g.GetAuthenticationStrength(); s != nil && (deref(s.GetId()) != "" || deref(s.GetDisplayName()) != "") {
			out.AuthenticationStrength = &model.AuthenticationStrength{ID: model.Clean(deref(s.GetId())), DisplayName: model.Clean(deref(s.GetDisplayName()))}
			for _, c := range s.GetAllowedCombinations() {
				out.AuthenticationStrength.AllowedCombinations = append(out.AuthenticationStrength.AllowedCombinations, c.String())
			}
		}
	}
	return out, nil
}

func cleanAll(in []string) []string {
	if len(in) == 0 {
		return nil
	}
	out := make([]string, len(in))
	for i, s := range in {
		out[i] = model.Clean(s)
	}
	return out
}

// MemberOf lists the groups and directory roles the user is a member of,
// directly or through nested groups (GET /users/{upn}/transitiveMemberOf;
// GroupMember.Read.All), as Conditional Access counts them: Kind is group
// or directoryRole.
func (c *Client) MemberOf(ctx context.Context, upn string) ([]model.DirectoryObject, error) {
	o := op{what: "list groups of user " + upn, noun: "a list of directory objects", perm: permGroupMember}
	if upn == "" || strings.ContainsAny(upn, "\x00\r\n/?#") || strings.Contains(upn, "..") {
		return nil, o.errorf("%q is not a UPN; not asked", model.Clean(upn))
	}
	m := c.sdk.Users().ByUserId(upn).TransitiveMemberOf()
	first, err := m.Get(ctx, &users.ItemTransitiveMemberOfRequestBuilderGetRequestConfiguration{})
	return collectObjects(ctx, c, o, first, err, func(ctx context.Context, next string) (models.DirectoryObjectCollectionResponseable, error) {
		return m.WithUrl(next).Get(ctx, nil)
	})
}

// collectObjects reads every page of a directory-object listing and
// converts it (users, groups, roles).
func collectObjects(ctx context.Context, c *Client, o op, first models.DirectoryObjectCollectionResponseable, err error,
	next func(context.Context, string) (models.DirectoryObjectCollectionResponseable, error)) ([]model.DirectoryObject, error) {
	list, err := collect(ctx, c, o, first, err, next)
	if err != nil {
		return nil, err
	}
	out, err := toObjects(list)
	if err != nil {
		return nil, o.notA(err.Error())
	}
	return out, nil
}
