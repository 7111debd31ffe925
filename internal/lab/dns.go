package lab

import (
	"fmt"
	"net"
	"sort"
	"strings"
	"sync"

	"github.com/miekg/dns"
)

// dnsServer is one DNS server of the lab (the resolver, or one of the
// zone's nameservers) on a loopback port, UDP and TCP on the same number.
type dnsServer struct {
	name string
	addr string
	udp  *dns.Server
	tcp  *dns.Server
}

func (d *dnsServer) close() {
	for _, s := range []*dns.Server{d.udp, d.tcp} {
		if s != nil {
			_ = s.Shutdown()
		}
	}
}

// dnsZone is what one server answers: records by lower-case FQDN and type.
type dnsZone struct {
	apexes  []string // zone apexes, FQDN
	records map[string][]dns.RR
	ns      []string // NS host names, FQDN
	nsAddr  net.IP
	authori bool // answer with the AA bit (the nameservers do)
	// world, for the resolver only, answers the names outside the
	// scenario's zones (see dns_world.go); nil: REFUSED outside them.
	world *dnsZone
	// faults are the questions this server answers badly.
	faults []DNSFaultSpec
}

func rrKey(name string, t uint16) string {
	return strings.ToLower(dns.Fqdn(name)) + "|" + dns.TypeToString[t]
}

// parseRecord turns a spec into an RR; TXT values are quoted and split
// into 255-byte strings as zone files need.
func parseRecord(r DNSRecordSpec) (dns.RR, error) {
	ttl := r.TTL
	if ttl == 0 {
		ttl = 3600
	}
	value := r.Value
	typ := strings.ToUpper(r.Type)
	if typ == "TXT" && !strings.HasPrefix(value, `"`) {
		var parts []string
		for len(value) > 255 {
			parts = append(parts, `"`+value[:255]+`"`)
			value = value[255:]
		}
		value = strings.Join(append(parts, `"`+strings.ReplaceAll(value, `"`, `\"`)+`"`), " ")
	}
	rr, err := dns.NewRR(fmt.Sprintf("%s %d IN %s %s", dns.Fqdn(r.Name), ttl, typ, value))
	if err != nil {
		return nil, fmt.Errorf("dns record %s %s %q: %v", r.Name, r.Type, r.Value, err)
	}
	if rr == nil {
		return nil, fmt.Errorf("dns record %s %s: empty", r.Name, r.Type)
	}
	return rr, nil
}

// buildZone lays overrides over the base records: an override replaces
// every record of its name and type; the value "-" removes them.
func buildZone(apexes, ns []string, base, overrides []DNSRecordSpec) (*dnsZone, error) {
	z := &dnsZone{records: map[string][]dns.RR{}, nsAddr: net.IPv4(127, 0, 0, 1)}
	for _, a := range apexes {
		z.apexes = append(z.apexes, strings.ToLower(dns.Fqdn(a)))
	}
	for _, n := range ns {
		z.ns = append(z.ns, strings.ToLower(dns.Fqdn(n)))
	}
	for _, r := range base {
		if r.Value == "-" {
			continue
		}
		rr, err := parseRecord(r)
		if err != nil {
			return nil, err
		}
		k := rrKey(r.Name, rr.Header().Rrtype)
		z.records[k] = append(z.records[k], rr)
	}
	replaced := map[string]bool{}
	for _, r := range overrides {
		t, ok := dns.StringToType[strings.ToUpper(r.Type)]
		if !ok {
			return nil, fmt.Errorf("dns record %s: unknown type %q", r.Name, r.Type)
		}
		k := rrKey(r.Name, t)
		if !replaced[k] {
			delete(z.records, k)
			replaced[k] = true
		}
		if r.Value == "-" {
			continue
		}
		rr, err := parseRecord(r)
		if err != nil {
			return nil, err
		}
		z.records[k] = append(z.records[k], rr)
	}
	return z, nil
}

func (z *dnsZone) apexOf(name string) string {
	name = strings.ToLower(name)
	for _, a := range z.apexes {
		if name == a || strings.HasSuffix(name, "."+a) {
			return a
		}
	}
	return ""
}

