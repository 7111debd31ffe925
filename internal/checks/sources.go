package checks

import (
	"context"
	"fmt"
	"iter"
	"slices"
	"strings"

	"github.com/o365doctor/o365doctor/internal/model"
)

// Source names an outside system a check needs. The set is open: a new
// source is a constant, a row in sourceInfo, and an adapter in Sources.
type Source string

const (
	Okta  Source = "okta"  // the Okta Management API
	Graph Source = "graph" // Microsoft Graph (Entra ID)
	Realm Source = "realm" // Microsoft's public realm discovery and OpenID configuration
	DNS   Source = "dns"   // public DNS
)

// Permission is one read permission a check needs of a source: a Graph
// application permission (User.Read.All) or an Okta OAuth scope
// (okta.users.read; an API token needs an administrator role that
// includes it). Checks declare the least they need, read-only.
type Permission struct {
	Source Source
	Name   string
	// Optional permissions sharpen a check that runs without them (a
	// source it can do without): federation.realm tells an Okta custom
	// domain from another org only with okta.domains.read.
	Optional bool
}

// SourceInfo describes a source for people.
type SourceInfo struct {
	Source Source
	Title  string
	// Public sources need no credentials (recon runs them).
	Public bool
}

// SourceInfos returns every known source.
func SourceInfos() []SourceInfo {
	return []SourceInfo{
		{Okta, "Okta", false},
		{Graph, "Graph", false},
		{Realm, "Microsoft realm discovery", true},
		{DNS, "DNS", true},
	}
}

func (s Source) info() SourceInfo {
	for _, si := range SourceInfos() {
		if si.Source == s {
			return si
		}
	}
	return SourceInfo{}
}

// OktaAPI is what the facts need of the Okta adapter.
type OktaAPI interface {
	User(ctx context.Context, idOrLogin string) (model.OktaUser, error)
	Office365Apps(ctx context.Context) ([]model.OktaApp, error)
	AppUser(ctx context.Context, appID, userID string) (model.AppUser, error)
	// CustomDomains are the org's custom URL domains (login.contoso.com).
	CustomDomains(ctx context.Context) ([]model.OktaDomain, error)
	// AppUserPages streams every user assigned to the app, a page at a time.
	AppUserPages(ctx context.Context, appID string) iter.Seq2[[]model.AppUser, error]
	// AppUserListing is AppUserPages with each page's cursor and the
	// rate-limit budget, resuming after the page whose next link is from.
	AppUserListing(ctx context.Context, appID, from string) iter.Seq2[model.AppUserPage, error]
	// AppKeys are the app's signing keys (GET /api/v1/apps/{id}/credentials/keys).
	AppKeys(ctx context.Context, appID string) ([]model.SigningKey, error)
	// AppMetadata is the app's SAML metadata (GET
	// /api/v1/apps/{id}/sso/saml/metadata): the external key and the
	// active signing certificate.
	AppMetadata(ctx context.Context, appID string) (model.SAMLMetadata, error)
	// What the license, login-loop and identity checks read (license.go,
	// loginloop.go, identity_unique.go).
	OktaLicensesAPI
	OktaLogsAPI
	OktaPoliciesAPI
	OktaIdentityAPI
}

// GraphAPI is what the facts need of the Graph adapter.
type GraphAPI interface {
	User(ctx context.Context, idOrUPN string) (model.EntraUser, error)
	// UserPages streams the users whose UPN is in the domain ("" = all),
	// a page at a time.
	UserPages(ctx context.Context, domain string) iter.Seq2[[]model.EntraUser, error]
	// UserListing is UserPages with each page's nextLink and the
	// listing's count, resuming at the page from.
	UserListing(ctx context.Context, domain, from string) iter.Seq2[model.EntraUserPage, error]
	// Domains are the tenant's domains (GET /domains).
	Domains(ctx context.Context) ([]model.EntraDomain, error)
	// VerificationRecords and ServiceRecords are the records Entra asks
	// the domain to publish (GET /domains/{id}/verificationDnsRecords,
	// /serviceConfigurationRecords); model.ErrNotFound for an unknown
	// domain.
	VerificationRecords(ctx context.Context, domain string) ([]model.DNSRecord, error)
	ServiceRecords(ctx context.Context, domain string) ([]model.DNSRecord, error)
	// Federation is the domain's internalDomainFederation; ok is false
	// when it has none (Graph answers an empty collection).
	Federation(ctx context.Context, domain string) (f model.Federation, ok bool, err error)
	// Organization is the tenant (GET /organization).
	Organization(ctx context.Context) (model.Organization, error)
	// RolloutPolicies are the staged-rollout policies with their appliesTo.
	RolloutPolicies(ctx context.Context) ([]model.RolloutPolicy, error)
	// RoleMembers are the activated directory roles and their members.
	RoleMembers(ctx context.Context) ([]model.RoleMembers, error)
	// What the license, login-loop and identity checks read (license.go,
	// loginloop.go, identity_unique.go).
	GraphLicensesAPI
	GraphSignInsAPI
	GraphPoliciesAPI
	GraphIdentityAPI
}

