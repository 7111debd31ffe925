package realm_test

// Real captured answers (research/api-facts.md §Q7 and §Q2) decoded by the
// adapter, and the national clouds named from what the OpenID
// configuration says, never guessed.

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/o365doctor/o365doctor/internal/source/realm"
	"github.com/o365doctor/o365doctor/internal/source/sourcetest"
)

// The bbc.co.uk getuserrealm.srf capture from the o365chk README, as
// api-facts §Q7 quotes it (the gateway host and servlet path are elided
// there, and kept so).
const bbcSRF = `{"AuthNForwardType":1,"AuthURL":"https://gateway.../WSFederationServlet/...?username=username%40bbc.co.uk&wa=wsignin1.0&wtrealm=urn%3afederation%3aMicrosoftOnline&wctx=","CloudInstanceIssuerUri":"urn:federation:MicrosoftOnline","CloudInstanceName":"microsoftonline.com","DomainName":"bbc.co.uk","FederationBrandName":"BBC","FederationGlobalVersion":-1,"Login":"username@bbc.co.uk","NameSpaceType":"Federated","State":3,"UserState":2}`

// A real Okta passive AuthURL (match.com, api-facts §Q2), and the userrealm
// shapes AADInternals documents for a federated domain (§Q7).
const (
	matchAuthURL = "https://match.okta.com/app/office365/exkeoydqsycke55hh356/sso/wsfed/passive?username=invalid%40match.com&wa=wsignin1.0&wtrealm=urn%3afederation%3aMicrosoftOnline&wctx="
	matchSRF     = `{"State":3,"UserState":2,"Login":"invalid@match.com","NameSpaceType":"Federated","DomainName":"match.com","FederationGlobalVersion":-1,"AuthURL":"` + matchAuthURL + `","FederationBrandName":"Match Group","CloudInstanceName":"microsoftonline.com","CloudInstanceIssuerUri":"urn:federation:MicrosoftOnline"}`
	matchV1      = `{"ver":"1.0","account_type":"Federated","domain_name":"match.com","federation_protocol":"WSTrust","federation_metadata_url":"https://match.okta.com/app/office365/exkeoydqsycke55hh356/sso/wsfed/mex","federation_active_auth_url":"https://match.okta.com/app/office365/exkeoydqsycke55hh356/sso/wsfed/active","cloud_instance_name":"microsoftonline.com","cloud_audience_urn":"urn:federation:MicrosoftOnline"}`
	matchV21     = `{"NameSpaceType":"Federated","federation_protocol":"WSTrust","Login":"invalid@match.com","AuthURL":"` + matchAuthURL + `","DomainName":"match.com","FederationBrandName":"Match Group","TenantBrandingInfo":null,"cloud_instance_name":"microsoftonline.com","IsViral":false}`
)

// answers is what a fake login service says on each endpoint.
type answers struct{ srf, v1, v21, oidc string }

// fakeLogin serves the answers as application/json; a request for any
// other path is a test failure.
func fakeLogin(t *testing.T, a answers) *sourcetest.Server {
	t.Helper()
	return sourcetest.Start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body := ""
		switch {
		case r.URL.Path == "/getuserrealm.srf":
			body = a.srf
		case strings.HasPrefix(r.URL.Path, "/common/userrealm/") && r.URL.Query().Get("api-version") == "1.0":
			body = a.v1
		case strings.HasPrefix(r.URL.Path, "/common/userrealm/") && r.URL.Query().Get("api-version") == "2.1":
			body = a.v21
		case strings.HasSuffix(r.URL.Path, "/v2.0/.well-known/openid-configuration"):
			body = a.oidc
		default:
			t.Errorf("unexpected request %s %s", r.Method, r.URL)
			http.NotFound(w, r)
			return
		}
		sourcetest.Raw(w, http.StatusOK, "application/json; charset=utf-8", body)
	}))
}

