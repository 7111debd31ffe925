package graph_test

// The domain-side reads (domains, their DNS records and federation, the
// organization, staged-rollout policies, directory roles) against the
// lab, and against servers that answer what Graph never should.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/o365doctor/o365doctor/internal/lab/labtest"
	"github.com/o365doctor/o365doctor/internal/model"
	"github.com/o365doctor/o365doctor/internal/source/graph"
	"github.com/o365doctor/o365doctor/internal/source/sourcetest"
)

func TestDomainReadsAgainstLab(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	l := labtest.Start(t, "healthy")
	src, oc := labtest.Sources(t, l.Settings())
	g := src.Graph

	org, err := g.Organization(ctx)
	if err != nil || org.ID != l.TenantID || org.DisplayName != "Contoso" || org.InitialDomain() != "contoso.onmicrosoft.com" || len(org.VerifiedDomains) != 2 {
		t.Fatalf("organization = %+v, %v", org, err)
	}

	domains, err := g.Domains(ctx)
	if err != nil || len(domains) != 2 {
		t.Fatalf("domains = %+v, %v", domains, err)
	}
	byName := map[string]model.EntraDomain{}
	for _, d := range domains {
		byName[d.ID] = d
	}
	if d := byName["contoso.com"]; !d.Federated() || !d.IsVerified || d.IsDefault || d.IsInitial {
		t.Fatalf("contoso.com = %+v", d)
	}
	if d := byName["contoso.onmicrosoft.com"]; d.Federated() || !d.IsInitial || !d.IsDefault {
		t.Fatalf("contoso.onmicrosoft.com = %+v", d)
	}

	ver, err := g.VerificationRecords(ctx, "contoso.com")
	if err != nil || len(ver) != 2 || ver[0] != (model.DNSRecord{Type: "Txt", Label: "contoso.com", Service: "None", Value: "MS=ms48213377", TTL: 3600}) ||
		ver[1].Type != "Mx" || ver[1].Preference != 32767 || ver[1].Value == "" {
		t.Fatalf("verification records = %+v, %v", ver, err)
	}
	svc, err := g.ServiceRecords(ctx, "contoso.com")
	if err != nil || len(svc) != 6 {
		t.Fatalf("service records = %+v, %v", svc, err)
	}
	want := map[string]model.DNSRecord{
		"Mx":    {Type: "Mx", Label: "contoso.com", Service: "Email", Value: "contoso-com.mail.protection.outlook.com", TTL: 3600},
		"Txt":   {Type: "Txt", Label: "contoso.com", Service: "Email", Value: "v=spf1 include:spf.protection.outlook.com -all", TTL: 3600},
		"CName": {Type: "CName", Label: "autodiscover.contoso.com", Service: "Email", Value: "autodiscover.outlook.com", TTL: 3600},
		"Srv": {Type: "Srv", Label: "contoso.com", Service: "OfficeCommunicationsOnline", Value: "sipfed.online.lync.com", TTL: 3600,
			Preference: 100, Port: 5061, Weight: 1, SRVService: "_sipfederationtls", SRVProtocol: "_tcp"},
	}
	for _, r := range svc {
		if w, ok := want[r.Type]; ok {
			if r != w {
				t.Errorf("%s record = %+v\nwant %+v", r.Type, r, w)
			}
			delete(want, r.Type)
		}
	}
	if len(want) != 0 {
		t.Fatalf("no %v among %+v", want, svc)
	}

	fed, ok, err := g.Federation(ctx, "contoso.com")
	if err != nil || !ok || !strings.HasPrefix(fed.IssuerURI, "contoso.com:exk") || fed.ID == "" || fed.PassiveSignInURI == "" ||
		fed.FederatedIdpMfaBehavior != model.MFAAcceptIfDoneByIdP || fed.PreferredAuthenticationProtocol != "wsFed" ||
		!strings.EqualFold(fed.CertificateUpdateResult, "success") || fed.CertificateUpdateRun.IsZero() {
		t.Fatalf("federation = %+v, %v, %v", fed, ok, err)
	}
	apps, err := oc.Office365Apps(ctx)
	if err != nil || len(apps) != 1 {
		t.Fatalf("apps: %v", err)
	}
	keys, err := oc.AppKeys(ctx, apps[0].ID)
	if err != nil || len(keys) == 0 || keys[0].Kid != apps[0].SigningKid || fed.SigningCertificate != keys[0].X5C[0] {
		t.Fatalf("federation certificate is not the Okta app's active key: %v", err)
	}
	if fed, ok, err := g.Federation(ctx, "contoso.onmicrosoft.com"); err != nil || ok || fed != (model.Federation{}) {
		t.Fatalf("managed domain: %+v, %v, %v", fed, ok, err)
	}
	// Graph's domain IDs are case-insensitive, as the lab's.
	if _, ok, err := g.Federation(ctx, "Contoso.COM"); err != nil || !ok {
		t.Fatalf("upper-case domain: %v %v", ok, err)
	}

	for name, call := range map[string]func() error{
		"Federation":          func() error { _, _, err := g.Federation(ctx, "nope.example"); return err },
		"VerificationRecords": func() error { _, err := g.VerificationRecords(ctx, "nope.example"); return err },
		"ServiceRecords":      func() error { _, err := g.ServiceRecords(ctx, "nope.example"); return err },
	} {
		if err := call(); !errors.Is(err, model.ErrNotFound) || !strings.Contains(err.Error(), "nope.example: HTTP 404 Request_ResourceNotFound") {
			t.Errorf("%s of an unknown domain: %v", name, err)
		}
	}

	roles, err := g.RoleMembers(ctx)
	if err != nil || len(roles) != 1 || roles[0].DisplayName != "Global Administrator" || roles[0].RoleTemplateID != "62e90394-69f5-4237-9190-012177145e10" ||
		len(roles[0].Members) != 1 || roles[0].Members[0].Name != "breakglass@contoso.onmicrosoft.com" || roles[0].Members[0].Kind != "user" {
		t.Fatalf("roles = %+v, %v", roles, err)
	}
	if pols, err := g.RolloutPolicies(ctx); err != nil || len(pols) != 0 {
		t.Fatalf("healthy rollout policies = %+v, %v", pols, err)
	}
}

