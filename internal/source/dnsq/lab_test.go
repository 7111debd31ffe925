package dnsq_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/o365doctor/o365doctor/internal/lab"
	"github.com/o365doctor/o365doctor/internal/source/dnsq"
)

// startLab serves a scenario; it uses internal/lab and not labtest, which
// would link the Okta and Graph SDKs (and, through internal/checks, this
// package) into the test.
func startLab(t *testing.T, sc *lab.Scenario) *lab.Lab {
	t.Helper()
	l, err := lab.Start(lab.Options{Scenario: sc})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Close)
	return l
}

func startScenario(t *testing.T, name string) *lab.Lab {
	t.Helper()
	sc, err := lab.LoadScenario(name)
	if err != nil {
		t.Fatal(err)
	}
	return startLab(t, sc)
}

// labClient is configured the way the CLI will do it from
// O365DOCTOR_RESOLVER and O365DOCTOR_LAB_NAMESERVERS.
func labClient(t *testing.T, l *lab.Lab) *dnsq.Client {
	t.Helper()
	var pairs []string
	for n, a := range l.Nameservers {
		pairs = append(pairs, n+"="+a)
	}
	ns, err := dnsq.ParseNameservers(strings.Join(pairs, ","))
	if err != nil {
		t.Fatal(err)
	}
	return newClient(t, dnsq.Config{Resolver: l.DNSAddr, Nameservers: ns, Timeout: 5 * time.Second})
}

func sorted(v []string) []string {
	v = append([]string(nil), v...)
	sort.Strings(v)
	return v
}

