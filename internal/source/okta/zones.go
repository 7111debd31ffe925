package okta

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/okta/okta-sdk-golang/v2/okta"
	"github.com/okta/okta-sdk-golang/v2/okta/query"

	"github.com/o365doctor/o365doctor/internal/model"
)

// NetworkZones lists the org's network zones (GET /api/v1/zones;
// okta.networkZones.read), every page. A gateway that is neither a CIDR nor
// an address range refuses the answer: a zone misread could place a user
// on the wrong side of a rule.
func (c *Client) NetworkZones(ctx context.Context) ([]model.NetworkZone, error) {
	o := op{what: "list network zones", noun: "a list of network zones", perm: "okta.networkZones.read"}
	page, resp, err := c.sdk.NetworkZone.ListNetworkZones(ctx, query.NewQueryParams(query.WithLimit(200)))
	var out []model.NetworkZone
	err = readPages(ctx, o, page, resp, err, func(page []*okta.NetworkZone) error {
		for _, z := range page {
			if z == nil || z.Id == "" {
				return errors.New("a zone without id")
			}
			nz := model.NetworkZone{ID: model.Clean(z.Id), Name: model.Clean(z.Name), Type: model.Clean(z.Type), Status: model.Clean(z.Status)}
			for _, g := range z.Gateways {
				if g == nil {
					continue
				}
				if err := addGateway(&nz, g); err != nil {
					return fmt.Errorf("zone %s: %v", nz.ID, err)
				}
			}
			out = append(out, nz)
		}
		return nil
	})
	return out, err
}

func addGateway(z *model.NetworkZone, g *okta.NetworkZoneAddress) error {
	v := strings.TrimSpace(g.Value)
	switch strings.ToUpper(g.Type) {
	case "CIDR":
		p, err := netip.ParsePrefix(v)
		if err != nil {
			// Okta accepts a bare address as a /32 in the Admin Console.
			a, aErr := netip.ParseAddr(v)
			if aErr != nil {
				return fmt.Errorf("gateway %q is not a CIDR", model.Clean(v))
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		z.Gateways = append(z.Gateways, p.Masked())
	case "RANGE":
		lo, hi, ok := strings.Cut(v, "-")
		a, errA := netip.ParseAddr(strings.TrimSpace(lo))
		b, errB := netip.ParseAddr(strings.TrimSpace(hi))
		if !ok || errA != nil || errB != nil || b.Less(a) {
			return fmt.Errorf("gateway %q is not a range a-b", model.Clean(v))
		}
		z.Ranges = append(z.Ranges, [2]netip.Addr{a.Unmap(), b.Unmap()})
	default:
		return fmt.Errorf("gateway type %q is not CIDR or RANGE", model.Clean(g.Type))
	}
	return nil
}
