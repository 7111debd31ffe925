package dnsq_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/o365doctor/o365doctor/internal/source/dnsq"
)

func newClient(t *testing.T, cfg dnsq.Config) *dnsq.Client {
	t.Helper()
	c, err := dnsq.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestParseNameservers(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want map[string]string
		err  string
	}{
		{in: "", want: map[string]string{}},
		{in: "ns1.contoso.com=127.0.0.1:5301,NS2.Contoso.com.=127.0.0.1:5302",
			want: map[string]string{"ns1.contoso.com": "127.0.0.1:5301", "ns2.contoso.com": "127.0.0.1:5302"}},
		{in: " ns1.contoso.com = 127.0.0.1:5301 , ", want: map[string]string{"ns1.contoso.com": "127.0.0.1:5301"}},
		{in: "ns1.contoso.com=::1", want: map[string]string{"ns1.contoso.com": "[::1]:53"}},
		{in: "ns1.contoso.com", err: `dnsq: nameservers: "ns1.contoso.com" is not name=host:port`},
		{in: "ns1.contoso.com=localhost:53", err: `dnsq: nameservers: ns1.contoso.com: address "localhost:53": the host must be an IP address`},
		{in: "ns1.contoso.com=127.0.0.1:99999", err: `dnsq: nameservers: ns1.contoso.com: address "127.0.0.1:99999": the port must be a number from 1 to 65535`},
		{in: "ns 1=127.0.0.1:53", err: `dnsq: nameservers: "ns 1" is not a domain name (' ')`},
		{in: "ns1.contoso.com=224.0.0.1:53", err: `dnsq: nameservers: ns1.contoso.com: address "224.0.0.1:53": a multicast address cannot be a DNS server's`},
		{in: "ns1.contoso.com=127.0.0.1:1,NS1.contoso.com=127.0.0.1:2", err: "dnsq: nameservers: ns1.contoso.com is named twice"},
	} {
		got, err := dnsq.ParseNameservers(tc.in)
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("ParseNameservers(%q) error = %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ParseNameservers(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

func TestNew(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	withNS := write("resolv.conf", "# test\nsearch corp.example\nnameserver 192.0.2.53\nnameserver 192.0.2.54\n")
	withV6 := write("resolv6.conf", "nameserver 2001:db8::53\n")
	badFirst := write("bad.conf", "nameserver dns.example\nnameserver 192.0.2.9\n")
	allBad := write("allbad.conf", "nameserver dns.example\n")
	without := write("empty.conf", "search corp.example\n")
	zeroNS := write("zero.conf", "nameserver 0.0.0.0\n")
	missing := filepath.Join(dir, "missing.conf")
	for _, tc := range []struct {
		name string
		cfg  dnsq.Config
		want string // the resolver's address
		err  string
	}{
		{name: "resolver", cfg: dnsq.Config{Resolver: "127.0.0.1:5353"}, want: "127.0.0.1:5353"},
		{name: "bare IP", cfg: dnsq.Config{Resolver: "192.0.2.1"}, want: "192.0.2.1:53"},
		{name: "IPv6", cfg: dnsq.Config{Resolver: "[2001:db8::1]:53"}, want: "[2001:db8::1]:53"},
		{name: "resolver wins over the file", cfg: dnsq.Config{Resolver: "127.0.0.1:1", ResolvConf: missing}, want: "127.0.0.1:1"},
		{name: "resolv.conf", cfg: dnsq.Config{ResolvConf: withNS}, want: "192.0.2.53:53"},
		{name: "resolv.conf IPv6", cfg: dnsq.Config{ResolvConf: withV6}, want: "[2001:db8::53]:53"},
		{name: "first usable nameserver", cfg: dnsq.Config{ResolvConf: badFirst}, want: "192.0.2.9:53"},
		{name: "no usable nameserver", cfg: dnsq.Config{ResolvConf: allBad},
			err: "dnsq: " + allBad + `: nameserver "dns.example:53": the host must be an IP address (set --resolver)`},
		{name: "host name", cfg: dnsq.Config{Resolver: "dns.google:53"}, err: `dnsq: resolver "dns.google:53": the host must be an IP address`},
		{name: "no port", cfg: dnsq.Config{Resolver: "127.0.0.1:"}, err: `dnsq: resolver "127.0.0.1:": the port must be a number from 1 to 65535`},
		{name: "junk", cfg: dnsq.Config{Resolver: "not an address\x1b[31m"}, err: `dnsq: resolver "not an address" is not host:port`},
		{name: "missing file", cfg: dnsq.Config{ResolvConf: missing}, err: "dnsq: read " + missing + ": no such file or directory (set --resolver)"},
		{name: "no nameserver", cfg: dnsq.Config{ResolvConf: without}, err: "dnsq: " + without + " names no nameserver (set --resolver)"},
		{name: "unspecified", cfg: dnsq.Config{Resolver: "0.0.0.0"}, err: `dnsq: resolver "0.0.0.0": the unspecified address cannot be a DNS server's`},
		{name: "unspecified IPv6", cfg: dnsq.Config{Resolver: "[::]:53"}, err: `dnsq: resolver "[::]:53": the unspecified address cannot be a DNS server's`},
		{name: "broadcast", cfg: dnsq.Config{Resolver: "255.255.255.255:53"}, err: `dnsq: resolver "255.255.255.255:53": the broadcast address cannot be a DNS server's`},
		{name: "mapped broadcast", cfg: dnsq.Config{Resolver: "::ffff:255.255.255.255"}, err: `dnsq: resolver "::ffff:255.255.255.255": the broadcast address cannot be a DNS server's`},
		{name: "multicast", cfg: dnsq.Config{Resolver: "224.0.0.251:5353"}, err: `dnsq: resolver "224.0.0.251:5353": a multicast address cannot be a DNS server's`},
		{name: "multicast IPv6", cfg: dnsq.Config{Resolver: "ff02::fb"}, err: `dnsq: resolver "ff02::fb": a multicast address cannot be a DNS server's`},
		{name: "zone", cfg: dnsq.Config{Resolver: "fe80::1%eth0"}, err: `dnsq: resolver "fe80::1%eth0": an address with a zone (%eth0) cannot be a DNS server's`},
		{name: "zone with port", cfg: dnsq.Config{Resolver: "[fe80::1%eth0]:53"}, err: `dnsq: resolver "[fe80::1%eth0]:53": an address with a zone (%eth0) cannot be a DNS server's`},
		{name: "link-local without a zone", cfg: dnsq.Config{Resolver: "[fe80::1]:53"}, want: "[fe80::1]:53"},
		{name: "unspecified in resolv.conf", cfg: dnsq.Config{ResolvConf: zeroNS}, err: "dnsq: " + zeroNS + `: nameserver "0.0.0.0:53": the unspecified address cannot be a DNS server's (set --resolver)`},
		{name: "broadcast override", cfg: dnsq.Config{Resolver: "127.0.0.1:53", Nameservers: map[string]string{"ns1.contoso.com": "255.255.255.255:53"}},
			err: `dnsq: nameserver override ns1.contoso.com: address "255.255.255.255:53": the broadcast address cannot be a DNS server's`},
		{name: "bad override", cfg: dnsq.Config{Resolver: "127.0.0.1:53", Nameservers: map[string]string{"ns1.contoso.com": "ns1:53"}},
			err: `dnsq: nameserver override ns1.contoso.com: address "ns1:53": the host must be an IP address`},
	} {
		c, err := dnsq.New(tc.cfg)
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("%s: error = %v, want %q", tc.name, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if c.Resolver() != tc.want {
			t.Errorf("%s: resolver %s, want %s", tc.name, c.Resolver(), tc.want)
		}
	}
}

func TestCanonical(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want, err string }{
		{in: "Contoso.COM.", want: "contoso.com"},
		{in: "_dmarc.contoso.com", want: "_dmarc.contoso.com"},
		{in: "_autodiscover._tcp.contoso.com", want: "_autodiscover._tcp.contoso.com"},
		{in: "*.contoso.com", want: "*.contoso.com"},
		{in: "bücher.example", want: "xn--bcher-kva.example"},
		{in: "Bücher.Example.", want: "xn--bcher-kva.example"},
		{in: "xn--bcher-kva.example", want: "xn--bcher-kva.example"},
		{in: "", err: "dnsq: empty domain name"},
		{in: ".", err: "dnsq: empty domain name"},
		{in: "contoso..com", err: `dnsq: "contoso..com" is not a domain name (empty label)`},
		{in: "con toso.com", err: `dnsq: "con toso.com" is not a domain name (' ')`},
		{in: "contoso.com/x", err: `dnsq: "contoso.com/x" is not a domain name ('/')`},
		{in: strings.Repeat("a", 64) + ".com", err: `is not a domain name (a label is longer than 63)`},
		{in: strings.Repeat("abcdefghi.", 26) + "com", err: "is not a domain name (longer than 253)"},
		{in: "a\u202e.com", err: "is not a domain name"},
	} {
		got, err := dnsq.Canonical(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) || strings.ContainsAny(err.Error(), "\n\u202e") {
				t.Errorf("Canonical(%q) = %q, %v; want error %q", tc.in, got, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("Canonical(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	if !dnsq.SameName("Bücher.example.", "xn--bcher-kva.EXAMPLE") || dnsq.SameName("contoso.com", "contoso.co") {
		t.Error("SameName compares wrong")
	}
}

// TestOutcomes: every way a question can end is its own Outcome, and
// the RCODE is kept.
func TestOutcomes(t *testing.T) {
	t.Parallel()
	srv := serve(t, func(w dns.ResponseWriter, r *dns.Msg) {
		q := r.Question[0]
		switch strings.ToLower(q.Name) {
		case "txt.test.":
			if q.Qtype == dns.TypeTXT {
				_ = w.WriteMsg(reply(r, dns.RcodeSuccess, `txt.test. 60 IN TXT "v=spf1 -all"`))
				return
			}
			_ = w.WriteMsg(reply(r, dns.RcodeSuccess)) // NODATA
		case "nx.test.":
			_ = w.WriteMsg(reply(r, dns.RcodeNameError))
		case "servfail.test.":
			_ = w.WriteMsg(reply(r, dns.RcodeServerFailure))
		case "refused.test.":
			_ = w.WriteMsg(reply(r, dns.RcodeRefused))
		case "notimp.test.":
			_ = w.WriteMsg(reply(r, dns.RcodeNotImplemented))
		case "noquestion.test.":
			m := reply(r, dns.RcodeServerFailure)
			m.Question = nil
			_ = w.WriteMsg(m)
		case "other.test.":
			m := reply(r, dns.RcodeSuccess, `elsewhere.test. 60 IN TXT "x"`)
			m.Question[0].Name = "elsewhere.test."
			_ = w.WriteMsg(m)
		case "noedns.test.":
			// An old server: FORMERR to EDNS0, an answer without it.
			if r.IsEdns0() != nil {
				_ = w.WriteMsg(reply(r, dns.RcodeFormatError))
				return
			}
			_ = w.WriteMsg(reply(r, dns.RcodeSuccess, `noedns.test. 60 IN TXT "plain"`))
		case "formerr.test.":
			m := reply(r, dns.RcodeFormatError)
			m.SetEdns0(1232, false) // it knows EDNS0: the question itself is wrong
			_ = w.WriteMsg(m)
		case "foreign.test.":
			// An answer carrying a record of another owner: not believed.
			_ = w.WriteMsg(reply(r, dns.RcodeSuccess, `contoso.com. 60 IN TXT "MS=ms1"`))
		}
	})
	c := newClient(t, dnsq.Config{Resolver: srv.addr, Timeout: 2 * time.Second})
	for _, tc := range []struct {
		name    string
		qtype   uint16
		outcome dnsq.Outcome
		rcode   dnsq.Rcode
		values  []string
		err     string
	}{
		{name: "TXT.test.", qtype: dns.TypeTXT, outcome: dnsq.OK, rcode: "NOERROR", values: []string{"v=spf1 -all"}},
		{name: "txt.test", qtype: dns.TypeMX, outcome: dnsq.NoData, rcode: "NOERROR"},
		{name: "nx.test", qtype: dns.TypeTXT, outcome: dnsq.NXDomain, rcode: "NXDOMAIN"},
		{name: "servfail.test", qtype: dns.TypeTXT, outcome: dnsq.ServFail, rcode: "SERVFAIL"},
		{name: "refused.test", qtype: dns.TypeTXT, outcome: dnsq.Refused, rcode: "REFUSED"},
		{name: "notimp.test", qtype: dns.TypeTXT, outcome: dnsq.Error, rcode: "NOTIMP", err: "the server answered NOTIMP"},
		{name: "noquestion.test", qtype: dns.TypeTXT, outcome: dnsq.ServFail, rcode: "SERVFAIL"},
		{name: "other.test", qtype: dns.TypeTXT, outcome: dnsq.Error, err: "the answer is for another question"},
		{name: "noedns.test", qtype: dns.TypeTXT, outcome: dnsq.OK, rcode: "NOERROR", values: []string{"plain"}},
		{name: "formerr.test", qtype: dns.TypeTXT, outcome: dnsq.Error, rcode: "FORMERR", err: "the server answered FORMERR"},
		{name: "foreign.test", qtype: dns.TypeTXT, outcome: dnsq.NoData, rcode: "NOERROR"},
		{name: "bad name.test", qtype: dns.TypeTXT, outcome: dnsq.Error, err: `"bad name.test" is not a domain name`},
	} {
		a := c.Lookup(context.Background(), tc.name, tc.qtype)
		if a.Outcome != tc.outcome || a.Rcode != tc.rcode || !reflect.DeepEqual(a.Values(), tc.values) || !strings.Contains(a.Err, tc.err) {
			t.Errorf("%s %s: %+v; want %s %s %q %q", tc.name, dns.TypeToString[tc.qtype], a, tc.outcome, tc.rcode, tc.values, tc.err)
		}
		if a.Server != srv.addr || a.Type != dns.TypeToString[tc.qtype] {
			t.Errorf("%s: server %q type %q", tc.name, a.Server, a.Type)
		}
		if (tc.outcome == dnsq.NXDomain || tc.outcome == dnsq.NoData) != a.Missing() {
			t.Errorf("%s: Missing() = %v", tc.name, a.Missing())
		}
	}
}

// TestTruncationUsesTCP: an answer larger than the UDP buffer comes
// truncated (TC) and is asked again over TCP, whole.
func TestTruncationUsesTCP(t *testing.T) {
	t.Parallel()
	var rrs []string
	for i := 0; i < 40; i++ {
		rrs = append(rrs, fmt.Sprintf(`big.test. 60 IN TXT "record %02d %s"`, i, strings.Repeat("x", 60)))
	}
	srv := serve(t, func(w dns.ResponseWriter, r *dns.Msg) {
		m := reply(r, dns.RcodeSuccess, rrs...)
		truncateUDP(w, r, m)
		_ = w.WriteMsg(m)
	})
	c := newClient(t, dnsq.Config{Resolver: srv.addr})
	a := c.Lookup(context.Background(), "big.test", dns.TypeTXT)
	if a.Outcome != dnsq.OK || !a.Truncated || len(a.Values()) != 40 {
		t.Fatalf("got %s truncated=%v with %d records (%s)", a.Outcome, a.Truncated, len(a.Values()), a.Err)
	}
	if srv.udp.Load() != 1 || srv.tcp.Load() != 1 {
		t.Errorf("udp %d tcp %d questions, want 1 and 1", srv.udp.Load(), srv.tcp.Load())
	}
	// A server that ignores our buffer size and sends 4 KB in one
	// datagram: read whole, not cut into a malformed answer.
	oversize := servePackets(t, func(q []byte) []byte {
		m := new(dns.Msg)
		if m.Unpack(q) != nil {
			return nil
		}
		b, _ := reply(m, dns.RcodeSuccess, rrs...).Pack()
		return b
	})
	a = newClient(t, dnsq.Config{Resolver: oversize.addr}).Lookup(context.Background(), "big.test", dns.TypeTXT)
	if a.Outcome != dnsq.OK || a.Truncated || len(a.Values()) != 40 {
		t.Errorf("oversize datagram: %s truncated=%v %d records (%s)", a.Outcome, a.Truncated, len(a.Values()), a.Err)
	}
	// The EDNS0 buffer is what we advertise: 1232 bytes.
	small := serve(t, func(w dns.ResponseWriter, r *dns.Msg) {
		size := 0
		if opt := r.IsEdns0(); opt != nil {
			size = int(opt.UDPSize())
		}
		_ = w.WriteMsg(reply(r, dns.RcodeSuccess, fmt.Sprintf(`size.test. 60 IN TXT "%d"`, size)))
	})
	a = newClient(t, dnsq.Config{Resolver: small.addr}).Lookup(context.Background(), "size.test", dns.TypeTXT)
	if got := a.Values(); len(got) != 1 || got[0] != "1232" || a.Truncated {
		t.Errorf("advertised %v truncated=%v, want 1232 and no TCP", got, a.Truncated)
	}
}

// TestTruncationEdges: a UDP answer cut inside a record still says TC and
// is asked over TCP; a TCP answer that fails is the outcome, with
// Truncated set, never the cut UDP answer.
func TestTruncationEdges(t *testing.T) {
	t.Parallel()
	full := func(r *dns.Msg) *dns.Msg {
		return reply(r, dns.RcodeSuccess, `cut.test. 60 IN TXT "first record"`, `cut.test. 60 IN TXT "second record"`)
	}
	cutUDP := func(w dns.ResponseWriter, r *dns.Msg) bool {
		if _, udp := w.RemoteAddr().(*net.UDPAddr); !udp {
			return false
		}
		m := full(r)
		m.Truncated = true
		b, err := m.Pack()
		if err != nil {
			panic(err)
		}
		_, _ = w.Write(b[:len(b)-5]) // inside the second record
		return true
	}
	for _, tc := range []struct {
		name    string
		tcp     func(w dns.ResponseWriter, r *dns.Msg)
		outcome dnsq.Outcome
		values  []string
		err     string
	}{
		{name: "cut inside a record", tcp: func(w dns.ResponseWriter, r *dns.Msg) { _ = w.WriteMsg(full(r)) },
			outcome: dnsq.OK, values: []string{"first record", "second record"}},
		{name: "TCP garbage", tcp: func(w dns.ResponseWriter, r *dns.Msg) { _, _ = w.Write([]byte("\x00\x01garbage")) },
			outcome: dnsq.Error, err: "malformed answer"},
		{name: "TCP truncated too", tcp: func(w dns.ResponseWriter, r *dns.Msg) { m := full(r); m.Truncated = true; _ = w.WriteMsg(m) },
			outcome: dnsq.Error, err: "the TCP answer is truncated too"},
		{name: "TCP closed", tcp: func(w dns.ResponseWriter, r *dns.Msg) { _ = w.Close() },
			outcome: dnsq.Error, err: "the server closed the connection before a whole answer"},
		{name: "TCP short", tcp: func(w dns.ResponseWriter, r *dns.Msg) { _, _ = w.Write([]byte("\x12\x34")) },
			outcome: dnsq.Error, err: "malformed answer: dns: short read"},
		{name: "TCP SERVFAIL", tcp: func(w dns.ResponseWriter, r *dns.Msg) { _ = w.WriteMsg(reply(r, dns.RcodeServerFailure)) },
			outcome: dnsq.ServFail},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := serve(t, func(w dns.ResponseWriter, r *dns.Msg) {
				if !cutUDP(w, r) {
					tc.tcp(w, r)
				}
			})
			a := newClient(t, dnsq.Config{Resolver: srv.addr, Timeout: 2 * time.Second}).Lookup(context.Background(), "cut.test", dns.TypeTXT)
			if a.Outcome != tc.outcome || !a.Truncated || !reflect.DeepEqual(a.Values(), tc.values) || !strings.Contains(a.Err, tc.err) {
				t.Errorf("got %s truncated=%v %q %q", a.Outcome, a.Truncated, a.Values(), a.Err)
			}
		})
	}
	// No TCP listener at all: the refused connection is the outcome.
	udpOnly := servePackets(t, func(q []byte) []byte {
		m := new(dns.Msg)
		if m.Unpack(q) != nil {
			return nil
		}
		r := reply(m, dns.RcodeSuccess)
		r.Truncated = true
		b, _ := r.Pack()
		return b
	})
	a := newClient(t, dnsq.Config{Resolver: udpOnly.addr, Timeout: 2 * time.Second}).Lookup(context.Background(), "cut.test", dns.TypeTXT)
	if a.Outcome != dnsq.Error || !a.Truncated || !strings.Contains(a.Err, "tcp "+udpOnly.addr) {
		t.Errorf("UDP only: %s truncated=%v %q", a.Outcome, a.Truncated, a.Err)
	}
}

// TestTimeout: a server that never answers is a Timeout, asked twice by
// default (one retry), once with Retries -1, in bounded time.
func TestTimeout(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		retries int
		tries   int
		err     string
	}{
		{retries: 0, tries: 2, err: "(2 tries)"},
		{retries: -1, tries: 1, err: "(1 try)"},
		{retries: 2, tries: 3, err: "(3 tries)"},
	} {
		t.Run(fmt.Sprint(tc.retries), func(t *testing.T) {
			t.Parallel()
			hole := servePackets(t, nil)
			c := newClient(t, dnsq.Config{Resolver: hole.addr, Timeout: 150 * time.Millisecond, Retries: tc.retries})
			start := time.Now()
			a := c.Lookup(context.Background(), "contoso.com", dns.TypeMX)
			if took := time.Since(start); took > 5*time.Second {
				t.Errorf("took %s", took)
			}
			if a.Outcome != dnsq.Timeout || !strings.Contains(a.Err, "no answer from "+hole.addr+" in 150ms "+tc.err) || a.Rcode != "" {
				t.Errorf("got %s %q %q", a.Outcome, a.Rcode, a.Err)
			}
			if n := hole.received(t); n != tc.tries {
				t.Errorf("server received %d questions, want %d", n, tc.tries)
			}
			// Authoritative's error names the question and why.
			_, err := c.Authoritative(context.Background(), "contoso.com")
			want := "dnsq: NS contoso.com from " + hole.addr + ": no answer from " + hole.addr + " in 150ms " + tc.err
			if le := (*dnsq.LookupError)(nil); !errors.As(err, &le) || le.Answer.Outcome != dnsq.Timeout || err.Error() != want {
				t.Errorf("Authoritative error %v, want %q", err, want)
			}
		})
	}
}

// TestCancel: cancelling the context ends a query that would wait 30s, at
// once, and it is not retried.
func TestCancel(t *testing.T) {
	t.Parallel()
	hole := servePackets(t, nil)
	c := newClient(t, dnsq.Config{Resolver: hole.addr, Timeout: 30 * time.Second})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan dnsq.Answer)
	start := time.Now()
	go func() { done <- c.Lookup(ctx, "contoso.com", dns.TypeTXT) }()
	<-hole.packets // the question is out: now cancel
	cancel()
	a := <-done
	if took := time.Since(start); took > time.Second {
		t.Errorf("took %s after cancel", took)
	}
	if a.Outcome != dnsq.Error || a.Err != "context canceled" {
		t.Errorf("got %s %q", a.Outcome, a.Err)
	}
	if n := hole.received(t); n != 0 {
		t.Errorf("%d more questions after the cancel", n)
	}
	// Already cancelled: nothing is sent.
	a = c.LookupAt(ctx, "127.0.0.1", "contoso.com", dns.TypeTXT)
	if a.Outcome != dnsq.Error || a.Err != "context canceled" {
		t.Errorf("cancelled LookupAt: %s %q", a.Outcome, a.Err)
	}
	// A context deadline is a timeout.
	dctx, dcancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer dcancel()
	a = c.Lookup(dctx, "contoso.com", dns.TypeTXT)
	if a.Outcome != dnsq.Timeout || a.Err != "context deadline exceeded" {
		t.Errorf("deadline: %s %q", a.Outcome, a.Err)
	}
}

// TestMalformed: a reply that does not decode is an Error outcome, never a
// panic and never a record.
func TestMalformed(t *testing.T) {
	t.Parallel()
	garbage := func(q []byte) []byte {
		if len(q) < 2 {
			return nil
		}
		// The question's ID, then bytes that are no DNS message.
		return append(q[:2:2], []byte("\x81\x80\x00\x01\x00\x01\x00\x00\x00\x00\xff\xff\xff\xff\x1b[31m")...)
	}
	short := func(q []byte) []byte { return []byte{0x12} }
	// A TXT string whose length runs past the end of the packet.
	overflow := func(q []byte) []byte {
		m := new(dns.Msg)
		if err := m.Unpack(q); err != nil {
			return nil
		}
		r := reply(m, dns.RcodeSuccess, `contoso.com. 60 IN TXT "hello"`)
		b, err := r.Pack()
		if err != nil {
			return nil
		}
		return b[:len(b)-3]
	}
	for name, answer := range map[string]func([]byte) []byte{"garbage": garbage, "short": short, "overflow": overflow} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := servePackets(t, answer)
			c := newClient(t, dnsq.Config{Resolver: srv.addr, Timeout: 2 * time.Second})
			a := c.Lookup(context.Background(), "contoso.com", dns.TypeTXT)
			if a.Outcome != dnsq.Error || !strings.Contains(a.Err, "malformed answer") || len(a.Records) != 0 {
				t.Errorf("got %s %q %v", a.Outcome, a.Err, a.Records)
			}
			if strings.ContainsAny(a.Err, "\x1b\n") {
				t.Errorf("error not one clean line: %q", a.Err)
			}
		})
	}
}

