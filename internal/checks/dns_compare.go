package checks

import (
	"context"
	"fmt"
	"strings"

	"github.com/o365doctor/o365doctor/internal/model"
)

// DNSPropagation: every authoritative nameserver serves the same records.
var DNSPropagation = &Check{
	ID:       "dns.propagation",
	Title:    "Every authoritative nameserver gives the same answer",
	Area:     AreaDNS,
	Scope:    ScopeDomain,
	Severity: Medium,
	Needs:    []Source{DNS},
	Requires: []FactRef{DNSZoneFact},
	Doc: `A zone is served by several nameservers (its NS records), and resolvers on the
internet ask any of them. After a change (a new MX, the MS= record, a DNS host
move) a secondary that has not transferred the new zone, or a provider that was
left in the NS set, keeps serving the old records: Microsoft's domain check, mail
delivery and Outlook then work or fail depending on which server was asked, which
looks like flakiness. o365doctor asks each authoritative server directly, without
recursion, for the records the DNS checks read (apex TXT and MX, autodiscover,
_autodiscover._tcp SRV, enterpriseregistration, enterpriseenrollment, the DKIM
selectors, _dmarc) and shows, per name that differs, each server's answer.
Fix: make the servers agree — wait for the zone transfer (compare SOA serials),
update the record at the provider that still serves the old one, or remove a
provider you left from the domain's NS records at the registrar.`,
	References: []string{
		"https://www.rfc-editor.org/rfc/rfc1034#section-4.3.5",
		"https://learn.microsoft.com/microsoft-365/admin/get-help-with-domains/find-and-fix-issues",
	},
	Run: runPropagation,
}

