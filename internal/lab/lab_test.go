package lab_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/o365doctor/o365doctor/internal/lab"
	"github.com/o365doctor/o365doctor/internal/lab/labtest"
	"github.com/o365doctor/o365doctor/internal/source/graph"
	"github.com/o365doctor/o365doctor/internal/source/okta"
)

// client trusts the lab's CA only.
func client(l *lab.Lab) *http.Client {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(l.CAPEM)
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
}

func get(t *testing.T, c *http.Client, url string, header ...string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func query(t *testing.T, addr, name string, qtype uint16, network string) *dns.Msg {
	t.Helper()
	c := &dns.Client{Net: network, Timeout: 2 * time.Second}
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), qtype)
	r, _, err := c.Exchange(m, addr)
	if err != nil {
		t.Fatalf("%s %s %s @%s: %v", network, name, dns.TypeToString[qtype], addr, err)
	}
	return r
}

func TestDNSZoneNameserversAndTruncation(t *testing.T) {
	l := labtest.Start(t, "dns-propagation")
	mx := func(addr string) string {
		r := query(t, addr, "contoso.com", dns.TypeMX, "udp")
		if len(r.Answer) != 1 {
			t.Fatalf("MX @%s: %v", addr, r)
		}
		return r.Answer[0].(*dns.MX).Mx
	}
	if got := mx(l.DNSAddr); got != "contoso-com.mail.protection.outlook.com." {
		t.Errorf("resolver MX = %s", got)
	}
	if got := mx(l.Nameservers["ns1.contoso.com"]); got != "contoso-com.mail.protection.outlook.com." {
		t.Errorf("ns1 MX = %s", got)
	}
	if got := mx(l.Nameservers["ns2.contoso.com"]); got != "mx1.oldmail.example.net." {
		t.Errorf("ns2 MX = %s (it should still serve the old record)", got)
	}
	// Split horizon: the resolver has no MS= TXT.
	for _, rr := range query(t, l.DNSAddr, "contoso.com", dns.TypeTXT, "udp").Answer {
		if strings.Contains(rr.String(), "MS=ms") {
			t.Errorf("resolver answered the verification TXT: %s", rr)
		}
	}
	ns := query(t, l.DNSAddr, "contoso.com", dns.TypeNS, "udp")
	if len(ns.Answer) != 2 {
		t.Fatalf("NS: %v", ns)
	}
	if a := query(t, l.DNSAddr, "ns2.contoso.com", dns.TypeA, "udp"); len(a.Answer) != 1 {
		t.Fatalf("A of ns2: %v", a)
	}
	auth := query(t, l.Nameservers["ns1.contoso.com"], "contoso.com", dns.TypeSOA, "tcp")
	if !auth.Authoritative || len(auth.Answer) != 1 {
		t.Fatalf("ns1 SOA over TCP: %v", auth)
	}
	if r := query(t, l.DNSAddr, "nope.contoso.com", dns.TypeA, "udp"); r.Rcode != dns.RcodeNameError || len(r.Ns) != 1 {
		t.Errorf("nope.contoso.com: %s with %d authority records", dns.RcodeToString[r.Rcode], len(r.Ns))
	}
	if r := query(t, l.DNSAddr, "example.org", dns.TypeA, "udp"); r.Rcode != dns.RcodeRefused {
		t.Errorf("outside the lab's zones: %s, want REFUSED (the lab never recurses)", dns.RcodeToString[r.Rcode])
	}
	cname := query(t, l.DNSAddr, "autodiscover.contoso.com", dns.TypeA, "udp")
	if len(cname.Answer) != 1 || cname.Answer[0].Header().Rrtype != dns.TypeCNAME {
		t.Errorf("autodiscover A: %v", cname.Answer)
	}
}

