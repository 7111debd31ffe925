package model

import (
	"errors"
	"fmt"
	"strings"

	"golang.org/x/net/idna"
)

// NormaliseDomain accepts a domain as people type it — any case, a
// trailing dot, an internationalised name, or a UPN (its domain) — and
// returns the form to compare and query (lower-case ASCII, IDN labels in
// punycode) and the form to show (Unicode).
func NormaliseDomain(in string) (ascii, display string, err error) {
	d := strings.TrimSpace(in)
	if strings.Contains(d, "://") || strings.ContainsAny(d, "/?#") {
		return "", "", fmt.Errorf("%q is not a domain name: give the domain alone (contoso.com), not a URL", in)
	}
	if i := strings.LastIndexByte(d, '@'); i >= 0 {
		d = d[i+1:]
	}
	d = strings.TrimSuffix(d, ".")
	if d == "" {
		return "", "", errors.New("empty domain name")
	}
	ascii, err = idna.Lookup.ToASCII(d)
	if err != nil {
		return "", "", fmt.Errorf("%q is not a domain name: %v", in, err)
	}
	ascii = strings.ToLower(ascii)
	if !strings.Contains(ascii, ".") || len(ascii) > 253 {
		return "", "", fmt.Errorf("%q is not a domain name: it needs at least two labels, like contoso.com", in)
	}
	labels := strings.Split(ascii, ".")
	if strings.Trim(labels[len(labels)-1], "0123456789") == "" {
		return "", "", fmt.Errorf("%q is not a domain name: a top-level domain is never all digits (an IP address?)", in)
	}
	for _, label := range labels {
		switch {
		case label == "":
			return "", "", fmt.Errorf("%q is not a domain name: it has an empty label (two dots in a row?)", in)
		case len(label) > 63 || strings.HasPrefix(label, "-") || strings.HasSuffix(label, "-"):
			return "", "", fmt.Errorf("%q is not a domain name: label %q (at most 63 characters, not starting or ending with -)", in, label)
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
				return "", "", fmt.Errorf("%q is not a domain name: %q in label %q", in, r, label)
			}
		}
	}
	display, err = idna.Display.ToUnicode(ascii)
	if err != nil {
		display = ascii
	}
	return ascii, display, nil
}
