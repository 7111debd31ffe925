package dnsq

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"
	"golang.org/x/net/idna"

	"github.com/o365doctor/o365doctor/internal/model"
)

// Defaults for the zero values of Config.
const (
	DefaultResolvConf = "/etc/resolv.conf"
	DefaultTimeout    = 5 * time.Second
	DefaultRetries    = 1
)

// udpSize is the EDNS0 buffer size we advertise: the DNS Flag Day 2020
// value, which avoids IP fragmentation; larger answers come truncated and
// are asked again over TCP.
const udpSize = 1232

// Config is the adapter's settings; the CLI fills it, the adapter reads no
// environment.
type Config struct {
	// Resolver is the recursive resolver, host:port (or a bare IP, port
	// 53). The host must be an IP address: a resolver named by a host name
	// would need DNS to be found. Empty: the first nameserver of ResolvConf.
	Resolver string
	// ResolvConf is read only when Resolver is empty; default
	// /etc/resolv.conf.
	ResolvConf string
	// Nameservers maps NS host names to the address to ask them at
	// (host:port), instead of their A/AAAA records and port 53: the lab's
	// nameservers listen on loopback ports (O365DOCTOR_LAB_NAMESERVERS).
	Nameservers map[string]string
	// Timeout is the time one query may take; default 5s.
	Timeout time.Duration
	// Retries is how many times a query that timed out is sent again:
	// 0 means the default (1), a negative number none.
	Retries int
}

// Client asks DNS questions. It is safe for concurrent use.
type Client struct {
	resolver    string            // host:port
	nameservers map[string]string // canonical NS name → host:port
	timeout     time.Duration
	retries     int

	mu      sync.Mutex
	nsAddrs map[string]*nsAddr // NS host name → where to ask it, found once
}

// nsAddr is a nameserver's address being found, or found (done closed).
type nsAddr struct {
	done chan struct{}
	addr string
	err  error
}

// New checks cfg and builds a client. It reads ResolvConf when no resolver
// is given, and fails with one line when the resolver address is not one
// or the file names no nameserver.
func New(cfg Config) (*Client, error) {
	c := &Client{timeout: cfg.Timeout, retries: cfg.Retries, nameservers: map[string]string{}, nsAddrs: map[string]*nsAddr{}}
	if c.timeout <= 0 {
		c.timeout = DefaultTimeout
	}
	switch {
	case c.retries == 0:
		c.retries = DefaultRetries
	case c.retries < 0:
		c.retries = 0
	}
	if cfg.Resolver != "" {
		addr, err := serverAddress(cfg.Resolver)
		if err != nil {
			return nil, fmt.Errorf("dnsq: resolver %s", err)
		}
		c.resolver = addr
	} else {
		path := cfg.ResolvConf
		if path == "" {
			path = DefaultResolvConf
		}
		rc, err := readResolvConf(path)
		if err != nil {
			return nil, err
		}
		// The first usable nameserver, as the system's resolver does.
		var firstErr error
		for _, s := range rc.Servers {
			addr, err := serverAddress(net.JoinHostPort(s, rc.Port))
			if err == nil {
				c.resolver = addr
				break
			}
			if firstErr == nil {
				firstErr = err
			}
		}
		switch {
		case c.resolver != "":
		case firstErr != nil:
			return nil, fmt.Errorf("dnsq: %s: nameserver %s (set --resolver)", model.Clean(path), firstErr)
		default:
			return nil, fmt.Errorf("dnsq: %s names no nameserver (set --resolver)", model.Clean(path))
		}
	}
	for name, addr := range cfg.Nameservers {
		n, err := Canonical(name)
		if err != nil {
			return nil, fmt.Errorf("dnsq: nameserver override: %v", trimPrefix(err))
		}
		a, err := serverAddress(addr)
		if err != nil {
			return nil, fmt.Errorf("dnsq: nameserver override %s: address %s", n, err)
		}
		c.nameservers[n] = a
	}
	return c, nil
}

// readResolvConf reads the nameservers of a resolv.conf(5) file (at most
// 64 KiB of it).
func readResolvConf(path string) (*dns.ClientConfig, error) {
	f, err := os.Open(path)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, fmt.Errorf("dnsq: read %s: %s (set --resolver)", model.Clean(path), model.Clean(err.Error()))
	}
	defer f.Close()
	rc, err := dns.ClientConfigFromReader(io.LimitReader(f, 64<<10))
	if err != nil {
		return nil, fmt.Errorf("dnsq: read %s: %s (set --resolver)", model.Clean(path), model.Clean(err.Error()))
	}
	return rc, nil
}

// Resolver is the resolver's address, host:port.
func (c *Client) Resolver() string { return c.resolver }

