package labtests

import (
	"context"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/o365doctor/o365doctor/internal/checks"
	"github.com/o365doctor/o365doctor/internal/lab"
	"github.com/o365doctor/o365doctor/internal/lab/labtest"
)

// dnsChecks are the registered checks of area dns.
func dnsChecks(t *testing.T) []*checks.Check {
	t.Helper()
	list, err := checks.Select(checks.All(), nil, []string{"dns"}, nil)
	if err != nil || len(list) != 9 {
		t.Fatalf("dns checks: %d, %v", len(list), err)
	}
	return list
}

// runDNS runs every DNS check for the scenario's domain against the lab,
// through the real dnsq client, and returns the results by check ID.
func runDNS(t *testing.T, l *lab.Lab) map[string]checks.Result {
	t.Helper()
	src, _ := labtest.Sources(t, l.Settings())
	rs := checks.Run(context.Background(), dnsChecks(t), checks.DomainSubject(l.Scenario.Domain), src, checks.RunOptions{LoadTimeout: 15 * time.Second}, nil)
	return byID(rs)
}

// tripsAndErrors are the dns.* checks that warn or fail, and those that
// end in error.
func tripsAndErrors(rs map[string]checks.Result) (trips, errs []string) {
	for id, r := range rs {
		switch r.Status {
		case checks.StatusWarn, checks.StatusFail:
			trips = append(trips, id)
		case checks.StatusError:
			errs = append(errs, id)
		}
	}
	sort.Strings(trips)
	sort.Strings(errs)
	return trips, errs
}

func dnsOnly(ids []string) []string {
	var out []string
	for _, id := range ids {
		if strings.HasPrefix(id, "dns.") {
			out = append(out, id)
		}
	}
	sort.Strings(out)
	return out
}

// TestDNSChecksTripExactlyWhatEachScenarioSays runs the nine DNS checks
// against every scenario: the dns.* checks that warn or fail are exactly
// the scenario's dns.* trips, and those that end in error exactly its
// dns.errors.
func TestDNSChecksTripExactlyWhatEachScenarioSays(t *testing.T) {
	for _, name := range lab.ScenarioNames() {
		if name == "bulk" {
			continue
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			l := labtest.Start(t, name)
			rs := runDNS(t, l)
			trips, errs := tripsAndErrors(rs)
			if want := dnsOnly(l.Scenario.Trips); !slices.Equal(trips, want) {
				for _, id := range trips {
					t.Logf("%s = %s: %s", id, rs[id].Status, rs[id].Message)
				}
				t.Errorf("trips %v, want %v", trips, want)
			}
			if want := dnsOnly(l.Scenario.DNS.Errors); !slices.Equal(errs, want) {
				for _, id := range errs {
					t.Logf("%s = %s: %s", id, rs[id].Status, rs[id].Message)
				}
				t.Errorf("errors %v, want %v", errs, want)
			}
		})
	}
}

// evidence is every evidence line of a result: field=value [source].
func evidence(r checks.Result) string {
	var b strings.Builder
	for _, f := range r.Findings {
		for _, e := range f.Evidence {
			switch e := e.(type) {
			case checks.Value:
				b.WriteString(e.Field + "=" + e.Value + " [" + e.Source + "]\n")
			case checks.Comparison:
				for _, s := range e.Sides {
					b.WriteString(e.What + ": " + s.Field + "=" + s.Value + " [" + s.Source + "]\n")
				}
			}
		}
	}
	return b.String()
}