func TestRolloutPoliciesAgainstLab(t *testing.T) {
	t.Parallel()
	l := labtest.Start(t, "staged-rollout")
	src, _ := labtest.Sources(t, l.Settings())
	pols, err := src.Graph.RolloutPolicies(context.Background())
	if err != nil || len(pols) != 1 {
		t.Fatalf("policies = %+v, %v", pols, err)
	}
	p := pols[0]
	if p.ID == "" || p.DisplayName != "PHS pilot" || p.Feature != "passwordHashSync" || !p.IsEnabled || p.IsAppliedToOrganization ||
		len(p.AppliesTo) != 1 || p.AppliesTo[0].Kind != "group" || p.AppliesTo[0].Name != "Cloud Auth Pilot" || p.AppliesTo[0].ID == "" {
		t.Fatalf("policy = %+v", p)
	}
	// $expand=appliesTo brings the groups in the one listing.
	if n, m := l.Requests("graph GET /v1.0/policies/featureRolloutPolicies"), l.Requests("graph GET /v1.0/policies/featureRolloutPolicies/{id}/appliesTo"); n != 1 || m != 0 {
		t.Fatalf("%d listings and %d appliesTo requests, want 1 and 0", n, m)
	}
}

func TestRoleMembersAgainstLab(t *testing.T) {
	t.Parallel()
	l := labtest.Start(t, "privileged-in-federated")
	src, _ := labtest.Sources(t, l.Settings())
	roles, err := src.Graph.RoleMembers(context.Background())
	if err != nil || len(roles) != 1 || roles[0].DisplayName != "Global Administrator" {
		t.Fatalf("roles = %+v, %v", roles, err)
	}
	var names []string
	for _, m := range roles[0].Members {
		names = append(names, m.Kind+":"+m.Name)
	}
	if got := strings.Join(names, ","); !strings.Contains(got, "user:dave@contoso.com") || !strings.Contains(got, "user:breakglass@contoso.onmicrosoft.com") {
		t.Fatalf("Global Administrator members = %s", got)
	}
}

// domainCall is one domain-side read with the start of its errors and the
// permission a 403 names.
type domainCall struct {
	name, what, perm string
	call             func(context.Context, *graph.Client) error
}

