package model

import "time"

// DNSOutcome is what became of one question. The outcomes are never to be
// read as one "not found": a missing record (NXDOMAIN, NODATA) is a
// finding about the zone, the others say the question went unanswered.
type DNSOutcome string

const (
	// OK: at least one record of the asked type (for a CNAME question, the
	// CNAME) at the end of the CNAME chain.
	DNSOK DNSOutcome = "ok"
	// NXDomain: the name (or the end of its CNAME chain) does not exist.
	DNSNXDomain DNSOutcome = "nxdomain"
	// NoData: the name exists (NOERROR) but has no record of the type.
	DNSNoData DNSOutcome = "nodata"
	// ServFail: the server could not answer (SERVFAIL), e.g. a broken
	// delegation or DNSSEC failure.
	DNSServFail DNSOutcome = "servfail"
	// Refused: the server will not answer this question (REFUSED), e.g. an
	// authoritative server asked for a zone it does not serve.
	DNSRefused DNSOutcome = "refused"
	// Timeout: no answer in time, after the retries.
	DNSTimeout DNSOutcome = "timeout"
	// CNAMEOnly: the server answered an alias whose target it does not
	// answer for (asking one nameserver: the chain leaves its zones). Records
	// holds the chain.
	DNSCNAMEOnly DNSOutcome = "cname"
	// Error: anything else (a malformed answer, a refused connection, a
	// CNAME loop, another RCODE, a cancelled run): Err says what.
	DNSError DNSOutcome = "error"
)

// DNSRcode is the RCODE of a DNS answer as DNS names it: NOERROR, NXDOMAIN,
// SERVFAIL, REFUSED, FORMERR, NOTIMP, ...
type DNSRcode string

// DNSAnswer is the evidence of one question: what was asked, of whom, and what
// came back.
type DNSAnswer struct {
	Name   string // the name asked, Canonical
	Type   string // "TXT", "MX", ...
	Server string // the resolver's address, or the NS host name asked
	Addr   string // host:port the question went to
	// Outcome is what became of the question; Rcode the RCODE of the last
	// answer ("" when none came).
	Outcome       DNSOutcome
	Rcode         DNSRcode
	Authoritative bool // the last answer had the AA bit
	// Records are the CNAMEs followed, in order, then the records of the
	// asked type at the end of the chain.
	Records   []DNSRR
	Truncated bool          // a UDP answer was truncated and TCP was used
	RTT       time.Duration // the sum over the queries of this answer
	Err       string        // for Timeout and Error: why, one line
}

// DNSRR is one resource record, its text cleaned.
type DNSRR struct {
	Name string // owner, Canonical form
	Type string // "TXT", "MX", "CNAME", ...
	TTL  uint32
	// Value is the record's data as people read it: a TXT record's strings
	// joined (as SPF and DMARC read them), "10 host." for MX, the target
	// for CNAME and NS, the address for A and AAAA.
	Value string
	// Pref is the MX preference or the SRV priority.
	Pref uint16
	// Target is the host an MX, CNAME, NS, SRV or PTR record points at,
	// in Canonical form.
	Target string
}

// OfType returns the records of the asked type (without the CNAMEs that
// led to them, unless CNAME was asked).
func (a DNSAnswer) OfType() []DNSRR {
	var out []DNSRR
	for _, r := range a.Records {
		if r.Type == a.Type {
			out = append(out, r)
		}
	}
	return out
}

// Values returns the Value of each record of the asked type.
func (a DNSAnswer) Values() []string {
	var out []string
	for _, r := range a.OfType() {
		out = append(out, r.Value)
	}
	return out
}

// Missing reports whether the answer says the record does not exist
// (NXDOMAIN or NODATA), as opposed to a question that went unanswered.
func (a DNSAnswer) Missing() bool { return a.Outcome == DNSNXDomain || a.Outcome == DNSNoData }
