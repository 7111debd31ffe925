package lab_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/o365doctor/o365doctor/internal/lab"
	"github.com/o365doctor/o365doctor/internal/lab/labtest"
)

// Staged rollout: the policy, its groups (with $expand=appliesTo or by
// the appliesTo path), and the user's group membership.
func TestStagedRolloutPoliciesGroupsAndMembership(t *testing.T) {
	l := labtest.Start(t, "staged-rollout")
	c := client(l)
	auth := []string{"Authorization", "Bearer " + graphToken(t, c, l)}
	type dirObj struct {
		Type        string `json:"@odata.type"`
		ID          string `json:"id"`
		DisplayName string `json:"displayName"`
		UPN         string `json:"userPrincipalName"`
	}
	var list struct {
		Value []struct {
			ID, Feature                        string
			IsEnabled, IsAppliedToOrganization bool
			AppliesTo                          []dirObj `json:"appliesTo"`
		} `json:"value"`
	}
	_, b := get(t, c, l.GraphURL+"/policies/featureRolloutPolicies", auth...)
	if err := json.Unmarshal(b, &list); err != nil || len(list.Value) != 1 || list.Value[0].AppliesTo != nil || strings.Contains(string(b), "appliesTo") {
		t.Fatalf("without $expand (appliesTo is a navigation property): %v %s", err, b)
	}
	_, b = get(t, c, l.GraphURL+"/policies/featureRolloutPolicies?$expand=appliesTo", auth...)
	if err := json.Unmarshal(b, &list); err != nil || len(list.Value) != 1 {
		t.Fatalf("%v %s", err, b)
	}
	p := list.Value[0]
	if p.Feature != "passwordHashSync" || !p.IsEnabled || p.IsAppliedToOrganization || len(p.AppliesTo) != 1 ||
		p.AppliesTo[0].Type != "#microsoft.graph.group" || p.AppliesTo[0].DisplayName != "Cloud Auth Pilot" {
		t.Fatalf("policy %+v", p)
	}
	group := p.AppliesTo[0].ID
	var objs struct {
		Value []dirObj `json:"value"`
	}
	_, b = get(t, c, l.GraphURL+"/policies/featureRolloutPolicies/"+p.ID+"/appliesTo", auth...)
	if err := json.Unmarshal(b, &objs); err != nil || len(objs.Value) != 1 || objs.Value[0].ID != group {
		t.Fatalf("appliesTo: %v %s", err, b)
	}
	_, b = get(t, c, l.GraphURL+"/groups/"+group+"/members", auth...)
	if err := json.Unmarshal(b, &objs); err != nil || len(objs.Value) != 1 || objs.Value[0].UPN != "alice@contoso.com" || objs.Value[0].Type != "#microsoft.graph.user" {
		t.Fatalf("members: %v %s", err, b)
	}
	_, b = get(t, c, l.GraphURL+"/users/alice@contoso.com/memberOf", auth...)
	if err := json.Unmarshal(b, &objs); err != nil || len(objs.Value) != 1 || objs.Value[0].ID != group {
		t.Fatalf("memberOf: %v %s", err, b)
	}
	_, b = get(t, c, l.GraphURL+"/users/breakglass@contoso.onmicrosoft.com/memberOf", auth...)
	if err := json.Unmarshal(b, &objs); err != nil || len(objs.Value) != 1 || objs.Value[0].Type != "#microsoft.graph.directoryRole" {
		t.Fatalf("memberOf (a role): %v %s", err, b)
	}
	if resp, _ := get(t, c, l.GraphURL+"/groups/"+group, auth...); resp.StatusCode != 200 {
		t.Fatalf("group: %d", resp.StatusCode)
	}
	// Healthy has no policy: an empty list, not an error.
	h := labtest.Start(t, "healthy")
	hc := client(h)
	if _, b := get(t, hc, h.GraphURL+"/policies/featureRolloutPolicies", "Authorization", "Bearer "+graphToken(t, hc, h)); !strings.Contains(string(b), `"value":[]`) {
		t.Fatalf("healthy: %s", b)
	}
}

