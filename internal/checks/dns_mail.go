package checks

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/o365doctor/o365doctor/internal/model"
	"github.com/o365doctor/o365doctor/internal/spf"
)

// DNSMX: mail for the domain goes to Exchange Online.
var DNSMX = &Check{
	ID:          "dns.mx",
	Title:       "MX to Exchange Online, and the MX host resolves",
	Area:        AreaDNS,
	Scope:       ScopeDomain,
	Severity:    High,
	Needs:       []Source{DNS},
	Permissions: []Permission{dnsGraphDomainRead},
	Requires:    []FactRef{DNSZoneFact, DNSTargetsFact, dnsServiceRecordsFact},
	Doc: `Mail for a Microsoft 365 domain is delivered to Exchange Online Protection: the
domain's MX record points at {domain-with-dashes}.mail.protection.outlook.com, or at
a host under mx.microsoft (the newer form Microsoft gives domains with DNSSEC
inbound; both are correct), and that host must resolve. An MX left on an old
gateway after a migration delivers mail there: users sign in fine and see an empty
mailbox. A backup MX elsewhere lets mail bypass Exchange Online Protection.
With Graph, the MX host is compared with the one Entra lists in
serviceConfigurationRecords (another tenant's host delivers to another tenant).
Fix: set the MX record to the value Entra shows for the domain, remove other MX
records, and wait for the TTL.`,
	References: []string{
		"https://learn.microsoft.com/microsoft-365/enterprise/external-domain-name-system-records",
		"https://learn.microsoft.com/purview/how-smtp-dnssec-and-dane-works",
	},
	Run: runMX,
}

// microsoftMX reports whether an MX host is Exchange Online's.
func microsoftMX(host string) bool {
	h := strings.ToLower(strings.TrimSuffix(host, "."))
	return strings.HasSuffix(h, ".mail.protection.outlook.com") || strings.HasSuffix(h, ".mx.microsoft")
}

func runMX(ctx context.Context, pass *Pass) error {
	zone, a, err := judged(ctx, pass, "", "MX")
	if err != nil {
		return err
	}
	def := strings.ReplaceAll(zone.Domain, ".", "-") + ".mail.protection.outlook.com"
	exp := expectedRecord(ctx, pass, dnsServiceRecordsFact, "serviceConfigurationRecords", "Mx", zone.Domain, def)
	obj := dnsDomain(zone.Domain)
	ev := []Evidence{Value{dnsRead(a)}, dnsValue(zone.Domain, "expected MX", exp.Value+" (or a host under mx.microsoft)", exp.From), judgedFrom(zone, a)}
	recs := a.OfType()
	if len(recs) == 0 {
		pass.Report(Finding{Object: obj, Status: StatusFail, Evidence: ev,
			Message: fmt.Sprintf("%s has no MX record: mail to it is not delivered to Exchange Online", zone.Domain)})
		return nil
	}
	lowest := recs[0].Pref
	for _, r := range recs {
		lowest = min(lowest, r.Pref)
	}
	targets, terr := DNSTargetsFact.Get(ctx, pass.Facts)
	var unansweredHosts []string
	for _, r := range recs {
		f := Finding{Object: obj, Evidence: ev}
		switch {
		case r.Target == "" || r.Target == ".":
			f.Status, f.Message = StatusFail, fmt.Sprintf("%s publishes a null MX (RFC 7505): it refuses all mail", zone.Domain)
		case !microsoftMX(r.Target) && r.Pref == lowest:
			f.Status, f.Message = StatusFail, fmt.Sprintf("%s's mail goes to %s, not to Exchange Online (an old gateway?): mailboxes stay empty", zone.Domain, r.Target)
		case !microsoftMX(r.Target):
			f.Status, f.Message = StatusWarn, fmt.Sprintf("%s has a backup MX %s (preference %d) outside Exchange Online: mail through it bypasses Exchange Online Protection", zone.Domain, r.Target, r.Pref)
		case strings.HasSuffix(r.Target, ".mx.microsoft") || strings.EqualFold(r.Target, exp.Value):
			f.Status, f.Message = StatusPass, fmt.Sprintf("%s's mail goes to Exchange Online (%s)", zone.Domain, r.Target)
		case strings.HasPrefix(exp.From, "Graph"):
			f.Status, f.Message = StatusWarn, fmt.Sprintf("%s's MX %s is an Exchange Online host, but not the one Entra lists (%s): mail may reach another tenant", zone.Domain, r.Target, exp.Value)
		default:
			f.Status, f.Message = StatusPass, fmt.Sprintf("%s's mail goes to Exchange Online (%s; without Graph o365doctor cannot tell which tenant's host it is)", zone.Domain, r.Target)
		}
		if f.Status == StatusPass || microsoftMX(r.Target) {
			// The MX host must resolve for mail to reach it.
			switch addr, ok := dnsResolves(targets, terr, r.Target); {
			case !ok:
				unansweredHosts = append(unansweredHosts, r.Target)
			case len(addr) == 0:
				f.Status, f.Message = StatusFail, fmt.Sprintf("%s's MX host %s does not resolve: mail cannot be delivered", zone.Domain, r.Target)
			}
			for _, t := range []string{"A", "AAAA"} {
				if ans, ok := targets.Get(r.Target, t); ok {
					f.Evidence = append(f.Evidence, Value{dnsRead(ans)})
				}
			}
		}
		pass.Report(f)
	}
	if len(unansweredHosts) > 0 {
		return fmt.Errorf("the address of MX host %s could not be read: %s", strings.Join(unansweredHosts, ", "), targetsError(targets, terr, unansweredHosts[0]))
	}
	return nil
}

