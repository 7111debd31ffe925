package model

import (
	"strings"
	"testing"
)

func TestNormaliseDomain(t *testing.T) {
	for in, want := range map[string][2]string{
		"contoso.com":           {"contoso.com", "contoso.com"},
		"Contoso.COM.":          {"contoso.com", "contoso.com"},
		" alice@Contoso.com ":   {"contoso.com", "contoso.com"},
		"bücher.de":             {"xn--bcher-kva.de", "bücher.de"},
		"XN--BCHER-KVA.de":      {"xn--bcher-kva.de", "bücher.de"},
		"mail.example.co.uk":    {"mail.example.co.uk", "mail.example.co.uk"},
		"3contoso.com":          {"3contoso.com", "3contoso.com"},
		"sub-domain.contoso.io": {"sub-domain.contoso.io", "sub-domain.contoso.io"},
	} {
		ascii, display, err := NormaliseDomain(in)
		if err != nil || ascii != want[0] || display != want[1] {
			t.Errorf("%q → %q %q %v, want %q %q", in, ascii, display, err, want[0], want[1])
		}
	}
	for _, bad := range []string{"", ".", "contoso", "cont oso.com", "a..b.com", "-bad.com", "bad-.com", "con_toso.com", "contoso.com/x", "a@", "\x1b[2Jcontoso.com"} {
		if a, d, err := NormaliseDomain(bad); err == nil {
			t.Errorf("%q accepted as %q %q", bad, a, d)
		}
	}
}

func TestNormaliseDomainRefusesAddressesAndURLs(t *testing.T) {
	for in, says := range map[string]string{
		"1.2.3.4":             "IP address",
		"https://contoso.com": "not a URL",
		"contoso.com/x":       "not a URL",
		"a..b.com":            "empty label",
	} {
		_, _, err := NormaliseDomain(in)
		if err == nil || !strings.Contains(err.Error(), says) {
			t.Errorf("%q: %v, want %q", in, err, says)
		}
	}
	if a, _, err := NormaliseDomain("365contoso.com"); err != nil || a != "365contoso.com" {
		t.Errorf("a leading digit is a domain: %q %v", a, err)
	}
}
