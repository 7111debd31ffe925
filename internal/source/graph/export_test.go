package graph

import msgraphsdk "github.com/microsoftgraph/msgraph-sdk-go"

// SDK exposes the configured SDK client to the contract tests.
func SDK(c *Client) *msgraphsdk.GraphServiceClient { return c.sdk }
