package graph_test

// Contract tests: every Graph endpoint the lab serves, decoded by the real
// msgraph-sdk-go into its typed models, with the fields o365doctor relies
// on present. Shapes follow the Microsoft Graph v1.0 reference examples
// (user, domain, internalDomainFederation, subscribedSku, signIn, …) cited
// in internal/lab.

import (
	"context"
	"errors"
	"testing"

	"github.com/google/uuid"
	abs "github.com/microsoft/kiota-abstractions-go"
	msgraphsdk "github.com/microsoftgraph/msgraph-sdk-go"
	msgraphcore "github.com/microsoftgraph/msgraph-sdk-go-core"
	"github.com/microsoftgraph/msgraph-sdk-go/auditlogs"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/models/odataerrors"
	"github.com/microsoftgraph/msgraph-sdk-go/policies"
	"github.com/microsoftgraph/msgraph-sdk-go/users"

	"github.com/o365doctor/o365doctor/internal/lab"
	"github.com/o365doctor/o365doctor/internal/lab/labtest"
	"github.com/o365doctor/o365doctor/internal/source/graph"
)

func rawClient(t *testing.T, l *lab.Lab) *msgraphsdk.GraphServiceClient {
	t.Helper()
	c, err := graph.New(l.Settings())
	if err != nil {
		t.Fatal(err)
	}
	return graph.SDK(c)
}

func odataCode(err error) string {
	var oe *odataerrors.ODataError
	if errors.As(err, &oe) && oe.GetErrorEscaped() != nil && oe.GetErrorEscaped().GetCode() != nil {
		return *oe.GetErrorEscaped().GetCode()
	}
	return ""
}

func TestContractUsersPagingFilterPatch(t *testing.T) {
	ctx := context.Background()
	l := labtest.StartWith(t, "bulk", lab.Options{Users: 40})
	c := rawClient(t, l)
	top := int32(7)
	page, err := c.Users().Get(ctx, &users.UsersRequestBuilderGetRequestConfiguration{
		QueryParameters: &users.UsersRequestBuilderGetQueryParameters{Top: &top, Select: []string{"id", "userPrincipalName", "onPremisesImmutableId", "assignedLicenses"}}})
	if err != nil {
		t.Fatal(err)
	}
	it, err := msgraphcore.NewPageIterator[models.Userable](page, c.GetAdapter(), models.CreateUserCollectionResponseFromDiscriminatorValue)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	if err := it.Iterate(ctx, func(u models.Userable) bool {
		seen[*u.GetId()]++
		if u.GetUserPrincipalName() == nil || u.GetAssignedLicenses() == nil {
			t.Errorf("user without upn or assignedLicenses: %v", *u.GetId())
		}
		return true
	}); err != nil {
		t.Fatal(err)
	}
	if len(seen) != 44 { // 40 generated + 4 of the healthy base
		t.Fatalf("%d users listed, want 44", len(seen))
	}
	for id, n := range seen {
		if n != 1 {
			t.Fatalf("user %s listed %d times", id, n)
		}
	}

	headers := abs.NewRequestHeaders()
	headers.Add("ConsistencyLevel", "eventual")
	count := true
	filter := "endswith(userPrincipalName,'@contoso.onmicrosoft.com')"
	res, err := c.Users().Get(ctx, &users.UsersRequestBuilderGetRequestConfiguration{Headers: headers,
		QueryParameters: &users.UsersRequestBuilderGetQueryParameters{Filter: &filter, Count: &count}})
	if err != nil || len(res.GetValue()) != 1 || res.GetOdataCount() == nil || *res.GetOdataCount() != 1 {
		t.Fatalf("endsWith with ConsistencyLevel: %v %v", res, err)
	}
	if _, err := c.Users().Get(ctx, &users.UsersRequestBuilderGetRequestConfiguration{
		QueryParameters: &users.UsersRequestBuilderGetQueryParameters{Filter: &filter}}); odataCode(err) != "Request_UnsupportedQuery" {
		t.Fatalf("endsWith without ConsistencyLevel: %v", err)
	}

	// PATCH (gzip-compressed by the SDK's middleware) then read back.
	body := models.NewUser()
	loc := "FR"
	body.SetUsageLocation(&loc)
	if _, err := c.Users().ByUserId("carol@contoso.com").Patch(ctx, body, nil); err != nil {
		t.Fatal(err)
	}
	u, err := c.Users().ByUserId("carol@contoso.com").Get(ctx, &users.UserItemRequestBuilderGetRequestConfiguration{
		QueryParameters: &users.UserItemRequestBuilderGetQueryParameters{Select: []string{"usageLocation", "licenseAssignmentStates", "signInSessionsValidFromDateTime"}}})
	if err != nil || *u.GetUsageLocation() != "FR" || len(u.GetLicenseAssignmentStates()) != 1 || u.GetSignInSessionsValidFromDateTime() == nil {
		t.Fatalf("after patch: %v", err)
	}
	imm := "new=="
	body = models.NewUser()
	body.SetOnPremisesImmutableId(&imm)
	if _, err := c.Users().ByUserId("carol@contoso.com").Patch(ctx, body, nil); odataCode(err) != "Request_BadRequest" {
		t.Fatalf("immutableId on a federated-domain user: %v", err)
	}
}