// resolves returns a host's addresses; ok is false when neither the A nor
// the AAAA question was answered.
func dnsResolves(targets DNSTargets, err error, host string) (addrs []string, ok bool) {
	if err != nil {
		return nil, false
	}
	for _, t := range []string{"A", "AAAA"} {
		a, asked := targets.Get(host, t)
		if asked && answered(a) {
			ok = true
			addrs = append(addrs, a.Values()...)
		}
	}
	return addrs, ok
}

func targetsError(targets DNSTargets, err error, host string) string {
	if err != nil {
		return err.Error()
	}
	a, _ := targets.Get(host, "A")
	return unanswered(a)
}

// DNSSPFCheck: Exchange Online may send as the domain, within SPF's limits.
var DNSSPFCheck = &Check{
	ID:          "dns.spf",
	Title:       "One SPF record, including Exchange Online, within 10 DNS lookups",
	Area:        AreaDNS,
	Scope:       ScopeDomain,
	Severity:    High,
	Needs:       []Source{DNS},
	Permissions: []Permission{dnsGraphDomainRead},
	Requires:    []FactRef{DNSSPFFact, dnsServiceRecordsFact},
	Doc: `Receivers check the sender's address against the domain's SPF record (RFC 7208).
It must be exactly one TXT record starting v=spf1 (two are a permerror), it must
include spf.protection.outlook.com (directly or through another include) or mail
sent from Exchange Online fails SPF. The include must authorise: "-include:" makes
that mail fail (fail here), "~include:" or "?include:" softfail or neutral (warn),
and a term after all is never read by receivers (RFC 7208 5.1) — it neither
authorises nor counts. Evaluating the record may cost at most 10 DNS
lookups — include, a, mx, ptr, exists and redirect terms, counted through every
nested include (section 4.6.4) — and at most 2 void lookups (names that do not
exist); past either limit receivers answer permerror and every message fails
SPF, which DMARC then quarantines or rejects. o365doctor evaluates the record as
the primary nameserver serves it and follows includes through the resolver; the
evidence is the chain with each record's count. Terms with macros (%{i}) are
counted as one lookup each but not followed (what they lead to depends on the
sender) and named; ptr is named too (RFC 7208 says not to use it). An mx term's
hosts are looked up too (a host without addresses is a void lookup). +all lets
any server send as the domain, ?all is neutral (says nothing): both warn.
Fix: one record, e.g. "v=spf1 include:spf.protection.outlook.com -all"; merge a
second record into it; replace includes that cost many lookups by the networks
they publish (ip4:/ip6:) or drop senders no longer used.`,
	References: []string{
		"https://www.rfc-editor.org/rfc/rfc7208#section-4.6.4",
		"https://learn.microsoft.com/defender-office-365/email-authentication-spf-configure",
	},
	Run: runSPF,
}

