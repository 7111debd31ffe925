package checks_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/o365doctor/o365doctor/internal/checks"
	"github.com/o365doctor/o365doctor/internal/model"
)

// fakeDNS answers the DNS checks' questions from a table, in-process: the
// resolver ("resolver") and each nameserver. A record key is
// "SERVER|TYPE name"; SERVER "" is every server. A name without a key does
// not exist; a key with no records is NODATA.
type fakeDNS struct {
	ns      []string
	soa     string // the SOA MNAME; "" = the first NS
	nsErr   error
	records map[string][]model.DNSRR
	fail    map[string]model.DNSAnswer // forced answers, same keys
	asked   atomic.Int32
	nsAsked atomic.Int32      // NS sets asked
	dead    map[string]string // nameservers that answer nothing: why
}

func newFakeDNS() *fakeDNS {
	d := &fakeDNS{ns: []string{"ns1.contoso.com", "ns2.contoso.com"}, records: map[string][]model.DNSRR{}, fail: map[string]model.DNSAnswer{}}
	for _, r := range healthyZone() {
		d.add("", r)
	}
	return d
}

func (d *fakeDNS) add(server string, rrs ...model.DNSRR) {
	for _, r := range rrs {
		k := server + "|" + r.Type + " " + r.Name
		d.records[k] = append(d.records[k], r)
	}
}

// set replaces a name's records of a type on a server ("" every server);
// no records: NODATA.
func (d *fakeDNS) set(server, qtype, name string, rrs ...model.DNSRR) {
	d.records[server+"|"+qtype+" "+name] = rrs
}

func (d *fakeDNS) remove(qtype, name string) { delete(d.records, "|"+qtype+" "+name) }

func (d *fakeDNS) answer(server, name, qtype string) model.DNSAnswer {
	d.asked.Add(1)
	a := model.DNSAnswer{Name: name, Type: qtype, Server: server, Outcome: model.DNSOK}
	if why, ok := d.dead[server]; ok {
		a.Outcome, a.Err = model.DNSTimeout, why
		return a
	}
	for _, k := range []string{server + "|" + qtype + " " + name, "|" + qtype + " " + name} {
		if f, ok := d.fail[k]; ok {
			f.Name, f.Type, f.Server = name, qtype, server
			return f
		}
	}
	recs, ok := d.records[server+"|"+qtype+" "+name]
	if !ok {
		recs, ok = d.records["|"+qtype+" "+name]
	}
	switch {
	case !ok:
		a.Outcome = model.DNSNXDomain
	case len(recs) == 0:
		a.Outcome = model.DNSNoData
	}
	a.Records = recs
	return a
}

func (d *fakeDNS) Lookup(_ context.Context, name, qtype string) model.DNSAnswer {
	if qtype == "SOA" && name == "contoso.com" {
		mname := d.soa
		if mname == "" && len(d.ns) > 0 {
			mname = d.ns[0]
		}
		return model.DNSAnswer{Name: name, Type: "SOA", Server: "resolver", Outcome: model.DNSOK,
			Records: []model.DNSRR{{Name: name, Type: "SOA", Value: mname + ". hostmaster.contoso.com. 1 7200 3600 1209600 300"}}}
	}
	return d.answer("resolver", name, qtype)
}

func (d *fakeDNS) Authoritative(_ context.Context, zone string) ([]string, error) {
	d.nsAsked.Add(1)
	if d.nsErr != nil {
		return nil, d.nsErr
	}
	if zone != "contoso.com" {
		return nil, fmt.Errorf("dnsq: NS %s from resolver: no NS record (NODATA)", zone)
	}
	return d.ns, nil
}

func (d *fakeDNS) LookupServers(_ context.Context, servers []string, name, qtype string) []model.DNSAnswer {
	var out []model.DNSAnswer
	for _, ns := range servers {
		out = append(out, d.answer(ns, name, qtype))
	}
	return out
}

func (d *fakeDNS) Resolver() string { return "192.0.2.53:53" }