func TestDNSLargeAnswerTruncatesToTCP(t *testing.T) {
	var records strings.Builder
	for i := 0; i < 30; i++ {
		records.WriteString("    - {name: big.contoso.com, type: TXT, value: \"record " + strconv.Itoa(i) + " " + strings.Repeat("x", 40) + "\"}\n")
	}
	sc, err := lab.ParseScenario([]byte("name: big\nbase: healthy\ndns:\n  resolver:\n"+records.String()), "big.yaml")
	if err != nil {
		t.Fatal(err)
	}
	l, err := lab.Start(lab.Options{Scenario: sc})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	udp := query(t, l.DNSAddr, "big.contoso.com", dns.TypeTXT, "udp")
	if !udp.Truncated || len(udp.Answer) >= 30 {
		t.Fatalf("UDP: truncated %v with %d answers", udp.Truncated, len(udp.Answer))
	}
	tcp := query(t, l.DNSAddr, "big.contoso.com", dns.TypeTXT, "tcp")
	if tcp.Truncated || len(tcp.Answer) != 30 {
		t.Fatalf("TCP: truncated %v with %d answers", tcp.Truncated, len(tcp.Answer))
	}
}

func TestRealmDiscovery(t *testing.T) {
	l := labtest.Start(t, "healthy")
	c := client(l)
	_, b := get(t, c, l.LoginURL+"/getuserrealm.srf?login=alice@contoso.com&json=1")
	var fed map[string]any
	if err := json.Unmarshal(b, &fed); err != nil {
		t.Fatal(err)
	}
	auth, _ := fed["AuthURL"].(string)
	if fed["NameSpaceType"] != "Federated" || fed["State"] != 3.0 || fed["UserState"] != 2.0 || fed["AuthNForwardType"] != 1.0 ||
		!strings.HasPrefix(auth, l.OktaURL+"/app/office365/exk") || !strings.Contains(auth, "/sso/wsfed/passive?username=alice%40contoso.com&wa=wsignin1.0&wtrealm=urn%3afederation%3aMicrosoftOnline&wctx=") {
		t.Fatalf("federated realm = %s", b)
	}
	_, b = get(t, c, l.LoginURL+"/getuserrealm.srf?login=breakglass@contoso.onmicrosoft.com")
	if !strings.Contains(string(b), `"NameSpaceType":"Managed"`) || strings.Contains(string(b), "AuthURL") {
		t.Fatalf("managed realm = %s", b)
	}
	_, b = get(t, c, l.LoginURL+"/getuserrealm.srf?login=x@unknown.example&xml=1")
	var info struct {
		XMLName       xml.Name `xml:"RealmInfo"`
		NameSpaceType string
	}
	if err := xml.Unmarshal(b, &info); err != nil || info.NameSpaceType != "Unknown" {
		t.Fatalf("xml realm = %s (%v)", b, err)
	}
	_, b = get(t, c, l.LoginURL+"/getuserrealm.srf?login=alice@contoso.com&xml=1")
	if !strings.Contains(string(b), "<IsFederatedNS>true</IsFederatedNS>") || !strings.Contains(string(b), "<STSAuthURL>") {
		t.Fatalf("federated xml = %s", b)
	}
	_, b = get(t, c, l.LoginURL+"/common/userrealm/alice@contoso.com?api-version=1.0")
	var v1 map[string]any
	_ = json.Unmarshal(b, &v1)
	for _, k := range []string{"account_type", "domain_name", "cloud_instance_name", "cloud_audience_urn", "federation_protocol", "federation_metadata_url"} {
		if v1[k] == nil || v1[k] == "" {
			t.Errorf("userrealm 1.0 lacks %s (MSAL requires it): %s", k, b)
		}
	}
	_, b = get(t, c, l.LoginURL+"/common/userrealm/alice@contoso.com?api-version=2.1")
	if !strings.Contains(string(b), `"NameSpaceType":"Federated"`) || !strings.Contains(string(b), `"IsViral":false`) {
		t.Fatalf("userrealm 2.1 = %s", b)
	}
}

