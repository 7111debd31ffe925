package okta

import (
	"context"
	"strings"

	"github.com/o365doctor/o365doctor/internal/model"
)

// CustomDomains lists the org's custom URL domains (GET /api/v1/domains,
// one page: Okta allows a handful per org).
func (c *Client) CustomDomains(ctx context.Context) ([]model.OktaDomain, error) {
	o := op{what: "list custom domains", noun: "a list of domains", perm: "okta.domains.read"}
	list, resp, err := c.sdk.Domain.ListDomains(ctx)
	if err != nil {
		return nil, o.fail(resp, err)
	}
	if list == nil {
		return nil, o.notA("no domains object")
	}
	out := make([]model.OktaDomain, 0, len(list.Domains))
	for _, d := range list.Domains {
		if d == nil || d.Id == "" || d.Domain == "" {
			return nil, o.notA("a domain without id or name")
		}
		out = append(out, model.OktaDomain{ID: model.Clean(d.Id), Domain: strings.ToLower(model.Clean(d.Domain)),
			ValidationStatus: model.Clean(d.ValidationStatus)})
	}
	return out, nil
}