var domainCalls = []domainCall{
	{"Domains", "graph: list domains: ", "Domain.Read.All", func(ctx context.Context, c *graph.Client) error { _, err := c.Domains(ctx); return err }},
	{"VerificationRecords", "graph: get verification DNS records of contoso.com: ", "Domain.Read.All", func(ctx context.Context, c *graph.Client) error {
		_, err := c.VerificationRecords(ctx, "contoso.com")
		return err
	}},
	{"ServiceRecords", "graph: get service configuration records of contoso.com: ", "Domain.Read.All", func(ctx context.Context, c *graph.Client) error {
		_, err := c.ServiceRecords(ctx, "contoso.com")
		return err
	}},
	{"Federation", "graph: get federation configuration of contoso.com: ", "Domain.Read.All", func(ctx context.Context, c *graph.Client) error {
		_, _, err := c.Federation(ctx, "contoso.com")
		return err
	}},
	{"Organization", "graph: get organization: ", "Organization.Read.All", func(ctx context.Context, c *graph.Client) error { _, err := c.Organization(ctx); return err }},
	{"RolloutPolicies", "graph: list feature rollout policies: ", "Policy.Read.HybridAuthentication", func(ctx context.Context, c *graph.Client) error {
		_, err := c.RolloutPolicies(ctx)
		return err
	}},
	{"RoleMembers", "graph: list directory roles: ", "RoleManagement.Read.Directory", func(ctx context.Context, c *graph.Client) error {
		_, err := c.RoleMembers(ctx)
		return err
	}},
}

// TestDomainReadsRefused: a 403 is model.ErrAccessDenied and names the
// permission; a 404 on a listing is model.ErrNotFound only with Graph's
// error in it.
func TestDomainReadsRefused(t *testing.T) {
	t.Parallel()
	for _, dc := range domainCalls {
		t.Run(dc.name, func(t *testing.T) {
			t.Parallel()
			tn := start(t, func(w http.ResponseWriter, r *http.Request) {
				sourcetest.JSON(w, http.StatusForbidden, map[string]any{"error": map[string]any{"code": "Authorization_RequestDenied",
					"message": "Insufficient privileges to complete the operation."}})
			}, nil, nil, 5*time.Second)
			err := dc.call(context.Background(), tn.client)
			tn.check(t, err, dc.what+"HTTP 403 Authorization_RequestDenied: Insufficient privileges to complete the operation. (needs "+dc.perm+")", "")
			if !errors.Is(err, model.ErrAccessDenied) || errors.Is(err, model.ErrNotFound) {
				t.Fatalf("%v is not ErrAccessDenied", err)
			}
		})
	}
	t.Run("member listing", func(t *testing.T) {
		t.Parallel()
		tn := start(t, func(w http.ResponseWriter, r *http.Request) {
			if strings.HasSuffix(r.URL.Path, "/members") {
				sourcetest.JSON(w, http.StatusForbidden, map[string]any{"error": map[string]any{"code": "Authorization_RequestDenied", "message": "no"}})
				return
			}
			sourcetest.JSON(w, http.StatusOK, map[string]any{"value": []any{map[string]any{"id": "r1", "displayName": "Global Administrator"}}})
		}, nil, nil, 5*time.Second)
		_, err := tn.client.RoleMembers(context.Background())
		tn.check(t, err, "graph: list members of directory role Global Administrator: HTTP 403 Authorization_RequestDenied: no (needs RoleManagement.Read.Directory)", "")
		if !errors.Is(err, model.ErrAccessDenied) {
			t.Fatal(err)
		}
	})
}

// TestHostileDomainNames: a domain that could change the request's path
// is refused before anything is sent; one with characters kiota encodes
// stays in its segment.
func TestHostileDomainNames(t *testing.T) {
	t.Parallel()
	tn := start(t, func(w http.ResponseWriter, r *http.Request) {
		sourcetest.JSON(w, http.StatusOK, map[string]any{"value": []any{}})
	}, nil, nil, 5*time.Second)
	ctx := context.Background()
	for _, d := range []string{"", ".", "..", "../users", "../../users?x=1", "a/b", "contoso.com/../../users", "x?$select=id", "x#y", "%2e%2e", "a b", "a\x00b", "\x1b[31m", ".contoso.com"} {
		_, err1 := tn.client.VerificationRecords(ctx, d)
		_, err2 := tn.client.ServiceRecords(ctx, d)
		_, _, err3 := tn.client.Federation(ctx, d)
		for _, err := range []error{err1, err2, err3} {
			if err == nil || !strings.HasSuffix(err.Error(), "; not asked") || strings.ContainsAny(err.Error(), "\x00\x1b") {
				t.Errorf("domain %q: %v", d, err)
			}
		}
	}
	if n := len(tn.graph.Requests()); n != 0 {
		t.Fatalf("%d requests for hostile domain names: %v", n, tn.graph.Requests())
	}
	// An IDN in Unicode is a domain name.
	if _, err := tn.client.ServiceRecords(ctx, "bücher.example"); err != nil {
		t.Fatal(err)
	}
	if got := tn.graph.Requests(); len(got) != 1 || got[0].URL != "/v1.0/domains/b%C3%BCcher.example/serviceConfigurationRecords" {
		t.Fatalf("requests: %+v", got)
	}
}

