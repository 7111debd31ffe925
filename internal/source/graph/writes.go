package graph

import (
	"context"
	"encoding/json"
	"strings"

	abs "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoftgraph/msgraph-sdk-go/models/odataerrors"
)

// permUsersWrite is the application permission the user writes need.
const permUsersWrite = "User.ReadWrite.All"

// userWritable are the user properties a fix may set; nil clears one
// (JSON null: the SDK's typed models cannot send a null).
var userWritable = map[string]bool{"userPrincipalName": true, "onPremisesImmutableId": true, "usageLocation": true}

// permFederationWrite is the application permission federation writes need.
const permFederationWrite = "Domain-InternalFederation.ReadWrite.All"

// federationWritable are the federation properties a fix may set.
var federationWritable = map[string]bool{"federatedIdpMfaBehavior": true,
	"signingCertificate": true, "nextSigningCertificate": true, "issuerUri": true,
	"passiveSignInUri": true, "activeSignInUri": true, "signOutUri": true, "metadataExchangeUri": true}

// PatchFederation sets properties of a domain's federation configuration
// (PATCH /domains/{domain}/federationConfiguration/{id};
// Domain-InternalFederation.ReadWrite.All).
func (c *Client) PatchFederation(ctx context.Context, domain, id string, fields map[string]any) error {
	o := op{what: "update the federation of " + domain, noun: "an update", perm: permFederationWrite}
	for _, v := range []string{domain, id} {
		if v == "" || strings.ContainsAny(v, "\x00\r\n/?#") || strings.Contains(v, "..") {
			return o.errorf("%q is not a domain or configuration ID; not asked", v)
		}
	}
	return c.patch(ctx, o, "{+baseurl}/domains/{domain}/federationConfiguration/{id}", map[string]string{"domain": domain, "id": id}, fields, federationWritable)
}

// PatchUser sets properties of a user (PATCH /users/{id}; User.ReadWrite.All):
// only those a fix writes, each a string or nil.
func (c *Client) PatchUser(ctx context.Context, id string, fields map[string]any) error {
	o := op{what: "update user " + id, noun: "an update", perm: permUsersWrite}
	if id == "" || strings.ContainsAny(id, "\x00\r\n/?#") || strings.Contains(id, "..") {
		return o.errorf("%q is not a user ID; not asked", id)
	}
	return c.patch(ctx, o, "{+baseurl}/users/{id}", map[string]string{"id": id}, fields, userWritable)
}

// RevokeSessions revokes the user's sign-in sessions (POST
// /users/{id}/revokeSignInSessions; User.ReadWrite.All): every refresh
// token issued before now stops working and
// signInSessionsValidFromDateTime moves to now.
func (c *Client) RevokeSessions(ctx context.Context, id string) error {
	o := op{what: "revoke the sign-in sessions of user " + id, noun: "a revocation answer", perm: permUsersWrite}
	if id == "" || strings.ContainsAny(id, "\x00\r\n/?#") || strings.Contains(id, "..") {
		return o.errorf("%q is not a user ID; not asked", id)
	}
	answer, err := c.sdk.Users().ByUserId(id).RevokeSignInSessions().PostAsRevokeSignInSessionsPostResponse(ctx, nil)
	if err != nil {
		return o.fail(err)
	}
	if answer == nil {
		return o.notA("no value")
	}
	if v := answer.GetValue(); v == nil || !*v {
		return o.errorf("Graph answered that the sessions were not revoked")
	}
	return nil
}

// patch sends a PATCH of the writable fields (strings, or nil to clear)
// and maps Graph's error.
func (c *Client) patch(ctx context.Context, o op, template string, params map[string]string, fields map[string]any, writable map[string]bool) error {
	for k, v := range fields {
		if _, isString := v.(string); !writable[k] || (v != nil && !isString) {
			return o.errorf("%s is not a property o365doctor writes; not asked", k)
		}
	}
	body, err := json.Marshal(fields)
	if err != nil {
		return o.errorf("%v", err)
	}
	ri := abs.NewRequestInformation()
	ri.Method = abs.PATCH
	ri.UrlTemplate = template
	ri.PathParameters = map[string]string{"baseurl": c.sdk.RequestAdapter.GetBaseUrl()}
	for k, v := range params {
		ri.PathParameters[k] = v
	}
	ri.Headers.TryAdd("Accept", "application/json")
	ri.SetStreamContentAndContentType(body, "application/json")
	errs := abs.ErrorMappings{"XXX": odataerrors.CreateODataErrorFromDiscriminatorValue}
	if err := c.sdk.RequestAdapter.SendNoContent(ctx, ri, errs); err != nil {
		return o.fail(err)
	}
	return nil
}

// GrantedRoles are the permissions in the access token's claims: roles
// (an app's) or scp (a signed-in admin's); known is false when the token
// is not a JWT that lists them. The token itself is read here and never
// kept or shown.
func (c *Client) GrantedRoles(ctx context.Context) (roles map[string]bool, known bool, err error) {
	info, err := c.Token(ctx)
	if err != nil || !info.Known {
		return nil, false, err
	}
	roles = map[string]bool{}
	for _, r := range info.Permissions {
		roles[r] = true
	}
	return roles, true, nil
}