func TestContractLicensesAndSessions(t *testing.T) {
	ctx := context.Background()
	l := labtest.Start(t, "usage-location-missing")
	c := rawClient(t, l)
	skus, err := c.SubscribedSkus().Get(ctx, nil)
	if err != nil || len(skus.GetValue()) != 2 {
		t.Fatalf("skus: %v", err)
	}
	e3 := skus.GetValue()[0]
	if *e3.GetSkuPartNumber() != "ENTERPRISEPACK" || *e3.GetPrepaidUnits().GetEnabled() != 25 || *e3.GetConsumedUnits() != 12 || len(e3.GetServicePlans()) != 3 {
		t.Fatalf("E3 = %s enabled %d consumed %d", *e3.GetSkuPartNumber(), *e3.GetPrepaidUnits().GetEnabled(), *e3.GetConsumedUnits())
	}
	add := models.NewAssignedLicense()
	add.SetSkuId(e3.GetSkuId())
	req := users.NewItemAssignLicensePostRequestBody()
	req.SetAddLicenses([]models.AssignedLicenseable{add})
	req.SetRemoveLicenses([]uuid.UUID{})
	_, err = c.Users().ByUserId("hank@contoso.com").AssignLicense().Post(ctx, req, nil)
	var oe *odataerrors.ODataError
	if !errors.As(err, &oe) || *oe.GetErrorEscaped().GetMessage() != "License assignment cannot be done for user with invalid usage location." {
		t.Fatalf("license without usageLocation: %v", err)
	}
	loc := "US"
	patch := models.NewUser()
	patch.SetUsageLocation(&loc)
	if _, err := c.Users().ByUserId("hank@contoso.com").Patch(ctx, patch, nil); err != nil {
		t.Fatal(err)
	}
	u, err := c.Users().ByUserId("hank@contoso.com").AssignLicense().Post(ctx, req, nil)
	if err != nil || len(u.GetAssignedLicenses()) != 1 {
		t.Fatalf("assign: %v", err)
	}
	r, err := c.Users().ByUserId("hank@contoso.com").RevokeSignInSessions().PostAsRevokeSignInSessionsPostResponse(ctx, nil)
	if err != nil || r.GetValue() == nil || !*r.GetValue() {
		t.Fatalf("revoke: %v", err)
	}
}

