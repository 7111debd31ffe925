package lab_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/o365doctor/o365doctor/internal/lab"
	"github.com/o365doctor/o365doctor/internal/model"
	"github.com/o365doctor/o365doctor/internal/source/dnsq"
)

// TestDNSFaultsAndWorld: each fault a scenario can give a server, as a real
// client (dnsq) meets it, and the resolver's world beside the zone.
func TestDNSFaultsAndWorld(t *testing.T) {
	t.Parallel()
	sc, err := lab.ParseScenario([]byte(`
name: faults
base: healthy
summary: every DNS fault
trips: []
affectedUser: alice@contoso.com
dns:
  world:
    - {name: "*.wild.example.net", type: TXT, value: "from the wildcard"}
    - {name: spf.protection.outlook.com, type: TXT, value: "-"}
  faults:
    - {server: ns1.contoso.com, name: _dmarc.contoso.com, type: TXT, fault: servfail}
    - {server: ns2.contoso.com, name: _dmarc.contoso.com, fault: refused}
    - {server: resolver, name: autodiscover.contoso.com, fault: timeout}
    - {server: resolver, name: contoso.com, type: MX, fault: notcp}
  errors: [dns.dmarc]
`), "faults.yaml")
	if err != nil {
		t.Fatal(err)
	}
	l, err := lab.Start(lab.Options{Scenario: sc})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Close)
	ns, err := dnsq.ParseNameservers("ns1.contoso.com=" + l.Nameservers["ns1.contoso.com"] + ",ns2.contoso.com=" + l.Nameservers["ns2.contoso.com"])
	if err != nil {
		t.Fatal(err)
	}
	c, err := dnsq.New(dnsq.Config{Resolver: l.DNSAddr, Nameservers: ns, Timeout: 300 * time.Millisecond, Retries: -1})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, tc := range []struct {
		server, name string
		qtype        uint16
		outcome      model.DNSOutcome
		values       string
		err          string
	}{
		{"ns1.contoso.com", "_dmarc.contoso.com", dns.TypeTXT, model.DNSServFail, "", ""},
		{"ns1.contoso.com", "_dmarc.contoso.com", dns.TypeCNAME, model.DNSNoData, "", ""}, // the fault names TXT only
		{"ns2.contoso.com", "_dmarc.contoso.com", dns.TypeCNAME, model.DNSRefused, "", ""},
		{"resolver", "autodiscover.contoso.com", dns.TypeCNAME, model.DNSTimeout, "", "no answer"},
		{"resolver", "contoso.com", dns.TypeMX, model.DNSError, "", "closed the connection"},
		{"resolver", "contoso.com", dns.TypeTXT, model.DNSOK, "MS=ms48213377", ""},
		// The world: wildcards answer with the asked name; "-" removed a
		// built-in record; a name the world lacks does not exist.
		{"resolver", "a.wild.example.net", dns.TypeTXT, model.DNSOK, "from the wildcard", ""},
		{"resolver", "spf.protection.outlook.com", dns.TypeTXT, model.DNSNXDomain, "", ""},
		{"resolver", "selector2-contoso-com._domainkey.contoso.onmicrosoft.com", dns.TypeTXT, model.DNSOK, "v=DKIM1; k=rsa; p=MIGf", ""},
		{"resolver", "nosuch.example.net", dns.TypeA, model.DNSNXDomain, "", ""},
		// The nameservers answer their zone only.
		{"ns1.contoso.com", "spfd.protection.outlook.com", dns.TypeTXT, model.DNSRefused, "", ""},
	} {
		var a model.DNSAnswer
		if tc.server == "resolver" {
			a = c.Lookup(ctx, tc.name, tc.qtype)
		} else {
			a = c.LookupAt(ctx, tc.server, tc.name, tc.qtype)
		}
		if a.Outcome != tc.outcome || !strings.HasPrefix(strings.Join(a.Values(), " "), tc.values) || !strings.Contains(a.Err, tc.err) {
			t.Errorf("%s %s %s: %s %q %q; want %s %q %q", tc.server, dns.TypeToString[tc.qtype], tc.name, a.Outcome, a.Values(), a.Err, tc.outcome, tc.values, tc.err)
		}
		if tc.outcome == model.DNSOK && tc.values == "from the wildcard" && a.Records[0].Name != tc.name {
			t.Errorf("wildcard owner %q", a.Records[0].Name)
		}
		if tc.err == "closed the connection" && !a.Truncated {
			t.Errorf("notcp: the UDP answer should say TC: %+v", a)
		}
	}
}
