package dnsq

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/miekg/dns"

	"github.com/o365doctor/o365doctor/internal/model"
)

// The answer types are model's, so the checks read them without importing
// this package; the names here keep the adapter's code short.
type (
	Outcome = model.DNSOutcome
	Rcode   = model.DNSRcode
	Answer  = model.DNSAnswer
	Record  = model.DNSRR
)

const (
	OK        = model.DNSOK
	NXDomain  = model.DNSNXDomain
	NoData    = model.DNSNoData
	ServFail  = model.DNSServFail
	Refused   = model.DNSRefused
	Timeout   = model.DNSTimeout
	CNAMEOnly = model.DNSCNAMEOnly
	Error     = model.DNSError
)

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
