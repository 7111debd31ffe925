package lab

import (
	"net/http"
	"strings"
)

// oktaListZones is GET /api/v1/zones: the scenario's network zones shaped
// as the SDK's NetworkZone (the management API's IP and DYNAMIC zones:
// gateways [{type: CIDR|RANGE, value}], proxies null, locations, asns),
// one page (an org has a handful).
func (l *Lab) oktaListZones(w http.ResponseWriter, r *http.Request) {
	out := []any{}
	for _, z := range l.state.scenario.Okta.Zones {
		zone := map[string]any{
			"id": oktaID("nzo", z.Name), "name": z.Name, "type": firstNonEmpty(z.Type, "IP"), "status": "ACTIVE", "usage": "POLICY",
			"system": false, "created": "2024-03-01T09:00:00.000Z", "lastUpdated": "2024-03-01T09:00:00.000Z",
			"_links": map[string]any{"self": map[string]any{"href": "https://" + r.Host + "/api/v1/zones/" + oktaID("nzo", z.Name)}},
		}
		if zone["type"] == "IP" {
			var gw []any
			for _, g := range z.Gateways {
				typ := "CIDR"
				if strings.Contains(g, "-") {
					typ = "RANGE"
				}
				gw = append(gw, map[string]any{"type": typ, "value": g})
			}
			zone["gateways"], zone["proxies"] = gw, nil
		} else {
			var loc []any
			for _, c := range z.Countries {
				loc = append(loc, map[string]any{"country": c, "region": nil})
			}
			zone["locations"], zone["asns"], zone["proxyType"] = loc, []string{}, nil
		}
		out = append(out, zone)
	}
	w.Header().Add("Link", "<https://"+r.Host+r.URL.RequestURI()+`>; rel="self"`)
	writeJSON(w, http.StatusOK, out)
}