// TestLabHealthy: the records the DNS checks read, in the shapes they read
// them, through the lab's resolver.
func TestLabHealthy(t *testing.T) {
	t.Parallel()
	l := startScenario(t, "healthy")
	c := labClient(t, l)
	ctx := context.Background()
	for _, tc := range []struct {
		name    string
		qtype   uint16
		outcome dnsq.Outcome
		values  []string
		targets []string
	}{
		{name: "contoso.com", qtype: dns.TypeTXT, outcome: dnsq.OK,
			values: []string{"MS=ms48213377", "v=spf1 include:spf.protection.outlook.com -all"}},
		{name: "Contoso.COM.", qtype: dns.TypeMX, outcome: dnsq.OK,
			values: []string{"0 contoso-com.mail.protection.outlook.com."}, targets: []string{"contoso-com.mail.protection.outlook.com"}},
		{name: "autodiscover.contoso.com", qtype: dns.TypeCNAME, outcome: dnsq.OK,
			values: []string{"autodiscover.outlook.com."}, targets: []string{"autodiscover.outlook.com"}},
		{name: "enterpriseregistration.contoso.com", qtype: dns.TypeCNAME, outcome: dnsq.OK,
			values: []string{"enterpriseregistration.windows.net."}, targets: []string{"enterpriseregistration.windows.net"}},
		{name: "_dmarc.contoso.com", qtype: dns.TypeTXT, outcome: dnsq.OK,
			values: []string{"v=DMARC1; p=quarantine; rua=mailto:dmarc@contoso.com"}},
		{name: "_sipfederationtls._tcp.contoso.com", qtype: dns.TypeSRV, outcome: dnsq.OK,
			values: []string{"100 1 5061 sipfed.online.lync.com."}, targets: []string{"sipfed.online.lync.com"}},
		{name: "contoso.com", qtype: dns.TypeNS, outcome: dnsq.OK,
			values: []string{"ns1.contoso.com.", "ns2.contoso.com."}, targets: []string{"ns1.contoso.com", "ns2.contoso.com"}},
		{name: "www.contoso.com", qtype: dns.TypeA, outcome: dnsq.OK, values: []string{"203.0.113.10"}},
		{name: "www.contoso.com", qtype: dns.TypeMX, outcome: dnsq.NoData},
		{name: "_autodiscover._tcp.contoso.com", qtype: dns.TypeSRV, outcome: dnsq.NXDomain},
		{name: "nosuch.contoso.com", qtype: dns.TypeTXT, outcome: dnsq.NXDomain},
		// Outside its zones the lab's resolver answers from its small
		// world (Microsoft's hosts, SPF includes, DKIM keys): a name the
		// world lacks in a domain it knows does not exist, a name in
		// another domain is refused; it never recurses to the internet.
		{name: "example.org", qtype: dns.TypeTXT, outcome: dnsq.Refused},
		{name: "nosuch.outlook.com", qtype: dns.TypeTXT, outcome: dnsq.NXDomain},
		{name: "spf.protection.outlook.com", qtype: dns.TypeTXT, outcome: dnsq.OK, values: []string{
			"v=spf1 ip4:40.92.0.0/15 ip4:40.107.0.0/16 ip4:52.100.0.0/15 ip4:52.102.0.0/16 ip4:52.103.0.0/17 ip4:104.47.0.0/17 ip6:2a01:111:f400::/48 ip6:2a01:111:f403::/49 ip6:2a01:111:f403:8000::/50 ip6:2a01:111:f403:c000::/51 ip6:2a01:111:f403:f000::/52 include:spfd.protection.outlook.com -all"}},
		// A wildcard answers with the asked name as owner.
		{name: "contoso-com.mail.protection.outlook.com", qtype: dns.TypeA, outcome: dnsq.OK, values: []string{"52.101.68.18"}},
		{name: "contoso-com.mail.protection.outlook.com", qtype: dns.TypeAAAA, outcome: dnsq.NoData},
	} {
		a := c.Lookup(ctx, tc.name, tc.qtype)
		var targets []string
		for _, r := range a.OfType() {
			if r.Target != "" {
				targets = append(targets, r.Target)
			}
		}
		if a.Outcome != tc.outcome || !reflect.DeepEqual(sorted(a.Values()), tc.values) || !reflect.DeepEqual(sorted(targets), tc.targets) {
			t.Errorf("%s %s: %s %q %q (%s); want %s %q %q", tc.name, dns.TypeToString[tc.qtype], a.Outcome, a.Values(), targets, a.Err, tc.outcome, tc.values, tc.targets)
		}
		if a.Server != l.DNSAddr || a.Authoritative {
			t.Errorf("%s: server %s authoritative=%v; want the resolver, not authoritative", tc.name, a.Server, a.Authoritative)
		}
	}

	// An A question for the alias: the resolver answers the CNAME, and
	// the target (outside the zone) when asked again, from its world.
	a := c.Lookup(ctx, "autodiscover.contoso.com", dns.TypeA)
	if a.Outcome != dnsq.OK || len(a.Records) != 2 || a.Records[0].Target != "autodiscover.outlook.com" || a.Records[1].Value != "52.98.60.8" {
		t.Errorf("autodiscover A: %+v", a)
	}

	ns, err := c.Authoritative(ctx, "contoso.com.")
	if err != nil || !reflect.DeepEqual(ns, []string{"ns1.contoso.com", "ns2.contoso.com"}) {
		t.Fatalf("Authoritative = %v, %v", ns, err)
	}
	// Each nameserver, asked directly at its lab port, answers with AA.
	each, err := c.LookupEach(ctx, "contoso.com", "contoso.com", dns.TypeMX)
	if err != nil || len(each) != 2 {
		t.Fatalf("LookupEach = %v, %v", each, err)
	}
	for i, a := range each {
		if a.Server != ns[i] || a.Addr != l.Nameservers[ns[i]] || !a.Authoritative || a.Outcome != dnsq.OK ||
			!reflect.DeepEqual(a.Values(), []string{"0 contoso-com.mail.protection.outlook.com."}) {
			t.Errorf("LookupEach[%d] = %+v", i, a)
		}
	}
	// LookupAt by NS name, any case, with a trailing dot.
	if a := c.LookupAt(ctx, "NS2.contoso.com.", "_dmarc.contoso.com", dns.TypeTXT); a.Outcome != dnsq.OK || a.Addr != l.Nameservers["ns2.contoso.com"] {
		t.Errorf("LookupAt ns2: %+v", a)
	}
	// An authoritative server asked about another zone refuses.
	if a := c.LookupAt(ctx, "ns1.contoso.com", "example.org", dns.TypeTXT); a.Outcome != dnsq.Refused || !a.Authoritative {
		t.Errorf("LookupAt other zone: %+v", a)
	}
	// A zone without NS records, and one the resolver refuses: the
	// error carries the answer, so NODATA and REFUSED stay apart.
	for _, tc := range []struct {
		zone    string
		outcome dnsq.Outcome
		msg     string
	}{
		{zone: "www.contoso.com", outcome: dnsq.NoData, msg: "dnsq: NS www.contoso.com from " + l.DNSAddr + ": no NS record (NODATA)"},
		{zone: "example.org", outcome: dnsq.Refused, msg: "dnsq: NS example.org from " + l.DNSAddr + ": REFUSED"},
	} {
		_, err := c.LookupEach(ctx, tc.zone, tc.zone, dns.TypeTXT)
		var le *dnsq.LookupError
		if !errors.As(err, &le) || le.Answer.Outcome != tc.outcome || err.Error() != tc.msg {
			t.Errorf("LookupEach(%s) error = %v", tc.zone, err)
		}
	}
}

