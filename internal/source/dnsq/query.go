package dnsq

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"

	"github.com/o365doctor/o365doctor/internal/model"
)

// maxCNAMEHops bounds a CNAME chain (the answer's and the ones we ask
// again): resolvers give up at about the same length.
const maxCNAMEHops = 8

// maxNameservers bounds the NS set LookupEach asks: a zone's NS set is
// written by whoever controls it.
const maxNameservers = 16

// Lookup asks the resolver (recursion desired) and follows the CNAME chain:
// within the answer, and by asking again for a target the answer leaves
// out, up to 8 CNAMEs, a loop being an error.
func (c *Client) Lookup(ctx context.Context, name string, qtype uint16) Answer {
	return c.ask(ctx, query{server: c.resolver, addr: c.resolver, name: name, qtype: qtype, recurse: true, follow: true})
}

// LookupAt asks one nameserver directly (no recursion) about a name. The
// server is an NS host name, found through Config.Nameservers or else its
// A (or AAAA) record from the resolver, port 53; an IP address or an
// IP:port is asked as it is. A CNAME whose target the answer leaves out is
// not followed elsewhere: the Outcome is CNAMEOnly.
func (c *Client) LookupAt(ctx context.Context, server, name string, qtype uint16) Answer {
	addr, err := c.nameserverAddr(ctx, server)
	if err != nil {
		n, _ := Canonical(name)
		return Answer{Name: n, Type: typeName(qtype), Server: display(server), Outcome: Error, Err: trimPrefix(err)}
	}
	return c.ask(ctx, query{server: display(server), addr: addr, name: name, qtype: qtype})
}

// LookupError is a question whose answer was not what the call needed
// (Authoritative, LookupEach): the Answer says what came back.
type LookupError struct{ Answer Answer }

func (e *LookupError) Error() string {
	a := e.Answer
	what := string(a.Rcode)
	switch a.Outcome {
	case NoData:
		what = "no " + a.Type + " record (NODATA)"
	case CNAMEOnly:
		what = "only a CNAME (" + a.Records[len(a.Records)-1].Value + ")"
	case Timeout, Error:
		what = a.Err
	}
	return fmt.Sprintf("dnsq: %s %s from %s: %s", a.Type, a.Name, a.Server, what)
}

// Authoritative returns the zone's NS host names (Canonical, sorted), as
// the resolver answers them. When the resolver does not answer them, the
// error is a *LookupError with the Answer.
func (c *Client) Authoritative(ctx context.Context, zone string) ([]string, error) {
	a := c.Lookup(ctx, zone, dns.TypeNS)
	if a.Outcome != OK {
		return nil, &LookupError{Answer: a}
	}
	var out []string
	seen := map[string]bool{}
	for _, r := range a.OfType() {
		if !seen[r.Target] && r.Target != "" {
			seen[r.Target] = true
			out = append(out, r.Target)
		}
	}
	sort.Strings(out)
	return out, nil
}

// LookupEach asks every authoritative nameserver of the zone (at most 16)
// the same question, concurrently, for propagation checks: one Answer per
// NS host name, in the order of the names. The error is Authoritative's.
// A caller with several questions for one zone asks Authoritative once
// and LookupServers for each question.
func (c *Client) LookupEach(ctx context.Context, zone, name string, qtype uint16) ([]Answer, error) {
	ns, err := c.Authoritative(ctx, zone)
	if err != nil {
		return nil, err
	}
	return c.LookupServers(ctx, ns, name, qtype), nil
}

// LookupServers asks each of the nameservers (NS host names, or
// addresses, as LookupAt takes them; at most the first 16) the same
// question, concurrently: one Answer per server, in their order.
func (c *Client) LookupServers(ctx context.Context, servers []string, name string, qtype uint16) []Answer {
	if len(servers) > maxNameservers {
		servers = servers[:maxNameservers]
	}
	out := make([]Answer, len(servers))
	var wg sync.WaitGroup
	for i, server := range servers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i] = c.LookupAt(ctx, server, name, qtype)
		}()
	}
	wg.Wait()
	return out
}