func runSPF(ctx context.Context, pass *Pass) error {
	s, err := DNSSPFFact.Get(ctx, pass.Facts)
	if err != nil {
		return err
	}
	zone, err := DNSZoneFact.Get(ctx, pass.Facts)
	if err != nil {
		return err
	}
	r := s.Result
	domain := zone.Domain
	exp := expectedRecord(ctx, pass, dnsServiceRecordsFact, "serviceConfigurationRecords", "Txt", domain, "v=spf1 include:spf.protection.outlook.com -all")
	want := "spf.protection.outlook.com"
	if rec, err := spf.Parse(exp.Value); err == nil {
		for _, t := range rec.Terms {
			if t.Name == "include" && !t.Modifier && !t.Macro {
				want = strings.ToLower(t.Target)
				break
			}
		}
	}
	ev := []Evidence{Value{dnsRead(s.Top)}, judgedFrom(zone, s.Top),
		dnsValue(domain, "expected include", want, exp.From+": "+exp.Value),
		dnsValue(domain, "DNS-lookup terms", fmt.Sprintf("%d of %d", r.Lookups, spf.MaxLookups), "RFC 7208 4.6.4, counted through every include and redirect"),
		dnsValue(domain, "void lookups", fmt.Sprintf("%d of %d", r.VoidLookups, spf.MaxVoid), "RFC 7208 4.6.4")}
	for i, st := range r.Steps {
		via := "top record"
		if st.Via != "" {
			via = fmt.Sprintf("%s, depth %d", st.Via, st.Depth)
		}
		source := "TXT " + st.Domain + " @ " + zone.Resolver
		if i == 0 {
			source = "TXT " + st.Domain + " @ " + s.Top.Server
		}
		rec := st.Record
		if rec == "" {
			rec = "(no v=spf1 record)"
		}
		ev = append(ev, dnsValue(st.Domain, fmt.Sprintf("SPF step %d (%s): %d lookup %s, %d with what it leads to", i+1, via, st.Lookups, dnsPlural(st.Lookups, "term", "terms"), st.Subtotal), rec, source))
	}
	for _, p := range r.Notes() {
		ev = append(ev, dnsValue(p.Domain, "not followed", p.Term, p.Detail))
	}
	f := Finding{Object: dnsDomain(domain), Evidence: ev}
	perm := r.PermErrors()
	way, reaches := r.BestReach(want)
	var plusAll, neutralAll []spf.Problem
	for _, p := range r.Notes() {
		switch {
		case p.Kind == spf.PlusAll:
			plusAll = append(plusAll, p)
		case p.Kind == spf.NeutralAll && p.Domain == domain:
			neutralAll = append(neutralAll, p)
		}
	}
	if reaches {
		f.Evidence = append(f.Evidence, dnsValue(domain, "Exchange Online reached by", way.Term+" ("+strings.Join(way.Chain, " -> ")+")", "RFC 7208 5.2: only an include qualified + on every step authorises its senders"))
	}
	switch {
	case len(perm) > 0:
		f.Status, f.Message = StatusFail, spfPermMessage(domain, r, perm[0])
	case len(r.TempErrors()) > 0:
		pass.Report(f)
		return fmt.Errorf("%s's SPF record could not be evaluated: %s", domain, r.TempErrors()[0])
	case !reaches && spfAfterAll(r, want):
		f.Status, f.Message = StatusFail, fmt.Sprintf("%s's SPF record names %s only after its all mechanism, where receivers never look (RFC 7208 5.1): mail Exchange Online sends for the domain fails SPF; move the include before all", domain, want)
	case !reaches:
		f.Status, f.Message = StatusFail, fmt.Sprintf("%s's SPF record does not include %s: mail Exchange Online sends for the domain fails SPF", domain, want)
	case way.Qualifier == '-':
		f.Status, f.Message = StatusFail, fmt.Sprintf("%s's SPF record reaches %s only through %s, qualified -: mail Exchange Online sends for the domain fails SPF; use include: without a qualifier", domain, want, way.Term)
	case !way.Authorises():
		f.Status, f.Message = StatusWarn, fmt.Sprintf("%s's SPF record reaches %s only through %s, qualified %c (%s): mail Exchange Online sends for the domain does not pass SPF; use include: without a qualifier", domain, want, way.Term, way.Qualifier, spfQualifierName(way.Qualifier))
	case len(plusAll) > 0:
		f.Status, f.Message = StatusWarn, fmt.Sprintf("%s's SPF record ends in %s: any server may send mail as the domain", domain, plusAll[0].Term)
	case len(neutralAll) > 0:
		f.Status, f.Message = StatusWarn, fmt.Sprintf("%s's SPF record ends in %s (neutral): SPF says nothing about other servers, so it does not stop anyone sending mail as the domain; use -all or ~all", domain, neutralAll[0].Term)
	default:
		f.Status = StatusPass
		f.Message = fmt.Sprintf("%s has one SPF record that includes %s, with %d of %d DNS lookups", domain, want, r.Lookups, spf.MaxLookups)
		if len(way.Chain) > 2 {
			f.Message += " (through " + strings.Join(way.Chain[1:len(way.Chain)-1], " -> ") + ")"
		}
		if n := len(r.Notes()); n > 0 {
			f.Message += fmt.Sprintf("; %d %s not followed (see evidence)", n, dnsPlural(n, "term", "terms"))
		}
	}
	pass.Report(f)
	return nil
}