// TestDNSMessagesAndEvidence: what each DNS scenario's results say, and
// what they rest on, through the real client against the lab.
func TestDNSMessagesAndEvidence(t *testing.T) {
	type expect struct {
		id       string
		status   checks.Status
		message  []string
		evidence []string
	}
	for _, tc := range []struct {
		scenario string
		want     []expect
	}{
		{"healthy", []expect{
			{"dns.spf", checks.StatusPass, []string{"includes spf.protection.outlook.com, with 2 of 10 DNS lookups"},
				[]string{"DNS-lookup terms=2 of 10", "SPF step 2 (include, depth 1): 1 lookup term, 1 with what it leads to=v=spf1 ip4:40.92.0.0/15"}},
			{"dns.mx", checks.StatusPass, []string{"contoso-com.mail.protection.outlook.com"}, []string{"A=52.101.68.18 [A contoso-com.mail.protection.outlook.com @ 127.0.0.1:"}},
			{"dns.dkim", checks.StatusPass, []string{"selector1-contoso-com._domainkey.contoso.onmicrosoft.com, which holds a DKIM key"},
				[]string{`TXT="v=DKIM1; k=rsa; p=MIGf`}},
			{"dns.propagation", checks.StatusPass, []string{"2 nameservers (ns1.contoso.com, ns2.contoso.com) give the same answers for the 9 names"}, nil},
			{"dns.verification-txt", checks.StatusPass, nil, []string{"answers judged=ns1.contoso.com (the SOA MNAME of ns1.contoso.com, ns2.contoso.com)"}},
		}},
		{"dns-broken", []expect{
			{"dns.mx", checks.StatusFail, []string{"mail goes to mx1.oldmail.example.net, not to Exchange Online"}, []string{"MX=10 mx1.oldmail.example.net. [MX contoso.com @ ns1.contoso.com]"}},
			{"dns.spf", checks.StatusFail, []string{"does not include spf.protection.outlook.com"}, []string{"SPF step 2 (include, depth 1): 0 lookup terms, 0 with what it leads to=v=spf1 ip4:198.51.100.0/24 -all"}},
			{"dns.autodiscover", checks.StatusWarn, []string{"autodiscover.contoso.com has no CNAME"}, []string{"SRV=0 0 443 mail.oldmail.example.net."}},
			{"dns.verification-txt", checks.StatusWarn, []string{"no MS=ms… verification record"}, nil},
			{"dns.dmarc", checks.StatusPass, []string{"p=none: it only monitors"}, []string{"DMARC p=none"}},
		}},
		{"dns-propagation", []expect{
			{"dns.propagation", checks.StatusWarn, []string{"disagree on 2 names"},
				[]string{"MX contoso.com: MX=0 contoso-com.mail.protection.outlook.com. [MX contoso.com @ ns1.contoso.com (127.0.0.1:", "MX contoso.com: MX=10 mx1.oldmail.example.net. [MX contoso.com @ ns2.contoso.com (127.0.0.1:"}},
			{"dns.split-horizon", checks.StatusWarn, []string{"disagrees with contoso.com's nameservers on 1 name"},
				[]string{`TXT contoso.com: TXT="v=spf1 include:spf.protection.outlook.com -all" [TXT contoso.com @ the resolver`}},
			{"dns.mx", checks.StatusPass, nil, nil}, // the primary has the new MX
		}},
		{"dns-spf-too-many-lookups", []expect{
			{"dns.spf", checks.StatusFail, []string{"needs 13 DNS lookups, more than the 10 receivers allow"},
				[]string{"DNS-lookup terms=13 of 10", "SPF step 1 (top record): 6 lookup terms, 13 with what it leads to", "SPF step 4 (include, depth 1): 3 lookup terms",
					"not followed=exists:%{i}._spf.helpdesk.example.org [holds a macro"}},
		}},
		{"dns-dkim-missing", []expect{
			{"dns.dkim", checks.StatusWarn, []string{"selector1._domainkey.contoso.com has no CNAME"}, []string{"CNAME=(none: NXDOMAIN)"}},
		}},
		{"dns-servfail", []expect{
			{"dns.dmarc", checks.StatusError, []string{"TXT _dmarc.contoso.com from ns1.contoso.com: SERVFAIL"}, nil},
			{"dns.split-horizon", checks.StatusError, []string{"gave no answer: SERVFAIL"}, nil},
			{"dns.spf", checks.StatusPass, nil, nil},
		}},
		{"dns-timeout", []expect{
			{"dns.propagation", checks.StatusWarn, []string{"ns2.contoso.com (of contoso.com's 2 nameservers) answers none of the questions"},
				[]string{"TXT=(no answer: no answer from 127.0.0.1:", "[TXT contoso.com @ ns2.contoso.com (127.0.0.1:"}},
			{"dns.split-horizon", checks.StatusError, []string{"TXT contoso.com: the resolver", "the UDP answer was truncated, and over TCP: tcp 127.0.0.1:"}, nil},
			// The primary's 1.3 kB TXT set came over TCP after a truncated UDP answer.
			{"dns.verification-txt", checks.StatusPass, nil, []string{"[TXT contoso.com @ ns1.contoso.com (over TCP: the UDP answer was truncated)]"}},
			{"dns.spf", checks.StatusPass, []string{"2 of 10"}, nil},
		}},
		{"dns-lame-nameserver", []expect{
			{"dns.propagation", checks.StatusWarn, []string{"ns1.contoso.com (of contoso.com's 2 nameservers) answers none of the questions"},
				[]string{"TXT=(no answer: REFUSED) [TXT contoso.com @ ns1.contoso.com (127.0.0.1:"}},
			{"dns.mx", checks.StatusPass, nil, []string{"answers judged=ns2.contoso.com (the next nameserver that answers of ns1.contoso.com, ns2.contoso.com): ns1.contoso.com, the SOA MNAME, answered none of the questions (TXT contoso.com: REFUSED)",
				"[MX contoso.com @ ns2.contoso.com]"}},
			{"dns.split-horizon", checks.StatusPass, nil, nil},
		}},
		{"dns-dkim-wrong-domain", []expect{
			{"dns.dkim", checks.StatusWarn, []string{"selector1._domainkey.contoso.com points at the key Microsoft 365 keeps for another domain (fabrikam-com, not contoso-com: selector1-fabrikam-com._domainkey.contoso.onmicrosoft.com)"}, nil},
		}},
		{"dns-spf-include-qualified", []expect{
			{"dns.spf", checks.StatusFail, []string{"reaches spf.protection.outlook.com only through -include:spf.protection.outlook.com, qualified -"},
				[]string{"Exchange Online reached by=-include:spf.protection.outlook.com (contoso.com -> spf.protection.outlook.com)"}},
		}},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			t.Parallel()
			rs := runDNS(t, labtest.Start(t, tc.scenario))
			for _, w := range tc.want {
				r := rs[w.id]
				if r.Status != w.status {
					t.Errorf("%s = %s (%s), want %s", w.id, r.Status, r.Message, w.status)
				}
				for _, m := range w.message {
					if !strings.Contains(r.Message, m) {
						t.Errorf("%s message %q lacks %q", w.id, r.Message, m)
					}
				}
				ev := evidence(r)
				for _, e := range w.evidence {
					if !strings.Contains(ev, e) {
						t.Errorf("%s evidence lacks %q:\n%s", w.id, e, ev)
					}
				}
			}
		})
	}
}

