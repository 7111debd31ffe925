package lab

import (
	"fmt"
	"slices"
	"strings"

	"github.com/miekg/dns"
)

// The lab's "world": the names outside the scenario's zones that the
// checks follow through the resolver — the MX host's address, the
// autodiscover, device-registration and DKIM targets, the SPF include
// chain — so that a healthy scenario passes every DNS check without the
// lab ever asking the real internet. A scenario lays dns.world over it by
// name and type ("-" removes).
//
// The addresses are in Microsoft's published ranges but are not what any
// real name answers today; the TXT texts follow what the names publish:
//
//   - spf.protection.outlook.com: "v=spf1 ip4:… ip6:2a01:111:f400::/48
//     ip6:2a01:111:f403::/49 ip6:2a01:111:f403:8000::/50
//     ip6:2a01:111:f403:c000::/51 ip6:2a01:111:f403:f000::/52
//     include:spfd.protection.outlook.com -all", and spfd: "v=spf1 ip4:…
//     ip6:2a01:4180:4051:0800::/64 ip6:2a01:4180:4050:0800::/64
//     ip6:2a01:4180:4051:0400::/64 ip6:2a01:4180:4050:0400::/64 -all"
//     (nslookup output quoted at https://vamsoft.com/forum/topic/1023/spf-record).
//     That copy elides the IPv4 networks: the ip4 terms below are from
//     Microsoft's Exchange Online ranges as we know them, not confirmed.
//     A newer third-party view (https://www.wirewiki.com/domains/pingtone.com/spf)
//     shows the record as "6 x ip4 5 x ip6 -all" without the spfd include,
//     so today include:spf.protection.outlook.com may cost 1 lookup, not
//     the 2 the lab plays; neither is confirmed from Microsoft.
//   - DKIM keys: Microsoft publishes v=DKIM1; k=rsa; p=<RSA key> behind the
//     selector CNAMEs; the two keys below are real 1024-bit RSA public
//     keys made for the lab (no private key exists anywhere).
//   - autodiscover.outlook.com, enterpriseregistration.windows.net and
//     enterpriseenrollment-s.manage.microsoft.com are CNAME chains into
//     Microsoft's edge networks in real life; the lab answers an A record.
var worldRecords = []DNSRecordSpec{
	{Name: "*.mail.protection.outlook.com", Type: "A", Value: "52.101.68.18"},
	{Name: "*.mx.microsoft", Type: "A", Value: "52.101.41.58"},
	{Name: "autodiscover.outlook.com", Type: "A", Value: "52.98.60.8"},
	{Name: "enterpriseregistration.windows.net", Type: "A", Value: "20.190.151.69"},
	{Name: "enterpriseenrollment-s.manage.microsoft.com", Type: "A", Value: "20.189.172.33"},
	{Name: "sipfed.online.lync.com", Type: "A", Value: "52.112.64.35"},
	{Name: "spf.protection.outlook.com", Type: "TXT", Value: "v=spf1 ip4:40.92.0.0/15 ip4:40.107.0.0/16 ip4:52.100.0.0/15 ip4:52.102.0.0/16 ip4:52.103.0.0/17 ip4:104.47.0.0/17 " +
		"ip6:2a01:111:f400::/48 ip6:2a01:111:f403::/49 ip6:2a01:111:f403:8000::/50 ip6:2a01:111:f403:c000::/51 ip6:2a01:111:f403:f000::/52 include:spfd.protection.outlook.com -all"},
	{Name: "spfd.protection.outlook.com", Type: "TXT", Value: "v=spf1 ip4:51.4.72.0/24 ip4:51.5.72.0/24 ip4:51.5.80.0/27 ip4:51.4.80.0/27 " +
		"ip6:2a01:4180:4051:0800::/64 ip6:2a01:4180:4050:0800::/64 ip6:2a01:4180:4051:0400::/64 ip6:2a01:4180:4050:0400::/64 -all"},
	// dns-broken's old mail host.
	{Name: "_spf.oldmail.example.net", Type: "TXT", Value: "v=spf1 ip4:198.51.100.0/24 -all"},
	{Name: "mx1.oldmail.example.net", Type: "A", Value: "198.51.100.25"},
	{Name: "mail.oldmail.example.net", Type: "A", Value: "198.51.100.26"},
}

