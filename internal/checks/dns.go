package checks

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/o365doctor/o365doctor/internal/model"
)

// dnsChecks are the DNS checks (area dns), in report order. Each needs
// only DNS (recon runs them without credentials); with Graph they compare
// with what Entra asks the domain to publish, else with Microsoft's
// documented defaults, and their evidence says which. The content checks
// judge what the zone's primary nameserver serves (DNSZone.Judged); the
// last two compare the servers.
var dnsChecks = []*Check{
	DNSVerificationTXT, DNSMX, DNSAutodiscover, DNSSPFCheck, DNSDeviceRegistration, DNSDKIM, DNSDMARC,
	DNSPropagation, DNSSplitHorizon,
}

// dnsGraphDomainRead is the Graph permission the DNS checks use, when
// Graph is there, to read what Entra asks the domain to publish.
var dnsGraphDomainRead = Permission{Source: Graph, Name: "Domain.Read.All", Optional: true}

// dnsDomain is the object of a DNS finding.
func dnsDomain(name string) Object { return Object{Kind: ObjDomain, ID: name, Name: name} }

// DNSVerificationTXT: the MS=ms… record Entra verified the domain with.
var DNSVerificationTXT = &Check{
	ID:          "dns.verification-txt",
	Title:       "Domain verification TXT record (MS=ms…)",
	Area:        AreaDNS,
	Scope:       ScopeDomain,
	Severity:    High,
	Needs:       []Source{DNS},
	Permissions: []Permission{dnsGraphDomainRead},
	Requires:    []FactRef{DNSZoneFact, dnsVerificationRecordsFact},
	Doc: `Entra ID proves a tenant owns a domain by a TXT record MS=ms<digits> at the
domain's apex, the value Graph lists in the domain's verificationDnsRecords. A
domain stays verified once proven, but the record is what Microsoft asks for
again when the domain is re-verified, moved to another tenant or added back after
a removal, and a missing or foreign MS= record after a DNS host move is the first
sign that other records were lost in the move too. o365doctor reads it from the
zone's primary nameserver (what Microsoft sees from the internet).
Fix: publish the TXT record Entra shows for the domain (Microsoft 365 admin
center > Settings > Domains, or Graph verificationDnsRecords) at the apex.`,
	References: []string{
		"https://learn.microsoft.com/microsoft-365/admin/setup/add-domain",
		"https://learn.microsoft.com/graph/api/domain-list-verificationdnsrecords",
	},
	Run: runVerificationTXT,
}

// msVerification is the shape of Microsoft's verification record.
var msVerification = regexp.MustCompile(`^(?i)MS=ms[0-9]+$`)

func runVerificationTXT(ctx context.Context, pass *Pass) error {
	zone, a, err := judged(ctx, pass, "", "TXT")
	if err != nil {
		return err
	}
	exp := expectedRecord(ctx, pass, dnsVerificationRecordsFact, "verificationDnsRecords", "Txt", zone.Domain, "")
	var found []string
	for _, v := range a.Values() {
		if strings.HasPrefix(strings.ToUpper(v), "MS=") {
			found = append(found, v)
		}
	}
	f := Finding{Object: dnsDomain(zone.Domain), Evidence: []Evidence{Value{dnsRead(a)}, judgedFrom(zone, a)}}
	if exp.Value != "" {
		f.Evidence = append(f.Evidence, Compare("verification TXT",
			Read{System: "entra", Object: dnsDomain(zone.Domain), Field: "verificationDnsRecords Txt text", Value: exp.Value, Source: "GET /domains/" + zone.Domain + "/verificationDnsRecords"},
			Read{System: "dns", Object: dnsDomain(zone.Domain), Field: "TXT MS=", Value: strings.Join(found, " "), Source: "TXT " + zone.Domain + " @ " + a.Server}))
	} else {
		f.Evidence = append(f.Evidence, dnsValue(zone.Domain, "expected", "any MS=ms<digits>", exp.From))
	}
	switch {
	case exp.Value != "" && dnsContainsFold(found, exp.Value):
		f.Status, f.Message = StatusPass, fmt.Sprintf("%s publishes the verification record Entra asks for (%s)", zone.Domain, exp.Value)
	case exp.Value != "" && len(found) > 0:
		f.Status, f.Message = StatusWarn, fmt.Sprintf("%s publishes %s, not the record Entra asks for (%s): a record of another tenant, or a stale one", zone.Domain, strings.Join(found, ", "), exp.Value)
	case exp.Value == "" && dnsAnyMatch(found, msVerification):
		f.Status, f.Message = StatusPass, fmt.Sprintf("%s publishes a verification record (%s); which tenant's, only Graph can say", zone.Domain, strings.Join(found, ", "))
	case len(found) > 0:
		f.Status, f.Message = StatusWarn, fmt.Sprintf("%s publishes %s, which is not a Microsoft verification record (MS=ms<digits>)", zone.Domain, strings.Join(found, ", "))
	default:
		f.Status, f.Message = StatusWarn, fmt.Sprintf("%s publishes no MS=ms… verification record: re-verifying the domain in Entra will fail until it is back (lost in a DNS host move?)", zone.Domain)
	}
	pass.Report(f)
	return nil
}

