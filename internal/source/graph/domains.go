package graph

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"unicode"

	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/policies"

	"github.com/o365doctor/o365doctor/internal/model"
)

// The application permissions the reads need, least privilege and
// read-only; a 403 names the one its call needs.
const (
	permUsers   = "User.Read.All"
	permDomains = "Domain.Read.All"                  // domains, their DNS records, federationConfiguration
	permOrg     = "Organization.Read.All"            // organization
	permPolicy  = "Policy.Read.HybridAuthentication" // featureRolloutPolicies: delegated only (see RolloutPolicies)
	permRoles   = "RoleManagement.Read.Directory"
)

// maxPages bounds every listing that follows @odata.nextLink: far more
// pages than a tenant has domains, records, roles or role members, and a
// server that never stops linking is stopped.
const maxPages = 1000

// collection is a page of a Graph collection as kiota decodes it.
type collection[T any] interface {
	GetValue() []T
	GetOdataNextLink() *string
}

// collect reads first and every page after it: next asks for a nextLink,
// which must stay on the configured Graph URL and never lead back to a
// page already read. A page without "value" is not a list.
func collect[T any, P collection[T]](ctx context.Context, c *Client, o op, first P, err error, next func(context.Context, string) (P, error)) ([]T, error) {
	var out []T
	seen := map[string]bool{}
	page := first
	for n := 1; ; n++ {
		if err != nil {
			return nil, o.fail(err)
		}
		if any(page) == nil || page.GetValue() == nil {
			return nil, o.notA("no value")
		}
		out = append(out, page.GetValue()...)
		link := deref(page.GetOdataNextLink())
		if link == "" {
			return out, nil
		}
		key, kerr := c.pageKey(link)
		if kerr != nil {
			return nil, o.errorf("%v", kerr)
		}
		if seen[key] {
			return nil, o.errorf("the server's nextLink leads back to a page already read; stopping")
		}
		seen[key] = true
		if n >= maxPages {
			return nil, o.errorf("more than %d pages; stopping", maxPages)
		}
		if cerr := ctx.Err(); cerr != nil {
			return nil, o.fail(cerr)
		}
		page, err = next(ctx, link)
	}
}

// checkSegment refuses, before anything is sent, a domain name or object
// ID that could change the path it is put in. kiota percent-encodes
// '/', '?', '#' and '%' in a path parameter but leaves "." and ".." as
// they are, which a server or proxy may resolve as dot-segments; and an
// empty one drops the segment. Domain names are letters, digits, '-',
// '_' and '.'-separated labels (IDNs in Unicode allowed); Graph object IDs
// are GUIDs.
func checkSegment(kind, s string) error {
	if s == "" {
		return fmt.Errorf("no %s given", kind)
	}
	if len(s) > 253 || strings.HasPrefix(s, ".") || strings.Contains(s, "..") {
		return fmt.Errorf("%q is not a %s", model.Clean(s), kind)
	}
	for _, r := range s {
		switch {
		case r == '-' || r == '.' || r == '_':
		case r < 0x80 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'):
		case r >= 0x80 && (unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)):
		default:
			return fmt.Errorf("%q is not a %s", model.Clean(s), kind)
		}
	}
	return nil
}

// Domains lists the tenant's domains (GET /domains; Domain.Read.All).
func (c *Client) Domains(ctx context.Context) ([]model.EntraDomain, error) {
	o := op{what: "list domains", noun: "a list of domains", perm: permDomains}
	first, err := c.sdk.Domains().Get(ctx, nil)
	list, err := collect(ctx, c, o, first, err, func(ctx context.Context, next string) (models.DomainCollectionResponseable, error) {
		return c.sdk.Domains().WithUrl(next).Get(ctx, nil)
	})
	if err != nil {
		return nil, err
	}
	out := make([]model.EntraDomain, 0, len(list))
	for _, d := range list {
		if d == nil || deref(d.GetId()) == "" {
			return nil, o.notA("a domain without id")
		}
		services := make([]string, 0, len(d.GetSupportedServices()))
		for _, s := range d.GetSupportedServices() {
			services = append(services, model.Clean(s))
		}
		out = append(out, model.EntraDomain{
			ID:                 strings.ToLower(model.Clean(deref(d.GetId()))),
			AuthenticationType: model.Clean(deref(d.GetAuthenticationType())),
			IsDefault:          deref(d.GetIsDefault()),
			IsInitial:          deref(d.GetIsInitial()),
			IsVerified:         deref(d.GetIsVerified()),
			IsRoot:             deref(d.GetIsRoot()),
			SupportedServices:  services,
		})
	}
	return out, nil
}

