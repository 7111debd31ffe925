package checks

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	"golang.org/x/net/publicsuffix"

	"github.com/o365doctor/o365doctor/internal/model"
	"github.com/o365doctor/o365doctor/internal/spf"
)

// dnsQ is one DNS question: a name and a type ("TXT", "MX", ...).
type dnsQ struct{ Name, Type string }

func (q dnsQ) String() string { return q.Type + " " + q.Name }

// zoneQuestions are the questions about the domain that the DNS checks
// read: asked once per run of every authoritative nameserver of its zone
// and of the resolver.
func zoneQuestions(domain string) []dnsQ {
	return []dnsQ{
		{domain, "TXT"}, // MS=ms… and v=spf1
		{domain, "MX"},
		{"autodiscover." + domain, "CNAME"},
		{"_autodiscover._tcp." + domain, "SRV"},
		{"enterpriseregistration." + domain, "CNAME"},
		{"enterpriseenrollment." + domain, "CNAME"},
		{"selector1._domainkey." + domain, "CNAME"},
		{"selector2._domainkey." + domain, "CNAME"},
		{"_dmarc." + domain, "TXT"},
	}
}

// maxZoneServers bounds the NS set asked: a zone's NS set is written by
// whoever controls it (dnsq asks at most as many).
const maxZoneServers = 16

// DNSZone is one run's snapshot of the domain's zone: each zone question
// as every authoritative nameserver answers it, and as the resolver in use
// does. The content checks judge the primary's answers (Microsoft looks
// from the internet, not from the office resolver) or, where the primary
// does not answer, the next nameserver's that does, as resolvers on the
// internet retry; propagation and split-horizon compare the servers.
type DNSZone struct {
	Domain string
	// Apex is the zone the domain is in: the domain itself, or the name
	// above it that holds the SOA (eu.contoso.com in contoso.com's zone);
	// ApexWhy says how it was found when it is not the domain.
	Apex     string
	ApexWhy  string
	Resolver string   // the resolver's address
	Servers  []string // the zone's authoritative nameservers, in order
	// Primary is the nameserver whose answers the content checks judge:
	// the SOA MNAME when it is one of Servers, else the first of them —
	// or, when that one answers none of the questions, the next that
	// does. "" when no authoritative server could be asked or none
	// answered (NSError says why): the resolver's answers are judged.
	Primary    string
	PrimaryWhy string
	// PrimaryNote says why the preferred server is not the Primary.
	PrimaryNote string
	NSError     string
	// Silent are the nameservers that answered none of the questions,
	// with why (the first question's failure): dead or lame.
	Silent map[string]string
	// OrgDomain is the domain's organisational domain (RFC 7489 3.2)
	// when it is not the domain itself: where DMARC policy falls back to.
	OrgDomain string

	questions []dnsQ
	each      map[dnsQ][]model.DNSAnswer // one per Servers
	resolver  map[dnsQ]model.DNSAnswer
	// judged is the index in Servers of the answer judged for each
	// question; instead says why it is not the Primary's.
	judged  map[dnsQ]int
	instead map[dnsQ]string
}

// DNSZoneFact asks every zone question of every authoritative nameserver
// and of the resolver, all at once.
var DNSZoneFact = &Fact[*DNSZone]{
	Name: "the domain's DNS zone",
	Load: func(ctx context.Context, f *Facts) (*DNSZone, error) {
		if err := f.need(DNS); err != nil {
			return nil, err
		}
		return loadZone(ctx, f.src.DNS, f.subject.Domain), nil
	},
}

// orgDomain is the organisational domain (RFC 7489 3.2: the public
// suffix and one label more), "" when the domain is one or it cannot be
// told.
func orgDomain(domain string) string {
	org, err := publicsuffix.EffectiveTLDPlusOne(domain)
	if err != nil || org == domain {
		return ""
	}
	return org
}

// inZone reports whether name is at or under apex.
func inZone(name, apex string) bool { return name == apex || strings.HasSuffix(name, "."+apex) }

