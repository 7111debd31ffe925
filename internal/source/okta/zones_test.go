package okta_test

import (
	"context"
	"net/http"
	"net/netip"
	"testing"
	"time"

	"github.com/o365doctor/o365doctor/internal/lab/labtest"
	"github.com/o365doctor/o365doctor/internal/source/okta"
	"github.com/o365doctor/o365doctor/internal/source/sourcetest"
)

// Network zones: an IP zone's CIDR and range gateways place an address, a
// DYNAMIC zone settles nothing, and a gateway of no known form refuses the
// answer.
func TestNetworkZones(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	l := labtest.StartText(t, `name: t
base: healthy
okta:
  zones:
    - {name: HQ, gateways: [203.0.113.0/24, 198.51.100.10-198.51.100.20]}
    - {name: Countries, type: DYNAMIC, countries: [US]}
`)
	c, err := okta.New(ctx, l.Settings())
	if err != nil {
		t.Fatal(err)
	}
	zones, err := c.NetworkZones(ctx)
	if err != nil || len(zones) != 2 || zones[0].Name != "HQ" || zones[0].Type != "IP" || zones[1].Type != "DYNAMIC" {
		t.Fatalf("zones = %+v, %v", zones, err)
	}
	for addr, want := range map[string]bool{"203.0.113.24": true, "198.51.100.15": true, "198.51.100.21": false, "::ffff:203.0.113.9": true} {
		if in, known := zones[0].Contains(netip.MustParseAddr(addr)); !known || in != want {
			t.Errorf("HQ contains %s = %v, %v", addr, in, known)
		}
	}
	if _, known := zones[1].Contains(netip.MustParseAddr("203.0.113.24")); known {
		t.Error("a DYNAMIC zone placed an address")
	}

	srv := sourcetest.Start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sourcetest.JSON(w, 200, []any{map[string]any{"id": "nzo1", "name": "x", "type": "IP", "gateways": []any{map[string]any{"type": "CIDR", "value": "everywhere"}}}})
	}))
	hc, s := client(t, srv, 5*time.Second)
	_, err = hc.NetworkZones(ctx)
	checkLine(t, err, "okta: list network zones: ", `gateway "everywhere" is not a CIDR`, s)
}
