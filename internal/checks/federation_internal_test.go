package checks

import (
	"strings"
	"testing"
)

func TestFederatedTo(t *testing.T) {
	const okta = "https://contoso.okta.com/app/office365/exk1a2b3c/sso/wsfed/passive?username=a%40contoso.com&wa=wsignin1.0"
	const custom = "https://login.contoso.com/app/office365/exk1a2b3c/sso/wsfed/passive"
	for name, tc := range map[string]struct {
		authURL string
		hosts   []string
		known   bool
		want    Status
		says    string
	}{
		"the org":                 {okta, []string{"contoso.okta.com"}, true, StatusPass, "at contoso.okta.com"},
		"a verified custom host":  {custom, []string{"contoso.okta.com", "login.contoso.com"}, true, StatusPass, "custom domain login.contoso.com"},
		"recon, no credentials":   {custom, nil, false, StatusPass, "recon cannot tell"},
		"another org":             {"https://fabrikam.okta.com/app/office365/exk9/sso/wsfed/passive", []string{"contoso.okta.com"}, true, StatusFail, "neither the org"},
		"domains list refused":    {custom, []string{"contoso.okta.com"}, false, StatusWarn, "could not list"},
		"ADFS":                    {"https://sts.contoso.com/adfs/ls/", []string{"contoso.okta.com"}, true, StatusFail, "not to Okta"},
		"no URL":                  {"", nil, false, StatusFail, "no sign-in URL"},
		"an Okta path elsewhere":  {"https://contoso.okta.com/app/salesforce/exk1/sso/saml", []string{"contoso.okta.com"}, true, StatusFail, "not to Okta's Office 365 app"},
		"host in another case":    {"https://CONTOSO.okta.com/app/office365/exk1/sso/wsfed/passive", []string{"contoso.okta.com"}, true, StatusPass, ""},
		"trailing slash accepted": {"https://contoso.okta.com/app/office365/exk1/sso/wsfed/passive/", []string{"contoso.okta.com"}, true, StatusPass, ""},
	} {
		st, msg := federatedTo("contoso.com", tc.authURL, tc.hosts, tc.known)
		if st != tc.want || !strings.Contains(msg, tc.says) {
			t.Errorf("%s: %s %q, want %s containing %q", name, st, msg, tc.want, tc.says)
		}
	}
}

func TestIssuerForm(t *testing.T) {
	for issuer, want := range map[string][3]string{
		"contoso.com:exk1a2b3c":                       {"automatic", "exk1a2b3c", "contoso.com"},
		"https://exk1a2b3c":                           {"manual", "exk1a2b3c", ""},
		"http://www.okta.com/exk1a2b3c":               {"legacy", "exk1a2b3c", ""},
		"HTTP://WWW.OKTA.COM/exk1a2b3c":               {"legacy", "exk1a2b3c", ""},
		"http://sts.contoso.com/adfs/services/trust":  {"", "", ""},
		"https://sts.contoso.com/adfs/services/trust": {"", "", ""},
		"":             {"", "", ""},
		"contoso.com:": {"", "", ""},
	} {
		form, exk, domain := issuerForm(issuer)
		if got := [3]string{string(form), exk, domain}; got != want {
			t.Errorf("issuerForm(%q) = %v, want %v", issuer, got, want)
		}
	}
}

func TestWSFedURLMatches(t *testing.T) {
	side := oktaSide{hosts: []string{"contoso.okta.com", "login.contoso.com"}, known: true, exk: "exk1"}
	for _, tc := range []struct {
		url, kind string
		ok        bool
		says      string
	}{
		{"https://contoso.okta.com/app/office365/exk1/sso/wsfed/passive", "passive", true, ""},
		{"https://login.contoso.com/app/office365/exk1/sso/wsfed/mex", "mex", true, ""},
		{"https://contoso.okta.com/app/office365/exk1/sso/wsfed/active", "passive", false, "not an Okta Office 365 passive endpoint"},
		{"https://contoso.okta.com/app/office365/exk2/sso/wsfed/passive", "passive", false, "names app exk2"},
		{"https://fabrikam.okta.com/app/office365/exk1/sso/wsfed/passive", "passive", false, "neither the org"},
		{"http://contoso.okta.com/app/office365/exk1/sso/wsfed/passive", "passive", false, "not https"},
		{"https://sts.contoso.com/adfs/ls/", "passive", false, "not an Okta"},
		{"", "signout", false, "blank"},
		{"::", "signout", false, "not a URL"},
	} {
		ok, why := wsfedURLMatches(tc.url, tc.kind, side)
		if ok != tc.ok || !strings.Contains(why, tc.says) {
			t.Errorf("%s (%s): %v %q, want %v containing %q", tc.url, tc.kind, ok, why, tc.ok, tc.says)
		}
	}
	// Without the org's hosts (custom domains unlisted), any host passes.
	if ok, _ := wsfedURLMatches("https://other.example/app/office365/exk1/sso/wsfed/passive", "passive", oktaSide{exk: "exk1"}); !ok {
		t.Error("unknown hosts should not fail the URL")
	}
}

func TestTemplateDomain(t *testing.T) {
	for tmpl, want := range map[string]string{
		"${source.login}":                                          "",
		"${source.samAccountName}@fabrikam.com":                    "fabrikam.com",
		`String.substringBefore(user.email, "@") + "@contoso.com"`: "contoso.com",
		"${source.email}":                                          "",
	} {
		got := ""
		if m := templateDomain.FindStringSubmatch(tmpl); m != nil {
			got = m[1]
		}
		if got != want {
			t.Errorf("%q → %q, want %q", tmpl, got, want)
		}
	}
}
