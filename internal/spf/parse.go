// Package spf reads SPF records (RFC 7208) the way a receiving mail server
// would, without a sender: it parses a record and counts what evaluating it
// costs — the DNS-lookup terms through every include and redirect (at most
// 10, section 4.6.4), the void lookups (at most 2), loops — and names what
// it cannot follow (macros, ptr). It asks DNS only through the lookup
// function it is given, so it is pure and testable; it never panics on a
// record, whoever wrote it.
package spf

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// Limits of RFC 7208 section 4.6.4.
const (
	MaxLookups = 10 // DNS-lookup terms: include, a, mx, ptr, exists, redirect
	MaxVoid    = 2  // lookups answered NXDOMAIN or with no records
	MaxMX      = 10 // hosts one mx term may name
)

// Term is one mechanism or modifier of a record.
type Term struct {
	Raw       string // as written
	Qualifier byte   // '+', '-', '~' or '?' for a mechanism (default '+'); 0 for a modifier
	Name      string // lower-case: all, include, a, mx, ptr, ip4, ip6, exists; redirect, exp, ...
	Modifier  bool
	// Target is the domain-spec ("" when the term names none: a, mx and
	// ptr then mean the current domain), or the network of ip4/ip6.
	Target string
	// Macro is true when Target holds a macro (%{i}): it names a host only
	// for one sender, so it is not followed.
	Macro bool
}

// Lookup reports whether the term costs a DNS lookup towards MaxLookups.
func (t Term) Lookup() bool {
	switch t.Name {
	case "include", "a", "mx", "ptr", "exists":
		return !t.Modifier
	case "redirect":
		return t.Modifier
	}
	return false
}

// Record is a parsed SPF record.
type Record struct {
	Raw   string
	Terms []Term
}

// Redirect is the record's redirect= modifier, if any.
func (r Record) Redirect() (Term, bool) {
	for _, t := range r.Terms {
		if t.Modifier && t.Name == "redirect" {
			return t, true
		}
	}
	return Term{}, false
}

// All is the record's all mechanism, if any.
func (r Record) All() (Term, bool) {
	for _, t := range r.Terms {
		if !t.Modifier && t.Name == "all" {
			return t, true
		}
	}
	return Term{}, false
}

// IsSPF reports whether a TXT record's text is an SPF record: "v=spf1"
// (any case) alone or followed by a space (section 4.5).
func IsSPF(txt string) bool {
	if len(txt) < 6 || !strings.EqualFold(txt[:6], "v=spf1") {
		return false
	}
	return len(txt) == 6 || txt[6] == ' '
}

// SyntaxError is a record that does not parse: a permerror.
type SyntaxError struct {
	Term   string // the offending term, "" for the record as a whole
	Reason string
}

func (e *SyntaxError) Error() string {
	if e.Term == "" {
		return e.Reason
	}
	return fmt.Sprintf("%q: %s", shorten(e.Term, 80), e.Reason)
}

// Parse reads an SPF record's text. A term that does not follow section 4
// and 12 of RFC 7208 is a *SyntaxError, as it is a permerror for receivers.
func Parse(txt string) (Record, error) {
	rec := Record{Raw: txt}
	if !IsSPF(txt) {
		return rec, &SyntaxError{Reason: "does not start with v=spf1"}
	}
	seen := map[string]bool{}
	for _, raw := range strings.Fields(txt[6:]) {
		t, err := parseTerm(raw)
		if err != nil {
			return rec, err
		}
		if t.Modifier && (t.Name == "redirect" || t.Name == "exp") {
			if seen[t.Name] {
				return rec, &SyntaxError{Term: raw, Reason: t.Name + "= appears twice (section 6)"}
			}
			seen[t.Name] = true
		}
		rec.Terms = append(rec.Terms, t)
	}
	return rec, nil
}

