package okta

import "github.com/okta/okta-sdk-golang/v2/okta"

// SDK exposes the pinned SDK client to the contract tests, which decode
// every lab endpoint into the SDK's own types.
func SDK(c *Client) *okta.Client { return c.sdk }
