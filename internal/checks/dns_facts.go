package checks

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/o365doctor/o365doctor/internal/model"
	"github.com/o365doctor/o365doctor/internal/spf"
)

// dnsQ is one DNS question: a name and a type ("TXT", "MX", ...).
type dnsQ struct{ Name, Type string }

func (q dnsQ) String() string { return q.Type + " " + q.Name }

// zoneQuestions are the questions about the domain's own zone that the
// DNS checks read: asked once per run of every authoritative nameserver
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

// DNSZone is one run's snapshot of the domain's zone: each zone question
// as every authoritative nameserver answers it, and as the resolver in use
// does. The content checks judge the primary's answers (Microsoft looks
// from the internet, not from the office resolver); propagation and
// split-horizon compare the servers.
type DNSZone struct {
	Domain   string
	Resolver string   // the resolver's address
	Servers  []string // the authoritative nameservers asked, in order
	// Primary is the nameserver whose answers the content checks judge:
	// the SOA MNAME when it is one of Servers, else the first of them.
	// "" when no authoritative server could be asked (NSError says why):
	// the resolver's answers are judged instead.
	Primary    string
	PrimaryWhy string
	NSError    string

	each     map[dnsQ][]model.DNSAnswer // one per Servers
	eachErr  map[dnsQ]error             // why the nameservers could not be asked
	resolver map[dnsQ]model.DNSAnswer
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

func loadZone(ctx context.Context, d DNSAPI, domain string) *DNSZone {
	z := &DNSZone{Domain: domain, Resolver: d.Resolver(), each: map[dnsQ][]model.DNSAnswer{}, eachErr: map[dnsQ]error{}, resolver: map[dnsQ]model.DNSAnswer{}}
	qs := zoneQuestions(domain)
	var (
		mu   sync.Mutex
		wg   sync.WaitGroup
		soa  model.DNSAnswer
		errs = z.eachErr
	)
	for _, q := range qs {
		wg.Add(2)
		go func() {
			defer wg.Done()
			each, err := d.LookupEach(ctx, domain, q.Name, q.Type)
			mu.Lock()
			z.each[q], errs[q] = each, err
			mu.Unlock()
		}()
		go func() {
			defer wg.Done()
			a := d.Lookup(ctx, q.Name, q.Type)
			mu.Lock()
			z.resolver[q] = a
			mu.Unlock()
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		soa = d.Lookup(ctx, domain, "SOA")
	}()
	wg.Wait()

	// The nameservers are the same for every question (each LookupEach
	// asked the resolver for them); take the first list that came.
	for _, q := range qs {
		if errs[q] == nil && len(z.each[q]) > 0 {
			for _, a := range z.each[q] {
				z.Servers = append(z.Servers, a.Server)
			}
			break
		}
	}
	if len(z.Servers) == 0 {
		z.NSError = "the zone's nameservers could not be found"
		if err := errs[qs[0]]; err != nil {
			z.NSError = strings.TrimPrefix(err.Error(), "dnsq: ")
		}
	} else {
		z.Primary, z.PrimaryWhy = z.Servers[0], "the first nameserver"
		mname := soaMName(soa)
		switch {
		case mname != "" && slices.Contains(z.Servers, mname):
			z.Primary, z.PrimaryWhy = mname, "the SOA MNAME"
		case mname != "":
			z.PrimaryWhy = "the first nameserver (the SOA MNAME " + mname + " is not among them)"
		}
	}
	// An alias out of the zone, as its nameserver answers it, ends in a
	// CNAME only: follow the chain through the resolver, as everyone does.
	for _, q := range qs {
		if a, ok := z.primaryAnswer(q); ok && a.Outcome == model.DNSCNAMEOnly && len(a.Records) > 0 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				rest := d.Lookup(ctx, a.Records[len(a.Records)-1].Target, q.Type)
				mu.Lock()
				defer mu.Unlock()
				i := slices.Index(z.Servers, z.Primary)
				spliced := a
				spliced.Records = append(slices.Clone(a.Records), rest.Records...)
				spliced.Outcome, spliced.Rcode, spliced.Err = rest.Outcome, rest.Rcode, rest.Err
				z.each[q][i] = spliced
			}()
		}
	}
	wg.Wait()
	return z
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

func (z *DNSZone) primaryAnswer(q dnsQ) (model.DNSAnswer, bool) {
	i := slices.Index(z.Servers, z.Primary)
	each := z.each[q]
	if i < 0 || i >= len(each) {
		return model.DNSAnswer{}, false
	}
	return each[i], true
}

// Judged is the answer the content checks judge for a zone question: the
// primary nameserver's, or the resolver's when no authoritative server
// could be asked. The error says why the question went unanswered
// (SERVFAIL, REFUSED, a timeout, a truncated answer TCP could not fetch):
// the check then ends in error with it.
func (z *DNSZone) Judged(name, qtype string) (model.DNSAnswer, error) {
	q := dnsQ{name, qtype}
	a, ok := z.primaryAnswer(q)
	switch {
	case !ok && z.Primary != "" && z.eachErr[q] != nil:
		return a, fmt.Errorf("%s: the nameservers could not be asked: %s", q, strings.TrimPrefix(z.eachErr[q].Error(), "dnsq: "))
	case !ok:
		a, ok = z.resolver[q]
	}
	if !ok {
		return a, fmt.Errorf("internal error: %s was not asked (please report it)", q)
	}
	if !answered(a) {
		return a, fmt.Errorf("%s %s from %s: %s", a.Type, a.Name, a.Server, unanswered(a))
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
	if z.Primary != "" {
		return z.Primary + " (" + z.PrimaryWhy + " of " + strings.Join(z.Servers, ", ") + ")"
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

// judgedFrom is the evidence of whose answers a content check judged.
func judgedFrom(z *DNSZone) Evidence {
	return dnsValue(z.Domain, "answers judged", z.JudgedFrom(), "NS and SOA "+z.Domain+" @ "+z.Resolver)
}