func loadZone(ctx context.Context, d DNSAPI, domain string) *DNSZone {
	z := &DNSZone{Domain: domain, Apex: domain, Resolver: d.Resolver(), OrgDomain: orgDomain(domain),
		each: map[dnsQ][]model.DNSAnswer{}, resolver: map[dnsQ]model.DNSAnswer{},
		judged: map[dnsQ]int{}, instead: map[dnsQ]string{}, Silent: map[string]string{}}
	z.questions = zoneQuestions(domain)
	if z.OrgDomain != "" {
		z.questions = append(z.questions, dnsQ{"_dmarc." + z.OrgDomain, "TXT"})
	}
	var (
		mu  sync.Mutex
		wg  sync.WaitGroup
		soa model.DNSAnswer
		ns  []string
		err error
	)
	// The resolver's answers, the domain's NS set and its SOA, at once.
	for _, q := range z.questions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a := d.Lookup(ctx, q.Name, q.Type)
			mu.Lock()
			z.resolver[q] = a
			mu.Unlock()
		}()
	}
	wg.Add(2)
	go func() {
		defer wg.Done()
		ns, err = d.Authoritative(ctx, domain)
	}()
	go func() {
		defer wg.Done()
		soa = d.Lookup(ctx, domain, "SOA")
	}()
	wg.Wait()

	// A domain without NS records of its own, and without an SOA, is
	// inside a zone above it: walk up to the SOA (the zone cut), stopping
	// short of the public suffix.
	if err != nil && answered(soa) && !soaAt(soa, domain) {
		own := soa
		for p := parentDomain(domain); p != "" && !publicSuffix(p); p = parentDomain(p) {
			a := d.Lookup(ctx, p, "SOA")
			if soaAt(a, p) {
				z.Apex, soa = p, a
				z.ApexWhy = fmt.Sprintf("%s has no NS or SOA of its own (SOA %s): it is in the zone %s", domain, formatValues(own), p)
				ns, err = d.Authoritative(ctx, p)
				break
			}
			if !answered(a) {
				break
			}
		}
	}
	if err != nil {
		z.NSError = strings.TrimPrefix(err.Error(), "dnsq: ")
		return z
	}
	if len(ns) == 0 {
		z.NSError = "the zone's nameservers could not be found"
		return z
	}
	if len(ns) > maxZoneServers {
		ns = ns[:maxZoneServers]
	}
	z.Servers = ns

	// Every question of the zone to every nameserver: the NS set was
	// asked once, above.
	for _, q := range z.questions {
		if !inZone(q.Name, z.Apex) {
			continue // the organisational domain's _dmarc, in a zone above: the resolver's
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			each := d.LookupServers(ctx, z.Servers, q.Name, q.Type)
			mu.Lock()
			z.each[q] = each
			mu.Unlock()
		}()
	}
	wg.Wait()

	z.choosePrimary(soaMName(soa))
	if z.Primary == "" {
		return z
	}
	// Per question, the Primary's answer, or the next server's that
	// answered when it did not.
	for q, each := range z.each {
		i := slices.Index(z.Servers, z.Primary)
		if i >= len(each) || answered(each[i]) {
			z.judged[q] = i
			continue
		}
		z.judged[q] = i
		for j, a := range each {
			if answered(a) {
				z.judged[q] = j
				z.instead[q] = fmt.Sprintf("%s from %s, because %s did not answer it (%s)", q, a.Server, z.Primary, unanswered(each[i]))
				break
			}
		}
	}
	// An alias out of the zone, as its nameserver answers it, ends in a
	// CNAME only: follow the chain through the resolver, as everyone does.
	for q := range z.each {
		if a, ok := z.judgedAnswer(q); ok && a.Outcome == model.DNSCNAMEOnly && len(a.Records) > 0 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				rest := d.Lookup(ctx, a.Records[len(a.Records)-1].Target, q.Type)
				mu.Lock()
				defer mu.Unlock()
				spliced := a
				spliced.Records = append(slices.Clone(a.Records), rest.Records...)
				spliced.Outcome, spliced.Rcode, spliced.Err = rest.Outcome, rest.Rcode, rest.Err
				z.each[q][z.judged[q]] = spliced
			}()
		}
	}
	wg.Wait()
	return z
}

// choosePrimary picks the server the content checks judge: the SOA
// MNAME when it is one of the servers, else the first; when that one
// answered no question at all, the next that answered one. A server that
// answered none is Silent; when every one is, none is judged.
func (z *DNSZone) choosePrimary(mname string) {
	for i, s := range z.Servers {
		why := ""
		for _, q := range z.questions {
			if each := z.each[q]; i < len(each) {
				if answered(each[i]) {
					why = ""
					break
				}
				if why == "" {
					why = q.String() + ": " + unanswered(each[i])
				}
			}
		}
		if why != "" {
			z.Silent[s] = why
		}
	}
	preferred, how := z.Servers[0], "the first nameserver"
	switch {
	case mname != "" && slices.Contains(z.Servers, mname):
		preferred, how = mname, "the SOA MNAME"
	case mname != "":
		how = "the first nameserver (the SOA MNAME " + mname + " is not among them)"
	}
	if _, dead := z.Silent[preferred]; !dead {
		z.Primary, z.PrimaryWhy = preferred, how
		return
	}
	for _, s := range z.Servers {
		if _, dead := z.Silent[s]; !dead {
			z.Primary, z.PrimaryWhy = s, "the next nameserver that answers"
			z.PrimaryNote = preferred + ", " + how + ", answered none of the questions (" + z.Silent[preferred] + ")"
			return
		}
	}
	var why []string
	for _, s := range z.Servers {
		why = append(why, s+" ("+z.Silent[s]+")")
	}
	z.NSError = "none of the zone's nameservers answered: " + strings.Join(why, "; ")
}