// VerificationRecords are the records Entra asks the domain to publish to
// prove it owns it (GET /domains/{id}/verificationDnsRecords;
// Domain.Read.All); model.ErrNotFound for a domain the tenant does not
// have.
func (c *Client) VerificationRecords(ctx context.Context, domain string) ([]model.DNSRecord, error) {
	return c.records(ctx, domain, true)
}

// ServiceRecords are the records the domain's services need (GET
// /domains/{id}/serviceConfigurationRecords; Domain.Read.All): MX and SPF
// for Exchange Online, autodiscover, Teams' SRV, device join's CNAMEs.
func (c *Client) ServiceRecords(ctx context.Context, domain string) ([]model.DNSRecord, error) {
	return c.records(ctx, domain, false)
}

func (c *Client) records(ctx context.Context, domain string, verification bool) ([]model.DNSRecord, error) {
	what := "service configuration records"
	if verification {
		what = "verification DNS records"
	}
	o := op{what: "get " + what + " of " + domain, noun: "a list of DNS records", perm: permDomains}
	if err := checkSegment("domain name", domain); err != nil {
		return nil, o.errorf("%v; not asked", err)
	}
	item := c.sdk.Domains().ByDomainId(domain)
	var list []models.DomainDnsRecordable
	var err error
	if verification {
		first, ferr := item.VerificationDnsRecords().Get(ctx, nil)
		list, err = collect(ctx, c, o, first, ferr, func(ctx context.Context, next string) (models.DomainDnsRecordCollectionResponseable, error) {
			return item.VerificationDnsRecords().WithUrl(next).Get(ctx, nil)
		})
	} else {
		first, ferr := item.ServiceConfigurationRecords().Get(ctx, nil)
		list, err = collect(ctx, c, o, first, ferr, func(ctx context.Context, next string) (models.DomainDnsRecordCollectionResponseable, error) {
			return item.ServiceConfigurationRecords().WithUrl(next).Get(ctx, nil)
		})
	}
	if err != nil {
		return nil, err
	}
	return convertAll(o, list, toRecord)
}

// toRecord maps a record by its @odata.type (domainDnsTxtRecord, …Mx…,
// …Cname…, …Srv…, …Unavailable…). A record of no known type is refused:
// without its data a check would ask for a record with an empty value.
// recordType is kept as Graph writes it ("CName"); when it is missing it
// is taken from the type.
func toRecord(r models.DomainDnsRecordable) (model.DNSRecord, error) {
	if r == nil {
		return model.DNSRecord{}, errors.New("a null record")
	}
	rec := model.DNSRecord{
		Type:     model.Clean(deref(r.GetRecordType())),
		Label:    strings.ToLower(model.Clean(deref(r.GetLabel()))),
		Service:  model.Clean(deref(r.GetSupportedService())),
		Optional: deref(r.GetIsOptional()),
		TTL:      int(deref(r.GetTtl())),
	}
	if rec.Label == "" {
		return model.DNSRecord{}, errors.New("a record without label")
	}
	var kind string
	switch r := r.(type) {
	case models.DomainDnsTxtRecordable:
		kind, rec.Value = "Txt", model.Clean(deref(r.GetText()))
	case models.DomainDnsMxRecordable:
		kind, rec.Value = "Mx", model.Clean(deref(r.GetMailExchange()))
		rec.Preference = int(deref(r.GetPreference()))
	case models.DomainDnsCnameRecordable:
		kind, rec.Value = "CName", model.Clean(deref(r.GetCanonicalName()))
	case models.DomainDnsSrvRecordable:
		kind, rec.Value = "Srv", model.Clean(deref(r.GetNameTarget()))
		rec.Preference, rec.Port, rec.Weight = int(deref(r.GetPriority())), int(deref(r.GetPort())), int(deref(r.GetWeight()))
		rec.SRVService, rec.SRVProtocol = model.Clean(deref(r.GetService())), model.Clean(deref(r.GetProtocol()))
	case models.DomainDnsUnavailableRecordable:
		// Graph could not build the record; its description says why.
		kind, rec.Value = "Unavailable", model.Clean(deref(r.GetDescription()))
	default:
		return model.DNSRecord{}, fmt.Errorf("record %s has no known @odata.type", rec.Label)
	}
	if rec.Type == "" {
		rec.Type = kind
	}
	return rec, nil
}

