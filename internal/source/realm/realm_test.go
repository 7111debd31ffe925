package realm_test

// Against the lab: home realm discovery and the OpenID configuration of the
// simulated tenant, for a domain federated to Okta, one federated to ADFS,
// a managed domain and a domain nobody knows. The lab is started without
// labtest, which would link the Graph SDK for nothing.

import (
	"context"
	"errors"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/o365doctor/o365doctor/internal/lab"
	"github.com/o365doctor/o365doctor/internal/model"
	"github.com/o365doctor/o365doctor/internal/source/realm"
)

func startLab(t *testing.T, scenario string) *lab.Lab {
	t.Helper()
	sc, err := lab.LoadScenario(scenario)
	if err != nil {
		t.Fatal(err)
	}
	l, err := lab.Start(lab.Options{Scenario: sc})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Close)
	return l
}

func labClient(t *testing.T, l *lab.Lab) *realm.Client {
	t.Helper()
	c, err := realm.New(l.Settings())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// oktaPath is the Office 365 app's WS-Fed endpoint path on an Okta org.
var oktaPath = regexp.MustCompile(`^/app/office365/(exk[0-9A-Za-z]+)/sso/wsfed/(passive|active|mex)$`)

// TestLabFederatedToOkta: healthy federates contoso.com to the Okta
// Office 365 app; the passive, active and MEX endpoints are all on the Okta
// org, under the same app key.
func TestLabFederatedToOkta(t *testing.T) {
	t.Parallel()
	l := startLab(t, "healthy")
	r, err := labClient(t, l).UserRealm(context.Background(), "alice@contoso.com")
	if err != nil {
		t.Fatal(err)
	}
	if !r.Federated() || r.NameSpaceType != model.NamespaceFederated || r.DomainName != "contoso.com" || r.Login != "alice@contoso.com" {
		t.Fatalf("realm = %+v", r)
	}
	if len(r.Notes) != 0 {
		t.Fatalf("notes on a healthy realm: %q", r.Notes)
	}
	org, _ := url.Parse(l.OktaURL)
	keys := map[string]string{}
	for want, raw := range map[string]string{"passive": r.AuthURL, "active": r.ActiveAuthURL, "mex": r.MetadataExchangeURL} {
		u, err := url.Parse(raw)
		if err != nil || u.Host != org.Host || u.Scheme != "https" {
			t.Fatalf("%s endpoint %q is not on the Okta org %s", want, raw, l.OktaURL)
		}
		m := oktaPath.FindStringSubmatch(u.Path)
		if m == nil || m[2] != want {
			t.Fatalf("%s endpoint path %q is not /app/office365/{exk}/sso/wsfed/%s", want, u.Path, want)
		}
		keys[m[1]] = want
	}
	if len(keys) != 1 {
		t.Fatalf("the endpoints name different app keys: %v", keys)
	}
	q := mustQuery(t, r.AuthURL)
	if q.Get("username") != "alice@contoso.com" || q.Get("wa") != "wsignin1.0" || q.Get("wtrealm") != "urn:federation:MicrosoftOnline" {
		t.Fatalf("AuthURL query = %v", q)
	}
	if r.FederationProtocol != "WSTrust" || r.FederationGlobalVersion == nil || *r.FederationGlobalVersion != -1 ||
		r.State != 3 || r.UserState != 2 || r.FederationBrandName != "Contoso" {
		t.Fatalf("realm = %+v", r)
	}
	if r.CloudInstanceName != "microsoftonline.com" || r.CloudAudienceURN != "urn:federation:MicrosoftOnline" || r.Cloud != "Azure public cloud" {
		t.Fatalf("cloud = %q %q %q", r.CloudInstanceName, r.CloudAudienceURN, r.Cloud)
	}
	if r.IsViral == nil || *r.IsViral {
		t.Fatalf("IsViral = %v", r.IsViral)
	}
}

// TestLabFederatedToADFS: the domain still points at ADFS, the leftover the
// federation checks look for.
func TestLabFederatedToADFS(t *testing.T) {
	t.Parallel()
	l := startLab(t, "federated-to-adfs")
	r, err := labClient(t, l).UserRealm(context.Background(), "alice@contoso.com")
	if err != nil {
		t.Fatal(err)
	}
	if !r.Federated() || !strings.HasPrefix(r.AuthURL, "https://sts.contoso.com/adfs/ls/?username=alice%40contoso.com&") {
		t.Fatalf("realm = %+v", r)
	}
	if r.ActiveAuthURL != "https://sts.contoso.com/adfs/services/trust/2005/usernamemixed" ||
		r.MetadataExchangeURL != "https://sts.contoso.com/adfs/services/trust/mex" {
		t.Fatalf("active %q, mex %q", r.ActiveAuthURL, r.MetadataExchangeURL)
	}
}

// TestLabManagedAndUnknown: the tenant's onmicrosoft.com domain is Managed
// with no federation endpoints; a domain in no tenant is Unknown, an
// answer and not an error.
func TestLabManagedAndUnknown(t *testing.T) {
	t.Parallel()
	l := startLab(t, "healthy")
	c := labClient(t, l)
	r, err := c.UserRealm(context.Background(), "breakglass@contoso.onmicrosoft.com")
	if err != nil {
		t.Fatal(err)
	}
	if !r.Managed() || !r.Known() || r.Federated() || r.DomainName != "contoso.onmicrosoft.com" || r.AuthURL != "" ||
		r.ActiveAuthURL != "" || r.MetadataExchangeURL != "" || r.State != 4 || r.UserState != 1 || len(r.Notes) != 0 {
		t.Fatalf("managed realm = %+v", r)
	}
	r, err = c.UserRealm(context.Background(), "someone@fabrikam.example")
	if err != nil {
		t.Fatal(err)
	}
	if r.NameSpaceType != model.NamespaceUnknown || r.Known() || r.AuthURL != "" || len(r.Notes) != 0 {
		t.Fatalf("unknown realm = %+v", r)
	}
}

// TestLabOpenIDConfig: the tenant ID behind a domain, the initial domain
// and the ID itself is the lab's tenant; a domain in no tenant is
// AADSTS90002, wrapped as model.ErrNotFound.
func TestLabOpenIDConfig(t *testing.T) {
	t.Parallel()
	l := startLab(t, "healthy")
	c := labClient(t, l)
	for _, name := range []string{"contoso.com", "contoso.onmicrosoft.com", l.TenantID} {
		cfg, err := c.OpenIDConfig(context.Background(), name)
		if err != nil {
			t.Fatal(err)
		}
		if cfg.TenantID != strings.ToLower(l.TenantID) {
			t.Fatalf("%s: tenant %q, want %q", name, cfg.TenantID, l.TenantID)
		}
		if cfg.Issuer != l.LoginURL+"/"+l.TenantID+"/v2.0" || cfg.TokenEndpoint != l.LoginURL+"/"+l.TenantID+"/oauth2/v2.0/token" ||
			cfg.AuthorizationEndpoint != l.LoginURL+"/"+l.TenantID+"/oauth2/v2.0/authorize" {
			t.Fatalf("%s: endpoints %+v", name, cfg)
		}
		if cfg.TenantRegionScope != "NA" || cfg.CloudInstanceName != "microsoftonline.com" || cfg.Cloud != "Azure public cloud" ||
			cfg.MSGraphHost != "graph.microsoft.com" || cfg.CloudGraphHostName != "graph.windows.net" || len(cfg.Notes) != 0 {
			t.Fatalf("%s: %+v", name, cfg)
		}
	}
	_, err := c.OpenIDConfig(context.Background(), "fabrikam.example")
	if !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("unknown domain: %v, want model.ErrNotFound", err)
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, "realm: openid configuration of fabrikam.example: HTTP 400 invalid_tenant: AADSTS90002: Tenant 'fabrikam.example' not found") ||
		strings.ContainsAny(msg, "\n\r") {
		t.Fatalf("error = %q", msg)
	}
}

func mustQuery(t *testing.T, raw string) url.Values {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query()
}

// TestLabThrottled: the lab's login service answering every request with
// 429 Retry-After 1 (its injected fault) ends, after three attempts, with
// Microsoft's error.
func TestLabThrottled(t *testing.T) {
	t.Parallel()
	sc, err := lab.LoadScenario("healthy")
	if err != nil {
		t.Fatal(err)
	}
	l, err := lab.Start(lab.Options{Scenario: sc, FaultRate: 1, FaultKinds: []string{"429"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Close)
	_, err = labClient(t, l).OpenIDConfig(context.Background(), "contoso.com")
	if err == nil || err.Error() != "realm: openid configuration of contoso.com: HTTP 429 temporarily_unavailable: AADSTS90055: The request is throttled temporarily. (after 3 attempts)" {
		t.Fatalf("error = %v", err)
	}
}