func parseTerm(raw string) (Term, error) {
	t := Term{Raw: raw}
	// A modifier is name=value, the name starting with a letter and
	// coming before any ':' or '/'.
	if i := strings.IndexByte(raw, '='); i > 0 && !strings.ContainsAny(raw[:i], ":/") {
		name := raw[:i]
		if !isModifierName(name) {
			return t, &SyntaxError{Term: raw, Reason: "not a valid modifier name"}
		}
		t.Modifier, t.Name, t.Target = true, strings.ToLower(name), raw[i+1:]
		switch t.Name {
		case "redirect", "exp":
			if t.Target == "" {
				return t, &SyntaxError{Term: raw, Reason: t.Name + "= needs a domain"}
			}
			macro, err := checkDomainSpec(t.Target, t.Name == "exp")
			if err != nil {
				return t, &SyntaxError{Term: raw, Reason: err.Error()}
			}
			t.Macro = macro
		}
		return t, nil // unknown modifiers are ignored (section 6)
	}
	rest := raw
	t.Qualifier = '+'
	if rest != "" && strings.IndexByte("+-~?", rest[0]) >= 0 {
		t.Qualifier, rest = rest[0], rest[1:]
	}
	name, arg := rest, ""
	if i := strings.IndexAny(rest, ":/"); i >= 0 {
		name, arg = rest[:i], rest[i:]
	}
	t.Name = strings.ToLower(name)
	switch t.Name {
	case "all":
		if arg != "" {
			return t, &SyntaxError{Term: raw, Reason: "all takes no argument"}
		}
	case "include", "exists":
		if !strings.HasPrefix(arg, ":") || len(arg) < 2 {
			return t, &SyntaxError{Term: raw, Reason: t.Name + " needs :domain"}
		}
		t.Target = arg[1:]
		macro, err := checkDomainSpec(t.Target, false)
		if err != nil {
			return t, &SyntaxError{Term: raw, Reason: err.Error()}
		}
		t.Macro = macro
	case "a", "mx", "ptr":
		spec := arg
		if t.Name != "ptr" {
			var cidr string
			if i := strings.IndexByte(spec, '/'); i >= 0 {
				spec, cidr = spec[:i], spec[i:]
			}
			if err := checkDualCIDR(cidr); err != nil {
				return t, &SyntaxError{Term: raw, Reason: err.Error()}
			}
		}
		if spec != "" {
			if !strings.HasPrefix(spec, ":") || len(spec) < 2 {
				return t, &SyntaxError{Term: raw, Reason: "expected :domain"}
			}
			t.Target = spec[1:]
			macro, err := checkDomainSpec(t.Target, false)
			if err != nil {
				return t, &SyntaxError{Term: raw, Reason: err.Error()}
			}
			t.Macro = macro
		}
	case "ip4", "ip6":
		if !strings.HasPrefix(arg, ":") {
			return t, &SyntaxError{Term: raw, Reason: t.Name + " needs :address"}
		}
		t.Target = arg[1:]
		if err := checkNetwork(t.Name, t.Target); err != nil {
			return t, &SyntaxError{Term: raw, Reason: err.Error()}
		}
	case "":
		return t, &SyntaxError{Term: raw, Reason: "a qualifier without a mechanism"}
	default:
		return t, &SyntaxError{Term: raw, Reason: "unknown mechanism " + strconv.Quote(shorten(name, 40))}
	}
	return t, nil
}

func isModifierName(s string) bool {
	for i, r := range s {
		letter := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
		if i == 0 && !letter || !(letter || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return false
		}
	}
	return s != ""
}