func TestFaultsCarryTheHeadersTheSDKsHonour(t *testing.T) {
	l := labtest.StartWith(t, "healthy", lab.Options{FaultRate: 1, FaultKinds: []string{"429"}})
	c := client(l)
	resp, b := get(t, c, l.OktaURL+"/api/v1/users/alice@contoso.com", "Authorization", "SSWS "+l.OktaToken)
	reset, _ := strconv.ParseInt(resp.Header.Get("X-Rate-Limit-Reset"), 10, 64)
	date, err := http.ParseTime(resp.Header.Get("Date"))
	if resp.StatusCode != 429 || resp.Header.Get("X-Rate-Limit-Limit") == "" || resp.Header.Get("X-Rate-Limit-Remaining") != "0" ||
		err != nil || reset < date.Unix() || !strings.Contains(string(b), `"errorCode":"E0000047"`) {
		t.Fatalf("okta 429: %d %v %s", resp.StatusCode, resp.Header, b)
	}
	resp, b = get(t, c, l.GraphURL+"/users/alice@contoso.com")
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") == "" || !strings.Contains(string(b), `"code":"TooManyRequests"`) {
		t.Fatalf("graph 429: %d %v %s", resp.StatusCode, resp.Header, b)
	}
}

func TestOktaSDKRetriesThrough429(t *testing.T) {
	l := labtest.StartWith(t, "healthy", lab.Options{FaultRate: 0.5, FaultKinds: []string{"429"}, Seed: 1})
	c, err := okta.New(context.Background(), l.Settings())
	if err != nil {
		t.Fatal(err)
	}
	for _, login := range []string{"alice@contoso.com", "bob@contoso.com", "carol@contoso.com"} {
		if _, err := c.User(context.Background(), login); err != nil {
			t.Fatalf("%s: %v", login, err)
		}
	}
	if n := l.Faults("okta GET /api/v1/users/{id}"); n == 0 {
		t.Fatal("the seeded faults did not hit, so the retry was not exercised")
	}
}

func TestStateFileKeepsChangesAcrossRestarts(t *testing.T) {
	file := filepath.Join(t.TempDir(), "lab-state.jsonl")
	sc, _ := lab.LoadScenario("immutableid-mismatch")
	start := func() (*lab.Lab, *okta.Client) {
		l, err := lab.Start(lab.Options{Scenario: sc, StateFile: file})
		if err != nil {
			t.Fatal(err)
		}
		c, err := okta.New(context.Background(), l.Settings())
		if err != nil {
			t.Fatal(err)
		}
		return l, c
	}
	l, c := start()
	ctx := context.Background()
	// A Graph call fetches a token: the token request (with the client
	// secret) must not be kept.
	g, err := graph.New(l.Settings())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := g.User(ctx, "alice@contoso.com"); err != nil {
		t.Fatal(err)
	}
	apps, _ := c.Office365Apps(ctx)
	alice, _ := c.User(ctx, "alice@contoso.com")
	if _, err := c.SetAppUserProfile(ctx, apps[0].ID, alice.ID, map[string]any{"immutableId": "kept=="}); err != nil {
		t.Fatal(err)
	}
	secret := l.ClientSecret
	l.Close()
	if b, _ := os.ReadFile(file); bytes.Contains(b, []byte("client_secret")) || bytes.Contains(b, []byte(secret)) {
		t.Fatal("the state file kept a token request")
	}
	l, c = start()
	defer l.Close()
	au, err := c.AppUser(ctx, apps[0].ID, alice.ID)
	if err != nil || au.ImmutableID() != "kept==" {
		t.Fatalf("after restart: %v %v", au.Profile, err)
	}
	other, _ := lab.LoadScenario("healthy")
	if _, err := lab.Start(lab.Options{Scenario: other, StateFile: file}); err == nil || !strings.Contains(err.Error(), "belongs to scenario") {
		t.Fatalf("state file of another scenario: %v", err)
	}
}