func txt(name, v string) model.DNSRR { return model.DNSRR{Name: name, Type: "TXT", Value: v} }
func cname(name, target string) model.DNSRR {
	return model.DNSRR{Name: name, Type: "CNAME", Value: target + ".", Target: target}
}
func mx(name string, pref uint16, host string) model.DNSRR {
	return model.DNSRR{Name: name, Type: "MX", Value: fmt.Sprintf("%d %s.", pref, host), Pref: pref, Target: host}
}
func addr(name, ip string) model.DNSRR { return model.DNSRR{Name: name, Type: "A", Value: ip} }

const dkimKey = "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQCjXVG8tt0mPPwcIy5xgWCmaKRPeV+H6xRT96NVewlSdZpQ9wra40iNYJaZAg7EFzkoTnglfWjZ40vFSmoUgxzarrqnMYpInA8dxLDWoRjfv9NqrkkPzgsTXK0bNsf9x1pUVsPv/GEJKAzcpymp9aIZNxLiFZxdCIU+qh+jIPH4HwIDAQAB"

// healthyZone is contoso.com with everything Microsoft 365 needs, and
// the outside names it points at.
func healthyZone() []model.DNSRR {
	return []model.DNSRR{
		txt("contoso.com", "MS=ms48213377"),
		txt("contoso.com", "v=spf1 include:spf.protection.outlook.com -all"),
		mx("contoso.com", 0, "contoso-com.mail.protection.outlook.com"),
		cname("autodiscover.contoso.com", "autodiscover.outlook.com"),
		cname("enterpriseregistration.contoso.com", "enterpriseregistration.windows.net"),
		cname("enterpriseenrollment.contoso.com", "enterpriseenrollment-s.manage.microsoft.com"),
		cname("selector1._domainkey.contoso.com", "selector1-contoso-com._domainkey.contoso.onmicrosoft.com"),
		cname("selector2._domainkey.contoso.com", "selector2-contoso-com._domainkey.contoso.onmicrosoft.com"),
		txt("_dmarc.contoso.com", "v=DMARC1; p=reject; rua=mailto:d@contoso.com"),
		txt("spf.protection.outlook.com", "v=spf1 ip4:40.92.0.0/15 include:spfd.protection.outlook.com -all"),
		txt("spfd.protection.outlook.com", "v=spf1 ip4:51.4.72.0/24 -all"),
		addr("contoso-com.mail.protection.outlook.com", "52.101.68.18"),
		addr("autodiscover.outlook.com", "52.98.60.8"),
		txt("selector1-contoso-com._domainkey.contoso.onmicrosoft.com", "v=DKIM1; k=rsa; p="+dkimKey),
		txt("selector2-contoso-com._domainkey.contoso.onmicrosoft.com", "v=DKIM1; k=rsa; p="+dkimKey),
	}
}

// dnsGraph is the Graph side the DNS checks read; every other method
// panics (the runner turns that into an error, which a test would see).
type dnsGraph struct {
	checks.GraphAPI
	verification, service []model.DNSRecord
	initial               string
	err                   error
}

func (g dnsGraph) VerificationRecords(context.Context, string) ([]model.DNSRecord, error) {
	return g.verification, g.err
}
func (g dnsGraph) ServiceRecords(context.Context, string) ([]model.DNSRecord, error) {
	return g.service, g.err
}
func (g dnsGraph) Organization(context.Context) (model.Organization, error) {
	return model.Organization{VerifiedDomains: []model.VerifiedDomain{{Name: g.initial, IsInitial: true}}}, g.err
}

func runDNSChecks(t *testing.T, d *fakeDNS, g checks.GraphAPI) map[string]checks.Result {
	t.Helper()
	return runDNSChecksFor(t, "contoso.com", d, g)
}

