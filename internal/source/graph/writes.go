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

// PatchUser sets properties of a user (PATCH /users/{id}; User.ReadWrite.All):
// only those a fix writes, each a string or nil.
func (c *Client) PatchUser(ctx context.Context, id string, fields map[string]any) error {
	o := op{what: "update user " + id, noun: "an update", perm: permUsersWrite}
	if id == "" || strings.ContainsAny(id, "\x00\r\n/?#") || strings.Contains(id, "..") {
		return o.errorf("%q is not a user ID; not asked", id)
	}
	for k, v := range fields {
		if _, isString := v.(string); !userWritable[k] || (v != nil && !isString) {
			return o.errorf("%s is not a property o365doctor writes; not asked", k)
		}
	}
	body, err := json.Marshal(fields)
	if err != nil {
		return o.errorf("%v", err)
	}
	ri := abs.NewRequestInformation()
	ri.Method = abs.PATCH
	ri.UrlTemplate = "{+baseurl}/users/{id}"
	ri.PathParameters = map[string]string{"baseurl": c.sdk.RequestAdapter.GetBaseUrl(), "id": id}
	ri.Headers.TryAdd("Accept", "application/json")
	ri.SetStreamContentAndContentType(body, "application/json")
	errs := abs.ErrorMappings{"XXX": odataerrors.CreateODataErrorFromDiscriminatorValue}
	if err := c.sdk.RequestAdapter.SendNoContent(ctx, ri, errs); err != nil {
		return o.fail(err)
	}
	return nil
}