// Federation is the domain's internalDomainFederation (GET
// /domains/{id}/federationConfiguration; Domain.Read.All). Graph answers
// a collection: empty (ok false) for a Managed domain, or a Federated
// one left without a configuration; more than one is refused, a domain
// has at most one. model.ErrNotFound for a domain the tenant does not
// have.
func (c *Client) Federation(ctx context.Context, domain string) (model.Federation, bool, error) {
	o := op{what: "get federation configuration of " + domain, noun: "a list of federation configurations", perm: permDomains}
	if err := checkSegment("domain name", domain); err != nil {
		return model.Federation{}, false, o.errorf("%v; not asked", err)
	}
	fc := c.sdk.Domains().ByDomainId(domain).FederationConfiguration()
	first, err := fc.Get(ctx, nil)
	list, err := collect(ctx, c, o, first, err, func(ctx context.Context, next string) (models.InternalDomainFederationCollectionResponseable, error) {
		return fc.WithUrl(next).Get(ctx, nil)
	})
	switch {
	case err != nil:
		return model.Federation{}, false, err
	case len(list) == 0:
		return model.Federation{}, false, nil
	case len(list) > 1:
		return model.Federation{}, false, o.notA(fmt.Sprintf("%d configurations for one domain", len(list)))
	}
	f := list[0]
	if f == nil || deref(f.GetId()) == "" {
		return model.Federation{}, false, o.notA("a configuration without id")
	}
	out := model.Federation{
		ID:                     model.Clean(deref(f.GetId())),
		DisplayName:            model.Clean(deref(f.GetDisplayName())),
		IssuerURI:              model.Clean(deref(f.GetIssuerUri())),
		PassiveSignInURI:       model.Clean(deref(f.GetPassiveSignInUri())),
		ActiveSignInURI:        model.Clean(deref(f.GetActiveSignInUri())),
		SignOutURI:             model.Clean(deref(f.GetSignOutUri())),
		MetadataExchangeURI:    model.Clean(deref(f.GetMetadataExchangeUri())),
		SigningCertificate:     model.Clean(deref(f.GetSigningCertificate())),
		NextSigningCertificate: model.Clean(deref(f.GetNextSigningCertificate())),
	}
	if b := f.GetFederatedIdpMfaBehavior(); b != nil {
		out.FederatedIdpMfaBehavior = b.String()
	}
	if b := f.GetPromptLoginBehavior(); b != nil {
		out.PromptLoginBehavior = b.String()
	}
	if p := f.GetPreferredAuthenticationProtocol(); p != nil {
		out.PreferredAuthenticationProtocol = p.String()
	}
	if s := f.GetSigningCertificateUpdateStatus(); s != nil {
		out.CertificateUpdateResult = model.Clean(deref(s.GetCertificateUpdateResult()))
		if t := s.GetLastRunDateTime(); t != nil {
			out.CertificateUpdateRun = *t
		}
	}
	return out, true, nil
}