func TestSystemLogPollingAndBoundedQueries(t *testing.T) {
	l := labtest.Start(t, "login-loop-password-reset")
	c := client(l)
	auth := []string{"Authorization", "SSWS " + l.OktaToken}
	until := time.Now().UTC().Format(time.RFC3339)
	since := time.Now().Add(-2 * time.Hour).UTC().Format(time.RFC3339)
	url := l.OktaURL + "/api/v1/logs?limit=10&since=" + since + "&until=" + until + `&filter=eventType+eq+"user.authentication.sso"+and+actor.alternateId+eq+"alice@contoso.com"`
	seen := map[string]bool{}
	for pages := 0; url != ""; pages++ {
		if pages > 10 {
			t.Fatal("bounded query did not end")
		}
		resp, b := get(t, c, url, auth...)
		var events []map[string]any
		if err := json.Unmarshal(b, &events); err != nil || resp.StatusCode != 200 {
			t.Fatalf("%d %s", resp.StatusCode, b)
		}
		for _, e := range events {
			id := e["uuid"].(string)
			if seen[id] || e["eventType"] != "user.authentication.sso" || e["version"] != "0" {
				t.Fatalf("event %s: duplicate %v or wrong shape %v", id, seen[id], e)
			}
			seen[id] = true
		}
		url = ""
		for _, link := range resp.Header.Values("Link") {
			if strings.HasSuffix(link, `rel="next"`) {
				url = strings.TrimSuffix(strings.TrimPrefix(link, "<"), `>; rel="next"`)
			}
		}
	}
	if len(seen) != 31 { // 30 in the burst + 1 from the healthy base
		t.Fatalf("%d SSO events, want 31", len(seen))
	}
	resp, b := get(t, c, l.OktaURL+"/api/v1/logs?since="+time.Now().Add(-time.Minute).UTC().Format(time.RFC3339)+`&filter=eventType+eq+"no.such.event"`, auth...)
	if string(b) != "[]\n" || !strings.Contains(strings.Join(resp.Header.Values("Link"), " "), `rel="next"`) {
		t.Fatalf("a polling query must always send a next link, even on an empty page: %v %s", resp.Header.Values("Link"), b)
	}
	resp, _ = get(t, c, l.OktaURL+"/api/v1/logs?since=2020-01-01T00:00:00Z", auth...)
	if resp.StatusCode != 400 {
		t.Fatalf("since over 180 days: %d", resp.StatusCode)
	}
}

func TestLatencyIsApplied(t *testing.T) {
	l := labtest.StartWith(t, "healthy", lab.Options{RouteLatency: map[string]time.Duration{"okta GET /api/v1/users/{id}": 120 * time.Millisecond}})
	c := client(l)
	start := time.Now()
	get(t, c, l.OktaURL+"/api/v1/users/alice@contoso.com", "Authorization", "SSWS "+l.OktaToken)
	if d := time.Since(start); d < 120*time.Millisecond {
		t.Fatalf("request took %s with 120ms route latency", d)
	}
}

// Okta publishes no WS-Fed metadata document (api-facts §Q2): the client
// reads Okta's side from the Apps API, so the lab serves none, and the
// app's SAML metadata names the same external key and certificate as the
// federation Entra holds.
func TestNoWSFedMetadataAndSAMLMetadataMatchesTheFederation(t *testing.T) {
	l := labtest.Start(t, "healthy")
	c := client(l)
	_, b := get(t, c, l.LoginURL+"/getuserrealm.srf?login=alice@contoso.com&xml=1")
	var realm struct {
		AuthURL     string
		Certificate string
	}
	if err := xml.Unmarshal(b, &realm); err != nil {
		t.Fatal(err)
	}
	passive, _, _ := strings.Cut(realm.AuthURL, "?")
	auth := []string{"Authorization", "SSWS " + l.OktaToken}
	if resp, _ := get(t, c, strings.TrimSuffix(passive, "/passive")+"/metadata", auth...); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("WS-Fed metadata: %d, want 404 (Okta publishes none)", resp.StatusCode)
	}
	if resp, _ := get(t, c, strings.TrimSuffix(passive, "/passive")+"/metadata"); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("/app/… without a token: %d, want 401 (the lab serves no public sign-in surface)", resp.StatusCode)
	}
	_, b = get(t, c, l.OktaURL+`/api/v1/apps?filter=name+eq+"office365"`, auth...)
	var apps []struct{ ID string }
	if err := json.Unmarshal(b, &apps); err != nil || len(apps) != 1 {
		t.Fatalf("apps: %v %s", err, b)
	}
	resp, b := get(t, c, l.OktaURL+"/api/v1/apps/"+apps[0].ID+"/sso/saml/metadata", auth...)
	var md struct {
		EntityID string `xml:"entityID,attr"`
		Cert     string `xml:"IDPSSODescriptor>KeyDescriptor>KeyInfo>X509Data>X509Certificate"`
	}
	if err := xml.Unmarshal(b, &md); err != nil || resp.StatusCode != 200 {
		t.Fatalf("%d %v %s", resp.StatusCode, err, b)
	}
	if !strings.HasPrefix(md.EntityID, "exk") || !strings.Contains(passive, "/app/office365/"+md.EntityID+"/sso/wsfed/passive") ||
		strings.ReplaceAll(md.Cert, "\n", "") != realm.Certificate {
		t.Fatalf("SAML metadata (entityID %s) does not match the federation (passive %s)", md.EntityID, passive)
	}
}