// nameserverAddr finds where to ask a nameserver: an address as it is, a
// name through Config.Nameservers, else its A (or AAAA) record from the
// resolver, asked once per client (and per name) however many questions
// go to it.
func (c *Client) nameserverAddr(ctx context.Context, server string) (string, error) {
	if _, err := netip.ParseAddr(server); err == nil {
		return serverAddress(server)
	}
	if host, _, err := net.SplitHostPort(server); err == nil {
		if _, err := netip.ParseAddr(host); err == nil {
			return serverAddress(server)
		}
	}
	n, err := Canonical(server)
	if err != nil {
		return "", err
	}
	if addr, ok := c.nameservers[n]; ok {
		return addr, nil
	}
	c.mu.Lock()
	e, found := c.nsAddrs[n]
	if !found {
		e = &nsAddr{done: make(chan struct{})}
		c.nsAddrs[n] = e
	}
	c.mu.Unlock()
	if found {
		select {
		case <-e.done:
			return e.addr, e.err
		case <-ctx.Done():
			return "", ctxErr(ctx)
		}
	}
	e.addr, e.err = c.resolveNameserver(ctx, n)
	if e.err != nil && ctxErr(ctx) != nil {
		// Cancelled, not an answer: a later question asks again.
		c.mu.Lock()
		delete(c.nsAddrs, n)
		c.mu.Unlock()
	}
	close(e.done)
	return e.addr, e.err
}

// resolveNameserver asks the resolver for a nameserver's address.
func (c *Client) resolveNameserver(ctx context.Context, n string) (string, error) {
	var last Answer
	for _, t := range []uint16{dns.TypeA, dns.TypeAAAA} {
		last = c.Lookup(ctx, n, t)
		for _, r := range last.OfType() {
			if ip, err := netip.ParseAddr(r.Value); err == nil {
				if why := notAServer(ip); why != "" {
					return "", fmt.Errorf("dnsq: the address of nameserver %s, %s: %s", n, ip, why)
				}
				return net.JoinHostPort(ip.String(), "53"), nil
			}
		}
		if last.Outcome == NXDomain || ctxErr(ctx) != nil {
			break
		}
	}
	return "", fmt.Errorf("dnsq: the address of nameserver %s: %s", n, trimPrefix(&LookupError{Answer: last}))
}

// query is one question and where it goes.
type query struct {
	server  string // as shown in the Answer
	addr    string // host:port
	name    string
	qtype   uint16
	recurse bool // RD bit: to the resolver
	follow  bool // ask again for a CNAME target the answer leaves out
}