func fakeClient(t *testing.T, srv *sourcetest.Server) *realm.Client {
	t.Helper()
	c, err := realm.New(sourcetest.Settings(nil, nil, srv, 5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCapturedBBC(t *testing.T) {
	t.Parallel()
	v1 := `{"ver":"1.0","account_type":"Federated","domain_name":"bbc.co.uk","federation_protocol":"WSTrust","cloud_instance_name":"microsoftonline.com","cloud_audience_urn":"urn:federation:MicrosoftOnline"}`
	v21 := `{"NameSpaceType":"Federated","federation_protocol":"WSTrust","Login":"username@bbc.co.uk","DomainName":"bbc.co.uk","FederationBrandName":"BBC","cloud_instance_name":"microsoftonline.com"}`
	srv := fakeLogin(t, answers{srf: bbcSRF, v1: v1, v21: v21})
	r, err := fakeClient(t, srv).UserRealm(context.Background(), "username@bbc.co.uk")
	if err != nil {
		t.Fatal(err)
	}
	want := "https://gateway.../WSFederationServlet/...?username=username%40bbc.co.uk&wa=wsignin1.0&wtrealm=urn%3afederation%3aMicrosoftOnline&wctx="
	if r.NameSpaceType != "Federated" || r.DomainName != "bbc.co.uk" || r.FederationBrandName != "BBC" || r.Login != "username@bbc.co.uk" ||
		r.AuthURL != want || r.FederationGlobalVersion == nil || *r.FederationGlobalVersion != -1 || r.State != 3 || r.UserState != 2 ||
		r.CloudInstanceName != "microsoftonline.com" || r.CloudAudienceURN != "urn:federation:MicrosoftOnline" || r.Cloud != "Azure public cloud" ||
		r.FederationProtocol != "WSTrust" || r.IsViral != nil || len(r.Notes) != 0 {
		t.Fatalf("realm = %+v", r)
	}
	// What was asked: the login in the query of getuserrealm.srf, and
	// path-escaped in userrealm's path.
	var got []string
	for _, req := range srv.Requests() {
		got = append(got, req.URL)
		if req.Header.Get("Authorization") != "" {
			t.Fatalf("a credential was sent: %v", req.Header)
		}
	}
	for _, w := range []string{
		"/getuserrealm.srf?json=1&login=username%40bbc.co.uk",
		"/common/userrealm/username@bbc.co.uk?api-version=1.0",
		"/common/userrealm/username@bbc.co.uk?api-version=2.1",
	} {
		if !contains(got, w) {
			t.Fatalf("requests %q, want one %q", got, w)
		}
	}
}

func TestCapturedOkta(t *testing.T) {
	t.Parallel()
	srv := fakeLogin(t, answers{srf: matchSRF, v1: matchV1, v21: matchV21})
	r, err := fakeClient(t, srv).UserRealm(context.Background(), "invalid@match.com")
	if err != nil {
		t.Fatal(err)
	}
	if r.AuthURL != matchAuthURL || r.ActiveAuthURL != "https://match.okta.com/app/office365/exkeoydqsycke55hh356/sso/wsfed/active" ||
		r.MetadataExchangeURL != "https://match.okta.com/app/office365/exkeoydqsycke55hh356/sso/wsfed/mex" ||
		r.IsViral == nil || *r.IsViral || r.FederationBrandName != "Match Group" || len(r.Notes) != 0 {
		t.Fatalf("realm = %+v", r)
	}
}

// TestRealmNotes: what does not fit is kept and said, not dropped or
// turned into an error.
func TestRealmNotes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		a         answers
		namespace string
		note      string
	}{
		{"unknown NameSpaceType kept verbatim",
			answers{strings.Replace(matchSRF, `"Federated"`, `"Hybrid"`, 1), strings.Replace(matchV1, `"Federated"`, `"Hybrid"`, 1), strings.Replace(matchV21, `"Federated"`, `"Hybrid"`, 1), ""},
			"Hybrid", `NameSpaceType "Hybrid" is none of Managed, Federated, Unknown; kept as sent`},
		{"endpoints disagree",
			answers{matchSRF, strings.Replace(matchV1, `"Federated"`, `"Managed"`, 1), matchV21, ""},
			"Federated", "getuserrealm.srf says Federated but userrealm 1.0 says Managed"},
		{"federated with nowhere to go",
			answers{strings.Replace(matchSRF, matchAuthURL, "", 1), matchV1, strings.Replace(matchV21, matchAuthURL, "", 1), ""},
			"Federated", "Federated with no AuthURL"},
		{"unknown cloud left unnamed",
			answers{strings.Replace(matchSRF, `"CloudInstanceName":"microsoftonline.com"`, `"CloudInstanceName":"microsoftonline.example"`, 1), matchV1, matchV21, ""},
			"Federated", `cloud instance "microsoftonline.example" is not one o365doctor knows; the cloud is left unnamed`},
		{"escape sequences cleaned",
			answers{strings.Replace(matchSRF, `"Match Group"`, `"Match\u001b]8;;https://evil\u0007 Group"`, 1), matchV1, matchV21, ""},
			"Federated", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r, err := fakeClient(t, fakeLogin(t, tc.a)).UserRealm(context.Background(), "invalid@match.com")
			if err != nil {
				t.Fatal(err)
			}
			if r.NameSpaceType != tc.namespace {
				t.Fatalf("NameSpaceType %q, want %q", r.NameSpaceType, tc.namespace)
			}
			if tc.note == "" {
				if len(r.Notes) != 0 || r.FederationBrandName != "Match Group" {
					t.Fatalf("notes %q, brand %q", r.Notes, r.FederationBrandName)
				}
				return
			}
			if !containsPrefix(r.Notes, tc.note) {
				t.Fatalf("notes %q, want one starting %q", r.Notes, tc.note)
			}
			if tc.name == "unknown cloud left unnamed" && r.Cloud != "" {
				t.Fatalf("cloud %q guessed", r.Cloud)
			}
		})
	}
}

