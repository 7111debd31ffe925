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