// ask sends the question and follows its CNAME chain.
func (c *Client) ask(ctx context.Context, q query) Answer {
	a := Answer{Type: typeName(q.qtype), Server: q.server, Addr: q.addr}
	name, err := Canonical(q.name)
	if err != nil {
		a.Name, a.Outcome, a.Err = model.Clean(q.name), Error, trimPrefix(err)
		return a
	}
	a.Name = name
	current := name
	chain := []string{name}
	seen := map[string]bool{name: true}
	for {
		r := c.exchange(ctx, q.addr, current, q.qtype, q.recurse)
		a.RTT += r.rtt
		a.Truncated = a.Truncated || r.truncated
		if r.err != nil {
			a.Outcome, a.Err = r.outcome, model.Clean(r.err.Error())
			return a
		}
		m := r.msg
		a.Rcode, a.Authoritative = rcodeName(m.Rcode), m.Authoritative
		switch m.Rcode {
		case dns.RcodeSuccess, dns.RcodeNameError:
		case dns.RcodeServerFailure:
			a.Outcome = ServFail
			return a
		case dns.RcodeRefused:
			a.Outcome = Refused
			return a
		default:
			a.Outcome, a.Err = Error, "the server answered "+string(a.Rcode)
			return a
		}
		// Walk the chain through the answer; records of other owners
		// (out of the chain) are not ours to believe.
		target, found := current, false
		for {
			if recs := rrsAt(m.Answer, target, q.qtype); len(recs) > 0 {
				for _, rr := range recs {
					a.Records = append(a.Records, toRecord(rr))
				}
				found = true
				break
			}
			if q.qtype == dns.TypeCNAME {
				break
			}
			cn := rrsAt(m.Answer, target, dns.TypeCNAME)
			if len(cn) == 0 {
				break
			}
			rec := toRecord(cn[0])
			a.Records = append(a.Records, rec)
			next, err := Canonical(rec.Target)
			if err != nil {
				a.Outcome, a.Err = Error, "CNAME "+rec.Name+": "+trimPrefix(err)
				return a
			}
			chain = append(chain, next)
			if seen[next] {
				a.Outcome, a.Err = Error, "CNAME loop: "+strings.Join(chain, " -> ")
				return a
			}
			if len(chain)-1 > maxCNAMEHops {
				a.Outcome, a.Err = Error, fmt.Sprintf("CNAME chain longer than %d: %s", maxCNAMEHops, strings.Join(chain, " -> "))
				return a
			}
			seen[next] = true
			target = next
		}
		switch {
		case m.Rcode == dns.RcodeNameError:
			a.Outcome = NXDomain
			return a
		case found:
			a.Outcome = OK
			return a
		case target == current:
			a.Outcome = NoData
			return a
		case !q.follow:
			a.Outcome = CNAMEOnly
			return a
		}
		current = target
	}
}

// rrsAt returns the RRs of the section with this owner and type.
func rrsAt(section []dns.RR, owner string, t uint16) []dns.RR {
	var out []dns.RR
	for _, rr := range section {
		h := rr.Header()
		if h.Rrtype == t && h.Class == dns.ClassINET && strings.EqualFold(strings.TrimSuffix(h.Name, "."), owner) {
			out = append(out, rr)
		}
	}
	return out
}

// result is one exchange: an answer, or why none came.
type result struct {
	msg       *dns.Msg
	truncated bool
	rtt       time.Duration
	outcome   Outcome // Timeout or Error, with err
	err       error
}

// exchange asks over UDP, again over TCP when the answer is truncated, and
// sends the question once more (Config.Retries) when it timed out. A
// server that answers FORMERR to EDNS0 is asked again without it
// (RFC 6891 section 7).
func (c *Client) exchange(ctx context.Context, addr, name string, qtype uint16, recurse bool) result {
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), qtype)
	m.RecursionDesired = recurse
	m.SetEdns0(udpSize, false)
	r := c.send(ctx, addr, m)
	if r.err == nil && r.msg.Rcode == dns.RcodeFormatError && r.msg.IsEdns0() == nil {
		plain := m.Copy()
		plain.Extra = nil
		again := c.send(ctx, addr, plain)
		again.rtt += r.rtt
		again.truncated = again.truncated || r.truncated
		r = again
	}
	return r
}