// RealmAPI is what the facts need of Microsoft's public realm discovery.
type RealmAPI interface {
	UserRealm(ctx context.Context, login string) (model.Realm, error)
	OpenIDConfig(ctx context.Context, tenantOrDomain string) (model.OpenIDConfig, error)
}

// DNSAPI is what the checks need of DNS: questions to the resolver in use,
// and the same question to each authoritative nameserver of a zone. Types
// are DNS's names ("TXT", "MX", "CNAME", "SRV", "A", "NS").
type DNSAPI interface {
	Lookup(ctx context.Context, name, qtype string) model.DNSAnswer
	// Authoritative returns the NS host names of zone, as the resolver
	// answers them; the error says why they could not be found.
	Authoritative(ctx context.Context, zone string) ([]string, error)
	// LookupServers asks each of the nameservers directly the same
	// question: one answer per server, in order.
	LookupServers(ctx context.Context, servers []string, name, qtype string) []model.DNSAnswer
	// Resolver is the address of the resolver in use, for evidence.
	Resolver() string
}

// Sources are the adapters of one run, and the one table of which sources
// are available: a source that cannot be used has a reason in Missing
// ("needs Okta: set --okta-url (O365DOCTOR_OKTA_URL)").
type Sources struct {
	Okta    OktaAPI
	Graph   GraphAPI
	Realm   RealmAPI
	DNS     DNSAPI
	Missing map[Source]string
	// OktaOrg is the Okta org URL, when known (without credentials too):
	// where a federated domain's sign-ins should go.
	OktaOrg string
	// Grants are what each source's credential is known to allow (read
	// from its token before the run); a source without an entry is not
	// known, and its checks run and meet a 403 if it comes.
	Grants map[Source]Grant
}

// Grant is what a credential allows: Graph roles or scopes, Okta scopes
// (or those an API token's admin roles imply).
type Grant struct {
	Perms []string
	// Whose names the credential ("the app's token", "the admin's roles").
	Whose string
	// Delegated: a signed-in person's scopes, not an app's roles.
	Delegated bool
}

// delegatedOnly marks a permission Microsoft grants only to delegated
// sign-ins ("Application: not supported"); an app's grant cannot be judged
// on it, the check handles Graph's refusal itself.
const delegatedOnly = " (delegated)"

// Allows reports whether the grant covers the permission: named, or a
// broader one that includes it (a ReadWrite for its Read, Directory.Read.All
// for the directory reads it includes, an okta.*.manage for its read), as
// each API's permission reference lists the permissions an operation takes.
func (g Grant) Allows(perm string) bool {
	perm = strings.TrimSuffix(perm, delegatedOnly)
	for _, p := range g.Perms {
		if strings.EqualFold(p, perm) {
			return true
		}
	}
	for _, broader := range model.BroaderPermissions(perm) {
		for _, p := range g.Perms {
			if strings.EqualFold(p, broader) {
				return true
			}
		}
	}
	return false
}

// Ungranted is the first of the check's required permissions on src that
// the known grant does not allow; "" when all are, or nothing is known.
func (s Sources) Ungranted(c *Check, src Source) string {
	g, known := s.Grants[src]
	if !known {
		return ""
	}
	for _, p := range c.Permissions {
		if strings.HasSuffix(p.Name, delegatedOnly) && !g.Delegated {
			continue
		}
		if p.Source == src && !p.Optional && !g.Allows(p.Name) {
			return p.Name
		}
	}
	return ""
}

// Why says what to set for a source that cannot be used, or "" when it
// can.
func (s Sources) Why(src Source) string {
	if why := s.Missing[src]; why != "" {
		return why
	}
	available := false
	switch src {
	case Okta:
		available = s.Okta != nil
	case Graph:
		available = s.Graph != nil
	case Realm:
		available = s.Realm != nil
	case DNS:
		available = s.DNS != nil
	}
	if !available {
		return "not configured"
	}
	return ""
}

// missing lists, in one line, every source the check needs that cannot be
// used, with the permissions it needs of each: "needs Okta
// (okta.users.read): set --okta-url ...; and needs Graph (User.Read.All):
// set AZURE_TENANT_ID".
func (s Sources) missing(c *Check) string {
	var whys []string
	for _, n := range c.Needs {
		why := s.Why(n)
		if why == "" {
			continue
		}
		title := n.info().Title
		if perms := c.permissionsOf(n); perms != "" {
			title += " (" + perms + ")"
		}
		whys = append(whys, "needs "+title+": "+why)
	}
	for _, n := range c.Needs {
		if perm := s.Ungranted(c, n); perm != "" {
			whys = append(whys, fmt.Sprintf("missing %s permission %s (%s does not grant it)", n.info().Title, perm, s.Grants[n].Whose))
		}
	}
	return strings.Join(whys, "; and ")
}

// ScopesOf are the permissions the checks declare of src, optional ones
// too, in their order: what a service app asks for.
func ScopesOf(list []*Check, src Source) []string {
	var out []string
	for _, c := range list {
		for _, p := range c.Permissions {
			if p.Source == src && !slices.Contains(out, p.Name) {
				out = append(out, p.Name)
			}
		}
	}
	return out
}
