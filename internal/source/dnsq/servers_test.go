package dnsq_test

import (
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// testServer is a miekg/dns server on 127.0.0.1, UDP and TCP on one port,
// counting the questions each transport received.
type testServer struct {
	addr     string
	udp, tcp atomic.Int32
}

// serve starts h on loopback UDP and TCP until the test ends.
func serve(t *testing.T, h dns.HandlerFunc) *testServer {
	t.Helper()
	s := &testServer{}
	counted := dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
		if _, ok := w.RemoteAddr().(*net.UDPAddr); ok {
			s.udp.Add(1)
		} else {
			s.tcp.Add(1)
		}
		h(w, r)
	})
	for attempt := 0; ; attempt++ {
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ln, err := net.Listen("tcp", pc.LocalAddr().String())
		if err != nil {
			pc.Close()
			if attempt < 20 {
				continue
			}
			t.Fatal(err)
		}
		var started sync.WaitGroup
		started.Add(2)
		udp := &dns.Server{PacketConn: pc, Handler: counted, NotifyStartedFunc: started.Done}
		tcp := &dns.Server{Listener: ln, Handler: counted, NotifyStartedFunc: started.Done}
		go udp.ActivateAndServe() //nolint:errcheck // returns on Shutdown
		go tcp.ActivateAndServe() //nolint:errcheck
		started.Wait()
		t.Cleanup(func() { _ = udp.Shutdown(); _ = tcp.Shutdown() })
		s.addr = pc.LocalAddr().String()
		return s
	}
}

// reply starts the answer to r the way an authoritative server does.
func reply(r *dns.Msg, rcode int, rrs ...string) *dns.Msg {
	m := new(dns.Msg)
	m.SetRcode(r, rcode)
	m.Authoritative = true
	for _, s := range rrs {
		rr, err := dns.NewRR(s)
		if err != nil {
			panic(err)
		}
		m.Answer = append(m.Answer, rr)
	}
	return m
}

// truncateUDP cuts an answer to the client's buffer over UDP, as servers
// (and the lab) do.
func truncateUDP(w dns.ResponseWriter, req, m *dns.Msg) {
	if _, udp := w.RemoteAddr().(*net.UDPAddr); udp {
		size := dns.MinMsgSize
		if opt := req.IsEdns0(); opt != nil {
			size = int(opt.UDPSize())
		}
		m.Truncate(size)
	}
}

// packetServer is a bare UDP socket: each datagram it receives goes to
// packets, and answer (if set) is sent back. With answer nil it never
// answers (a black hole).
type packetServer struct {
	addr    string
	pc      net.PacketConn
	packets chan []byte
}

func servePackets(t *testing.T, answer func(query []byte) []byte) *packetServer {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &packetServer{addr: pc.LocalAddr().String(), pc: pc, packets: make(chan []byte, 64)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 65535)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			p := append([]byte(nil), buf[:n]...)
			select {
			case s.packets <- p:
			default:
			}
			if answer != nil {
				if out := answer(p); out != nil {
					_, _ = pc.WriteTo(out, from)
				}
			}
		}
	}()
	t.Cleanup(func() { pc.Close(); <-done })
	return s
}

// received counts the datagrams that arrived before a marker the test
// sends now: everything the client sent before it returned is counted, with
// no sleep.
func (s *packetServer) received(t *testing.T) int {
	t.Helper()
	c, err := net.Dial("udp", s.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write([]byte("END")); err != nil {
		t.Fatal(err)
	}
	n := 0
	timeout := time.After(10 * time.Second)
	for {
		select {
		case p := <-s.packets:
			if string(p) == "END" {
				return n
			}
			n++
		case <-timeout:
			t.Fatal("the marker datagram never arrived")
		}
	}
}
