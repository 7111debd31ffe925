package okta

import (
	"context"
	"slices"
	"time"
)

// AuthInfo is who o365doctor is at Okta and what it may read, for
// `auth status`.
type AuthInfo struct {
	// Method is "api-token" or "private-key".
	Method string
	// Identity is the admin the API token belongs to, or the service app.
	Identity string
	// TokenType is SSWS, Bearer or DPoP.
	TokenType string
	// Expires is the access token's end; zero for an API token (it lasts
	// while it is used: Okta revokes one 30 days idle).
	Expires time.Time
	// Roles are the API token's admin's roles (their types).
	Roles []string
	// Scopes are what the credential allows: a service app's granted
	// scopes, or the okta.* scopes the admin's roles imply.
	Scopes []string
}

// Auth signs in (a service app gets its token) and says who it is.
func (c *Client) Auth(ctx context.Context) (AuthInfo, error) {
	if c.oauth != nil {
		info, err := c.oauth.info(ctx)
		if err != nil {
			return AuthInfo{}, err
		}
		return AuthInfo{Method: "private-key", Identity: "service app " + c.oauth.clientID, TokenType: info.Type,
			Expires: info.Expires, Scopes: info.Scopes}, nil
	}
	o := op{what: "get the API token's admin (users/me)", noun: "a user", perm: "okta.users.read"}
	u, resp, err := c.sdk.User.GetUser(ctx, "me")
	if err != nil {
		return AuthInfo{}, o.fail(resp, err)
	}
	if u == nil || u.Id == "" {
		return AuthInfo{}, o.notA("no id")
	}
	me := toUser(u)
	info := AuthInfo{Method: "api-token", Identity: "admin " + me.Login, TokenType: "SSWS"}
	ro := op{what: "list the admin's roles", noun: "a list of roles", perm: "okta.roles.read"}
	roles, resp, err := c.sdk.User.ListAssignedRolesForUser(ctx, me.ID, nil)
	if err != nil {
		return AuthInfo{}, ro.fail(resp, err)
	}
	for _, r := range roles {
		if r != nil && r.Type != "" && r.Status != "INACTIVE" {
			info.Roles = append(info.Roles, r.Type)
		}
	}
	info.Scopes = ScopesOfRoles(info.Roles)
	return info, nil
}

// WriteScopes are the scopes of the token a fix asks for (the reads and
// the manage scopes), as Okta granted them; for a service app only.
func (c *Client) WriteScopes(ctx context.Context) ([]string, error) {
	if c.oauth == nil {
		return nil, nil
	}
	if _, _, err := c.oauth.current(ctx, true); err != nil {
		return nil, err
	}
	c.oauth.mu.Lock()
	defer c.oauth.mu.Unlock()
	return append([]string(nil), c.oauth.tokens[1].granted...), nil
}

// ScopesOfRoles are the okta.* permissions an admin's standard roles give an
// API token, from Okta's "Standard administrator roles and permissions"
// comparison (help.okta.com). ASSUMED in its detail for the narrower roles:
// the comparison is a table of permissions, not of scopes; the super, org
// and read-only admins are as the table says. A custom role (CUSTOM) is
// not read: it gives nothing here, and its checks say so.
func ScopesOfRoles(roles []string) []string {
	var out []string
	add := func(s ...string) {
		for _, x := range s {
			if !slices.Contains(out, x) {
				out = append(out, x)
			}
		}
	}
	for _, r := range roles {
		switch r {
		case "SUPER_ADMIN", "ORG_ADMIN":
			add(ReadScopes...)
			add("okta.roles.read", "okta.users.manage", "okta.apps.manage", "okta.groups.manage")
		case "READ_ONLY_ADMIN":
			add(ReadScopes...)
			add("okta.roles.read")
		case "APP_ADMIN":
			add("okta.apps.read", "okta.apps.manage", "okta.users.read", "okta.groups.read")
		case "HELP_DESK_ADMIN":
			add("okta.users.read", "okta.users.manage", "okta.groups.read")
		case "USER_ADMIN", "GROUP_MEMBERSHIP_ADMIN":
			add("okta.users.read", "okta.groups.read")
		case "REPORT_ADMIN":
			add("okta.logs.read")
		}
	}
	return out
}