func runDNSChecksFor(t *testing.T, domain string, d *fakeDNS, g checks.GraphAPI) map[string]checks.Result {
	t.Helper()
	list, err := checks.Select(checks.All(), nil, []string{"dns"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	src := checks.Sources{DNS: d}
	if g != nil {
		src.Graph = g
	}
	out := map[string]checks.Result{}
	for _, r := range checks.Run(context.Background(), list, checks.DomainSubject(domain), src, checks.RunOptions{}, nil) {
		out[r.CheckID] = r
	}
	return out
}

// evidenceText is every evidence value and source of a result, for
// asserting what it rests on.
func evidenceText(r checks.Result) string {
	var b strings.Builder
	for _, f := range r.Findings {
		for _, e := range f.Evidence {
			switch e := e.(type) {
			case checks.Value:
				fmt.Fprintf(&b, "%s=%s [%s]\n", e.Field, e.Value, e.Source)
			case checks.Comparison:
				for _, s := range e.Sides {
					fmt.Fprintf(&b, "%s: %s=%s [%s]\n", e.What, s.Field, s.Value, s.Source)
				}
			}
		}
	}
	return b.String()
}

func want(t *testing.T, rs map[string]checks.Result, id string, status checks.Status, msg ...string) checks.Result {
	t.Helper()
	r, ok := rs[id]
	if !ok {
		t.Fatalf("%s did not run", id)
	}
	if r.Status != status {
		t.Errorf("%s = %s (%s), want %s", id, r.Status, r.Message, status)
	}
	for _, m := range msg {
		if !strings.Contains(r.Message, m) {
			t.Errorf("%s message %q lacks %q", id, r.Message, m)
		}
	}
	return r
}

func TestDNSChecksOnAHealthyZoneWithoutGraph(t *testing.T) {
	d := newFakeDNS()
	rs := runDNSChecks(t, d, nil)
	for id, r := range rs {
		if r.Status != checks.StatusPass {
			t.Errorf("%s = %s: %s", id, r.Status, r.Message)
		}
	}
	if ev := evidenceText(rs["dns.mx"]); !strings.Contains(ev, "Microsoft's documented default (Graph not configured)") || !strings.Contains(ev, "A contoso-com.mail.protection.outlook.com @ resolver") {
		t.Errorf("mx evidence:\n%s", ev)
	}
	want(t, rs, "dns.dkim", checks.StatusPass, "without Graph o365doctor cannot tell")
	want(t, rs, "dns.spf", checks.StatusPass, "2 of 10")
	want(t, rs, "dns.dmarc", checks.StatusPass, "p=reject")
	// One snapshot: 9 questions x (2 NS + resolver), the SOA, 2 MX host
	// questions, the autodiscover/registration/enrollment targets, 2 DKIM
	// keys and 2 SPF includes — each asked once for the nine checks.
	if n := d.asked.Load(); n != 9*3+2+3+2+2 {
		t.Errorf("asked %d questions", n)
	}
}

func TestDNSChecksJudgeThePrimaryNameserver(t *testing.T) {
	d := newFakeDNS()
	d.soa = "ns2.contoso.com"
	d.set("ns2.contoso.com", "MX", "contoso.com", mx("contoso.com", 10, "mx1.oldmail.example.net"))
	d.add("", addr("mx1.oldmail.example.net", "198.51.100.25"))
	rs := runDNSChecks(t, d, nil)
	r := want(t, rs, "dns.mx", checks.StatusFail, "mx1.oldmail.example.net", "not to Exchange Online")
	if ev := evidenceText(r); !strings.Contains(ev, "ns2.contoso.com (the SOA MNAME of ns1.contoso.com, ns2.contoso.com)") || !strings.Contains(ev, "MX contoso.com @ ns2.contoso.com") {
		t.Errorf("evidence:\n%s", ev)
	}
	want(t, rs, "dns.propagation", checks.StatusWarn, "disagree on 1 name")
	// The resolver gives ns1's answer: that is propagation, not split horizon.
	want(t, rs, "dns.split-horizon", checks.StatusPass)

	// An SOA naming a server outside the NS set: the first NS is judged.
	d.soa = "hidden-primary.contoso.com"
	rs = runDNSChecks(t, d, nil)
	r = want(t, rs, "dns.mx", checks.StatusPass)
	if ev := evidenceText(r); !strings.Contains(ev, "the SOA MNAME hidden-primary.contoso.com is not among them") {
		t.Errorf("evidence:\n%s", ev)
	}
}

func TestDNSChecksFallBackToTheResolver(t *testing.T) {
	d := newFakeDNS()
	d.nsErr = errors.New("dnsq: NS contoso.com from 192.0.2.53:53: SERVFAIL")
	rs := runDNSChecks(t, d, nil)
	r := want(t, rs, "dns.verification-txt", checks.StatusPass)
	if ev := evidenceText(r); !strings.Contains(ev, "the resolver 192.0.2.53:53, because no authoritative nameserver could be asked: NS contoso.com from 192.0.2.53:53: SERVFAIL") {
		t.Errorf("evidence:\n%s", ev)
	}
	want(t, rs, "dns.propagation", checks.StatusError, "could not be asked")
	want(t, rs, "dns.split-horizon", checks.StatusError, "nothing to compare")
}

func TestUnansweredNamesErrorOnlyTheChecksThatReadThem(t *testing.T) {
	d := newFakeDNS()
	d.fail["|CNAME selector1._domainkey.contoso.com"] = model.DNSAnswer{Outcome: model.DNSTimeout, Err: "no answer from 192.0.2.1:53 in 5s (2 tries)"}
	// A CNAME loop behind the autodiscover target, as dnsq reports it.
	d.fail["resolver|A autodiscover.outlook.com"] = model.DNSAnswer{Outcome: model.DNSError, Err: "CNAME loop: a -> b -> a"}
	rs := runDNSChecks(t, d, nil)
	want(t, rs, "dns.dkim", checks.StatusError, "CNAME selector1._domainkey.contoso.com from ns1.contoso.com: no answer from 192.0.2.1:53 in 5s")
	want(t, rs, "dns.propagation", checks.StatusError)
	want(t, rs, "dns.split-horizon", checks.StatusError)
	for _, id := range []string{"dns.verification-txt", "dns.mx", "dns.spf", "dns.device-registration", "dns.dmarc"} {
		want(t, rs, id, checks.StatusPass)
	}
	// The loop is evidence of the autodiscover target, not a failure of
	// the record the domain publishes.
	r := want(t, rs, "dns.autodiscover", checks.StatusPass)
	if ev := evidenceText(r); !strings.Contains(ev, "CNAME loop") {
		t.Errorf("evidence:\n%s", ev)
	}
}

func TestMXShapes(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mx     []model.DNSRR
		status checks.Status
		msg    string
	}{
		{"mx.microsoft", []model.DNSRR{mx("contoso.com", 0, "contoso-com.a-v1.mx.microsoft")}, checks.StatusPass, "Exchange Online"},
		{"null MX", []model.DNSRR{mx("contoso.com", 0, "")}, checks.StatusFail, "null MX"},
		{"backup elsewhere", []model.DNSRR{mx("contoso.com", 0, "contoso-com.mail.protection.outlook.com"), mx("contoso.com", 20, "backup.example.net")}, checks.StatusWarn, "bypasses Exchange Online Protection"},
		{"host does not resolve", []model.DNSRR{mx("contoso.com", 0, "gone.mail.protection.outlook.com")}, checks.StatusFail, "does not resolve"},
		{"none", nil, checks.StatusFail, "no MX record"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := newFakeDNS()
			d.set("", "MX", "contoso.com", tc.mx...)
			d.add("", addr("contoso-com.a-v1.mx.microsoft", "52.101.41.58"))
			want(t, runDNSChecks(t, d, nil), "dns.mx", tc.status, tc.msg)
		})
	}
}