// TestNationalClouds: the cloud is named from cloud_instance_name and the
// US government environment from tenant_region_sub_scope; when the answer
// names no instance, from a known login host; otherwise left unnamed.
func TestNationalClouds(t *testing.T) {
	t.Parallel()
	const tid = "72f988bf-86f1-41af-91ab-2d7cd011db47"
	oidc := func(host, instance, scope, subScope string) string {
		base := "https://" + host + "/" + tid
		s := `{"issuer":"` + base + `/v2.0","authorization_endpoint":"` + base + `/oauth2/v2.0/authorize","token_endpoint":"` + base + `/oauth2/v2.0/token","tenant_region_scope":"` + scope + `"`
		if instance != "" {
			s += `,"cloud_instance_name":"` + instance + `"`
		}
		if subScope != "" {
			s += `,"tenant_region_sub_scope":"` + subScope + `"`
		}
		return s + `,"cloud_graph_host_name":"graph.windows.net","msgraph_host":"graph.microsoft.com"}`
	}
	for _, tc := range []struct {
		name, answer, cloud, note string
	}{
		{"public", oidc("login.microsoftonline.com", "microsoftonline.com", "WW", ""), "Azure public cloud", ""},
		{"GCC", oidc("login.microsoftonline.com", "microsoftonline.com", "NA", "GCC"), "Azure public cloud (GCC)", ""},
		{"GCC High", oidc("login.microsoftonline.us", "microsoftonline.us", "USGov", "DODCON"), "Azure US Government (GCC High)", ""},
		{"DoD", oidc("login.microsoftonline.us", "microsoftonline.us", "USGov", "DOD"), "Azure US Government (DoD)", ""},
		{"China", oidc("login.partner.microsoftonline.cn", "partner.microsoftonline.cn", "AS", ""), "Azure China (21Vianet)", ""},
		{"no instance, US host", oidc("login.microsoftonline.us", "", "USGov", ""), "Azure US Government", ""},
		{"no instance, unknown host", oidc("login.example.net", "", "NA", ""), "", ""},
		{"unknown instance", oidc("login.microsoftonline.com", "microsoftonline.example", "NA", ""), "", `cloud instance "microsoftonline.example" is not one o365doctor knows`},
		{"instance and host disagree", oidc("login.microsoftonline.us", "microsoftonline.com", "NA", ""), "Azure public cloud", "cloud instance microsoftonline.com, but the endpoints are on a login host of Azure US Government"},
		{"unknown sub-scope", oidc("login.microsoftonline.com", "microsoftonline.com", "NA", "MOON"), "Azure public cloud", `tenant region sub-scope "MOON" is not one o365doctor knows`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg, err := fakeClient(t, fakeLogin(t, answers{oidc: tc.answer})).OpenIDConfig(context.Background(), "contoso.com")
			if err != nil {
				t.Fatal(err)
			}
			if cfg.TenantID != tid || cfg.Cloud != tc.cloud {
				t.Fatalf("tenant %q cloud %q, want %q", cfg.TenantID, cfg.Cloud, tc.cloud)
			}
			if tc.note == "" && len(cfg.Notes) != 0 || tc.note != "" && !containsPrefix(cfg.Notes, tc.note) {
				t.Fatalf("notes %q, want %q", cfg.Notes, tc.note)
			}
		})
	}
}