// soaAt reports whether an SOA answer holds an SOA owned by name: name
// is a zone's apex.
func soaAt(a model.DNSAnswer, name string) bool {
	for _, r := range a.OfType() {
		if strings.EqualFold(strings.TrimSuffix(r.Name, "."), name) {
			return true
		}
	}
	return false
}

// publicSuffix reports whether name is a public suffix (com, co.uk): no
// one's zone to walk up to.
func publicSuffix(name string) bool {
	ps, _ := publicsuffix.PublicSuffix(name)
	return ps == name
}

// parentDomain is the name without its first label, "" for a single
// label.
func parentDomain(name string) string {
	_, rest, ok := strings.Cut(name, ".")
	if !ok {
		return ""
	}
	return rest
}

// soaMName is the primary nameserver an SOA answer names.
func soaMName(a model.DNSAnswer) string {
	for _, r := range a.OfType() {
		if f := strings.Fields(r.Value); len(f) > 0 {
			return strings.ToLower(strings.TrimSuffix(f[0], "."))
		}
	}
	return ""
}

// judgedAnswer is the answer judged for a zone question the nameservers
// were asked.
func (z *DNSZone) judgedAnswer(q dnsQ) (model.DNSAnswer, bool) {
	i, ok := z.judged[q]
	each := z.each[q]
	if !ok || i < 0 || i >= len(each) {
		return model.DNSAnswer{}, false
	}
	return each[i], true
}

// Judged is the answer the content checks judge for a zone question: the
// primary nameserver's, the next nameserver's where the primary did not
// answer it, or the resolver's when no authoritative server could be
// asked (or the question is outside the zone). The error says why the
// question went unanswered (SERVFAIL, REFUSED, a timeout, a truncated
// answer TCP could not fetch) by every nameserver: the check then ends in
// error with it.
func (z *DNSZone) Judged(name, qtype string) (model.DNSAnswer, error) {
	q := dnsQ{name, qtype}
	a, ok := z.judgedAnswer(q)
	if !ok {
		a, ok = z.resolver[q]
	}
	if !ok {
		return a, fmt.Errorf("internal error: %s was not asked (please report it)", q)
	}
	if !answered(a) {
		msg := fmt.Sprintf("%s %s from %s: %s", a.Type, a.Name, a.Server, unanswered(a))
		var others []string
		for _, o := range z.each[q] {
			if o.Server != a.Server {
				others = append(others, o.Server+": "+unanswered(o))
			}
		}
		if len(others) > 0 {
			msg += " (and from " + strings.Join(others, ", ") + ")"
		}
		return a, errors.New(msg)
	}
	return a, nil
}

// judged reads the zone and the answer a content check judges for one of
// its names (label "" for the apex, else the label under it).
func judged(ctx context.Context, pass *Pass, label, qtype string) (*DNSZone, model.DNSAnswer, error) {
	zone, err := DNSZoneFact.Get(ctx, pass.Facts)
	if err != nil {
		return nil, model.DNSAnswer{}, err
	}
	name := zone.Domain
	if label != "" {
		name = label + "." + zone.Domain
	}
	a, err := zone.Judged(name, qtype)
	return zone, a, err
}

// JudgedFrom says whose answers the content checks judge, for evidence.
func (z *DNSZone) JudgedFrom() string {
	zone := ""
	if z.Apex != z.Domain {
		zone = ", the nameservers of the zone " + z.Apex
	}
	if z.Primary != "" {
		v := z.Primary + " (" + z.PrimaryWhy + " of " + strings.Join(z.Servers, ", ") + zone + ")"
		if z.PrimaryNote != "" {
			v += ": " + z.PrimaryNote
		}
		return v
	}
	return "the resolver " + z.Resolver + ", because no authoritative nameserver could be asked: " + z.NSError
}

// answered reports whether the server answered the question (with records
// or with their absence).
func answered(a model.DNSAnswer) bool {
	switch a.Outcome {
	case model.DNSOK, model.DNSNXDomain, model.DNSNoData, model.DNSCNAMEOnly:
		return true
	}
	return false
}