func TestDNSChecksCompareWithGraph(t *testing.T) {
	g := dnsGraph{initial: "contoso.onmicrosoft.com",
		verification: []model.DNSRecord{{Type: "Txt", Label: "contoso.com", Value: "MS=ms11111111"}},
		service: []model.DNSRecord{{Type: "Mx", Label: "contoso.com", Value: "contoso-com01b.mail.protection.outlook.com"},
			{Type: "CName", Label: "autodiscover.contoso.com", Value: "autodiscover.outlook.com"}}}
	d := newFakeDNS()
	d.set("", "CNAME", "selector2._domainkey.contoso.com", cname("selector2._domainkey.contoso.com", "selector2-contoso-com._domainkey.fabrikam.onmicrosoft.com"))
	rs := runDNSChecks(t, d, g)
	r := want(t, rs, "dns.verification-txt", checks.StatusWarn, "MS=ms48213377, not the record Entra asks for (MS=ms11111111)")
	if ev := evidenceText(r); !strings.Contains(ev, "verificationDnsRecords Txt text=MS=ms11111111 [GET /domains/contoso.com/verificationDnsRecords]") {
		t.Errorf("evidence:\n%s", ev)
	}
	want(t, rs, "dns.mx", checks.StatusWarn, "not the one Entra lists (contoso-com01b.mail.protection.outlook.com)")
	want(t, rs, "dns.dkim", checks.StatusWarn, "tenant fabrikam's key", "not this tenant's (contoso)")
	want(t, rs, "dns.autodiscover", checks.StatusPass)

	// Graph unreachable: the defaults, and the evidence says why.
	g.err = errors.New("graph: GET /domains/contoso.com/serviceConfigurationRecords: 503")
	rs = runDNSChecks(t, newFakeDNS(), g)
	r = want(t, rs, "dns.mx", checks.StatusPass)
	if ev := evidenceText(r); !strings.Contains(ev, "Microsoft's documented default (Graph serviceConfigurationRecords: graph: GET /domains/contoso.com/serviceConfigurationRecords: 503)") {
		t.Errorf("evidence:\n%s", ev)
	}
	want(t, rs, "dns.dkim", checks.StatusPass, "cannot tell whether it is this one")
}