// An Okta custom domain: listed by /api/v1/domains, named by the AuthURL
// and the federation's URIs, resolvable in the lab's DNS.
func TestOktaCustomDomainInTheAuthURL(t *testing.T) {
	l := labtest.Start(t, "okta-custom-domain")
	c := client(l)
	_, b := get(t, c, l.OktaURL+"/api/v1/domains", "Authorization", "SSWS "+l.OktaToken)
	var list struct {
		Domains []struct {
			ID, Domain, ValidationStatus string
			DNSRecords                   []struct {
				RecordType, Fqdn string
				Values           []string
			} `json:"dnsRecords"`
		} `json:"domains"`
	}
	if err := json.Unmarshal(b, &list); err != nil || len(list.Domains) != 1 || list.Domains[0].Domain != "login.contoso.com" || list.Domains[0].ValidationStatus != "VERIFIED" {
		t.Fatalf("domains: %v %s", err, b)
	}
	if resp, _ := get(t, c, l.OktaURL+"/api/v1/domains/"+list.Domains[0].ID, "Authorization", "SSWS "+l.OktaToken); resp.StatusCode != 200 {
		t.Fatalf("domain by id: %d", resp.StatusCode)
	}
	_, b = get(t, c, l.LoginURL+"/getuserrealm.srf?login=alice@contoso.com&json=1")
	var realm struct{ AuthURL string }
	_ = json.Unmarshal(b, &realm)
	if u, err := url.Parse(realm.AuthURL); err != nil || u.Host != "login.contoso.com" || !strings.HasPrefix(u.Path, "/app/office365/exk") {
		t.Fatalf("AuthURL %q", realm.AuthURL)
	}
	for _, rec := range list.Domains[0].DNSRecords {
		if rec.RecordType == "CNAME" {
			r := query(t, l.DNSAddr, rec.Fqdn, 5 /* CNAME */, "udp")
			if len(r.Answer) != 1 || !strings.Contains(r.Answer[0].String(), rec.Values[0]) {
				t.Fatalf("DNS for %s: %v, Okta asks for %v", rec.Fqdn, r.Answer, rec.Values)
			}
		}
	}
	h := labtest.Start(t, "healthy")
	if _, b := get(t, client(h), h.OktaURL+"/api/v1/domains", "Authorization", "SSWS "+h.OktaToken); strings.TrimSpace(string(b)) != `{"domains":[]}` {
		t.Fatalf("healthy domains: %s", b)
	}
}

// SWA: the app is BROWSER_PLUGIN and the domain Managed, with an empty
// federation collection.
func TestSWAScenarioIsNotFederated(t *testing.T) {
	l := labtest.Start(t, "swa-sign-on")
	c := client(l)
	_, b := get(t, c, l.LoginURL+"/getuserrealm.srf?login=alice@contoso.com&json=1")
	if !strings.Contains(string(b), `"NameSpaceType":"Managed"`) {
		t.Fatalf("realm: %s", b)
	}
	_, b = get(t, c, l.OktaURL+`/api/v1/apps?filter=name+eq+"office365"`, "Authorization", "SSWS "+l.OktaToken)
	if !strings.Contains(string(b), `"signOnMode":"BROWSER_PLUGIN"`) || !strings.Contains(string(b), `"scheme":"EDIT_USERNAME_AND_PASSWORD"`) {
		t.Fatalf("app: %s", b)
	}
	if _, b := get(t, c, l.GraphURL+"/domains/contoso.com/federationConfiguration", "Authorization", "Bearer "+graphToken(t, c, l)); !strings.Contains(string(b), `"value":[]`) {
		t.Fatalf("federation: %s", b)
	}
}

// Pre-federation: the digit domain cannot take Okta's automatic issuer
// (Entra refuses an issuerUri starting with a digit), the default domain
// cannot be federated at all; the manual form goes through.
func TestPrefederationDomainsRefuseWhatEntraRefuses(t *testing.T) {
	for _, tc := range []struct{ scenario, domain, issuer string }{
		{"prefederation-digit-domain", "365contoso.com", "365contoso.com:exk0000000000000001"},
		{"prefederation-default-domain", "fabrikam.com", "fabrikam.com:exk0000000000000001"},
	} {
		l := labtest.Start(t, tc.scenario)
		c := client(l)
		token := graphToken(t, c, l)
		cert := healthyCert(t, c, l, token)
		post := func(issuer string) int {
			body := `{"displayName":"Okta","issuerUri":"` + issuer + `","passiveSignInUri":"https://contoso.okta.com/app/office365/exk0000000000000001/sso/wsfed/passive","signingCertificate":"` + cert + `","preferredAuthenticationProtocol":"wsFed"}`
			return postJSON(t, c, l.GraphURL+"/domains/"+tc.domain+"/federationConfiguration", body, "Authorization", "Bearer "+token)
		}
		if got := post(tc.issuer); got != 400 {
			t.Errorf("%s: POST with issuer %s: %d, want 400", tc.scenario, tc.issuer, got)
		}
		if tc.scenario == "prefederation-digit-domain" {
			if got := post("https://exk0000000000000001"); got != 201 {
				t.Errorf("%s: POST with the manual form: %d, want 201", tc.scenario, got)
			}
		}
	}
}

// healthyCert is the signing certificate of contoso.com's federation.
func healthyCert(t *testing.T, c *http.Client, l *lab.Lab, token string) string {
	t.Helper()
	_, b := get(t, c, l.GraphURL+"/domains/contoso.com/federationConfiguration", "Authorization", "Bearer "+token)
	var feds struct {
		Value []struct{ SigningCertificate string } `json:"value"`
	}
	if err := json.Unmarshal(b, &feds); err != nil || len(feds.Value) != 1 {
		t.Fatalf("%v %s", err, b)
	}
	return feds.Value[0].SigningCertificate
}

func postJSON(t *testing.T, c *http.Client, u, body string, header ...string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
