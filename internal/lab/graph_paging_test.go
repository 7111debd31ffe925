package lab_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/o365doctor/o365doctor/internal/lab"
	"github.com/o365doctor/o365doctor/internal/lab/labtest"
)

// graphToken gets an access token from the lab's token endpoint, as MSAL
// would with the client credentials.
func graphToken(t *testing.T, c *http.Client, l *lab.Lab) string {
	t.Helper()
	token, status := requestToken(t, c, l)
	if token == "" {
		t.Fatalf("token: HTTP %d", status)
	}
	return token
}

// requestToken asks for an access token once; "" and the status when the
// lab refused.
func requestToken(t *testing.T, c *http.Client, l *lab.Lab) (string, int) {
	t.Helper()
	resp, err := c.PostForm(l.LoginURL+"/"+l.TenantID+"/oauth2/v2.0/token", url.Values{
		"grant_type": {"client_credentials"}, "client_id": {l.ClientID}, "client_secret": {l.ClientSecret},
		"scope": {"https://graph.microsoft.com/.default"},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&tok)
	return tok.AccessToken, resp.StatusCode
}

type graphPage struct {
	Value []struct {
		ID string `json:"id"`
	} `json:"value"`
	NextLink string `json:"@odata.nextLink"`
}

func getGraphPage(t *testing.T, c *http.Client, u, token string) graphPage {
	t.Helper()
	resp, b := get(t, c, u, "Authorization", "Bearer "+token)
	var p graphPage
	if err := json.Unmarshal(b, &p); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: HTTP %d %s", u, resp.StatusCode, b)
	}
	return p
}

// TestGraphSkipTokenSurvivesChangesBetweenPages pages through the users
// while, between pages, a user already listed and a user not listed yet
// are deleted and users are added before and after the page boundary.
// Every user present throughout is listed exactly once (an offset token
// skips one for each deletion behind it and repeats one for each addition).
func TestGraphSkipTokenSurvivesChangesBetweenPages(t *testing.T) {
	l := labtest.StartWith(t, "bulk", lab.Options{Users: 200})
	c := client(l)
	token := graphToken(t, c, l)
	var initial []string
	for _, u := range getGraphPage(t, c, l.GraphURL+"/users?$select=id&$top=999", token).Value {
		initial = append(initial, u.ID)
	}
	if len(initial) < 200 || !sort.StringsAreSorted(initial) {
		t.Fatalf("%d users, sorted %v", len(initial), sort.StringsAreSorted(initial))
	}
	seen := map[string]int{}
	deleted := map[string]bool{}
	next := l.GraphURL + "/users?$select=id,userPrincipalName&$top=15"
	for pages := 0; next != ""; pages++ {
		if pages > 50 {
			t.Fatal("the listing does not end")
		}
		p := getGraphPage(t, c, next, token)
		for _, u := range p.Value {
			seen[u.ID]++
		}
		if next = p.NextLink; next == "" || len(p.Value) == 0 {
			break
		}
		// Deletions and additions on alternate pages: together, behind the
		// cursor, they would cancel out for an offset.
		last := p.Value[len(p.Value)-1].ID
		if pages%2 == 1 {
			lab.AddEntraUser(l, fmt.Sprintf("00000000-0000-4000-8000-%012d", pages), fmt.Sprintf("early%d@contoso.com", pages))
			lab.AddEntraUser(l, fmt.Sprintf("ffffffff-0000-4000-8000-%012d", pages), fmt.Sprintf("late%d@contoso.com", pages))
			continue
		}
		for _, id := range initial { // one already listed
			if id <= last && !deleted[id] {
				lab.DeleteEntraUser(l, id)
				deleted[id] = true
				break
			}
		}
		for i := len(initial) - 1; i >= 0; i-- { // one not listed yet
			if id := initial[i]; id > last && !deleted[id] {
				lab.DeleteEntraUser(l, id)
				deleted[id] = true
				break
			}
		}
	}
	if len(deleted) < 8 {
		t.Fatalf("only %d users deleted: too few pages to show anything", len(deleted))
	}
	for _, id := range initial {
		if !deleted[id] && seen[id] != 1 {
			t.Errorf("user %s, present throughout, listed %d times", id, seen[id])
		}
	}
	for id, n := range seen {
		if n > 1 {
			t.Errorf("user %s listed %d times", id, n)
		}
	}
}