func TestDKIMShapes(t *testing.T) {
	for _, tc := range []struct {
		name   string
		target string
		key    string
		status checks.Status
		msg    string
	}{
		{"hosted form", "selector1-contoso-com._domainkey.contoso.r-v1.dkim.mail.microsoft", "v=DKIM1; k=rsa; p=" + dkimKey, checks.StatusPass, "holds a DKIM key"},
		{"swapped", "selector2-contoso-com._domainkey.contoso.onmicrosoft.com", "", checks.StatusWarn, "swapped"},
		{"elsewhere", "s1.dkim.othermail.example.net", "", checks.StatusWarn, "not a Microsoft 365 DKIM key"},
		{"revoked", "selector1-contoso-com._domainkey.contoso.onmicrosoft.com", "v=DKIM1; p=", checks.StatusWarn, "revoked"},
		{"not base64", "selector1-contoso-com._domainkey.contoso.onmicrosoft.com", "v=DKIM1; p=!!!", checks.StatusWarn, "not base64"},
		{"not a key", "selector1-contoso-com._domainkey.contoso.onmicrosoft.com", "v=DKIM1; p=aGVsbG8=", checks.StatusWarn, "not a public key"},
		{"another domain's key", "selector1-fabrikam-com._domainkey.contoso.onmicrosoft.com", "v=DKIM1; k=rsa; p=" + dkimKey, checks.StatusWarn, "another domain (fabrikam-com, not contoso-com"},
		{"another domain's key, hosted form", "selector1-contoso-net._domainkey.contoso.r-v1.dkim.mail.microsoft", "v=DKIM1; k=rsa; p=" + dkimKey, checks.StatusWarn, "(contoso-net, not contoso-com"},
		{"no key yet", "selector1-contoso-com._domainkey.contoso.onmicrosoft.com", "-", checks.StatusWarn, "DKIM is not enabled"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := newFakeDNS()
			d.set("", "CNAME", "selector1._domainkey.contoso.com", cname("selector1._domainkey.contoso.com", tc.target))
			switch tc.key {
			case "-":
				d.set("", "TXT", tc.target)
			case "":
			default:
				d.set("", "TXT", tc.target, txt(tc.target, tc.key))
			}
			want(t, runDNSChecks(t, d, nil), "dns.dkim", tc.status, tc.msg)
		})
	}
}

func TestDMARCShapes(t *testing.T) {
	for _, tc := range []struct {
		records []string
		status  checks.Status
		msg     string
	}{
		{[]string{"v=DMARC1; p=none; rua=mailto:x@contoso.com"}, checks.StatusPass, "only monitors"},
		{[]string{"v=DMARC1; p=quarantine; pct=50"}, checks.StatusPass, "p=quarantine"},
		{nil, checks.StatusWarn, "no DMARC record"},
		{[]string{"v=DMARC1; p=none", "v=DMARC1; p=reject"}, checks.StatusWarn, "2 DMARC records"},
		{[]string{"v=DMARC1; p=block"}, checks.StatusWarn, `p="block"`},
		{[]string{"v=DMARC1; rua=mailto:x@contoso.com"}, checks.StatusWarn, `p=""`},
		{[]string{"v=DMARC1; p"}, checks.StatusWarn, "does not parse"},
		{[]string{"p=reject; v=DMARC1"}, checks.StatusWarn, "no DMARC record"},
	} {
		d := newFakeDNS()
		var rrs []model.DNSRR
		for _, v := range tc.records {
			rrs = append(rrs, txt("_dmarc.contoso.com", v))
		}
		if rrs == nil {
			d.remove("TXT", "_dmarc.contoso.com")
		} else {
			d.set("", "TXT", "_dmarc.contoso.com", rrs...)
		}
		want(t, runDNSChecks(t, d, nil), "dns.dmarc", tc.status, tc.msg)
	}
}

