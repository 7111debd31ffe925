package model

import "testing"

func TestClean(t *testing.T) {
	for in, want := range map[string]string{
		"Office 365": "Office 365",
		"Office\x1b]0;PWNED-TITLE\a\x1b[2J\x1b[31mRED": "OfficeRED",
		"a\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\b":   "alinkb",
		"tab\there\nnew\rline":                         "tab here new line",
		"nul\x00bell\a":                                "nulbell",
		"c1\u009b2Jx":                                  "c1x",
		"c1 osc\u009d0;t\u0007y":                       "c1 oscy",
		"bidi\u202eevil\u202c":                         "bidievil",
		"bad\xffutf8":                                  "bad\ufffdutf8",
		"Zoë Ångström 東京":                              "Zoë Ångström 東京",
		"esc at end\x1b":                               "esc at end",
		"\x1b(Bcharset":                                "charset",
	} {
		if got := Clean(in); got != want {
			t.Errorf("Clean(%q) = %q, want %q", in, got, want)
		}
	}
	if got := CleanLines("one\x1b[2J\ntwo\x07"); got != "one\ntwo" {
		t.Errorf("CleanLines = %q", got)
	}
}