// TestCNAME: chains are followed within the answer and by asking again;
// loops and chains longer than 8 are errors.
func TestCNAME(t *testing.T) {
	t.Parallel()
	srv := serve(t, func(w dns.ResponseWriter, r *dns.Msg) {
		q := r.Question[0]
		name := strings.ToLower(q.Name)
		switch {
		case name == "inline.test.":
			_ = w.WriteMsg(reply(r, dns.RcodeSuccess,
				"inline.test. 60 IN CNAME Mid.Test.", "mid.test. 60 IN CNAME end.test.", "end.test. 60 IN A 192.0.2.7"))
		case name == "split.test.": // the target left out: asked again
			_ = w.WriteMsg(reply(r, dns.RcodeSuccess, "split.test. 60 IN CNAME end.test."))
		case name == "end.test." && q.Qtype == dns.TypeA:
			_ = w.WriteMsg(reply(r, dns.RcodeSuccess, "end.test. 60 IN A 192.0.2.7"))
		case name == "dangling.test.":
			m := reply(r, dns.RcodeNameError, "dangling.test. 60 IN CNAME gone.test.")
			_ = w.WriteMsg(m)
		case name == "loop-a.test.":
			_ = w.WriteMsg(reply(r, dns.RcodeSuccess, "loop-a.test. 60 IN CNAME loop-b.test."))
		case name == "loop-b.test.":
			_ = w.WriteMsg(reply(r, dns.RcodeSuccess, "loop-b.test. 60 IN CNAME loop-a.test."))
		case name == "inloop.test.":
			_ = w.WriteMsg(reply(r, dns.RcodeSuccess, "inloop.test. 60 IN CNAME inloop.test."))
		case strings.HasPrefix(name, "hop"):
			var n int
			fmt.Sscanf(name, "hop%d.test.", &n)
			_ = w.WriteMsg(reply(r, dns.RcodeSuccess, fmt.Sprintf("%s 60 IN CNAME hop%d.test.", name, n+1)))
		default:
			_ = w.WriteMsg(reply(r, dns.RcodeSuccess))
		}
	})
	c := newClient(t, dnsq.Config{Resolver: srv.addr, Timeout: 2 * time.Second})
	for _, tc := range []struct {
		name    string
		qtype   uint16
		outcome dnsq.Outcome
		chain   []string // Record.Type:Value
		err     string
	}{
		{name: "inline.test", qtype: dns.TypeA, outcome: dnsq.OK, chain: []string{"CNAME:mid.test.", "CNAME:end.test.", "A:192.0.2.7"}},
		{name: "split.test", qtype: dns.TypeA, outcome: dnsq.OK, chain: []string{"CNAME:end.test.", "A:192.0.2.7"}},
		{name: "split.test", qtype: dns.TypeCNAME, outcome: dnsq.OK, chain: []string{"CNAME:end.test."}},
		{name: "split.test", qtype: dns.TypeMX, outcome: dnsq.NoData, chain: []string{"CNAME:end.test."}},
		{name: "dangling.test", qtype: dns.TypeA, outcome: dnsq.NXDomain, chain: []string{"CNAME:gone.test."}},
		// The chain up to the loop stays as evidence.
		{name: "loop-a.test", qtype: dns.TypeA, outcome: dnsq.Error, chain: []string{"CNAME:loop-b.test.", "CNAME:loop-a.test."},
			err: "CNAME loop: loop-a.test -> loop-b.test -> loop-a.test"},
		{name: "inloop.test", qtype: dns.TypeA, outcome: dnsq.Error, chain: []string{"CNAME:inloop.test."}, err: "CNAME loop: inloop.test -> inloop.test"},
		{name: "hop1.test", qtype: dns.TypeA, outcome: dnsq.Error,
			chain: []string{"CNAME:hop2.test.", "CNAME:hop3.test.", "CNAME:hop4.test.", "CNAME:hop5.test.", "CNAME:hop6.test.", "CNAME:hop7.test.", "CNAME:hop8.test.", "CNAME:hop9.test.", "CNAME:hop10.test."},
			err:   "CNAME chain longer than 8: hop1.test -> hop2.test -> hop3.test -> hop4.test -> hop5.test -> hop6.test -> hop7.test -> hop8.test -> hop9.test -> hop10.test"},
	} {
		a := c.Lookup(context.Background(), tc.name, tc.qtype)
		var chain []string
		for _, r := range a.Records {
			chain = append(chain, r.Type+":"+r.Value)
		}
		if a.Outcome != tc.outcome || !reflect.DeepEqual(chain, tc.chain) || !strings.Contains(a.Err, tc.err) {
			t.Errorf("%s %s: %s %v %q; want %s %v %q", tc.name, dns.TypeToString[tc.qtype], a.Outcome, chain, a.Err, tc.outcome, tc.chain, tc.err)
		}
	}
	// LookupAt does not ask elsewhere for a target the server left out.
	a := c.LookupAt(context.Background(), srv.addr, "split.test", dns.TypeA)
	if a.Outcome != dnsq.CNAMEOnly || len(a.Records) != 1 || a.Records[0].Target != "end.test" {
		t.Errorf("LookupAt split: %+v", a)
	}
}