func TestSPFShapesAndHostileRecords(t *testing.T) {
	long := "v=spf1 " + strings.Repeat("include:x.example.net/", 200) + " -all"
	for _, tc := range []struct {
		name   string
		apex   []string
		status checks.Status
		msg    string
	}{
		{"two records", []string{"v=spf1 -all", "v=spf1 include:spf.protection.outlook.com -all"}, checks.StatusFail, "more than one v=spf1 record"},
		{"none", []string{"MS=ms48213377"}, checks.StatusFail, "no SPF record"},
		{"plus all", []string{"v=spf1 include:spf.protection.outlook.com +all"}, checks.StatusWarn, "+all"},
		{"nested", []string{"v=spf1 include:_spf.contoso.com -all"}, checks.StatusPass, "through _spf.contoso.com"},
		{"4000 bytes of garbage", []string{long}, checks.StatusFail, "permerror"},
		{"control bytes", []string{"v=spf1 include:spf.protection.outlook.com \x1b[31m -all"}, checks.StatusFail, "permerror"},
		{"minus include", []string{"v=spf1 -include:spf.protection.outlook.com ~all"}, checks.StatusFail, "only through -include:spf.protection.outlook.com, qualified -"},
		{"softfail include", []string{"v=spf1 ~include:spf.protection.outlook.com -all"}, checks.StatusWarn, "qualified ~ (softfail)"},
		{"neutral include", []string{"v=spf1 ?include:spf.protection.outlook.com -all"}, checks.StatusWarn, "qualified ? (neutral)"},
		{"through a softfail include", []string{"v=spf1 ~include:_spf.contoso.com -all"}, checks.StatusWarn, "only through ~include:_spf.contoso.com"},
		{"include after all", []string{"v=spf1 -all include:spf.protection.outlook.com"}, checks.StatusFail, "only after its all mechanism"},
		{"lookups after all not counted", []string{"v=spf1 include:spf.protection.outlook.com -all a a a a a a a a a a"}, checks.StatusPass, "2 of 10"},
		{"neutral all", []string{"v=spf1 include:spf.protection.outlook.com ?all"}, checks.StatusWarn, "?all (neutral): SPF says nothing about other servers"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := newFakeDNS()
			var rrs []model.DNSRR
			for _, v := range tc.apex {
				rrs = append(rrs, txt("contoso.com", v))
			}
			d.set("", "TXT", "contoso.com", rrs...)
			d.add("", txt("_spf.contoso.com", "v=spf1 include:spf.protection.outlook.com -all"))
			r := want(t, runDNSChecks(t, d, nil), "dns.spf", tc.status, tc.msg)
			if len(r.Message) > 400 {
				t.Errorf("message of %d bytes", len(r.Message))
			}
		})
	}
}

func TestAutodiscoverShapes(t *testing.T) {
	d := newFakeDNS()
	d.set("", "CNAME", "autodiscover.contoso.com", cname("autodiscover.contoso.com", "mail.contoso.com"))
	d.add("", model.DNSRR{Name: "_autodiscover._tcp.contoso.com", Type: "SRV", Value: "0 0 443 mail.contoso.com.", Target: "mail.contoso.com"})
	r := want(t, runDNSChecks(t, d, nil), "dns.autodiscover", checks.StatusFail, "points at mail.contoso.com, not autodiscover.outlook.com")
	if len(r.Findings) != 2 || r.Findings[1].Status != checks.StatusWarn || !strings.Contains(r.Findings[1].Message, "stray _autodiscover._tcp.contoso.com SRV") {
		t.Errorf("findings %+v", r.Findings)
	}
	d = newFakeDNS()
	d.remove("CNAME", "enterpriseenrollment.contoso.com")
	r = want(t, runDNSChecks(t, d, nil), "dns.device-registration", checks.StatusWarn, "Intune enrollment asks for a server or fails (sign-in is not affected)")
	if len(r.Findings) != 2 || r.Findings[0].Status != checks.StatusPass {
		t.Errorf("findings %+v", r.Findings)
	}
}