// spfAfterAll reports whether a record of the chain names target in a
// term after its all mechanism.
func spfAfterAll(r *spf.Result, target string) bool {
	for _, p := range r.Notes() {
		if p.Kind == spf.AfterAll && strings.Contains(strings.ToLower(p.Term), strings.ToLower(target)) {
			return true
		}
	}
	return false
}

// spfQualifierName is what a qualifier makes the result (RFC 7208 4.6.2).
func spfQualifierName(q byte) string {
	switch q {
	case '-':
		return "fail"
	case '~':
		return "softfail"
	case '?':
		return "neutral"
	}
	return "pass"
}

func spfPermMessage(domain string, r *spf.Result, p spf.Problem) string {
	switch p.Kind {
	case spf.NoRecord:
		return fmt.Sprintf("%s publishes no SPF record: receivers cannot tell Exchange Online may send as the domain, and DMARC fails", domain)
	case spf.MultipleRecords:
		if p.Domain == domain {
			return fmt.Sprintf("%s publishes more than one v=spf1 record: receivers answer permerror and every message fails SPF; merge them", domain)
		}
		return fmt.Sprintf("%s's SPF record includes %s, which publishes more than one v=spf1 record: permerror", domain, p.Domain)
	case spf.TooManyLookups:
		at := ""
		if r.Stopped {
			at = "at least "
		}
		return fmt.Sprintf("%s's SPF record needs %s%d DNS lookups, more than the %d receivers allow: every message fails SPF (permerror)", domain, at, r.Lookups, spf.MaxLookups)
	case spf.TooManyVoid:
		return fmt.Sprintf("%s's SPF record makes %d lookups of names that do not exist, more than the %d receivers allow: permerror", domain, r.VoidLookups, spf.MaxVoid)
	}
	return fmt.Sprintf("%s's SPF record is a permerror for receivers: %s", domain, p)
}

func dnsPlural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// dkimSelectors are the two selectors Microsoft 365 signs with.
var dkimSelectors = []string{"selector1", "selector2"}

