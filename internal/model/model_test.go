package model

import "testing"

func TestAppFederates(t *testing.T) {
	for name, tc := range map[string]struct {
		settings map[string]any
		want     bool
	}{
		"domain":                {map[string]any{"domain": "Contoso.com"}, true},
		"domains of objects":    {map[string]any{"domain": "fabrikam.com", "domains": []any{map[string]any{"name": "contoso.com"}}}, true},
		"domains of strings":    {map[string]any{"domains": []any{"CONTOSO.COM"}}, true},
		"another domain":        {map[string]any{"domain": "fabrikam.com", "domains": []any{map[string]any{"name": "fabrikam.net"}}}, false},
		"null domain, no list":  {map[string]any{"domain": nil}, false},
		"domains not a list":    {map[string]any{"domains": "contoso.com"}, false},
		"no settings":           {nil, false},
		"a list of odd entries": {map[string]any{"domains": []any{nil, 3, map[string]any{"name": 7}}}, false},
	} {
		if got := (OktaApp{Settings: tc.settings}).Federates("contoso.com"); got != tc.want {
			t.Errorf("%s: Federates = %v, want %v", name, got, tc.want)
		}
	}
}

func TestISO3166(t *testing.T) {
	if n := len(countries); n != 249 {
		t.Fatalf("%d codes, ISO 3166-1 assigns 249", n)
	}
	for code, want := range map[string]bool{"US": true, "GB": true, "DE": true, "UK": false, "XX": false, "ZZ": false, "de": false, "IT": true, "İT": false} {
		if IsCountry(code) != want {
			t.Errorf("IsCountry(%q) = %v", code, !want)
		}
	}
}