// TestLabBroken: dns-broken's defects come out as the checks need them.
func TestLabBroken(t *testing.T) {
	t.Parallel()
	l := startScenario(t, "dns-broken")
	c := labClient(t, l)
	ctx := context.Background()
	txt := c.Lookup(ctx, "contoso.com", dns.TypeTXT)
	for _, v := range txt.Values() {
		if strings.HasPrefix(v, "MS=") {
			t.Errorf("the verification TXT is still there: %q", txt.Values())
		}
	}
	if txt.Outcome != dnsq.OK || !reflect.DeepEqual(txt.Values(), []string{"v=spf1 include:_spf.oldmail.example.net ~all"}) {
		t.Errorf("TXT: %s %q", txt.Outcome, txt.Values())
	}
	if mx := c.Lookup(ctx, "contoso.com", dns.TypeMX); !reflect.DeepEqual(mx.Values(), []string{"10 mx1.oldmail.example.net."}) {
		t.Errorf("MX: %s %q", mx.Outcome, mx.Values())
	}
	if ad := c.Lookup(ctx, "autodiscover.contoso.com", dns.TypeCNAME); ad.Outcome != dnsq.NXDomain {
		t.Errorf("autodiscover: %s %q", ad.Outcome, ad.Values())
	}
	if srv := c.Lookup(ctx, "_autodiscover._tcp.contoso.com", dns.TypeSRV); srv.Outcome != dnsq.OK || srv.OfType()[0].Target != "mail.oldmail.example.net" {
		t.Errorf("stray SRV: %+v", srv)
	}
}

// TestLabPropagation: ns2 still serves the old zone, and the resolver
// (split horizon) lacks the MS= record: LookupEach and Lookup show both.
func TestLabPropagation(t *testing.T) {
	t.Parallel()
	l := startScenario(t, "dns-propagation")
	c := labClient(t, l)
	ctx := context.Background()
	mx, err := c.LookupEach(ctx, "contoso.com", "contoso.com", dns.TypeMX)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	for _, a := range mx {
		got[a.Server] = a.Values()
	}
	want := map[string][]string{
		"ns1.contoso.com": {"0 contoso-com.mail.protection.outlook.com."},
		"ns2.contoso.com": {"10 mx1.oldmail.example.net."},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("MX per NS = %q, want %q", got, want)
	}
	txt, err := c.LookupEach(ctx, "contoso.com", "contoso.com", dns.TypeTXT)
	if err != nil {
		t.Fatal(err)
	}
	if v := sorted(txt[0].Values()); !reflect.DeepEqual(v, []string{"MS=ms48213377", "v=spf1 include:spf.protection.outlook.com -all"}) {
		t.Errorf("ns1 TXT = %q", v)
	}
	if v := txt[1].Values(); !reflect.DeepEqual(v, []string{"v=spf1 include:_spf.oldmail.example.net ~all"}) {
		t.Errorf("ns2 TXT = %q", v)
	}
	if v := c.Lookup(ctx, "contoso.com", dns.TypeTXT).Values(); !reflect.DeepEqual(v, []string{"v=spf1 include:spf.protection.outlook.com -all"}) {
		t.Errorf("resolver TXT = %q (split horizon: no MS=)", v)
	}
}