// The DKIM CNAME targets Microsoft 365 publishes the keys at
// (https://learn.microsoft.com/defender-office-365/email-authentication-dkim-configure,
// "Syntax for DKIM CNAME records"): the classic form
// selector1-contoso-com._domainkey.contoso.onmicrosoft.com, and, for custom
// domains added since May 2025,
// selector1-contoso-com._domainkey.contoso.{c}-v1.dkim.mail.microsoft where
// {c} is a "dynamic partition character" Microsoft assigns (r, n, ...). An
// earlier revision of that page showed n-v1 for selector1 and n-v2 for
// selector2; the current one shows -v1 for both: any -v<digits> is
// accepted, as is any partition label.
var (
	dkimClassic = regexp.MustCompile(`^(selector[12])-([a-z0-9-]+)\._domainkey\.([a-z0-9-]+)\.onmicrosoft\.com$`)
	dkimHosted  = regexp.MustCompile(`^(selector[12])-([a-z0-9-]+)\._domainkey\.([a-z0-9-]+)\.[a-z0-9]+-v[0-9]+\.dkim\.mail\.microsoft$`)
)

// DNSDKIM: receivers can verify the DKIM signatures Exchange Online adds.
var DNSDKIM = &Check{
	ID:          "dns.dkim",
	Title:       "DKIM selector CNAMEs to this tenant's keys",
	Area:        AreaDNS,
	Scope:       ScopeDomain,
	Severity:    Medium,
	Needs:       []Source{DNS},
	Permissions: []Permission{{Source: Graph, Name: "Organization.Read.All", Optional: true}},
	Requires:    []FactRef{DNSZoneFact, DNSTargetsFact, OrganizationFact},
	Doc: `Exchange Online signs outgoing mail with DKIM using two selectors, rotated: the
domain publishes selector1._domainkey and selector2._domainkey as CNAMEs to keys
Microsoft hosts for the tenant — selector1-{domain-with-dashes}._domainkey.
{tenant}.onmicrosoft.com, or for domains added since May 2025
selector1-{domain-with-dashes}._domainkey.{tenant}.{c}-v1.dkim.mail.microsoft — and
each target must hold a DKIM key (v=DKIM1; p=...). Without them Exchange Online
signs as the onmicrosoft.com domain, DMARC alignment rests on SPF alone, and
forwarded mail fails DMARC. CNAMEs to another tenant's keys (a tenant move) fail
every signature, and so do CNAMEs to another domain's keys (the
{domain-with-dashes} part names a different domain: copied from it). Mail, not
sign-in: missing DKIM is a warning. The tenant is the
prefix of Graph's initial domain when Graph is there; without it any
*.onmicrosoft.com or dkim.mail.microsoft tenant is accepted and the evidence says so.
Fix: Defender portal > Email authentication settings > DKIM shows the two CNAME
values for the domain; publish them, then enable signing.`,
	References: []string{
		"https://learn.microsoft.com/defender-office-365/email-authentication-dkim-configure",
		"https://www.rfc-editor.org/rfc/rfc6376#section-3.6.1",
	},
	Run: runDKIM,
}