// send is exchange for one message.
func (c *Client) send(ctx context.Context, addr string, m *dns.Msg) result {
	var r result
	var rtt time.Duration
	tries := 0
	for tries <= c.retries {
		tries++
		m.Id = dns.Id()
		r = c.once(ctx, "udp", addr, m)
		rtt += r.rtt
		if r.err == nil && r.msg.Truncated {
			r = c.once(ctx, "tcp", addr, m)
			rtt += r.rtt
			r.truncated = true
			if r.err == nil && r.msg.Truncated {
				r.msg, r.outcome, r.err = nil, Error, errors.New("the TCP answer is truncated too")
			}
		}
		if r.outcome != Timeout || ctxErr(ctx) != nil {
			break
		}
	}
	r.rtt = rtt
	if r.outcome == Timeout && ctxErr(ctx) == nil {
		r.err = fmt.Errorf("no answer from %s in %s (%d %s)", addr, c.timeout, tries, plural(tries, "try", "tries"))
	}
	return r
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// once sends the question once over the network and reads the answer,
// within the timeout; cancelling ctx ends it at once.
func (c *Client) once(ctx context.Context, network, addr string, m *dns.Msg) (r result) {
	start := time.Now()
	defer func() {
		r.rtt = time.Since(start)
		if r.err == nil {
			return
		}
		r.msg = nil
		switch {
		case ctxErr(ctx) != nil:
			r.outcome, r.err = Error, ctxErr(ctx)
			if errors.Is(r.err, context.DeadlineExceeded) {
				r.outcome = Timeout
			}
		case isTimeout(r.err):
			r.outcome = Timeout
		default:
			r.outcome = Error
		}
	}()
	if err := ctxErr(ctx); err != nil {
		return result{err: err}
	}
	d := net.Dialer{Timeout: c.timeout}
	conn, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return result{err: fmt.Errorf("%s %s: %w", network, addr, unwrapOp(err))}
	}
	defer conn.Close()
	deadline := start.Add(c.timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	_ = conn.SetDeadline(deadline)
	// A deadline in the past wakes the read at once when ctx is cancelled.
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	// We advertise 1232 bytes but read whatever datagram comes (a server
	// may ignore the size): it is then decoded, or malformed, not cut.
	co := &dns.Conn{Conn: conn, UDPSize: dns.MaxMsgSize}
	if err := co.WriteMsg(m); err != nil {
		return result{err: fmt.Errorf("%s %s: send: %w", network, addr, unwrapOp(err))}
	}
	for {
		reply, err := co.ReadMsg()
		if err != nil {
			if isTimeout(err) || ctxErr(ctx) != nil {
				return result{err: err}
			}
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return result{err: fmt.Errorf("%s %s: the server closed the connection before a whole answer", network, addr)}
			}
			// A UDP answer cut inside a record still says TC: ask over TCP.
			if network == "udp" && reply != nil && reply.Id == m.Id && reply.Response && reply.Truncated {
				return result{msg: reply}
			}
			var ne net.Error
			if errors.As(err, &ne) {
				return result{err: fmt.Errorf("%s %s: %w", network, addr, unwrapOp(err))}
			}
			return result{err: fmt.Errorf("%s %s: malformed answer: %v", network, addr, err)}
		}
		if reply.Id != m.Id && network == "udp" {
			continue // a late answer to an earlier try, or not for us
		}
		if reply.Id != m.Id || !reply.Response {
			return result{err: fmt.Errorf("%s %s: malformed answer: not a reply to the question", network, addr)}
		}
		if !sameQuestion(reply, m) {
			return result{err: fmt.Errorf("%s %s: the answer is for another question", network, addr)}
		}
		return result{msg: reply}
	}
}

// sameQuestion: a server may change the case of the name (0x20), not the
// question.
func sameQuestion(reply, q *dns.Msg) bool {
	if len(reply.Question) != 1 {
		// An error RCODE may come without the question (RFC 1035 allows it).
		return len(reply.Question) == 0 && reply.Rcode != dns.RcodeSuccess
	}
	a, b := reply.Question[0], q.Question[0]
	return a.Qtype == b.Qtype && a.Qclass == b.Qclass && strings.EqualFold(a.Name, b.Name)
}

// ctxErr is ctx.Err(), and DeadlineExceeded from the moment the deadline
// passes: a read ended by the context's deadline may return before the
// context's own timer has fired.
func ctxErr(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d, ok := ctx.Deadline(); ok && !time.Now().Before(d) {
		return context.DeadlineExceeded
	}
	return nil
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// unwrapOp drops the *net.OpError's repetition of the addresses.
func unwrapOp(err error) error {
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		return op.Err
	}
	return err
}