// TestDomainReadsWrongShapes: answers that are not what was asked are
// errors naming it, never a panic or an empty list a check would trust.
func TestDomainReadsWrongShapes(t *testing.T) {
	t.Parallel()
	fed := map[string]any{"@odata.type": "#microsoft.graph.internalDomainFederation", "id": "f1", "issuerUri": "contoso.com:exk1"}
	answers := map[string]map[string]any{
		"no value":         {},
		"value not a list": {"value": map[string]any{"id": "x"}},
		"item without id":  {"value": []any{map[string]any{"displayName": "x", "label": "contoso.com", "@odata.type": "#microsoft.graph.domainDnsTxtRecord"}}},
	}
	for _, dc := range domainCalls {
		for name, body := range answers {
			t.Run(dc.name+"/"+name, func(t *testing.T) {
				t.Parallel()
				if dc.name == "VerificationRecords" || dc.name == "ServiceRecords" {
					if name == "item without id" { // records need no id; their label is checked below
						return
					}
				}
				tn := start(t, func(w http.ResponseWriter, r *http.Request) { sourcetest.JSON(w, http.StatusOK, body) }, nil, nil, 5*time.Second)
				tn.check(t, dc.call(context.Background(), tn.client), dc.what+"the answer is not ", "")
			})
		}
		for name, a := range map[string]struct{ ct, body string }{
			"null": {"application/json", "null"},
			"html": {"text/html", "<html></html>"},
			"list": {"application/json", `[{"id":"x"}]`},
		} {
			t.Run(dc.name+"/"+name, func(t *testing.T) {
				t.Parallel()
				tn := start(t, func(w http.ResponseWriter, r *http.Request) { sourcetest.Raw(w, http.StatusOK, a.ct, a.body) }, nil, nil, 5*time.Second)
				tn.check(t, dc.call(context.Background(), tn.client), dc.what+"the answer is not ", "")
			})
		}
	}
	one := func(body any) *tenant {
		return start(t, func(w http.ResponseWriter, r *http.Request) { sourcetest.JSON(w, http.StatusOK, body) }, nil, nil, 5*time.Second)
	}
	t.Run("Federation/two configurations", func(t *testing.T) {
		tn := one(map[string]any{"value": []any{fed, fed}})
		tn.check(t, domainCalls[3].call(context.Background(), tn.client), domainCalls[3].what, "the answer is not a list of federation configurations (2 configurations for one domain)")
	})
	t.Run("Records/untyped", func(t *testing.T) {
		tn := one(map[string]any{"value": []any{map[string]any{"label": "contoso.com", "recordType": "Txt", "text": "MS=ms1"}}})
		tn.check(t, domainCalls[1].call(context.Background(), tn.client), domainCalls[1].what, "record contoso.com has no known @odata.type")
	})
	t.Run("Records/no label", func(t *testing.T) {
		tn := one(map[string]any{"value": []any{map[string]any{"@odata.type": "#microsoft.graph.domainDnsTxtRecord", "text": "MS=ms1"}}})
		tn.check(t, domainCalls[2].call(context.Background(), tn.client), domainCalls[2].what, "a record without label")
	})
	t.Run("Records/unavailable", func(t *testing.T) {
		tn := one(map[string]any{"value": []any{map[string]any{"@odata.type": "#microsoft.graph.domainDnsUnavailableRecord", "label": "Contoso.com",
			"description": "The record could not be built.", "supportedService": "Email"}}})
		got, err := tn.client.ServiceRecords(context.Background(), "contoso.com")
		if err != nil || len(got) != 1 || got[0] != (model.DNSRecord{Type: "Unavailable", Label: "contoso.com", Service: "Email", Value: "The record could not be built."}) {
			t.Fatalf("unavailable record = %+v, %v", got, err)
		}
	})
	t.Run("Organization/empty", func(t *testing.T) {
		tn := one(map[string]any{"value": []any{}})
		tn.check(t, domainCalls[4].call(context.Background(), tn.client), domainCalls[4].what, "the answer is not an organization (no organization in value)")
	})
	t.Run("Domains/nextLink off the Graph URL", func(t *testing.T) {
		other := sourcetest.Start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			sourcetest.JSON(w, http.StatusOK, map[string]any{"value": []any{}})
		}))
		tn := one(map[string]any{"value": []any{map[string]any{"id": "contoso.com"}}, "@odata.nextLink": other.URL + "/v1.0/domains?$skiptoken=2"})
		tn.check(t, domainCalls[0].call(context.Background(), tn.client), domainCalls[0].what, "off the configured Graph URL")
		if len(other.Requests()) != 0 {
			t.Fatal("the nextLink was followed")
		}
	})
	t.Run("RoleMembers/nextLink back to itself", func(t *testing.T) {
		tn := start(t, func(w http.ResponseWriter, r *http.Request) {
			if strings.HasSuffix(r.URL.Path, "/members") {
				sourcetest.JSON(w, http.StatusOK, map[string]any{"value": []any{}, "@odata.nextLink": "https://" + r.Host + r.URL.Path + "?$skiptoken=x"})
				return
			}
			sourcetest.JSON(w, http.StatusOK, map[string]any{"value": []any{map[string]any{"id": "r1", "displayName": "Global Administrator"}}})
		}, nil, nil, 5*time.Second)
		tn.check(t, domainCalls[6].call(context.Background(), tn.client), "graph: list members of directory role Global Administrator: ", "leads back to a page already read")
	})
	t.Run("RoleMembers/hostile role id", func(t *testing.T) {
		tn := one(map[string]any{"value": []any{map[string]any{"id": "../../users", "displayName": "Global Administrator"}}})
		tn.check(t, domainCalls[6].call(context.Background(), tn.client), domainCalls[6].what, `the answer is not a list of directory roles ("../../users" is not a role ID)`)
		if n := len(tn.graph.Requests()); n != 1 {
			t.Fatalf("%d requests", n)
		}
	})
}