// DNSAutodiscover: Outlook finds Exchange Online through autodiscover.
var DNSAutodiscover = &Check{
	ID:          "dns.autodiscover",
	Title:       "Autodiscover CNAME to autodiscover.outlook.com, no stray SRV",
	Area:        AreaDNS,
	Scope:       ScopeDomain,
	Severity:    Medium,
	Needs:       []Source{DNS},
	Permissions: []Permission{dnsGraphDomainRead},
	Requires:    []FactRef{DNSZoneFact, DNSTargetsFact, dnsServiceRecordsFact},
	Doc: `Outlook (desktop and mobile) finds a mailbox's server through autodiscover: it
tries https://{domain}/autodiscover, https://autodiscover.{domain}/autodiscover
and then the SRV record _autodiscover._tcp.{domain}. For Exchange Online the
domain publishes autodiscover.{domain} CNAME autodiscover.outlook.com. A CNAME or
SRV record that still points at an on-premises Exchange or an old mail host sends
Outlook there: users see repeated password prompts or "cannot connect" although
their Okta sign-in works in the browser. A missing CNAME slows Outlook's setup
and breaks it on clients without Microsoft's direct-connect fallback.
Fix: publish autodiscover.{domain} CNAME autodiscover.outlook.com (the value Graph
lists in serviceConfigurationRecords) and delete a stray _autodiscover._tcp SRV.`,
	References: []string{
		"https://learn.microsoft.com/microsoft-365/enterprise/external-domain-name-system-records",
		"https://learn.microsoft.com/exchange/client-developer/exchange-web-services/autodiscover-for-exchange",
	},
	Run: runAutodiscover,
}

func runAutodiscover(ctx context.Context, pass *Pass) error {
	zone, err := DNSZoneFact.Get(ctx, pass.Facts)
	if err != nil {
		return err
	}
	name := "autodiscover." + zone.Domain
	cname, err := zone.Judged(name, "CNAME")
	if err != nil {
		return err
	}
	srv, err := zone.Judged("_autodiscover._tcp."+zone.Domain, "SRV")
	if err != nil {
		return err
	}
	exp := expectedRecord(ctx, pass, dnsServiceRecordsFact, "serviceConfigurationRecords", "CName", name, "autodiscover.outlook.com")
	f := cnameFinding(ctx, pass, zone, cname, exp, "Outlook")
	if f.Status == StatusWarn && cname.Missing() {
		f.Message = fmt.Sprintf("%s has no CNAME to %s: Outlook's account setup has to guess, and fails on clients that cannot", name, exp.Value)
	}
	if f.Status != StatusPass && cname.Outcome == model.DNSOK {
		f.Status, f.Message = StatusFail, fmt.Sprintf("%s points at %s, not %s: Outlook asks that server (an old Exchange?) and prompts for passwords that never work", name, cname.OfType()[0].Target, exp.Value)
	}
	pass.Report(f)
	if recs := srv.OfType(); len(recs) > 0 {
		var targets []string
		for _, r := range recs {
			targets = append(targets, r.Value)
		}
		pass.Report(Finding{Object: dnsDomain(srv.Name), Status: StatusWarn, Evidence: []Evidence{Value{dnsRead(srv)}},
			Message: fmt.Sprintf("a stray %s SRV record (%s) points Outlook away from Exchange Online: delete it", srv.Name, strings.Join(targets, ", "))})
	}
	return nil
}

