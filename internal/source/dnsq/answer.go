package dnsq

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/miekg/dns"

	"github.com/o365doctor/o365doctor/internal/model"
)

// Outcome is what became of one question. The outcomes are never to be
// read as one "not found": a missing record (NXDOMAIN, NODATA) is a
// finding about the zone, the others say the question went unanswered.
type Outcome string

const (
	// OK: at least one record of the asked type (for a CNAME question, the
	// CNAME) at the end of the CNAME chain.
	OK Outcome = "ok"
	// NXDomain: the name (or the end of its CNAME chain) does not exist.
	NXDomain Outcome = "nxdomain"
	// NoData: the name exists (NOERROR) but has no record of the type.
	NoData Outcome = "nodata"
	// ServFail: the server could not answer (SERVFAIL), e.g. a broken
	// delegation or DNSSEC failure.
	ServFail Outcome = "servfail"
	// Refused: the server will not answer this question (REFUSED), e.g. an
	// authoritative server asked for a zone it does not serve.
	Refused Outcome = "refused"
	// Timeout: no answer in time, after the retries.
	Timeout Outcome = "timeout"
	// CNAMEOnly: the server answered an alias whose target it does not
	// answer for (LookupAt: the chain leaves the server's zones). Records
	// holds the chain.
	CNAMEOnly Outcome = "cname"
	// Error: anything else (a malformed answer, a refused connection, a
	// CNAME loop, another RCODE, a cancelled run): Err says what.
	Error Outcome = "error"
)

// Rcode is the RCODE of a DNS answer as DNS names it: NOERROR, NXDOMAIN,
// SERVFAIL, REFUSED, FORMERR, NOTIMP, ...
type Rcode string

// Answer is the evidence of one question: what was asked, of whom, and what
// came back.
type Answer struct {
	Name   string // the name asked, Canonical
	Type   string // "TXT", "MX", ...
	Server string // the resolver's address, or the NS host name asked
	Addr   string // host:port the question went to
	// Outcome is what became of the question; Rcode the RCODE of the last
	// answer ("" when none came).
	Outcome       Outcome
	Rcode         Rcode
	Authoritative bool // the last answer had the AA bit
	// Records are the CNAMEs followed, in order, then the records of the
	// asked type at the end of the chain.
	Records   []Record
	Truncated bool          // a UDP answer was truncated and TCP was used
	RTT       time.Duration // the sum over the queries of this answer
	Err       string        // for Timeout and Error: why, one line
}

// Record is one resource record, its text cleaned.
type Record struct {
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
func (a Answer) OfType() []Record {
	var out []Record
	for _, r := range a.Records {
		if r.Type == a.Type {
			out = append(out, r)
		}
	}
	return out
}

// Values returns the Value of each record of the asked type.
func (a Answer) Values() []string {
	var out []string
	for _, r := range a.OfType() {
		out = append(out, r.Value)
	}
	return out
}

// Missing reports whether the answer says the record does not exist
// (NXDOMAIN or NODATA), as opposed to a question that went unanswered.
func (a Answer) Missing() bool { return a.Outcome == NXDomain || a.Outcome == NoData }

// typeName is the name of an RR type: "TXT", or "TYPE65" for one miekg
// does not know.
func typeName(t uint16) string {
	if s, ok := dns.TypeToString[t]; ok {
		return s
	}
	return "TYPE" + strconv.Itoa(int(t))
}

func rcodeName(rc int) Rcode {
	if s, ok := dns.RcodeToString[rc]; ok {
		return Rcode(s)
	}
	return Rcode("RCODE" + strconv.Itoa(rc))
}

// display is a name from the wire as o365doctor shows it: lower-case,
// without the trailing dot, cleaned (miekg escapes odd bytes as \DDD).
func display(name string) string {
	if name == "." {
		return "."
	}
	return model.Clean(strings.ToLower(strings.TrimSuffix(name, ".")))
}

// toRecord converts an RR from an answer.
func toRecord(rr dns.RR) Record {
	h := rr.Header()
	r := Record{Name: display(h.Name), Type: typeName(h.Rrtype), TTL: h.Ttl}
	switch v := rr.(type) {
	case *dns.TXT:
		var b strings.Builder
		for _, s := range v.Txt {
			b.WriteString(unescapeTXT(s))
		}
		r.Value = model.Clean(b.String())
	case *dns.MX:
		r.Pref, r.Target = v.Preference, display(v.Mx)
		r.Value = fmt.Sprintf("%d %s", v.Preference, model.Clean(strings.ToLower(v.Mx)))
	case *dns.CNAME:
		r.Target = display(v.Target)
		r.Value = model.Clean(strings.ToLower(v.Target))
	case *dns.NS:
		r.Target = display(v.Ns)
		r.Value = model.Clean(strings.ToLower(v.Ns))
	case *dns.PTR:
		r.Target = display(v.Ptr)
		r.Value = model.Clean(strings.ToLower(v.Ptr))
	case *dns.SRV:
		r.Pref, r.Target = v.Priority, display(v.Target)
		r.Value = fmt.Sprintf("%d %d %d %s", v.Priority, v.Weight, v.Port, model.Clean(strings.ToLower(v.Target)))
	case *dns.A:
		r.Value = v.A.String()
	case *dns.AAAA:
		r.Value = v.AAAA.String()
	default:
		r.Value = model.Clean(strings.TrimPrefix(rr.String(), h.String()))
	}
	return r
}

// unescapeTXT undoes miekg's presentation escapes of a TXT string (\" \\
// and \DDD for bytes outside printable ASCII), giving back the bytes on the
// wire; model.Clean then decides what of them may be shown.
func unescapeTXT(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 >= len(s) {
			b.WriteByte(c)
			continue
		}
		if i+3 < len(s) && isDigit(s[i+1]) && isDigit(s[i+2]) && isDigit(s[i+3]) {
			n := int(s[i+1]-'0')*100 + int(s[i+2]-'0')*10 + int(s[i+3]-'0')
			if n <= 255 {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i+1])
		i++
	}
	return b.String()
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