func (z *dnsZone) soa(apex string) dns.RR {
	primary := "ns1." + apex
	if len(z.ns) > 0 {
		primary = z.ns[0]
	}
	return &dns.SOA{Hdr: dns.RR_Header{Name: apex, Rrtype: dns.TypeSOA, Class: dns.ClassINET, Ttl: 300},
		Ns: primary, Mbox: "hostmaster." + apex, Serial: 2026010101, Refresh: 7200, Retry: 3600, Expire: 1209600, Minttl: 300}
}

// ServeDNS answers from the zone: records, CNAMEs followed within what the
// server answers, NS and SOA at the apex, A for the nameservers, NXDOMAIN or
// NODATA with the SOA, and outside the lab's zones REFUSED (a nameserver)
// or the world's records (the resolver, for the domains its world knows;
// REFUSED beyond them: it never asks anyone else). A
// question a fault names is answered badly instead (see applyFault). Over
// UDP an answer larger than the client's buffer is truncated (TC), so the
// client retries over TCP.
func (z *dnsZone) ServeDNS(w dns.ResponseWriter, req *dns.Msg) {
	m := new(dns.Msg)
	m.SetReply(req)
	m.Authoritative = z.authori
	m.RecursionAvailable = !z.authori
	if len(req.Question) != 1 {
		m.Rcode = dns.RcodeFormatError
		_ = w.WriteMsg(m)
		return
	}
	q := req.Question[0]
	name := strings.ToLower(q.Name)
	_, udp := w.RemoteAddr().(*net.UDPAddr)
	if f, ok := z.fault(name, q.Qtype); ok && applyFault(f, w, m, udp) {
		return
	}
	apex := z.apexOf(name)
	nsHost := false
	for _, n := range z.ns {
		nsHost = nsHost || n == name
	}
	switch {
	case nsHost && (q.Qtype == dns.TypeA || q.Qtype == dns.TypeANY):
		m.Answer = append(m.Answer, &dns.A{Hdr: dns.RR_Header{Name: q.Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 3600}, A: z.nsAddr})
	case apex == "" && (z.world == nil || !z.world.knows(name)):
		m.Rcode = dns.RcodeRefused
	case name == apex && q.Qtype == dns.TypeNS && len(z.ns) > 0:
		for _, n := range z.ns {
			m.Answer = append(m.Answer, &dns.NS{Hdr: dns.RR_Header{Name: q.Name, Rrtype: dns.TypeNS, Class: dns.ClassINET, Ttl: 3600}, Ns: n})
		}
	case apex != "" && name == apex && q.Qtype == dns.TypeSOA:
		m.Answer = append(m.Answer, z.soa(apex))
	default:
		target := name
		for hops := 0; hops < 8; hops++ {
			if rrs := z.find(target, q.Qtype); len(rrs) > 0 {
				m.Answer = append(m.Answer, rrs...)
				break
			}
			cname := z.find(target, dns.TypeCNAME)
			if len(cname) == 0 || q.Qtype == dns.TypeCNAME {
				break
			}
			m.Answer = append(m.Answer, cname...)
			target = strings.ToLower(cname[0].(*dns.CNAME).Target)
			if z.apexOf(target) == "" {
				break // out of the zone: the client asks again (the world answers it)
			}
		}
		if len(m.Answer) == 0 {
			if apex != "" {
				m.Ns = append(m.Ns, z.soa(apex))
			}
			if !z.exists(name) {
				m.Rcode = dns.RcodeNameError
			}
		}
	}
	if udp {
		size := dns.MinMsgSize
		if opt := req.IsEdns0(); opt != nil {
			size = int(opt.UDPSize())
		}
		m.Truncate(size)
	}
	_ = w.WriteMsg(m)
}

// find returns the records of a name and type: the zone's for a name in
// it, else the world's (exactly, or by a wildcard, with the asked name as
// owner, as a server synthesises them).
func (z *dnsZone) find(name string, t uint16) []dns.RR {
	if z.apexOf(name) != "" || z.world == nil {
		return z.records[rrKey(name, t)]
	}
	return z.world.wild(name, t)
}