// cnameFinding judges one CNAME against the expected target: pass when it
// points there, warn when it is missing or points elsewhere (the caller
// sharpens the message). The target's address, when the targets fact
// asked it, is evidence.
func cnameFinding(ctx context.Context, pass *Pass, zone *DNSZone, a model.DNSAnswer, exp expectation, who string) Finding {
	f := Finding{Object: dnsDomain(a.Name), Evidence: []Evidence{
		Value{dnsRead(a)},
		dnsValue(a.Name, "expected CNAME", exp.Value, exp.From),
		judgedFrom(zone, a),
	}}
	recs := a.OfType()
	switch {
	case len(recs) == 0:
		f.Status, f.Message = StatusWarn, fmt.Sprintf("%s has no CNAME to %s", a.Name, exp.Value)
	case !strings.EqualFold(recs[0].Target, exp.Value):
		f.Status, f.Message = StatusWarn, fmt.Sprintf("%s points at %s, not %s", a.Name, recs[0].Target, exp.Value)
	default:
		f.Status, f.Message = StatusPass, fmt.Sprintf("%s points %s at %s", a.Name, who, exp.Value)
		if targets, err := DNSTargetsFact.Get(ctx, pass.Facts); err == nil {
			if t, ok := targets.Get(recs[0].Target, "A"); ok {
				f.Evidence = append(f.Evidence, Value{dnsRead(t)})
			}
		}
	}
	return f
}

// DNSDeviceRegistration: Entra device registration and Intune enrollment.
var DNSDeviceRegistration = &Check{
	ID:          "dns.device-registration",
	Title:       "Device registration and enrollment CNAMEs",
	Area:        AreaDNS,
	Scope:       ScopeDomain,
	Severity:    Low,
	Needs:       []Source{DNS},
	Permissions: []Permission{dnsGraphDomainRead},
	Requires:    []FactRef{DNSZoneFact, DNSTargetsFact, dnsServiceRecordsFact},
	Doc: `Windows finds Entra device registration and Intune enrollment through two CNAMEs
of the user's domain: enterpriseregistration.{domain} to
enterpriseregistration.windows.net and enterpriseenrollment.{domain} to
enterpriseenrollment-s.manage.microsoft.com. Without them, "Access work or
school", Entra join, Autopilot and automatic MDM enrollment ask the user for a
server address or fail. Sign-in through Okta is not affected: this is a warning.
Fix: publish both CNAMEs (the values Graph lists in serviceConfigurationRecords,
supportedService Intune).`,
	References: []string{
		"https://learn.microsoft.com/microsoft-365/enterprise/external-domain-name-system-records",
		"https://learn.microsoft.com/mem/intune/enrollment/windows-enrollment-create-cname",
	},
	Run: runDeviceRegistration,
}

func runDeviceRegistration(ctx context.Context, pass *Pass) error {
	zone, err := DNSZoneFact.Get(ctx, pass.Facts)
	if err != nil {
		return err
	}
	for _, r := range []struct{ label, def, what string }{
		{"enterpriseregistration", "enterpriseregistration.windows.net", "Entra device registration (join, Autopilot)"},
		{"enterpriseenrollment", "enterpriseenrollment-s.manage.microsoft.com", "Intune enrollment"},
	} {
		name := r.label + "." + zone.Domain
		a, err := zone.Judged(name, "CNAME")
		if err != nil {
			return err
		}
		exp := expectedRecord(ctx, pass, dnsServiceRecordsFact, "serviceConfigurationRecords", "CName", name, r.def)
		f := cnameFinding(ctx, pass, zone, a, exp, r.what)
		if f.Status == StatusWarn {
			f.Message += fmt.Sprintf(": %s asks for a server or fails (sign-in is not affected)", r.what)
		}
		pass.Report(f)
	}
	return nil
}

func dnsContainsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

func dnsAnyMatch(list []string, re *regexp.Regexp) bool {
	for _, v := range list {
		if re.MatchString(v) {
			return true
		}
	}
	return false
}