func runPropagation(ctx context.Context, pass *Pass) error {
	zone, err := DNSZoneFact.Get(ctx, pass.Facts)
	if err != nil {
		return err
	}
	if zone.Primary == "" {
		return fmt.Errorf("the authoritative nameservers of %s could not be asked: %s", zone.Apex, zone.NSError)
	}
	// A nameserver that answers nothing is one finding, not one per name.
	for i, s := range zone.Servers {
		if why, dead := zone.Silent[s]; dead {
			ev := []Evidence{judgedFrom(zone)}
			if each := zone.each[zone.questions[0]]; i < len(each) {
				ev = append([]Evidence{Value{nsRead(each[i])}}, ev...)
			}
			pass.Report(Finding{Object: dnsDomain(s), Status: StatusWarn, Evidence: ev,
				Message: fmt.Sprintf("%s, a nameserver of %s, answers none of the questions (%s): resolvers that ask it wait and retry another, or fail (a dead or lame nameserver); fix it, or remove it from the zone's NS records at the registrar", s, zone.Apex, why)})
		}
	}
	differ, partial, silent, asked := 0, 0, 0, 0
	for _, q := range zone.questions {
		each, ok := zone.each[q]
		if !ok {
			continue // not in the zone (the organisational domain's _dmarc)
		}
		asked++
		var sides []Read
		var missing, live []string
		keys := map[string]bool{}
		var answering []model.DNSAnswer
		for _, a := range each {
			sides = append(sides, nsRead(a))
			if _, dead := zone.Silent[a.Server]; dead {
				continue
			}
			key, ok := answerKey(a)
			if !ok {
				missing = append(missing, a.Server+" ("+unanswered(a)+")")
				continue
			}
			live = append(live, a.Server)
			answering = append(answering, a)
			keys[key] = true
		}
		cmp := Comparison{What: q.String(), Sides: sides, Equal: len(keys) <= 1 && len(missing) == 0}
		switch {
		case len(keys) > 1:
			differ++
			pass.Report(Finding{Object: dnsDomain(q.Name), Status: StatusWarn, Evidence: []Evidence{cmp},
				Message: fmt.Sprintf("the nameservers of %s disagree on %s: %s", zone.Apex, q, describeSides(answering))})
		case len(missing) > 0 && len(live) == 0:
			silent++
			pass.Report(Finding{Object: dnsDomain(q.Name), Status: StatusError, Evidence: []Evidence{cmp},
				Message: fmt.Sprintf("%s could not be compared: no answer from %s", q, strings.Join(missing, ", "))})
		case len(missing) > 0:
			partial++
			pass.Report(Finding{Object: dnsDomain(q.Name), Status: StatusWarn, Evidence: []Evidence{cmp},
				Message: fmt.Sprintf("%s is answered by %s but not by %s: resolvers that ask that server get no answer", q, strings.Join(live, ", "), strings.Join(missing, ", "))})
		}
	}
	switch {
	case differ > 0:
		pass.Summarize("the nameservers of %s disagree on %d %s: who sees what depends on which server they ask", zone.Apex, differ, dnsPlural(differ, "name", "names"))
	case len(zone.Silent) > 0:
		var dead []string
		for _, s := range zone.Servers {
			if _, ok := zone.Silent[s]; ok {
				dead = append(dead, s)
			}
		}
		pass.Summarize("%s (of %s's %d nameservers) %s none of the questions: the others agree on the names checked, but resolvers that ask %s wait and retry, or fail", strings.Join(dead, ", "), zone.Apex, len(zone.Servers), dnsPlural(len(dead), "answers", "answer"), dnsPlural(len(dead), "it", "them"))
	case partial > 0:
		pass.Summarize("%d of the %d names are not answered by every nameserver of %s (see findings)", partial, asked, zone.Apex)
	case silent > 0:
		pass.Summarize("%d of the %d names could not be compared across %s's nameservers (see findings): a server that does not answer fails some of the internet's lookups", silent, asked, zone.Apex)
	case len(zone.Servers) == 1:
		pass.Report(Finding{Object: dnsDomain(zone.Apex), Status: StatusPass, Evidence: []Evidence{judgedFrom(zone)},
			Message: fmt.Sprintf("%s has one nameserver (%s): nothing to disagree with, nothing to fall back on", zone.Apex, zone.Servers[0])})
	default:
		pass.Report(Finding{Object: dnsDomain(zone.Apex), Status: StatusPass, Evidence: []Evidence{judgedFrom(zone)},
			Message: fmt.Sprintf("%s's %d nameservers (%s) give the same answers for the %d names checked", zone.Apex, len(zone.Servers), strings.Join(zone.Servers, ", "), asked)})
	}
	return nil
}

// DNSSplitHorizon: the resolver in use sees what the internet sees.
var DNSSplitHorizon = &Check{
	ID:       "dns.split-horizon",
	Title:    "The resolver in use agrees with the authoritative nameservers",
	Area:     AreaDNS,
	Scope:    ScopeDomain,
	Severity: Medium,
	Needs:    []Source{DNS},
	Requires: []FactRef{DNSZoneFact},
	Doc: `Many offices run an internal DNS zone with the same name as the public one (split
horizon): the internal resolver answers from the internal zone, which lacks the
records added at the public provider. Then a record "is missing" from inside the
office (an admin's nslookup, an Outlook on the LAN, a device joining Entra) while
Microsoft, which looks from the internet, sees it — or the other way round. The
most common cause of a "missing" record that exists. o365doctor compares the
resolver in use (--resolver, else /etc/resolv.conf) with the authoritative
nameservers for the records the DNS checks read; an answer that matches one
nameserver but not another is propagation, reported by dns.propagation.
Fix: add the records to the internal zone too (or forward the zone to the
public servers), or run o365doctor with --resolver set to a public resolver to
see the internet's view.`,
	References: []string{
		"https://learn.microsoft.com/windows-server/networking/dns/deploy/split-brain-dns-deployment",
		"https://learn.microsoft.com/microsoft-365/enterprise/external-domain-name-system-records",
	},
	Run: runSplitHorizon,
}