// TestTXTCleaned: TXT strings are joined (as SPF reads them) with miekg's
// escapes undone, then cleaned: no terminal escape, no control character,
// invalid UTF-8 as U+FFFD; names are lower-cased without the dot.
func TestTXTCleaned(t *testing.T) {
	t.Parallel()
	srv := serve(t, func(w dns.ResponseWriter, r *dns.Msg) {
		m := reply(r, dns.RcodeSuccess)
		hdr := dns.RR_Header{Name: "Evil.Test.", Rrtype: dns.TypeTXT, Class: dns.ClassINET, Ttl: 60}
		for _, txt := range [][]string{
			{"v=spf1 include:spf.protection.outlook.com", " -all"},
			{"\x1b]8;;https://evil.example\x07click\x1b]8;;\x07 \x1b[2J\x1b[31mred"},
			{`quote " and backslash \ kept`},
			{"caf\xc3\xa9 line\nbreak tab\tend \xff bad"},
			{"\u202eoverride"},
		} {
			// Wire bytes as they are: miekg packs a Txt string as
			// presentation text, so escape it the way it expects.
			var esc []string
			for _, s := range txt {
				var b strings.Builder
				for i := 0; i < len(s); i++ {
					c := s[i]
					switch {
					case c == '"' || c == '\\':
						b.WriteByte('\\')
						b.WriteByte(c)
					case c < ' ' || c > '~':
						fmt.Fprintf(&b, "\\%03d", c)
					default:
						b.WriteByte(c)
					}
				}
				esc = append(esc, b.String())
			}
			m.Answer = append(m.Answer, &dns.TXT{Hdr: hdr, Txt: esc})
		}
		_ = w.WriteMsg(m)
	})
	c := newClient(t, dnsq.Config{Resolver: srv.addr})
	a := c.Lookup(context.Background(), "evil.test", dns.TypeTXT)
	want := []string{
		"v=spf1 include:spf.protection.outlook.com -all",
		"click red",
		`quote " and backslash \ kept`,
		"café line break tab end \ufffd bad",
		"override",
	}
	if a.Outcome != dnsq.OK || !reflect.DeepEqual(a.Values(), want) {
		t.Fatalf("got %s %q\nwant %q", a.Outcome, a.Values(), want)
	}
	if a.Records[0].Name != "evil.test" || a.Records[0].TTL != 60 {
		t.Errorf("record %+v", a.Records[0])
	}
}

