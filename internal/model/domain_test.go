package model

import "testing"

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