// TestLabTruncation: the lab truncates a UDP answer larger than the
// client's buffer; the adapter asks again over TCP and gets it whole.
func TestLabTruncation(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("name: dnsq-big-txt\nbase: healthy\nsummary: many TXT records\ndns:\n  records:\n")
	var want []string
	for i := 0; i < 30; i++ {
		v := fmt.Sprintf("token-%02d-%s", i, strings.Repeat("z", 50))
		want = append(want, v)
		fmt.Fprintf(&b, "    - {name: big.contoso.com, type: TXT, value: %q}\n", v)
	}
	sc, err := lab.ParseScenario([]byte(b.String()), "dnsq-big-txt.yaml")
	if err != nil {
		t.Fatal(err)
	}
	l := startLab(t, sc)
	c := labClient(t, l)
	a := c.Lookup(context.Background(), "big.contoso.com", dns.TypeTXT)
	if a.Outcome != dnsq.OK || !a.Truncated || !reflect.DeepEqual(sorted(a.Values()), want) {
		t.Errorf("got %s truncated=%v %d values (%s)", a.Outcome, a.Truncated, len(a.Values()), a.Err)
	}
	each, err := c.LookupEach(context.Background(), "contoso.com", "big.contoso.com", dns.TypeTXT)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range each {
		if !a.Truncated || len(a.Values()) != 30 {
			t.Errorf("%s: truncated=%v %d values", a.Server, a.Truncated, len(a.Values()))
		}
	}
}

// TestLabIDN: a Unicode name is asked as its punycode.
func TestLabIDN(t *testing.T) {
	t.Parallel()
	l := startScenario(t, "healthy")
	c := labClient(t, l)
	// The lab has no IDN zone: the punycode question goes out and is
	// refused, which shows it was asked in ASCII (a Unicode name would
	// be an error before sending).
	a := c.Lookup(context.Background(), "Bücher.example", dns.TypeTXT)
	if a.Name != "xn--bcher-kva.example" || a.Outcome != dnsq.Refused {
		t.Errorf("IDN: %+v", a)
	}
}

// TestLookupAtAddress: without an override a nameserver is looked up
// through the resolver, and one it cannot find is an error naming what
// failed. (Asking a found one would go to port 53: no test does, as
// something else may listen there.)
func TestLookupAtAddress(t *testing.T) {
	t.Parallel()
	l := startScenario(t, "healthy")
	c := newClient(t, dnsq.Config{Resolver: l.DNSAddr, Timeout: 300 * time.Millisecond, Retries: -1})
	ctx := context.Background()
	a := c.LookupAt(ctx, "nosuch.contoso.com", "contoso.com", dns.TypeMX)
	if a.Outcome != dnsq.Error || a.Err != "the address of nameserver nosuch.contoso.com: AAAA nosuch.contoso.com from "+l.DNSAddr+": NXDOMAIN" &&
		a.Err != "the address of nameserver nosuch.contoso.com: A nosuch.contoso.com from "+l.DNSAddr+": NXDOMAIN" {
		t.Errorf("unknown NS: %+v", a)
	}
	// An IP:port is asked as it is.
	a = c.LookupAt(ctx, l.Nameservers["ns1.contoso.com"], "contoso.com", dns.TypeMX)
	if a.Outcome != dnsq.OK || a.Server != l.Nameservers["ns1.contoso.com"] {
		t.Errorf("by address: %+v", a)
	}
}