// checkNetwork checks ip4:addr[/0-32] and ip6:addr[/0-128].
func checkNetwork(kind, s string) error {
	addr, bits, hasBits := strings.Cut(s, "/")
	ip, err := netip.ParseAddr(addr)
	if err != nil || (kind == "ip4") != ip.Is4() || ip.Zone() != "" {
		return fmt.Errorf("not an %s address", map[string]string{"ip4": "IPv4", "ip6": "IPv6"}[kind])
	}
	if hasBits {
		max := 32
		if kind == "ip6" {
			max = 128
		}
		if n, err := strconv.Atoi(bits); err != nil || n < 0 || n > max || bits != strconv.Itoa(n) {
			return fmt.Errorf("prefix length must be 0 to %d", max)
		}
	}
	return nil
}

// checkDualCIDR checks a and mx's "/n", "//n" or "/n//n".
func checkDualCIDR(s string) error {
	if s == "" {
		return nil
	}
	v4, v6, dual := strings.Cut(s, "//")
	if v4 != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(v4, "/"))
		if !strings.HasPrefix(v4, "/") || err != nil || n < 0 || n > 32 {
			return fmt.Errorf("IPv4 prefix length must be 0 to 32")
		}
	}
	if dual {
		if n, err := strconv.Atoi(v6); err != nil || n < 0 || n > 128 {
			return fmt.Errorf("IPv6 prefix length must be 0 to 128")
		}
	}
	return nil
}

// checkDomainSpec checks a domain-spec (section 7.1): macro-expands and
// literals, ending in a top label or a macro. It reports whether the spec
// holds a macro. exp= may use the c, r and t macros.
func checkDomainSpec(s string, exp bool) (macro bool, err error) {
	if len(s) > 253 {
		return false, fmt.Errorf("domain longer than 253 characters")
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x21 || c > 0x7e {
			return false, fmt.Errorf("invalid character in domain")
		}
		if c != '%' {
			continue
		}
		if i+1 >= len(s) {
			return false, fmt.Errorf("%% at the end of the domain")
		}
		switch s[i+1] {
		case '%', '_', '-':
			i++
			continue
		case '{':
		default:
			return false, fmt.Errorf("%% must start a macro (%%{...}), or be %%%%, %%_ or %%-")
		}
		end := strings.IndexByte(s[i:], '}')
		if end < 0 {
			return false, fmt.Errorf("unterminated macro")
		}
		if err := checkMacro(s[i+2:i+end], exp); err != nil {
			return false, err
		}
		macro = true
		i += end
	}
	if macro {
		return true, nil
	}
	// Without a macro, the domain must end in a top label (section 7.1):
	// alphanumeric, not all digits.
	d := strings.TrimSuffix(s, ".")
	labels := strings.Split(d, ".")
	if len(labels) < 2 {
		return false, fmt.Errorf("%q is not a fully qualified domain", shorten(s, 60))
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 {
			return false, fmt.Errorf("%q has an empty or over-long label", shorten(s, 60))
		}
	}
	top := labels[len(labels)-1]
	letter := false
	for _, r := range top {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
			return false, fmt.Errorf("%q does not end in a valid top label", shorten(s, 60))
		}
		letter = letter || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
	}
	if !letter {
		return false, fmt.Errorf("%q does not end in a valid top label", shorten(s, 60))
	}
	return false, nil
}

// checkMacro checks the inside of %{...}: a letter, digits, "r", delimiters.
func checkMacro(m string, exp bool) error {
	if m == "" {
		return fmt.Errorf("empty macro %%{}")
	}
	letter := strings.ToLower(m[:1])
	if !strings.Contains("slodiphv", letter) && !(exp && strings.Contains("crt", letter)) {
		return fmt.Errorf("unknown macro letter %q", m[:1])
	}
	rest := m[1:]
	for rest != "" && rest[0] >= '0' && rest[0] <= '9' {
		rest = rest[1:]
	}
	rest = strings.TrimPrefix(strings.TrimPrefix(rest, "r"), "R")
	for _, r := range rest {
		if !strings.ContainsRune(".-+,/_=", r) {
			return fmt.Errorf("invalid macro delimiter %q", r)
		}
	}
	return nil
}

// shorten cuts s to n bytes for messages, marking the cut.
func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