// TestRolloutAppliesToFallback: a server that ignores $expand (policies
// without appliesTo) gets one appliesTo request per policy.
func TestRolloutAppliesToFallback(t *testing.T) {
	t.Parallel()
	tn := start(t, func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/v1.0/policies/featureRolloutPolicies":
			if r.URL.Query().Get("$expand") != "appliesTo" {
				t.Errorf("listing without $expand=appliesTo: %s", r.URL.RawQuery)
			}
			sourcetest.JSON(w, http.StatusOK, map[string]any{"value": []any{
				map[string]any{"id": "p1", "displayName": "PTA", "feature": "passthroughAuthentication", "isEnabled": true},
				map[string]any{"id": "p2", "displayName": "Org", "feature": "passwordHashSync", "isEnabled": false, "isAppliedToOrganization": true, "appliesTo": []any{}},
			}})
		case r.URL.Path == "/v1.0/policies/featureRolloutPolicies/p1/appliesTo":
			sourcetest.JSON(w, http.StatusOK, map[string]any{"value": []any{
				map[string]any{"@odata.type": "#microsoft.graph.group", "id": "g1", "displayName": "Pilot"},
				map[string]any{"@odata.type": "#microsoft.graph.user", "id": "u1", "userPrincipalName": "alice@contoso.com", "displayName": "Alice"},
			}})
		default:
			sourcetest.JSON(w, http.StatusNotFound, map[string]any{"error": map[string]any{"code": "Request_ResourceNotFound", "message": r.URL.Path}})
		}
	}, nil, nil, 5*time.Second)
	pols, err := tn.client.RolloutPolicies(context.Background())
	if err != nil || len(pols) != 2 {
		t.Fatalf("policies = %+v, %v", pols, err)
	}
	got := fmt.Sprintf("%+v", pols)
	want := "[{ID:p1 DisplayName:PTA Feature:passthroughAuthentication IsEnabled:true IsAppliedToOrganization:false AppliesTo:[{ID:g1 Kind:group Name:Pilot} {ID:u1 Kind:user Name:alice@contoso.com}]} " +
		"{ID:p2 DisplayName:Org Feature:passwordHashSync IsEnabled:false IsAppliedToOrganization:true AppliesTo:[]}]"
	if got != want {
		t.Fatalf("policies:\n%s\nwant\n%s", got, want)
	}
	if n := len(tn.graph.Requests()); n != 2 {
		t.Fatalf("%d requests, want the listing and p1's appliesTo", n)
	}
}