// unanswered says why a question went unanswered, in a few words.
func unanswered(a model.DNSAnswer) string {
	switch a.Outcome {
	case model.DNSServFail:
		return "SERVFAIL"
	case model.DNSRefused:
		return "REFUSED"
	case "":
		return "not asked"
	}
	why := string(a.Outcome)
	if a.Err != "" {
		why = a.Err
	}
	if a.Truncated {
		why = "the UDP answer was truncated, and over TCP: " + why
	}
	return why
}

// DNSTargets are the answers about names outside the zone that the zone's
// records point at, as the resolver in use gives them: the MX hosts'
// addresses, the CNAME targets' addresses, the DKIM keys behind the
// selector CNAMEs.
type DNSTargets map[dnsQ]model.DNSAnswer

// Get returns the answer to a question the fact asked.
func (t DNSTargets) Get(name, qtype string) (model.DNSAnswer, bool) {
	a, ok := t[dnsQ{strings.ToLower(name), qtype}]
	return a, ok
}

// DNSTargetsFact resolves what the zone's records point at.
var DNSTargetsFact = &Fact[DNSTargets]{
	Name:     "the hosts the zone's records point at",
	Requires: []FactRef{DNSZoneFact},
	Load: func(ctx context.Context, f *Facts) (DNSTargets, error) {
		zone, err := DNSZoneFact.Get(ctx, f)
		if err != nil {
			return nil, err
		}
		var qs []dnsQ
		add := func(name string, types ...string) {
			for _, t := range types {
				if q := (dnsQ{strings.ToLower(name), t}); name != "" && !slices.Contains(qs, q) {
					qs = append(qs, q)
				}
			}
		}
		if a, err := zone.Judged(zone.Domain, "MX"); err == nil {
			for _, r := range a.OfType() {
				add(r.Target, "A", "AAAA")
			}
		}
		for _, q := range []dnsQ{{"autodiscover." + zone.Domain, "A"}, {"enterpriseregistration." + zone.Domain, "A"}, {"enterpriseenrollment." + zone.Domain, "A"}} {
			if a, err := zone.Judged(q.Name, "CNAME"); err == nil {
				for _, r := range a.OfType() {
					add(r.Target, q.Type)
				}
			}
		}
		for _, sel := range dkimSelectors {
			if a, err := zone.Judged(sel+"._domainkey."+zone.Domain, "CNAME"); err == nil {
				for _, r := range a.OfType() {
					add(r.Target, "TXT")
				}
			}
		}
		out := DNSTargets{}
		var mu sync.Mutex
		var wg sync.WaitGroup
		for _, q := range qs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				a := f.src.DNS.Lookup(ctx, q.Name, q.Type)
				mu.Lock()
				out[q] = a
				mu.Unlock()
			}()
		}
		wg.Wait()
		return out, nil
	},
}

// DNSSPF is the domain's SPF record evaluated: the top record as the
// zone's primary serves it, what it leads to through the resolver.
type DNSSPF struct {
	Result *spf.Result
	Top    model.DNSAnswer // the apex TXT answer the top record came from
}

// DNSSPFFact evaluates the domain's SPF record (RFC 7208 section 4.6.4).
var DNSSPFFact = &Fact[DNSSPF]{
	Name:     "the domain's SPF record",
	Requires: []FactRef{DNSZoneFact},
	Load: func(ctx context.Context, f *Facts) (DNSSPF, error) {
		zone, err := DNSZoneFact.Get(ctx, f)
		if err != nil {
			return DNSSPF{}, err
		}
		top, err := zone.Judged(zone.Domain, "TXT")
		if err != nil {
			return DNSSPF{Top: top}, err
		}
		return DNSSPF{Top: top, Result: spf.EvaluateTXT(ctx, zone.Domain, top.Values(), spfLookup(f.src.DNS))}, nil
	},
}

// spfLookup asks the resolver for the SPF evaluator.
func spfLookup(d DNSAPI) spf.LookupFunc {
	return func(ctx context.Context, name, qtype string) spf.Answer {
		a := d.Lookup(ctx, name, qtype)
		switch a.Outcome {
		case model.DNSOK:
			var vals []string
			for _, r := range a.OfType() {
				if r.Target != "" {
					vals = append(vals, r.Target)
				} else {
					vals = append(vals, r.Value)
				}
			}
			return spf.Answer{Values: vals}
		case model.DNSNXDomain, model.DNSNoData:
			return spf.Answer{Missing: true}
		}
		return spf.Answer{Err: fmt.Errorf("%s from %s", unanswered(a), a.Server)}
	}
}