// A primary that answers nothing: the content checks judge the next
// nameserver and say why; propagation reports the dead server once, as a
// warning naming it and its error, and compares the others.
func TestDeadPrimaryIsSkippedAndReported(t *testing.T) {
	d := newFakeDNS()
	d.dead = map[string]string{"ns1.contoso.com": "udp 192.0.2.1:53: connection refused"}
	rs := runDNSChecks(t, d, nil)
	for _, id := range []string{"dns.verification-txt", "dns.mx", "dns.spf", "dns.autodiscover", "dns.device-registration", "dns.dkim", "dns.dmarc", "dns.split-horizon"} {
		want(t, rs, id, checks.StatusPass)
	}
	if ev := evidenceText(rs["dns.mx"]); !strings.Contains(ev, "answers judged=ns2.contoso.com (the next nameserver that answers of ns1.contoso.com, ns2.contoso.com): ns1.contoso.com, the SOA MNAME, answered none of the questions (TXT contoso.com: udp 192.0.2.1:53: connection refused)") ||
		!strings.Contains(ev, "MX contoso.com @ ns2.contoso.com") {
		t.Errorf("mx evidence:\n%s", ev)
	}
	r := want(t, rs, "dns.propagation", checks.StatusWarn, "ns1.contoso.com (of contoso.com's 2 nameservers) answers none of the questions")
	if len(r.Findings) != 1 || !strings.Contains(r.Findings[0].Message, "ns1.contoso.com, a nameserver of contoso.com, answers none of the questions (TXT contoso.com: udp 192.0.2.1:53: connection refused)") {
		t.Errorf("findings %+v", r.Findings)
	}
	// Every nameserver dead: the resolver is judged, as when the NS set
	// cannot be found, and propagation cannot compare anything.
	d.dead["ns2.contoso.com"] = "no answer from 192.0.2.2:53 in 5s (2 tries)"
	rs = runDNSChecks(t, d, nil)
	r = want(t, rs, "dns.mx", checks.StatusPass)
	if ev := evidenceText(r); !strings.Contains(ev, "the resolver 192.0.2.53:53, because no authoritative nameserver could be asked: none of the zone's nameservers answered: ns1.contoso.com (TXT contoso.com: udp 192.0.2.1:53: connection refused); ns2.contoso.com") {
		t.Errorf("evidence:\n%s", ev)
	}
	want(t, rs, "dns.propagation", checks.StatusError, "none of the zone's nameservers answered")
}

// A primary that does not answer one question: that question is judged
// from the next server that does, and the evidence says so; propagation
// warns that the name is not answered everywhere.
func TestOneUnansweredQuestionIsJudgedFromTheNextNameserver(t *testing.T) {
	d := newFakeDNS()
	d.fail["ns1.contoso.com|TXT _dmarc.contoso.com"] = model.DNSAnswer{Outcome: model.DNSServFail, Rcode: "SERVFAIL"}
	rs := runDNSChecks(t, d, nil)
	r := want(t, rs, "dns.dmarc", checks.StatusPass, "p=reject")
	if ev := evidenceText(r); !strings.Contains(ev, "TXT _dmarc.contoso.com from ns2.contoso.com, because ns1.contoso.com did not answer it (SERVFAIL)") {
		t.Errorf("evidence:\n%s", ev)
	}
	want(t, rs, "dns.propagation", checks.StatusWarn, "1 of the 9 names are not answered by every nameserver")
	if f := rs["dns.propagation"].Findings; len(f) != 1 || !strings.Contains(f[0].Message, "TXT _dmarc.contoso.com is answered by ns2.contoso.com but not by ns1.contoso.com (SERVFAIL)") {
		t.Errorf("findings %+v", f)
	}
	// No server answers it: the check that reads it errors, naming each.
	d.fail["|TXT _dmarc.contoso.com"] = model.DNSAnswer{Outcome: model.DNSServFail, Rcode: "SERVFAIL"}
	rs = runDNSChecks(t, d, nil)
	want(t, rs, "dns.dmarc", checks.StatusError, "TXT _dmarc.contoso.com from ns1.contoso.com: SERVFAIL (and from ns2.contoso.com: SERVFAIL)")
	want(t, rs, "dns.propagation", checks.StatusError)
}