func runSplitHorizon(ctx context.Context, pass *Pass) error {
	zone, err := DNSZoneFact.Get(ctx, pass.Facts)
	if err != nil {
		return err
	}
	if zone.Primary == "" {
		return fmt.Errorf("the authoritative nameservers of %s could not be asked (%s): nothing to compare the resolver %s with", zone.Apex, zone.NSError, zone.Resolver)
	}
	differ, errs, compared := 0, 0, 0
	for _, q := range zone.questions {
		if _, ok := zone.each[q]; !ok {
			continue // not in the zone: nothing authoritative to compare with
		}
		compared++
		res := zone.resolver[q]
		rkey, ok := answerKey(res)
		if !ok {
			errs++
			pass.Report(Finding{Object: dnsDomain(q.Name), Status: StatusError, Evidence: []Evidence{Value{dnsRead(res)}},
				Message: fmt.Sprintf("%s: the resolver %s gave no answer: %s", q, zone.Resolver, unanswered(res))})
			continue
		}
		sides := []Read{nsRead(res)}
		sides[0].Source = q.String() + " @ the resolver " + zone.Resolver
		matched, asked := false, 0
		for _, a := range zone.each[q] {
			sides = append(sides, nsRead(a))
			if key, ok := answerKey(a); ok {
				asked++
				matched = matched || key == rkey
			}
		}
		switch {
		case asked == 0:
			errs++
			pass.Report(Finding{Object: dnsDomain(q.Name), Status: StatusError, Evidence: []Evidence{Comparison{What: q.String(), Sides: sides}},
				Message: fmt.Sprintf("%s: no authoritative nameserver answered, nothing to compare the resolver with", q)})
		case !matched:
			differ++
			pass.Report(Finding{Object: dnsDomain(q.Name), Status: StatusWarn, Evidence: []Evidence{Comparison{What: q.String(), Sides: sides}},
				Message: fmt.Sprintf("the resolver %s answers %s with %s, which no authoritative nameserver serves (%s): an internal zone (split horizon)?",
					zone.Resolver, q, formatValues(res), describeSides(zone.each[q]))})
		}
	}
	switch {
	case differ > 0:
		pass.Summarize("the resolver %s disagrees with %s's nameservers on %d %s: what you see from here is not what Microsoft sees", zone.Resolver, zone.Apex, differ, dnsPlural(differ, "name", "names"))
	case errs == 0:
		pass.Report(Finding{Object: dnsDomain(zone.Domain), Status: StatusPass, Evidence: []Evidence{judgedFrom(zone), dnsValue(zone.Domain, "resolver", zone.Resolver, "--resolver, else /etc/resolv.conf")},
			Message: fmt.Sprintf("the resolver %s gives the nameservers' answers for the %d names checked", zone.Resolver, compared)})
	}
	return nil
}

// answerKey is what two servers' answers are compared by: the records of
// the asked type (or the first alias of a chain), sorted, TTLs aside; a
// missing record (NXDOMAIN or NODATA: servers differ in which they say
// when a name has other records) is one answer. ok is false for a
// question that went unanswered.
func answerKey(a model.DNSAnswer) (string, bool) {
	if !answered(a) {
		return "", false
	}
	if a.Missing() {
		return "(none)", true
	}
	return formatValues(a), true
}

// nsRead is one server's answer as a side of a comparison.
func nsRead(a model.DNSAnswer) Read {
	r := dnsRead(a)
	r.Source = a.Type + " " + a.Name + " @ " + a.Server
	if a.Addr != "" && a.Addr != a.Server {
		r.Source += " (" + a.Addr + ")"
	}
	return r
}

// describeSides is "ns1.contoso.com: X; ns2.contoso.com: Y".
func describeSides(each []model.DNSAnswer) string {
	var parts []string
	for _, a := range each {
		parts = append(parts, a.Server+": "+formatValues(a))
	}
	return strings.Join(parts, "; ")
}