// ParseNameservers reads the O365DOCTOR_LAB_NAMESERVERS form,
// "ns1.contoso.com=127.0.0.1:5301,ns2.contoso.com=127.0.0.1:5302", into
// Config.Nameservers. An empty string is an empty map.
func ParseNameservers(s string) (map[string]string, error) {
	out := map[string]string{}
	for _, pair := range strings.Split(s, ",") {
		pair = strings.TrimSpace(pair)
		if pair == "" {
			continue
		}
		name, addr, ok := strings.Cut(pair, "=")
		if !ok {
			return nil, fmt.Errorf("dnsq: nameservers: %q is not name=host:port", model.Clean(pair))
		}
		n, err := Canonical(strings.TrimSpace(name))
		if err != nil {
			return nil, fmt.Errorf("dnsq: nameservers: %v", trimPrefix(err))
		}
		a, err := serverAddress(strings.TrimSpace(addr))
		if err != nil {
			return nil, fmt.Errorf("dnsq: nameservers: %s: address %s", n, err)
		}
		if _, dup := out[n]; dup {
			return nil, fmt.Errorf("dnsq: nameservers: %s is named twice", n)
		}
		out[n] = a
	}
	return out, nil
}

// serverAddress checks a DNS server's address, host:port or a bare IP
// (port 53), and returns it as host:port. The error reads after "resolver ".
func serverAddress(s string) (string, error) {
	if ip, err := netip.ParseAddr(s); err == nil {
		if why := notAServer(ip); why != "" {
			return "", fmt.Errorf("%q: %s", model.Clean(s), why)
		}
		return net.JoinHostPort(ip.String(), "53"), nil
	}
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return "", fmt.Errorf("%q is not host:port", model.Clean(s))
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return "", fmt.Errorf("%q: the host must be an IP address", model.Clean(s))
	}
	if why := notAServer(ip); why != "" {
		return "", fmt.Errorf("%q: %s", model.Clean(s), why)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return "", fmt.Errorf("%q: the port must be a number from 1 to 65535", model.Clean(s))
	}
	return net.JoinHostPort(ip.String(), port), nil
}

// notAServer says why an address cannot be one DNS server's, or "": a
// question sent to it would go nowhere (unspecified), to every host of a
// network (broadcast, multicast), or out of an interface the name picks
// (a zone, fe80::1%eth0) — never to the server meant.
func notAServer(ip netip.Addr) string {
	u := ip.Unmap()
	switch {
	case u.Zone() != "":
		return "an address with a zone (%" + model.Clean(u.Zone()) + ") cannot be a DNS server's"
	case u.IsUnspecified():
		return "the unspecified address cannot be a DNS server's"
	case u == netip.AddrFrom4([4]byte{255, 255, 255, 255}):
		return "the broadcast address cannot be a DNS server's"
	case u.IsMulticast():
		return "a multicast address cannot be a DNS server's"
	}
	return ""
}

// maxNameLen is the longest domain name in presentation form, without the
// trailing dot (RFC 1035: 255 octets on the wire).
const maxNameLen = 253

// Canonical returns the name as o365doctor compares and shows it:
// lower-case, without the trailing dot, Unicode labels in their punycode
// (ASCII) form. It accepts letters, digits, hyphens and underscores
// (_dmarc, _autodiscover._tcp) and a leading "*" label.
func Canonical(name string) (string, error) {
	n := strings.TrimSuffix(name, ".")
	if n == "" {
		return "", fmt.Errorf("dnsq: empty domain name")
	}
	labels := strings.Split(n, ".")
	for i, l := range labels {
		if l == "" {
			return "", fmt.Errorf("dnsq: %q is not a domain name (empty label)", model.Clean(name))
		}
		if !isASCII(l) {
			a, err := idna.Lookup.ToASCII(l)
			if err != nil {
				return "", fmt.Errorf("dnsq: %q is not a domain name (%s)", model.Clean(name), model.Clean(err.Error()))
			}
			l = a
		}
		l = strings.ToLower(l)
		if len(l) > 63 {
			return "", fmt.Errorf("dnsq: %q is not a domain name (a label is longer than 63)", model.Clean(name))
		}
		if l == "*" && i == 0 {
			labels[i] = l
			continue
		}
		for _, r := range l {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
				return "", fmt.Errorf("dnsq: %q is not a domain name (%q)", model.Clean(name), r)
			}
		}
		labels[i] = l
	}
	n = strings.Join(labels, ".")
	if len(n) > maxNameLen {
		return "", fmt.Errorf("dnsq: %q is not a domain name (longer than %d)", model.Clean(name), maxNameLen)
	}
	return n, nil
}

// SameName reports whether two names are the same domain name: case and a
// trailing dot do not matter, nor Unicode against punycode.
func SameName(a, b string) bool {
	ca, err1 := Canonical(a)
	cb, err2 := Canonical(b)
	if err1 != nil || err2 != nil {
		return strings.EqualFold(strings.TrimSuffix(a, "."), strings.TrimSuffix(b, "."))
	}
	return ca == cb
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// trimPrefix drops "dnsq: " from an error of this package that is wrapped
// in another.
func trimPrefix(err error) string { return strings.TrimPrefix(err.Error(), "dnsq: ") }