func runDKIM(ctx context.Context, pass *Pass) error {
	zone, err := DNSZoneFact.Get(ctx, pass.Facts)
	if err != nil {
		return err
	}
	tenant, tenantFrom := "", "Graph not configured: any tenant's keys are accepted"
	if pass.Facts.Sources().Why(Graph) == "" {
		org, err := OrganizationFact.Get(ctx, pass.Facts)
		initial := strings.ToLower(org.InitialDomain())
		switch {
		case err != nil:
			tenantFrom = "Graph organization: " + model.Clean(err.Error()) + ": any tenant's keys are accepted"
		case strings.HasSuffix(initial, ".onmicrosoft.com"):
			tenant, tenantFrom = strings.TrimSuffix(initial, ".onmicrosoft.com"), "Graph organization: initial domain "+initial
		}
	}
	targets, terr := DNSTargetsFact.Get(ctx, pass.Facts)
	// The key's name holds the domain it is for, dots as dashes
	// (selector1-contoso-com): another domain's key fails our signatures.
	dashed := strings.ReplaceAll(zone.Domain, ".", "-")
	for _, sel := range dkimSelectors {
		a, err := zone.Judged(sel+"._domainkey."+zone.Domain, "CNAME")
		if err != nil {
			return err
		}
		f := Finding{Object: dnsDomain(a.Name), Evidence: []Evidence{Value{dnsRead(a)}, judgedFrom(zone, a), dnsValue(zone.Domain, "tenant", dnsFirst(tenant, "(unknown)"), tenantFrom)}}
		recs := a.OfType()
		if len(recs) == 0 {
			f.Status, f.Message = StatusWarn, fmt.Sprintf("%s has no CNAME: Exchange Online cannot sign %s's mail with %s (DMARC alignment rests on SPF alone)", a.Name, zone.Domain, sel)
			pass.Report(f)
			continue
		}
		target := recs[0].Target
		m := dkimClassic.FindStringSubmatch(target)
		if m == nil {
			m = dkimHosted.FindStringSubmatch(target)
		}
		switch {
		case m == nil:
			f.Status, f.Message = StatusWarn, fmt.Sprintf("%s points at %s, which is not a Microsoft 365 DKIM key (another mail service's?)", a.Name, target)
		case m[1] != sel:
			f.Status, f.Message = StatusWarn, fmt.Sprintf("%s points at %s's key (%s): the selectors are swapped", a.Name, m[1], target)
		case tenant != "" && m[3] != tenant:
			f.Status, f.Message = StatusWarn, fmt.Sprintf("%s points at tenant %s's key (%s), not this tenant's (%s): every %s signature fails", a.Name, m[3], target, tenant, sel)
		case m[2] != dashed:
			f.Status, f.Message = StatusWarn, fmt.Sprintf("%s points at the key Microsoft 365 keeps for another domain (%s, not %s: %s): Exchange Online signs %s's mail with %s's own key, so receivers fail every %s signature (copied from another domain?)", a.Name, m[2], dashed, target, zone.Domain, zone.Domain, sel)
		default:
			f.Status, f.Message = dkimKey(a.Name, target, targets, terr, &f.Evidence)
			if f.Status == StatusError {
				pass.Report(f)
				return errors.New(f.Message)
			}
			if f.Status == StatusPass && tenant == "" {
				f.Message += " (tenant " + m[3] + ": without Graph o365doctor cannot tell whether it is this one)"
			}
		}
		pass.Report(f)
	}
	return nil
}

// dkimKey judges the key record behind a selector CNAME.
func dkimKey(name, target string, targets DNSTargets, terr error, ev *[]Evidence) (Status, string) {
	if terr != nil {
		return StatusError, "the DKIM key at " + target + " could not be read: " + terr.Error()
	}
	a, ok := targets.Get(target, "TXT")
	if !ok || !answered(a) {
		return StatusError, fmt.Sprintf("the DKIM key at %s could not be read: %s", target, unanswered(a))
	}
	*ev = append(*ev, Value{dnsRead(a)})
	var keys []string
	for _, v := range a.Values() {
		tags, ok := dnsTags(v)
		if _, hasP := tags["p"]; ok && (hasP || strings.EqualFold(tags["v"], "DKIM1")) {
			keys = append(keys, v)
		}
	}
	switch {
	case len(keys) == 0:
		return StatusWarn, fmt.Sprintf("%s points at %s, which holds no DKIM key: DKIM is not enabled for the domain in Microsoft 365 yet", name, target)
	case len(keys) > 1:
		return StatusWarn, fmt.Sprintf("%s points at %s, which holds %d DKIM key records: receivers fail the signature", name, target, len(keys))
	}
	tags, _ := dnsTags(keys[0])
	if v, ok := tags["v"]; ok && (v != "DKIM1" || !strings.HasPrefix(keys[0], "v=")) {
		return StatusWarn, fmt.Sprintf("%s's key at %s has v=%s: it must start v=DKIM1 (RFC 6376 3.6.1)", name, target, v)
	}
	p, ok := tags["p"]
	if !ok || p == "" {
		return StatusWarn, fmt.Sprintf("%s's key at %s has an empty p=: the key is revoked", name, target)
	}
	der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(p), ""))
	if err != nil {
		return StatusWarn, fmt.Sprintf("%s's key at %s is not base64: receivers cannot verify signatures", name, target)
	}
	if _, err := x509.ParsePKIXPublicKey(der); err != nil && !strings.EqualFold(tags["k"], "ed25519") {
		return StatusWarn, fmt.Sprintf("%s's key at %s is not a public key: receivers cannot verify signatures", name, target)
	}
	return StatusPass, fmt.Sprintf("%s points at %s, which holds a DKIM key", name, target)
}