// TestOpenIDTenant: the tenant ID comes from the issuer; an issuer that
// names none (the common endpoints' {tenantid}), is not a URL, or names
// another tenant than the token endpoint is an error.
func TestOpenIDTenant(t *testing.T) {
	t.Parallel()
	const tid = "6B3F5A0E-0000-4000-8000-00000000C0DE"
	good := map[string]any{
		"issuer":                 "https://sts.windows.net/" + tid + "/",
		"authorization_endpoint": "https://login.microsoftonline.com/" + tid + "/oauth2/authorize",
		"token_endpoint":         "https://login.microsoftonline.com/" + tid + "/oauth2/token",
		"tenant_region_scope":    "EU",
		"cloud_instance_name":    "microsoftonline.com",
	}
	with := func(k, v string) map[string]any {
		m := map[string]any{}
		for kk, vv := range good {
			m[kk] = vv
		}
		if v == "" {
			delete(m, k)
		} else {
			m[k] = v
		}
		return m
	}
	for _, tc := range []struct {
		name   string
		answer map[string]any
		want   string // "" = no error
	}{
		{"v1 issuer", good, ""},
		{"common", with("issuer", "https://login.microsoftonline.com/{tenantid}/v2.0"), "the issuer names no tenant ID (https://login.microsoftonline.com/%7Btenantid%7D/v2.0)"},
		{"issuer not a URL", with("issuer", "sts.windows.net/"+tid), "the answer is not an OpenID configuration (issuer is not an https:// URL)"},
		{"issuer http", with("issuer", "http://sts.windows.net/"+tid+"/"), "issuer is not an https:// URL"},
		{"no issuer", with("issuer", ""), "the answer is not an OpenID configuration (no issuer)"},
		{"no token endpoint", with("token_endpoint", ""), "(no token_endpoint)"},
		{"other tenant", with("token_endpoint", "https://login.microsoftonline.com/00000000-0000-4000-8000-000000000001/oauth2/token"), "the issuer names tenant 6b3f5a0e-0000-4000-8000-00000000c0de but the token endpoint names 00000000-0000-4000-8000-000000000001"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := sourcetest.Start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				sourcetest.JSON(w, http.StatusOK, tc.answer)
			}))
			cfg, err := fakeClient(t, srv).OpenIDConfig(context.Background(), "contoso.com")
			if tc.want == "" {
				if err != nil || cfg.TenantID != strings.ToLower(tid) || cfg.TenantRegionScope != "EU" || cfg.Cloud != "Azure public cloud" {
					t.Fatalf("cfg = %+v, %v", cfg, err)
				}
				return
			}
			checkLine(t, err, "realm: openid configuration of contoso.com: ", tc.want)
		})
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func containsPrefix(list []string, prefix string) bool {
	for _, x := range list {
		if strings.HasPrefix(x, prefix) {
			return true
		}
	}
	return false
}