// exists reports whether the name has records of any type (else NXDOMAIN).
func (z *dnsZone) exists(name string) bool {
	if z.apexOf(name) != "" || z.world == nil {
		return z.nameExists(name)
	}
	return z.world.existsWild(name)
}

func (z *dnsZone) nameExists(name string) bool {
	prefix := strings.ToLower(dns.Fqdn(name)) + "|"
	for k := range z.records {
		if strings.HasPrefix(k, prefix) {
			return true
		}
	}
	return false
}

// zoneApexes are the scenario's own domains: the lab answers for them only.
func (sc *Scenario) zoneApexes() []string {
	seen := map[string]bool{}
	var out []string
	add := func(d string) {
		d = strings.ToLower(d)
		if d != "" && !seen[d] && !strings.HasSuffix(d, ".onmicrosoft.com") {
			seen[d] = true
			out = append(out, d)
		}
	}
	add(sc.Domain)
	for _, d := range sc.Tenant.Domains {
		add(d.Name)
	}
	sort.Strings(out)
	return out
}

// startDNS starts the resolver and one server per nameserver.
func (l *Lab) startDNS() error {
	sc := l.Scenario
	apexes := sc.zoneApexes()
	world, err := buildZone(nil, nil, sc.worldOf(), sc.DNS.World)
	if err != nil {
		return fmt.Errorf("lab: scenario %s: dns.world: %v", sc.Name, err)
	}
	type view struct {
		name      string
		overrides []DNSRecordSpec
		auth      bool
	}
	views := []view{{"resolver", sc.DNS.Resolver, false}}
	for _, ns := range sc.DNS.Nameservers {
		views = append(views, view{ns, sc.DNS.Servers[ns], true})
	}
	for _, v := range views {
		z, err := buildZone(apexes, sc.DNS.Nameservers, sc.DNS.Records, v.overrides)
		if err != nil {
			return fmt.Errorf("lab: scenario %s: %v", sc.Name, err)
		}
		z.authori = v.auth
		z.faults = sc.DNS.faultsOf(v.name)
		if !v.auth {
			z.world = world
		}
		srv, err := serveDNS(v.name, z)
		if err != nil {
			return err
		}
		l.dns = append(l.dns, srv)
		if v.name == "resolver" {
			l.DNSAddr = srv.addr
		} else {
			l.Nameservers[v.name] = srv.addr
		}
	}
	return nil
}

func serveDNS(name string, h dns.Handler) (*dnsServer, error) {
	var lastErr error
	for attempt := 0; attempt < 20; attempt++ {
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("lab: dns %s: %w", name, err)
		}
		ln, err := net.Listen("tcp", pc.LocalAddr().String())
		if err != nil { // the TCP twin of this port is taken: try another
			pc.Close()
			lastErr = err
			continue
		}
		// Wait until both serve: Shutdown of a server not yet started
		// fails and would leak its socket.
		var started sync.WaitGroup
		started.Add(2)
		s := &dnsServer{name: name, addr: pc.LocalAddr().String(),
			udp: &dns.Server{PacketConn: pc, Handler: h, NotifyStartedFunc: started.Done},
			tcp: &dns.Server{Listener: ln, Handler: h, NotifyStartedFunc: started.Done}}
		go s.udp.ActivateAndServe() //nolint:errcheck // returns on Shutdown
		go s.tcp.ActivateAndServe() //nolint:errcheck
		started.Wait()
		return s, nil
	}
	return nil, fmt.Errorf("lab: dns %s: no free UDP+TCP port pair: %v", name, lastErr)
}

// nameserverList is the O365DOCTOR_LAB_NAMESERVERS value: name=addr pairs.
func (l *Lab) nameserverList() string {
	var parts []string
	for _, n := range sortedKeys(l.Nameservers) {
		parts = append(parts, n+"="+l.Nameservers[n])
	}
	return strings.Join(parts, ",")
}