// TestGraphSignInsPageAndBadSkipTokensAreRefused pages the sign-ins
// (newest first, each once) and sends skiptokens the lab did not issue for
// the users listing.
func TestGraphSignInsPageAndBadSkipTokensAreRefused(t *testing.T) {
	l := labtest.Start(t, "healthy")
	c := client(l)
	token := graphToken(t, c, l)

	// Sign-ins page newest first, each once.
	var ids []string
	next := l.GraphURL + "/auditLogs/signIns?$top=2"
	for pages := 0; next != ""; pages++ {
		if pages > 10 {
			t.Fatal("the listing does not end")
		}
		p := getGraphPage(t, c, next, token)
		for _, s := range p.Value {
			ids = append(ids, s.ID)
		}
		next = p.NextLink
	}
	all := getGraphPage(t, c, l.GraphURL+"/auditLogs/signIns", token)
	if len(ids) != len(all.Value) || len(ids) < 3 {
		t.Fatalf("paged %d sign-ins, one page has %d", len(ids), len(all.Value))
	}
	for i, s := range all.Value {
		if ids[i] != s.ID {
			t.Fatalf("paged order %v differs from %v", ids, all.Value)
		}
	}

	b64 := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	for _, tok := range []string{"not base64!", b64("42"), b64("users|"), b64("signIns|" + ids[0])} {
		resp, b := get(t, c, l.GraphURL+"/users?$skiptoken="+url.QueryEscape(tok), "Authorization", "Bearer "+token)
		var e struct {
			Error struct {
				Code       string
				Message    string
				InnerError map[string]any
			}
		}
		if err := json.Unmarshal(b, &e); err != nil || resp.StatusCode != http.StatusBadRequest || e.Error.Code == "" ||
			e.Error.Message == "" || e.Error.InnerError["request-id"] == nil {
			t.Errorf("skiptoken %q: HTTP %d %s, want Graph's 400 error", tok, resp.StatusCode, b)
		}
	}
}

// Graph lists a domain's federation as a collection: empty (200) for a
// domain with none, 404 only for a domain the tenant does not have.
func TestFederationConfigurationOfAManagedDomainIsEmpty(t *testing.T) {
	l := labtest.Start(t, "healthy")
	c := client(l)
	auth := []string{"Authorization", "Bearer " + graphToken(t, c, l)}
	resp, b := get(t, c, l.GraphURL+"/domains/contoso.onmicrosoft.com/federationConfiguration", auth...)
	var list struct {
		Value []any `json:"value"`
	}
	if err := json.Unmarshal(b, &list); err != nil || resp.StatusCode != 200 || list.Value == nil || len(list.Value) != 0 {
		t.Fatalf("managed: %d %s", resp.StatusCode, b)
	}
	if resp, b := get(t, c, l.GraphURL+"/domains/contoso.com/federationConfiguration", auth...); resp.StatusCode != 200 || !strings.Contains(string(b), `"issuerUri"`) {
		t.Fatalf("federated: %d %s", resp.StatusCode, b)
	}
	if resp, _ := get(t, c, l.GraphURL+"/domains/nope.example/federationConfiguration", auth...); resp.StatusCode != 404 {
		t.Fatalf("unknown domain: %d", resp.StatusCode)
	}
}

// organization sends every collection the v1.0 CSDL declares
// Nullable="false", [] when empty.
func TestOrganizationSendsItsNonNullableCollections(t *testing.T) {
	l := labtest.Start(t, "healthy")
	c := client(l)
	resp, b := get(t, c, l.GraphURL+"/organization", "Authorization", "Bearer "+graphToken(t, c, l))
	var list struct {
		Value []map[string]any `json:"value"`
	}
	if err := json.Unmarshal(b, &list); err != nil || resp.StatusCode != 200 || len(list.Value) != 1 {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	org := list.Value[0]
	for _, k := range []string{"assignedPlans", "businessPhones", "marketingNotificationEmails", "provisionedPlans",
		"securityComplianceNotificationMails", "securityComplianceNotificationPhones", "technicalNotificationMails", "verifiedDomains"} {
		if _, ok := org[k].([]any); !ok {
			t.Errorf("%s = %v, want a list", k, org[k])
		}
	}
	if plans := org["assignedPlans"].([]any); len(plans) == 0 || plans[0].(map[string]any)["servicePlanId"] == nil {
		t.Errorf("assignedPlans = %v", plans)
	}
}