// Organization is the tenant (GET /organization, the first and only
// element; Organization.Read.All).
func (c *Client) Organization(ctx context.Context) (model.Organization, error) {
	o := op{what: "get organization", noun: "an organization", perm: permOrg}
	page, err := c.sdk.Organization().Get(ctx, nil)
	if err != nil {
		return model.Organization{}, o.fail(err)
	}
	if page == nil || len(page.GetValue()) == 0 {
		return model.Organization{}, o.notA("no organization in value")
	}
	org := page.GetValue()[0]
	if org == nil || deref(org.GetId()) == "" {
		return model.Organization{}, o.notA("no id")
	}
	out := model.Organization{ID: model.Clean(deref(org.GetId())), DisplayName: model.Clean(deref(org.GetDisplayName()))}
	for _, d := range org.GetVerifiedDomains() {
		if d == nil || deref(d.GetName()) == "" {
			return model.Organization{}, o.notA("a verified domain without name")
		}
		out.VerifiedDomains = append(out.VerifiedDomains, model.VerifiedDomain{
			Name: strings.ToLower(model.Clean(deref(d.GetName()))), Type: model.Clean(deref(d.GetTypeEscaped())),
			IsDefault: deref(d.GetIsDefault()), IsInitial: deref(d.GetIsInitial()),
		})
	}
	return out, nil
}

// RolloutPolicies lists the staged-rollout policies with the groups they
// apply to (GET /policies/featureRolloutPolicies?$expand=appliesTo, which
// the v1.0 reference documents for the list). A policy that comes back
// without appliesTo (a server that ignored $expand) has it read from
// /policies/featureRolloutPolicies/{id}/appliesTo.
//
// Permission: Microsoft documents only delegated permissions for this API
// (Policy.Read.HybridAuthentication) and "Application: Not supported";
// o365doctor names that permission and reports a 403 as
// model.ErrAccessDenied, which the checks must expect from a real tenant.
func (c *Client) RolloutPolicies(ctx context.Context) ([]model.RolloutPolicy, error) {
	o := op{what: "list feature rollout policies", noun: "a list of feature rollout policies", perm: permPolicy}
	frp := c.sdk.Policies().FeatureRolloutPolicies()
	cfg := &policies.FeatureRolloutPoliciesRequestBuilderGetRequestConfiguration{
		QueryParameters: &policies.FeatureRolloutPoliciesRequestBuilderGetQueryParameters{Expand: []string{"appliesTo"}}}
	first, err := frp.Get(ctx, cfg)
	list, err := collect(ctx, c, o, first, err, func(ctx context.Context, next string) (models.FeatureRolloutPolicyCollectionResponseable, error) {
		return frp.WithUrl(next).Get(ctx, nil) // the nextLink carries the query
	})
	if err != nil {
		return nil, err
	}
	out := make([]model.RolloutPolicy, 0, len(list))
	for _, p := range list {
		if p == nil || deref(p.GetId()) == "" {
			return nil, o.notA("a policy without id")
		}
		id := deref(p.GetId())
		pol := model.RolloutPolicy{
			ID: model.Clean(id), DisplayName: model.Clean(deref(p.GetDisplayName())),
			IsEnabled: deref(p.GetIsEnabled()), IsAppliedToOrganization: deref(p.GetIsAppliedToOrganization()),
		}
		if f := p.GetFeature(); f != nil {
			pol.Feature = f.String()
		}
		members := p.GetAppliesTo()
		if members == nil {
			if members, err = c.appliesTo(ctx, id); err != nil {
				return nil, err
			}
		}
		if pol.AppliesTo, err = toObjects(members); err != nil {
			return nil, o.notA(err.Error())
		}
		out = append(out, pol)
	}
	return out, nil
}

// appliesTo reads one policy's appliesTo (GET
// /policies/featureRolloutPolicies/{id}/appliesTo).
func (c *Client) appliesTo(ctx context.Context, policyID string) ([]models.DirectoryObjectable, error) {
	o := op{what: "list appliesTo of feature rollout policy " + policyID, noun: "a list of directory objects", perm: permPolicy}
	if err := checkSegment("policy ID", policyID); err != nil {
		return nil, o.notA(err.Error())
	}
	at := c.sdk.Policies().FeatureRolloutPolicies().ByFeatureRolloutPolicyId(policyID).AppliesTo()
	first, err := at.Get(ctx, nil)
	return collect(ctx, c, o, first, err, func(ctx context.Context, next string) (models.DirectoryObjectCollectionResponseable, error) {
		return at.WithUrl(next).Get(ctx, nil)
	})
}