func TestOddFilterTextIsABadRequestNotACrash(t *testing.T) {
	l := labtest.Start(t, "healthy")
	c := client(l)
	for _, u := range []string{
		l.OktaURL + "/api/v1/users?filter=" + url.QueryEscape(strings.Repeat("Ⱥ", 20)+" and b"),
		l.OktaURL + "/api/v1/apps?filter=" + url.QueryEscape(`name eq "office365" AND status eq "ACTIVE"`),
		l.OktaURL + "/api/v1/logs?limit=0",
	} {
		resp, b := get(t, c, u, "Authorization", "SSWS "+l.OktaToken)
		if resp.StatusCode >= 500 {
			t.Errorf("%s: %d %s", u, resp.StatusCode, b)
		}
	}
}

// An Okta user GET carries an ETag, weak, that changes with the user.
func TestOktaUserGetSendsAnETag(t *testing.T) {
	l := labtest.Start(t, "locked-out")
	c := client(l)
	auth := []string{"Authorization", "SSWS " + l.OktaToken}
	user := l.OktaURL + "/api/v1/users/" + url.PathEscape(l.AffectedUser())
	resp, b := get(t, c, user, auth...)
	tag := resp.Header.Get("ETag")
	if resp.StatusCode != 200 || !strings.HasPrefix(tag, `W/"`) || !strings.HasSuffix(tag, `"`) || len(tag) < 8 {
		t.Fatalf("ETag %q (%d %s)", tag, resp.StatusCode, b)
	}
	var u struct{ ID string }
	_ = json.Unmarshal(b, &u)
	if again, _ := get(t, c, l.OktaURL+"/api/v1/users/"+u.ID, auth...); again.Header.Get("ETag") != tag {
		t.Fatalf("same user by ID: ETag %q, want %q", again.Header.Get("ETag"), tag)
	}
	req, _ := http.NewRequest(http.MethodPost, l.OktaURL+"/api/v1/users/"+u.ID+"/lifecycle/unlock", nil)
	req.Header.Set("Authorization", "SSWS "+l.OktaToken)
	if r, err := c.Do(req); err != nil || r.StatusCode != 200 {
		t.Fatalf("unlock: %v %v", r, err)
	} else {
		r.Body.Close()
	}
	if after, _ := get(t, c, user, auth...); after.Header.Get("ETag") == tag {
		t.Fatal("the ETag did not change when the user did")
	}
}