// parseTags reads a tag=value list (DKIM key records, DMARC): tags are
// separated by ";", names lower-cased; ok is false when a part is not
// tag=value or a tag repeats.
func dnsTags(s string) (map[string]string, bool) {
	out := map[string]string{}
	for _, part := range strings.Split(s, ";") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, found := strings.Cut(part, "=")
		k = strings.ToLower(strings.TrimSpace(k))
		if !found || k == "" {
			return out, false
		}
		if _, dup := out[k]; dup {
			return out, false
		}
		out[k] = strings.TrimSpace(v)
	}
	return out, true
}

func dnsFirst(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// DNSDMARC: the domain tells receivers what to do with mail that fails.
var DNSDMARC = &Check{
	ID:       "dns.dmarc",
	Title:    "DMARC record present and valid",
	Area:     AreaDNS,
	Scope:    ScopeDomain,
	Severity: Medium,
	Needs:    []Source{DNS},
	Requires: []FactRef{DNSZoneFact},
	Doc: `A DMARC record (_dmarc.{domain} TXT "v=DMARC1; p=...", RFC 7489) tells receivers
what to do with mail that fails both SPF and DKIM alignment: nothing (p=none,
monitoring only), quarantine or reject, and where to send reports (rua=). Without
one, anyone can send mail as the domain and receivers such as Gmail and Yahoo
junk or refuse bulk mail from it. A record that does not parse, or two records,
count as none. A subdomain without a record of its own (eu.contoso.com) is
covered by its organisational domain's record (RFC 7489 6.6.3: sp=, else p=),
which o365doctor then reads and names. p=none passes here (the message says it
only monitors): moving to
quarantine or reject is a decision for the mail team, after reading the reports.
Fix: publish _dmarc.{domain} TXT "v=DMARC1; p=none; rua=mailto:..." and tighten
p= once the reports show only legitimate senders.`,
	References: []string{
		"https://www.rfc-editor.org/rfc/rfc7489#section-6.3",
		"https://learn.microsoft.com/defender-office-365/email-authentication-dmarc-configure",
	},
	Run: runDMARC,
}

func runDMARC(ctx context.Context, pass *Pass) error {
	zone, a, err := judged(ctx, pass, "_dmarc", "TXT")
	if err != nil {
		return err
	}
	f := Finding{Object: dnsDomain(a.Name), Evidence: []Evidence{Value{dnsRead(a)}, judgedFrom(zone, a)}}
	recs := dmarcRecords(a)
	policyTag, owner := "p", zone.Domain
	if len(recs) == 0 && zone.OrgDomain != "" {
		// RFC 7489 6.6.3: no record at the domain: receivers use the
		// organisational domain's, its sp= (else p=) for subdomains.
		org, err := zone.Judged("_dmarc."+zone.OrgDomain, "TXT")
		if err != nil {
			return fmt.Errorf("%s publishes no DMARC record, and its organisational domain's could not be read: %w", zone.Domain, err)
		}
		f.Evidence = append(f.Evidence, Value{dnsRead(org)},
			dnsValue(zone.Domain, "DMARC policy from", "_dmarc."+zone.OrgDomain, "RFC 7489 6.6.3: without a record at "+a.Name+", receivers use the organisational domain's ("+zone.OrgDomain+"), its sp= for subdomains, else p="))
		if orgRecs := dmarcRecords(org); len(orgRecs) > 0 {
			a, recs, owner = org, orgRecs, zone.OrgDomain
			if tags, ok := dnsTags(recs[0]); ok && tags["sp"] != "" {
				policyTag = "sp"
			}
		}
	}
	of := ""
	if owner != zone.Domain {
		of = fmt.Sprintf(" (the organisational domain %s's record, %s=, applies to it: RFC 7489 6.6.3)", owner, policyTag)
	}
	switch {
	case len(recs) == 0 && zone.OrgDomain != "":
		f.Status, f.Message = StatusWarn, fmt.Sprintf("neither %s nor its organisational domain %s publishes a DMARC record (_dmarc TXT v=DMARC1): receivers have no policy for mail that fails SPF and DKIM, and large mailbox providers junk bulk mail from it", zone.Domain, zone.OrgDomain)
	case len(recs) == 0:
		f.Status, f.Message = StatusWarn, fmt.Sprintf("%s publishes no DMARC record (_dmarc TXT v=DMARC1): receivers have no policy for mail that fails SPF and DKIM, and large mailbox providers junk bulk mail from it", zone.Domain)
	case len(recs) > 1:
		f.Status, f.Message = StatusWarn, fmt.Sprintf("%s publishes %d DMARC records: receivers ignore them all; keep one%s", owner, len(recs), of)
	default:
		tags, ok := dnsTags(recs[0])
		policy := strings.ToLower(tags[policyTag])
		switch {
		case !ok || !strings.EqualFold(strings.TrimSpace(strings.SplitN(recs[0], ";", 2)[0]), "v=DMARC1"):
			f.Status, f.Message = StatusWarn, fmt.Sprintf("%s's DMARC record does not parse (tag=value; pairs after v=DMARC1): receivers ignore it%s", owner, of)
		case policy != "none" && policy != "quarantine" && policy != "reject":
			f.Status, f.Message = StatusWarn, fmt.Sprintf("%s's DMARC record has %s=%q; it must be none, quarantine or reject: receivers ignore the record%s", owner, policyTag, model.Clean(tags[policyTag]), of)
		case policy == "none":
			f.Status, f.Message = StatusPass, fmt.Sprintf("%s publishes DMARC with p=none: it only monitors (reports), it does not stop mail that fails", zone.Domain)
		default:
			f.Status, f.Message = StatusPass, fmt.Sprintf("%s publishes DMARC with p=%s", zone.Domain, policy)
		}
		if owner != zone.Domain && f.Status == StatusPass {
			f.Message = fmt.Sprintf("%s publishes no DMARC record of its own; %s's applies (RFC 7489 6.6.3) with %s=%s", zone.Domain, owner, policyTag, policy)
			if policy == "none" {
				f.Message += ": it only monitors (reports), it does not stop mail that fails"
			}
		}
		if ok {
			for _, k := range []string{"p", "sp", "pct", "rua"} {
				if v, has := tags[k]; has {
					f.Evidence = append(f.Evidence, dnsValue(a.Name, "DMARC "+k, v, "TXT "+a.Name+" @ "+a.Server))
				}
			}
		}
	}
	pass.Report(f)
	return nil
}

// dmarcRecords are the DMARC records among a _dmarc answer's texts (RFC
// 7489 6.6.3: the others are discarded).
func dmarcRecords(a model.DNSAnswer) []string {
	var recs []string
	for _, v := range a.Values() {
		if len(v) >= 8 && strings.EqualFold(strings.ReplaceAll(v[:8], " ", ""), "v=DMARC1") {
			recs = append(recs, v)
		}
	}
	return recs
}