// TestDNSChecksRunWithoutCredentials: recon's case — DNS only, no Graph:
// every DNS check runs (none skipped), healthy passes, and the evidence
// says Microsoft's defaults were used.
func TestDNSChecksRunWithoutCredentials(t *testing.T) {
	l := labtest.Start(t, "healthy")
	src, _ := labtest.Sources(t, l.Settings())
	src = checks.Sources{DNS: src.DNS, Missing: map[checks.Source]string{checks.Graph: "set AZURE_TENANT_ID", checks.Okta: "set --okta-url"}}
	start := time.Now()
	rs := checks.Run(context.Background(), checks.Public(dnsChecks(t)), checks.DomainSubject("contoso.com"), src, checks.RunOptions{}, nil)
	t.Logf("9 DNS checks against the lab in %s", time.Since(start))
	for _, r := range rs {
		if r.Status != checks.StatusPass {
			t.Errorf("%s = %s: %s", r.CheckID, r.Status, r.Message)
		}
	}
	if ev := evidence(byID(rs)["dns.mx"]); !strings.Contains(ev, "Microsoft's documented default (Graph not configured)") {
		t.Errorf("mx evidence:\n%s", ev)
	}
}

// TestDNSChecksOfASubdomain: www.contoso.com is in contoso.com's zone, not
// its own: the checks ask contoso.com's nameservers (found by walking up
// to the SOA) and none ends in error; DMARC falls back to contoso.com's.
func TestDNSChecksOfASubdomain(t *testing.T) {
	l := labtest.Start(t, "healthy")
	src, _ := labtest.Sources(t, l.Settings())
	rs := byID(checks.Run(context.Background(), dnsChecks(t), checks.DomainSubject("www.contoso.com"), src, checks.RunOptions{LoadTimeout: 15 * time.Second}, nil))
	for id, r := range rs {
		if r.Status == checks.StatusError {
			t.Errorf("%s = error: %s", id, r.Message)
		}
	}
	for _, id := range []string{"dns.propagation", "dns.split-horizon"} {
		if r := rs[id]; r.Status != checks.StatusPass {
			t.Errorf("%s = %s: %s", id, r.Status, r.Message)
		}
	}
	if r := rs["dns.dmarc"]; r.Status != checks.StatusPass || !strings.Contains(r.Message, "www.contoso.com publishes no DMARC record of its own; contoso.com's applies (RFC 7489 6.6.3) with p=quarantine") {
		t.Errorf("dns.dmarc = %s: %s", r.Status, r.Message)
	}
	if ev := evidence(rs["dns.propagation"]); !strings.Contains(ev, "the nameservers of the zone contoso.com") || !strings.Contains(ev, "www.contoso.com has no NS or SOA of its own (SOA (none: NODATA)): it is in the zone contoso.com") {
		t.Errorf("propagation evidence:\n%s", ev)
	}
}