// dkimKeys are the public keys the world publishes for selector1 and
// selector2.
var dkimKeys = [2]string{
	"MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQCjXVG8tt0mPPwcIy5xgWCmaKRPeV+H6xRT96NVewlSdZpQ9wra40iNYJaZAg7EFzkoTnglfWjZ40vFSmoUgxzarrqnMYpInA8dxLDWoRjfv9NqrkkPzgsTXK0bNsf9x1pUVsPv/GEJKAzcpymp9aIZNxLiFZxdCIU+qh+jIPH4HwIDAQAB",
	"MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDGH6FAJAjQhm0AUiT80czVCp7CBKus8AEBXqzK1XeNGvRDXcqfctB3aZ6RYeeIBbuyHKLR8zm5Uo6rR0M7UXGUTvZ/ZLGc4WM/lR3mMabzxX+trwAahD7WZ6pY5gGV97Uj6/yEUCrOX9NCBz7j6x2EO5xMTaNpuAkOVcHHV8R+zwIDAQAB",
}

// worldOf is the built-in world plus the DKIM keys of the scenario's
// tenant, in the classic form (selectorN-contoso-com._domainkey.
// contoso.onmicrosoft.com), for every domain of the tenant but the
// initial one.
func (sc *Scenario) worldOf() []DNSRecordSpec {
	out := slices.Clone(worldRecords)
	tenant := strings.ToLower(strings.TrimSuffix(sc.Tenant.InitialDomain, ".onmicrosoft.com"))
	if tenant == "" || strings.Contains(tenant, ".") {
		return out
	}
	for _, d := range sc.zoneApexes() {
		for i, key := range dkimKeys {
			out = append(out, DNSRecordSpec{Name: fmt.Sprintf("selector%d-%s._domainkey.%s.onmicrosoft.com", i+1, strings.ReplaceAll(d, ".", "-"), tenant),
				Type: "TXT", Value: "v=DKIM1; k=rsa; p=" + key})
		}
	}
	return out
}

// wild returns a world name's records of a type: exactly, else through
// the closest wildcard above it, the owner rewritten to the asked name.
func (z *dnsZone) wild(name string, t uint16) []dns.RR {
	owner := z.ownerOf(name)
	rrs := z.records[rrKey(owner, t)]
	if owner == dns.Fqdn(name) || len(rrs) == 0 {
		return rrs
	}
	out := make([]dns.RR, len(rrs))
	for i, rr := range rrs {
		out[i] = dns.Copy(rr)
		out[i].Header().Name = dns.Fqdn(name)
	}
	return out
}

// ownerOf is the name itself when it has records, else the closest
// wildcard above it that has some, else the name.
func (z *dnsZone) ownerOf(name string) string {
	name = strings.ToLower(dns.Fqdn(name))
	if z.nameExists(name) {
		return name
	}
	for parent := name; ; {
		_, rest, ok := strings.Cut(parent, ".")
		if !ok || rest == "" {
			return name
		}
		if w := "*." + rest; z.nameExists(w) {
			return w
		}
		parent = rest
	}
}

// knows reports whether a name is in a domain the world answers for: the
// last two labels of one of its records' names (outlook.com,
// onmicrosoft.com, mx.microsoft, example.net). Inside, a name it lacks is
// NXDOMAIN; outside, the resolver refuses, as the lab never recurses.
func (z *dnsZone) knows(name string) bool {
	suffix := func(n string) string {
		labels := strings.Split(strings.TrimSuffix(strings.ToLower(n), "."), ".")
		if len(labels) < 2 {
			return ""
		}
		return strings.Join(labels[len(labels)-2:], ".")
	}
	s := suffix(name)
	for k := range z.records {
		owner, _, _ := strings.Cut(k, "|")
		if s != "" && suffix(owner) == s {
			return true
		}
	}
	return false
}