// TestNothingListening: a resolver port where nothing listens (a wrong
// --resolver) is an error saying so, at once, not a timeout.
func TestNothingListening(t *testing.T) {
	t.Parallel()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := pc.LocalAddr().String()
	pc.Close()
	c := newClient(t, dnsq.Config{Resolver: addr, Timeout: 5 * time.Second})
	start := time.Now()
	a := c.Lookup(context.Background(), "contoso.com", dns.TypeTXT)
	if a.Outcome != dnsq.Error || a.Err != "udp "+addr+": recvfrom: connection refused" && a.Err != "udp "+addr+": read: connection refused" {
		t.Errorf("got %s %q", a.Outcome, a.Err)
	}
	if took := time.Since(start); took > 4*time.Second {
		t.Errorf("took %s", took)
	}
}

// TestLookupEachConcurrent: every nameserver is asked at the same time:
// each of the two answers "together" only while the other's question is
// in, which a one-after-the-other client never sees.
func TestLookupEachConcurrent(t *testing.T) {
	t.Parallel()
	both := make(chan struct{})
	var arrived atomic.Int32
	nsHandler := func(w dns.ResponseWriter, r *dns.Msg) {
		if arrived.Add(1) == 2 {
			close(both)
		}
		v := "together"
		select {
		case <-both:
		case <-time.After(3 * time.Second):
			v = "alone"
		}
		_ = w.WriteMsg(reply(r, dns.RcodeSuccess, `zone.test. 60 IN TXT "`+v+`"`))
	}
	ns1, ns2 := serve(t, nsHandler), serve(t, nsHandler)
	resolver := serve(t, func(w dns.ResponseWriter, r *dns.Msg) {
		_ = w.WriteMsg(reply(r, dns.RcodeSuccess, "zone.test. 60 IN NS NS2.zone.test.", "zone.test. 60 IN NS ns1.zone.test."))
	})
	c := newClient(t, dnsq.Config{Resolver: resolver.addr, Timeout: 10 * time.Second,
		Nameservers: map[string]string{"ns1.zone.test": ns1.addr, "NS2.Zone.Test.": ns2.addr}})
	each, err := c.LookupEach(context.Background(), "zone.test", "zone.test", dns.TypeTXT)
	if err != nil {
		t.Fatal(err)
	}
	if len(each) != 2 || each[0].Server != "ns1.zone.test" || each[0].Addr != ns1.addr || each[1].Server != "ns2.zone.test" || each[1].Addr != ns2.addr {
		t.Fatalf("answers %+v", each)
	}
	for _, a := range each {
		if a.Outcome != dnsq.OK || !reflect.DeepEqual(a.Values(), []string{"together"}) || a.RTT <= 0 {
			t.Errorf("%s: %s %q rtt %s", a.Server, a.Outcome, a.Values(), a.RTT)
		}
	}
}