func TestContractDomainsFederationOrganization(t *testing.T) {
	ctx := context.Background()
	l := labtest.Start(t, "healthy")
	c := rawClient(t, l)
	org, err := c.Organization().Get(ctx, nil)
	if err != nil || len(org.GetValue()) != 1 || *org.GetValue()[0].GetId() != l.TenantID || len(org.GetValue()[0].GetVerifiedDomains()) != 2 {
		t.Fatalf("organization: %v", err)
	}
	domains, err := c.Domains().Get(ctx, nil)
	if err != nil || len(domains.GetValue()) != 2 {
		t.Fatalf("domains: %v", err)
	}
	d, err := c.Domains().ByDomainId("contoso.com").Get(ctx, nil)
	if err != nil || *d.GetAuthenticationType() != "Federated" || !*d.GetIsVerified() || *d.GetIsDefault() {
		t.Fatalf("domain: %v", err)
	}
	ver, err := c.Domains().ByDomainId("contoso.com").VerificationDnsRecords().Get(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	txt, ok := ver.GetValue()[0].(models.DomainDnsTxtRecordable)
	if !ok || *txt.GetText() != "MS=ms48213377" {
		t.Fatalf("verification record %T", ver.GetValue()[0])
	}
	svc, err := c.Domains().ByDomainId("contoso.com").ServiceConfigurationRecords().Get(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]bool{}
	for _, r := range svc.GetValue() {
		switch r := r.(type) {
		case models.DomainDnsMxRecordable:
			kinds["mx"] = *r.GetMailExchange() == "contoso-com.mail.protection.outlook.com"
		case models.DomainDnsCnameRecordable:
			kinds["cname"] = r.GetCanonicalName() != nil
		case models.DomainDnsSrvRecordable:
			kinds["srv"] = *r.GetPort() == 5061
		case models.DomainDnsTxtRecordable:
			kinds["txt"] = r.GetText() != nil
		}
	}
	if len(kinds) != 4 || !kinds["mx"] || !kinds["cname"] || !kinds["srv"] || !kinds["txt"] {
		t.Fatalf("service records decoded as %v", kinds)
	}

	feds, err := c.Domains().ByDomainId("contoso.com").FederationConfiguration().Get(ctx, nil)
	if err != nil || len(feds.GetValue()) != 1 {
		t.Fatalf("federation list: %v", err)
	}
	f := feds.GetValue()[0]
	if *f.GetIssuerUri() == "" || *f.GetPassiveSignInUri() == "" || *f.GetSigningCertificate() == "" || f.GetFederatedIdpMfaBehavior() == nil ||
		*f.GetPreferredAuthenticationProtocol() != models.WSFED_AUTHENTICATIONPROTOCOL {
		t.Fatalf("federation: %v", f)
	}
	byID := c.Domains().ByDomainId("contoso.com").FederationConfiguration().ByInternalDomainFederationId(*f.GetId())
	if got, err := byID.Get(ctx, nil); err != nil || *got.GetId() != *f.GetId() {
		t.Fatalf("federation by id: %v", err)
	}
	patch := models.NewInternalDomainFederation()
	enforce := models.ENFORCEMFABYFEDERATEDIDP_FEDERATEDIDPMFABEHAVIOR
	patch.SetFederatedIdpMfaBehavior(&enforce)
	got, err := byID.Patch(ctx, patch, nil)
	if err != nil || *got.GetFederatedIdpMfaBehavior() != enforce || *got.GetSigningCertificate() != *f.GetSigningCertificate() {
		t.Fatalf("federation patch: %v", err)
	}
	// A Managed domain has an empty collection (200), as Graph answers;
	// only an unknown domain is a 404.
	if managed, err := c.Domains().ByDomainId("contoso.onmicrosoft.com").FederationConfiguration().Get(ctx, nil); err != nil || managed.GetValue() == nil || len(managed.GetValue()) != 0 {
		t.Fatalf("managed domain federation: %v", err)
	}
	if _, err := c.Domains().ByDomainId("nope.example").FederationConfiguration().Get(ctx, nil); odataCode(err) != "Request_ResourceNotFound" {
		t.Fatalf("unknown domain federation: %v", err)
	}

	roles, err := c.DirectoryRoles().Get(ctx, nil)
	if err != nil || len(roles.GetValue()) != 1 || *roles.GetValue()[0].GetDisplayName() != "Global Administrator" {
		t.Fatalf("roles: %v", err)
	}
	members, err := c.DirectoryRoles().ByDirectoryRoleId("roleTemplateId=62e90394-69f5-4237-9190-012177145e10").Members().Get(ctx, nil)
	if err != nil || len(members.GetValue()) != 1 {
		t.Fatalf("members: %v", err)
	}
	if u, ok := members.GetValue()[0].(models.Userable); !ok || *u.GetUserPrincipalName() != "breakglass@contoso.onmicrosoft.com" {
		t.Fatalf("member %T", members.GetValue()[0])
	}
}

// Staged rollout (featureRolloutPolicies with appliesTo), group members and
// memberOf, decoded into the SDK's typed models.
func TestContractStagedRolloutAndGroups(t *testing.T) {
	ctx := context.Background()
	l := labtest.Start(t, "staged-rollout")
	c := rawClient(t, l)
	pols, err := c.Policies().FeatureRolloutPolicies().Get(ctx, &policies.FeatureRolloutPoliciesRequestBuilderGetRequestConfiguration{
		QueryParameters: &policies.FeatureRolloutPoliciesRequestBuilderGetQueryParameters{Expand: []string{"appliesTo"}}})
	if err != nil || len(pols.GetValue()) != 1 {
		t.Fatalf("policies: %v", err)
	}
	p := pols.GetValue()[0]
	if p.GetFeature() == nil || *p.GetFeature() != models.PASSWORDHASHSYNC_STAGEDFEATURENAME || !*p.GetIsEnabled() || len(p.GetAppliesTo()) != 1 {
		t.Fatalf("policy: feature %v, appliesTo %d", p.GetFeature(), len(p.GetAppliesTo()))
	}
	g, ok := p.GetAppliesTo()[0].(models.Groupable)
	if !ok || *g.GetDisplayName() != "Cloud Auth Pilot" {
		t.Fatalf("appliesTo[0] is %T", p.GetAppliesTo()[0])
	}
	members, err := c.Groups().ByGroupId(*g.GetId()).Members().Get(ctx, nil)
	if err != nil || len(members.GetValue()) != 1 {
		t.Fatalf("members: %v", err)
	}
	if u, ok := members.GetValue()[0].(models.Userable); !ok || *u.GetUserPrincipalName() != "alice@contoso.com" {
		t.Fatalf("member %T", members.GetValue()[0])
	}
	of, err := c.Users().ByUserId("alice@contoso.com").MemberOf().Get(ctx, nil)
	if err != nil || len(of.GetValue()) != 1 {
		t.Fatalf("memberOf: %v", err)
	}
	if _, ok := of.GetValue()[0].(models.Groupable); !ok {
		t.Fatalf("memberOf[0] is %T", of.GetValue()[0])
	}
	org, err := c.Organization().Get(ctx, nil)
	if err != nil || len(org.GetValue()[0].GetAssignedPlans()) == 0 || org.GetValue()[0].GetTechnicalNotificationMails() == nil {
		t.Fatalf("organization plans: %v", err)
	}
}

func TestContractSignIns(t *testing.T) {
	ctx := context.Background()
	l := labtest.Start(t, "login-loop-password-reset")
	c := rawClient(t, l)
	filter := "userPrincipalName eq 'alice@contoso.com' and status/errorCode ne 0"
	top := int32(10)
	page, err := c.AuditLogs().SignIns().Get(ctx, &auditlogs.SignInsRequestBuilderGetRequestConfiguration{
		QueryParameters: &auditlogs.SignInsRequestBuilderGetQueryParameters{Filter: &filter, Top: &top}})
	if err != nil {
		t.Fatal(err)
	}
	it, err := msgraphcore.NewPageIterator[models.SignInable](page, c.GetAdapter(), models.CreateSignInCollectionResponseFromDiscriminatorValue)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	if err := it.Iterate(ctx, func(s models.SignInable) bool {
		n++
		if *s.GetStatus().GetErrorCode() != 50133 || s.GetCreatedDateTime() == nil || s.GetCorrelationId() == nil || *s.GetClientAppUsed() == "" {
			t.Errorf("sign-in: %v", *s.GetId())
		}
		return true
	}); err != nil {
		t.Fatal(err)
	}
	if n != 25 {
		t.Fatalf("%d failed sign-ins, want 25", n)
	}
}

func TestContractRetriesThrough429(t *testing.T) {
	l := labtest.StartWith(t, "healthy", lab.Options{FaultRate: 0.5, FaultKinds: []string{"429"}, Seed: 5})
	c, err := graph.New(l.Settings())
	if err != nil {
		t.Fatal(err)
	}
	for _, upn := range []string{"alice@contoso.com", "bob@contoso.com", "carol@contoso.com"} {
		if _, err := c.User(context.Background(), upn); err != nil {
			t.Fatalf("%s: %v", upn, err)
		}
	}
	if n := l.Requests("graph GET /v1.0/users/{id}") + l.Requests("login POST /{tenant}/oauth2/v2.0/token"); n <= 4 {
		t.Fatalf("%d requests for 3 users and a token: the seeded 429s did not hit", n)
	}
}

// TestBulk100kGraphListing lists every user of a 100,000-user lab through
// the SDK's page iterator ($top=999).
func TestBulk100kGraphListing(t *testing.T) {
	if testing.Short() {
		t.Skip("100k users: skipped with -short")
	}
	ctx := context.Background()
	l := labtest.StartWith(t, "bulk", lab.Options{Users: 100_000})
	c := rawClient(t, l)
	top := int32(999)
	page, err := c.Users().Get(ctx, &users.UsersRequestBuilderGetRequestConfiguration{
		QueryParameters: &users.UsersRequestBuilderGetQueryParameters{Top: &top, Select: []string{"id", "userPrincipalName", "onPremisesImmutableId"}}})
	if err != nil {
		t.Fatal(err)
	}
	it, err := msgraphcore.NewPageIterator[models.Userable](page, c.GetAdapter(), models.CreateUserCollectionResponseFromDiscriminatorValue)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	if err := it.Iterate(ctx, func(models.Userable) bool { n++; return true }); err != nil {
		t.Fatal(err)
	}
	if n != 100_004 {
		t.Fatalf("%d users listed, want 100004", n)
	}
}