// toObjects maps users, groups, service principals, … to references:
// Kind from @odata.type, Name the UPN of a user, else the displayName.
func toObjects(list []models.DirectoryObjectable) ([]model.DirectoryObject, error) {
	out := make([]model.DirectoryObject, 0, len(list))
	for _, m := range list {
		if m == nil || deref(m.GetId()) == "" {
			return nil, errors.New("a directory object without id")
		}
		obj := model.DirectoryObject{ID: model.Clean(deref(m.GetId())),
			Kind: model.Clean(strings.TrimPrefix(deref(m.GetOdataType()), "#microsoft.graph."))}
		if obj.Kind == "" {
			obj.Kind = "directoryObject"
		}
		if u, ok := m.(models.Userable); ok {
			obj.Name = model.Clean(deref(u.GetUserPrincipalName()))
		} else if named, ok := m.(interface{ GetDisplayName() *string }); ok {
			obj.Name = model.Clean(deref(named.GetDisplayName()))
		}
		out = append(out, obj)
	}
	return out, nil
}

// roleWorkers bounds how many roles' members are read at once: a tenant
// has a few dozen activated roles, and Graph throttles per app.
const roleWorkers = 4

// RoleMembers lists the activated directory roles and each one's members
// (GET /directoryRoles, then /directoryRoles/{id}/members for each, at
// most roleWorkers at a time; RoleManagement.Read.Directory). The roles
// keep Graph's order; the first error ends the others.
func (c *Client) RoleMembers(ctx context.Context) ([]model.RoleMembers, error) {
	o := op{what: "list directory roles", noun: "a list of directory roles", perm: permRoles}
	first, err := c.sdk.DirectoryRoles().Get(ctx, nil)
	roles, err := collect(ctx, c, o, first, err, func(ctx context.Context, next string) (models.DirectoryRoleCollectionResponseable, error) {
		return c.sdk.DirectoryRoles().WithUrl(next).Get(ctx, nil)
	})
	if err != nil {
		return nil, err
	}
	out := make([]model.RoleMembers, len(roles))
	for i, r := range roles {
		if r == nil || deref(r.GetId()) == "" {
			return nil, o.notA("a role without id")
		}
		if err := checkSegment("role ID", deref(r.GetId())); err != nil {
			return nil, o.notA(err.Error())
		}
		out[i] = model.RoleMembers{RoleID: model.Clean(deref(r.GetId())), RoleTemplateID: model.Clean(deref(r.GetRoleTemplateId())),
			DisplayName: model.Clean(deref(r.GetDisplayName()))}
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
		slots    = make(chan struct{}, roleWorkers)
	)
	for i, r := range roles {
		slots <- struct{}{}
		if ctx.Err() != nil {
			<-slots
			break
		}
		wg.Add(1)
		go func() {
			defer func() { <-slots; wg.Done() }()
			members, err := c.roleMembers(ctx, deref(r.GetId()), out[i].DisplayName)
			if err == nil {
				out[i].Members = members
				return
			}
			mu.Lock()
			defer mu.Unlock()
			if firstErr == nil {
				firstErr = err
				cancel()
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	if err := ctx.Err(); err != nil {
		return nil, o.fail(err)
	}
	return out, nil
}

func (c *Client) roleMembers(ctx context.Context, roleID, name string) ([]model.DirectoryObject, error) {
	o := op{what: "list members of directory role " + firstNonEmpty(name, roleID), noun: "a list of directory objects", perm: permRoles}
	m := c.sdk.DirectoryRoles().ByDirectoryRoleId(roleID).Members()
	first, err := m.Get(ctx, nil)
	return collectObjects(ctx, c, o, first, err, func(ctx context.Context, next string) (models.DirectoryObjectCollectionResponseable, error) {
		return m.WithUrl(next).Get(ctx, nil)
	})
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// convertAll maps every element of a listing to the model; the first one
// that cannot be is the answer's fault: "not a ..." through o.
func convertAll[S, M any](o op, list []S, to func(S) (M, error)) ([]M, error) {
	out := make([]M, 0, len(list))
	for _, s := range list {
		m, err := to(s)
		if err != nil {
			return nil, o.notA(err.Error())
		}
		out = append(out, m)
	}
	return out, nil
}