// TestRoleMembersBounded: many roles are read a few at a time, in Graph's
// order, and the first failure ends the call.
func TestRoleMembersBounded(t *testing.T) {
	t.Parallel()
	const roles = 12
	var list []any
	for i := range roles {
		list = append(list, map[string]any{"id": fmt.Sprintf("r%02d", i), "displayName": fmt.Sprintf("Role %02d", i), "roleTemplateId": fmt.Sprintf("t%02d", i)})
	}
	// The first four member listings wait until all four are in flight:
	// a client that reads one role at a time never gets past the first.
	var (
		mu             sync.Mutex
		inFlight, most int
		full           = make(chan struct{})
	)
	tn := start(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1.0/directoryRoles" {
			sourcetest.JSON(w, http.StatusOK, map[string]any{"value": list})
			return
		}
		mu.Lock()
		inFlight++
		most = max(most, inFlight)
		if inFlight == 4 {
			close(full)
		}
		mu.Unlock()
		select {
		case <-full:
		case <-r.Context().Done():
		}
		mu.Lock()
		inFlight--
		mu.Unlock()
		id := strings.Split(r.URL.Path, "/")[3]
		sourcetest.JSON(w, http.StatusOK, map[string]any{"value": []any{
			map[string]any{"@odata.type": "#microsoft.graph.servicePrincipal", "id": "sp-" + id, "displayName": "App of " + id}}})
	}, nil, nil, 10*time.Second)
	got, err := tn.client.RoleMembers(context.Background())
	if err != nil || len(got) != roles {
		t.Fatalf("roles = %+v, %v", got, err)
	}
	for i, r := range got {
		id := fmt.Sprintf("r%02d", i)
		if r.RoleID != id || r.RoleTemplateID != fmt.Sprintf("t%02d", i) || len(r.Members) != 1 ||
			r.Members[0] != (model.DirectoryObject{ID: "sp-" + id, Kind: "servicePrincipal", Name: "App of " + id}) {
			t.Fatalf("role %d = %+v", i, r)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if most != 4 {
		t.Fatalf("%d member listings at once, want 4", most)
	}
}

// TestDomainReadsCleanText: strings from Graph reach the model without
// terminal escapes or control characters.
func TestDomainReadsCleanText(t *testing.T) {
	t.Parallel()
	evil := "\x1b]0;PWNED\a\x1b[2J\x1b[31mRED\u202e\n"
	tn := start(t, func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasSuffix(r.URL.Path, "/federationConfiguration"):
			sourcetest.JSON(w, http.StatusOK, map[string]any{"value": []any{map[string]any{"@odata.type": "#microsoft.graph.internalDomainFederation",
				"id": "f1", "displayName": "Okta" + evil, "issuerUri": "contoso.com:exk" + evil, "signingCertificateUpdateStatus": map[string]any{"certificateUpdateResult": "Success" + evil}}}})
		case strings.HasSuffix(r.URL.Path, "/organization"):
			sourcetest.JSON(w, http.StatusOK, map[string]any{"value": []any{map[string]any{"id": "t1", "displayName": "Contoso" + evil,
				"verifiedDomains": []any{map[string]any{"name": "contoso.com" + evil, "type": "Federated" + evil}}}}})
		default:
			sourcetest.JSON(w, http.StatusOK, map[string]any{"value": []any{map[string]any{"@odata.type": "#microsoft.graph.domainDnsTxtRecord",
				"label": "contoso.com" + evil, "text": "MS=ms1" + evil, "recordType": "Txt" + evil}}})
		}
	}, nil, nil, 5*time.Second)
	ctx := context.Background()
	fed, _, err1 := tn.client.Federation(ctx, "contoso.com")
	org, err2 := tn.client.Organization(ctx)
	recs, err3 := tn.client.ServiceRecords(ctx, "contoso.com")
	if err := errors.Join(err1, err2, err3); err != nil {
		t.Fatal(err)
	}
	dump := fmt.Sprintf("%+v %+v %+v", fed, org, recs)
	for _, bad := range []string{"\x1b", "\a", "\u202e", "\n", "PWNED"} {
		if strings.Contains(dump, bad) {
			t.Fatalf("model holds %q: %q", bad, dump)
		}
	}
	if fed.IssuerURI != "contoso.com:exkRED " || org.VerifiedDomains[0].Name != "contoso.comred " || recs[0].Value != "MS=ms1RED " {
		t.Fatalf("cleaned: %q %q %q", fed.IssuerURI, org.VerifiedDomains[0].Name, recs[0].Value)
	}
}