// The Graph side, when Graph is configured: what Entra asks the domain to
// publish, and the tenant's initial domain (for DKIM).
var (
	dnsVerificationRecordsFact = &Fact[[]model.DNSRecord]{
		Name: "Entra's verification DNS records for the domain",
		Load: func(ctx context.Context, f *Facts) ([]model.DNSRecord, error) {
			if err := f.need(Graph); err != nil {
				return nil, err
			}
			return f.src.Graph.VerificationRecords(ctx, f.subject.Domain)
		},
	}
	dnsServiceRecordsFact = &Fact[[]model.DNSRecord]{
		Name: "Entra's service configuration DNS records for the domain",
		Load: func(ctx context.Context, f *Facts) ([]model.DNSRecord, error) {
			if err := f.need(Graph); err != nil {
				return nil, err
			}
			return f.src.Graph.ServiceRecords(ctx, f.subject.Domain)
		},
	}
)

// expectation is a value a record should have and where that comes from.
type expectation struct {
	Value string
	From  string // "Graph serviceConfigurationRecords" or why the default is used
}

// expectedRecord finds the value Entra asks for (recordType, label) in a
// Graph record list, or falls back to Microsoft's documented default and
// says why.
func expectedRecord(ctx context.Context, pass *Pass, fact *Fact[[]model.DNSRecord], what, recordType, label, def string) expectation {
	if why := pass.Facts.Sources().Why(Graph); why != "" {
		return expectation{def, "Microsoft's documented default (Graph not configured)"}
	}
	recs, err := fact.Get(ctx, pass.Facts)
	if err != nil {
		return expectation{def, "Microsoft's documented default (Graph " + what + ": " + model.Clean(err.Error()) + ")"}
	}
	for _, r := range recs {
		if strings.EqualFold(r.Type, recordType) && strings.EqualFold(strings.TrimSuffix(r.Label, "."), label) && r.Value != "" {
			return expectation{strings.TrimSuffix(r.Value, "."), "Graph " + what}
		}
	}
	return expectation{def, "Microsoft's documented default (Graph " + what + " lists no " + recordType + " record for " + label + ")"}
}

// formatValues shows an answer's records as people compare them: TXT
// texts quoted, the rest as the zone file has them; or why there are none.
func formatValues(a model.DNSAnswer) string {
	switch a.Outcome {
	case model.DNSNXDomain:
		return "(none: NXDOMAIN)"
	case model.DNSNoData:
		return "(none: NODATA)"
	case model.DNSOK, model.DNSCNAMEOnly:
	default:
		return "(no answer: " + unanswered(a) + ")"
	}
	if len(a.Records) > 0 && a.Records[0].Type == "CNAME" && a.Type != "CNAME" {
		return "CNAME " + a.Records[0].Target
	}
	vals := a.Values()
	if a.Type == "TXT" {
		for i, v := range vals {
			vals[i] = fmt.Sprintf("%q", v)
		}
	}
	sort.Strings(vals)
	return strings.Join(vals, " ")
}

// dnsRead is evidence of one answer.
func dnsRead(a model.DNSAnswer) Read {
	source := a.Type + " " + a.Name + " @ " + a.Server
	if a.Truncated && answered(a) {
		source += " (over TCP: the UDP answer was truncated)"
	}
	return Read{System: "dns", Object: Object{Kind: ObjDomain, ID: a.Name, Name: a.Name}, Field: a.Type,
		Value: formatValues(a), Source: source}
}

// dnsValue is evidence of a value o365doctor derived or expects.
func dnsValue(name, field, value, source string) Evidence {
	return Value{Read{System: "dns", Object: Object{Kind: ObjDomain, ID: name, Name: name}, Field: field, Value: value, Source: source}}
}

// judgedFrom is the evidence of whose answers a content check judged;
// for the answers given, it says where another nameserver's answer was
// judged because the primary did not answer that question.
func judgedFrom(z *DNSZone, judged ...model.DNSAnswer) Evidence {
	v := z.JudgedFrom()
	for _, a := range judged {
		if why := z.instead[dnsQ{a.Name, a.Type}]; why != "" {
			v += "; " + why
		}
	}
	source := "NS and SOA " + z.Domain + " @ " + z.Resolver
	if z.Apex != z.Domain {
		source = "SOA " + z.Domain + " and above it, NS and SOA " + z.Apex + " @ " + z.Resolver + ": " + z.ApexWhy
	}
	return dnsValue(z.Domain, "answers judged", v, source)
}