// The issuer Entra holds takes the form the scenario asks for, and names
// the same external key as the app's SAML metadata and the AuthURL.
func TestIssuerFormsAgreeWithRealmAndSAMLMetadata(t *testing.T) {
	for form, want := range map[string]string{"": "contoso.com:exk", "automatic": "contoso.com:exk", "manual": "https://exk", "legacy": "http://www.okta.com/exk"} {
		t.Run("form="+form, func(t *testing.T) {
			y := "name: f\nbase: healthy\n"
			if form != "" {
				y += "tenant: {domains: [{name: contoso.com, federation: {issuerForm: " + form + "}}]}\n"
			}
			sc, err := lab.ParseScenario([]byte(y), "f.yaml")
			if err != nil {
				t.Fatal(err)
			}
			l, err := lab.Start(lab.Options{Scenario: sc})
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			c := client(l)
			okta := []string{"Authorization", "SSWS " + l.OktaToken}
			_, b := get(t, c, l.OktaURL+`/api/v1/apps?filter=name+eq+"office365"`, okta...)
			var apps []struct{ ID string }
			_ = json.Unmarshal(b, &apps)
			_, b = get(t, c, l.OktaURL+"/api/v1/apps/"+apps[0].ID+"/sso/saml/metadata", okta...)
			var md struct {
				EntityID string `xml:"entityID,attr"`
			}
			if err := xml.Unmarshal(b, &md); err != nil {
				t.Fatal(err)
			}
			_, b = get(t, c, l.GraphURL+"/domains/contoso.com/federationConfiguration", "Authorization", "Bearer "+graphToken(t, c, l))
			var feds struct {
				Value []struct{ IssuerURI, PassiveSignInURI string } `json:"value"`
			}
			if err := json.Unmarshal(b, &feds); err != nil || len(feds.Value) != 1 {
				t.Fatalf("%v %s", err, b)
			}
			issuer := feds.Value[0].IssuerURI
			if !strings.HasPrefix(issuer, want) || !strings.HasSuffix(issuer, md.EntityID) || issuer != strings.TrimSuffix(want, "exk")+md.EntityID {
				t.Fatalf("issuerUri %q, want %s… ending in the SAML entityID %s", issuer, want, md.EntityID)
			}
			_, b = get(t, c, l.LoginURL+"/getuserrealm.srf?login=alice@contoso.com&json=1")
			if !strings.Contains(string(b), "/app/office365/"+md.EntityID+"/sso/wsfed/passive?") {
				t.Fatalf("AuthURL does not name %s: %s", md.EntityID, b)
			}
		})
	}
}

// Graph's throttles (GraphThrottle): a second Conditional Access read in
// the same second is 429 without Retry-After; the sixth sign-in log read
// in 10 s is 429 with one; /__lab/stats counts them by system.
func TestGraphThrottles(t *testing.T) {
	l := labtest.StartWith(t, "healthy", lab.Options{GraphThrottle: true})
	c := client(l)
	token := graphToken(t, c, l)
	get := func(path string) *http.Response {
		req, _ := http.NewRequest(http.MethodGet, l.GraphURL+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if r := get("/identity/conditionalAccess/policies"); r.StatusCode != http.StatusOK {
		t.Fatalf("first CA read: %d", r.StatusCode)
	}
	r := get("/identity/conditionalAccess/policies")
	if r.StatusCode != http.StatusTooManyRequests || r.Header.Get("Retry-After") != "" {
		t.Fatalf("second CA read: %d, Retry-After %q", r.StatusCode, r.Header.Get("Retry-After"))
	}
	for i := range 5 {
		if r := get("/auditLogs/signIns"); r.StatusCode != http.StatusOK {
			t.Fatalf("sign-in read %d: %d", i+1, r.StatusCode)
		}
	}
	r = get("/auditLogs/signIns")
	if r.StatusCode != http.StatusTooManyRequests || r.Header.Get("Retry-After") == "" {
		t.Fatalf("sixth sign-in read: %d, Retry-After %q", r.StatusCode, r.Header.Get("Retry-After"))
	}
	if r := get("/users"); r.StatusCode != http.StatusOK {
		t.Fatalf("users are not throttled: %d", r.StatusCode)
	}
	st := l.Stats()
	if g := st["graph"]; g.RateLimited != 2 || g.Buckets["conditionalAccess"] != 1 || g.Buckets["reports"] != 1 || g.Requests < 9 {
		t.Fatalf("graph stats %+v", g)
	}
	if st["okta"].RateLimited != 0 {
		t.Fatalf("okta stats %+v", st["okta"])
	}
}