// existsWild reports whether a world name exists, itself or through a
// wildcard.
func (z *dnsZone) existsWild(name string) bool { return z.nameExists(z.ownerOf(name)) }

// DNS faults a server can play (dns.faults).
const (
	FaultServFail = "servfail" // answers SERVFAIL
	FaultRefused  = "refused"  // answers REFUSED
	FaultTimeout  = "timeout"  // never answers
	FaultNoTCP    = "notcp"    // UDP answers come truncated, TCP connections close unanswered
)

var dnsFaults = set(FaultServFail, FaultRefused, FaultTimeout, FaultNoTCP)

// fault finds the first fault of this server that names the question.
func (z *dnsZone) fault(name string, t uint16) (DNSFaultSpec, bool) {
	for _, f := range z.faults {
		if f.Name != "" && !strings.EqualFold(dns.Fqdn(f.Name), name) {
			continue
		}
		if f.Type != "" && dns.StringToType[strings.ToUpper(f.Type)] != t {
			continue
		}
		return f, true
	}
	return DNSFaultSpec{}, false
}

// applyFault answers the question as the fault does; false means answer
// it normally after all (notcp over UDP answers a truncated reply here).
func applyFault(f DNSFaultSpec, w dns.ResponseWriter, m *dns.Msg, udp bool) bool {
	switch f.Fault {
	case FaultServFail:
		m.Rcode = dns.RcodeServerFailure
	case FaultRefused:
		m.Rcode = dns.RcodeRefused
	case FaultTimeout:
		return true // no answer at all
	case FaultNoTCP:
		if !udp {
			_ = w.Close()
			return true
		}
		m.Truncated = true
	default:
		return false
	}
	_ = w.WriteMsg(m)
	return true
}

// validate checks the dns: section of a scenario.
func (d *DNSSpec) validate() error {
	for _, list := range [][]DNSRecordSpec{d.Records, d.Resolver, d.World} {
		for _, r := range list {
			if r.Name == "" || r.Type == "" {
				return fmt.Errorf("dns record %+v: name and type are required", r)
			}
		}
	}
	for name, list := range d.Servers {
		if !slices.Contains(d.Nameservers, name) {
			return fmt.Errorf("dns.servers names %q, which is not in dns.nameservers", name)
		}
		for _, r := range list {
			if r.Name == "" || r.Type == "" {
				return fmt.Errorf("dns.servers %s: record %+v: name and type are required", name, r)
			}
		}
	}
	for _, f := range d.Faults {
		if !dnsFaults[f.Fault] {
			return fmt.Errorf("dns.faults: fault %q is not one of %s", f.Fault, strings.Join(sortedKeys(dnsFaults), ", "))
		}
		if f.Server != "" && f.Server != "resolver" && !slices.Contains(d.Nameservers, f.Server) {
			return fmt.Errorf("dns.faults: server %q is neither resolver nor in dns.nameservers", f.Server)
		}
		if _, ok := dns.StringToType[strings.ToUpper(f.Type)]; f.Type != "" && !ok {
			return fmt.Errorf("dns.faults: unknown type %q", f.Type)
		}
	}
	for _, id := range d.Errors {
		if !strings.HasPrefix(id, "dns.") {
			return fmt.Errorf("dns.errors: %q is not a dns.* check ID", id)
		}
	}
	return nil
}

// faultsOf are the faults a server plays.
func (d *DNSSpec) faultsOf(server string) []DNSFaultSpec {
	var out []DNSFaultSpec
	for _, f := range d.Faults {
		if f.Server == "" || f.Server == server {
			out = append(out, f)
		}
	}
	return out
}