// The zone's NS set is asked once per run, whatever the questions.
func TestNameserversAreAskedOncePerRun(t *testing.T) {
	d := newFakeDNS()
	runDNSChecks(t, d, nil)
	if n := d.nsAsked.Load(); n != 1 {
		t.Errorf("NS asked %d times", n)
	}
}

// A domain inside its parent's zone (eu.contoso.com): the zone cut is
// found by walking up to the SOA, that zone's nameservers are asked, and
// DMARC falls back to the organisational domain's record.
func TestSubdomainInItsParentsZone(t *testing.T) {
	d := newFakeDNS()
	d.add("", txt("eu.contoso.com", "MS=ms99"), txt("eu.contoso.com", "v=spf1 include:spf.protection.outlook.com -all"),
		mx("eu.contoso.com", 0, "eu-contoso-com.mail.protection.outlook.com"), addr("eu-contoso-com.mail.protection.outlook.com", "52.101.68.19"))
	rs := runDNSChecksFor(t, "eu.contoso.com", d, nil)
	r := want(t, rs, "dns.propagation", checks.StatusPass, "contoso.com's 2 nameservers (ns1.contoso.com, ns2.contoso.com) give the same answers for the 10 names checked")
	if ev := evidenceText(r); !strings.Contains(ev, "answers judged=ns1.contoso.com (the SOA MNAME of ns1.contoso.com, ns2.contoso.com, the nameservers of the zone contoso.com)") ||
		!strings.Contains(ev, "eu.contoso.com has no NS or SOA of its own (SOA (none: NXDOMAIN)): it is in the zone contoso.com") {
		t.Errorf("evidence:\n%s", ev)
	}
	want(t, rs, "dns.split-horizon", checks.StatusPass)
	want(t, rs, "dns.spf", checks.StatusPass)
	want(t, rs, "dns.mx", checks.StatusPass, "eu-contoso-com.mail.protection.outlook.com")
	r = want(t, rs, "dns.dmarc", checks.StatusPass, "eu.contoso.com publishes no DMARC record of its own; contoso.com's applies (RFC 7489 6.6.3) with p=reject")
	if ev := evidenceText(r); !strings.Contains(ev, "DMARC policy from=_dmarc.contoso.com [RFC 7489 6.6.3") || !strings.Contains(ev, "TXT _dmarc.contoso.com @ ns1.contoso.com") {
		t.Errorf("dmarc evidence:\n%s", ev)
	}
	if n := d.nsAsked.Load(); n != 2 {
		t.Errorf("NS asked %d times (eu.contoso.com, then contoso.com)", n)
	}
	// sp= is the policy for subdomains; without any record, both are named.
	d.set("", "TXT", "_dmarc.contoso.com", txt("_dmarc.contoso.com", "v=DMARC1; p=reject; sp=none"))
	want(t, runDNSChecksFor(t, "eu.contoso.com", d, nil), "dns.dmarc", checks.StatusPass, "with sp=none: it only monitors")
	d.set("", "TXT", "_dmarc.contoso.com", txt("_dmarc.contoso.com", "v=DMARC1; p=reject; sp=bogus"))
	want(t, runDNSChecksFor(t, "eu.contoso.com", d, nil), "dns.dmarc", checks.StatusWarn, `sp="bogus"`, "the organisational domain contoso.com's record")
	d.remove("TXT", "_dmarc.contoso.com")
	want(t, runDNSChecksFor(t, "eu.contoso.com", d, nil), "dns.dmarc", checks.StatusWarn, "neither eu.contoso.com nor its organisational domain contoso.com publishes a DMARC record")
	// Its own record wins.
	d.add("", txt("_dmarc.eu.contoso.com", "v=DMARC1; p=quarantine"))
	want(t, runDNSChecksFor(t, "eu.contoso.com", d, nil), "dns.dmarc", checks.StatusPass, "eu.contoso.com publishes DMARC with p=quarantine")
}