// TestLookupServersAsksAddressesOnce: a client asking many questions of a
// zone's nameservers looks each nameserver's address up once (an answer
// that says there is none, too), and an NS whose address record is not a
// server's (0.0.0.0) is not asked.
func TestLookupServersAsksAddressesOnce(t *testing.T) {
	t.Parallel()
	ns := serve(t, func(w dns.ResponseWriter, r *dns.Msg) {
		_ = w.WriteMsg(reply(r, dns.RcodeSuccess, r.Question[0].Name+` 60 IN TXT "hi"`))
	})
	var addrQuestions atomic.Int32
	resolver := serve(t, func(w dns.ResponseWriter, r *dns.Msg) {
		q := r.Question[0]
		switch {
		case q.Qtype == dns.TypeNS:
			_ = w.WriteMsg(reply(r, dns.RcodeSuccess, "zone.test. 60 IN NS ns1.zone.test.", "zone.test. 60 IN NS ns2.zone.test.", "zone.test. 60 IN NS ns3.zone.test."))
		case q.Name == "ns2.zone.test." && q.Qtype == dns.TypeA:
			addrQuestions.Add(1)
			_ = w.WriteMsg(reply(r, dns.RcodeSuccess, "ns2.zone.test. 60 IN A 0.0.0.0"))
		case q.Name == "ns3.zone.test.":
			addrQuestions.Add(1)
			_ = w.WriteMsg(reply(r, dns.RcodeNameError))
		default:
			t.Errorf("resolver asked %s", q.String())
			_ = w.WriteMsg(reply(r, dns.RcodeRefused))
		}
	})
	c := newClient(t, dnsq.Config{Resolver: resolver.addr, Timeout: 2 * time.Second, Nameservers: map[string]string{"ns1.zone.test": ns.addr}})
	servers, err := c.Authoritative(context.Background(), "zone.test")
	if err != nil || !reflect.DeepEqual(servers, []string{"ns1.zone.test", "ns2.zone.test", "ns3.zone.test"}) {
		t.Fatalf("Authoritative = %v, %v", servers, err)
	}
	var wg sync.WaitGroup
	for i := range 5 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			each := c.LookupServers(context.Background(), servers, fmt.Sprintf("q%d.zone.test", i), dns.TypeTXT)
			if len(each) != 3 || each[0].Outcome != dnsq.OK ||
				each[1].Outcome != dnsq.Error || !strings.Contains(each[1].Err, "ns2.zone.test, 0.0.0.0: the unspecified address cannot be a DNS server's") ||
				each[2].Outcome != dnsq.Error || !strings.Contains(each[2].Err, "the address of nameserver ns3.zone.test: A ns3.zone.test from") {
				t.Errorf("answers %+v", each)
			}
		}()
	}
	wg.Wait()
	if n := addrQuestions.Load(); n != 2 {
		t.Errorf("the nameservers' addresses were asked %d times, want 2 (once each)", n)
	}
	// An address is asked as it is.
	each := c.LookupServers(context.Background(), []string{ns.addr}, "zone.test", dns.TypeTXT)
	if len(each) != 1 || each[0].Outcome != dnsq.OK {
		t.Errorf("by address: %+v", each)
	}
}
