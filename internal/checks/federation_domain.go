package checks

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/o365doctor/o365doctor/internal/fix"
	"github.com/o365doctor/o365doctor/internal/model"
)

// federationChecks are the federation checks that read Graph and Okta
// (area federation), after federation.realm, in report order.
var federationChecks = []*Check{
	TenantMatch,
	ConfigMatch,
	IssuerMatchesApp,
	SigningKeys,
	CertExpiry,
	MFABehavior,
	DomainsCovered,
	StagedRollout,
	PrivilegedInFederated,
	PrefederationDomain,
}

// wsfedEndpoint is an Office 365 app's WS-Fed endpoint path:
// /app/office365/{externalKey}/sso/wsfed/{passive|active|signout|mex}.
var wsfedEndpoint = regexp.MustCompile(`^/app/office365/([A-Za-z0-9]+)/sso/wsfed/(passive|active|signout|mex)/?$`)

// oktaSide is what the Okta org says the domain's federation should be:
// the hosts it answers on and the app's external key.
type oktaSide struct {
	app   model.OktaApp
	hosts []string // the org's host, then its verified custom domains
	known bool     // hosts holds every host (custom domains listed)
	exk   string   // from the app's SAML metadata; "" when unread
	why   string   // why exk or hosts are incomplete
}

// oktaSideOf reads the Okta side for the domain's federation checks. A
// domain with no active app is a Skip naming the check that reports it.
func oktaSideOf(ctx context.Context, pass *Pass) (oktaSide, error) {
	app, err := Office365AppFact.Get(ctx, pass.Facts)
	if errors.Is(err, ErrNoApp) {
		return oktaSide{}, Skip("no active Office 365 app in Okta federates %s (see oktaapp.one-active-app)", pass.Subject.Domain)
	}
	if err != nil {
		return oktaSide{}, err
	}
	s := oktaSide{app: app}
	s.hosts, s.known, s.why = oktaHosts(ctx, pass)
	md, err := AppMetadataFact.Get(ctx, pass.Facts)
	switch {
	case err != nil:
		s.why = strings.TrimPrefix(s.why+"; ", "; ") + "the app's metadata could not be read: " + err.Error()
	case md.EntityID == "":
		s.why = strings.TrimPrefix(s.why+"; ", "; ") + "the app's metadata names no entityID"
	default:
		s.exk = md.EntityID
	}
	return s, nil
}

// federationOf returns the domain's federation configuration, or a Skip
// when the domain is managed (nothing to compare) and a finding when a
// federated domain has none.
func federationOf(ctx context.Context, pass *Pass) (*model.Federation, error) {
	fed, err := FederationFact.Get(ctx, pass.Facts)
	if errors.Is(err, model.ErrNotFound) {
		return nil, Skip("%s is not a domain of this tenant (see federation.prefederation-domain)", pass.Subject.Domain)
	}
	if err != nil {
		return nil, err
	}
	if fed != nil {
		return fed, nil
	}
	domains, err := EntraDomainsFact.Get(ctx, pass.Facts)
	if err == nil {
		if d, ok := model.FindDomain(domains, pass.Subject.Domain); ok && !d.Federated() {
			return nil, Skip("%s is %s in Entra ID: no federation configuration to compare", pass.Subject.Domain, d.AuthenticationType)
		}
	}
	pass.Report(Finding{Object: domainObject(pass.Subject.Domain), Status: StatusFail,
		Message: fmt.Sprintf("%s is federated in Entra ID but has no federation configuration: every sign-in fails until one exists", pass.Subject.Domain),
		Evidence: []Evidence{Value{Read{System: "entra", Object: domainObject(pass.Subject.Domain), Field: "federationConfiguration",
			Value: "(empty collection)", Source: srcFederation}}}})
	return nil, nil
}

// TenantMatch: the domain belongs to the tenant o365doctor reads, and the
// Okta app names that tenant.
var TenantMatch = &Check{
	ID:       "federation.tenant-match",
	Title:    "The domain, the Graph tenant and the Okta app name the same tenant",
	Area:     AreaFederation,
	Scope:    ScopeDomain,
	Severity: High,
	Needs:    []Source{Realm},
	Permissions: []Permission{{Source: Okta, Name: permOktaApps, Optional: true},
		{Source: Graph, Name: permOrg, Optional: true}},
	Requires: []FactRef{OpenIDFact, Office365AppFact, OrganizationFact},
	Doc: `Three places name the tenant: Microsoft's public OpenID configuration for the
domain (the tenant ID the domain is verified in, its region and cloud — anyone
can read it, recon shows it), Graph's organization (the tenant o365doctor's
credentials read) and the Okta app's settings.app.msftTenant, the short tenant
name (contoso for contoso.onmicrosoft.com) Okta provisions and federates into.
When the Okta app names another tenant, provisioning and automatic federation
act on the wrong directory; when the domain is verified in another tenant than
the one Graph reads, every other finding is about the wrong tenant. What can be
compared is, with the credentials at hand; the rest is shown.
Fix: correct the Microsoft tenant name in the Okta app's settings, or point
o365doctor at the tenant the domain is verified in.`,
	References: []string{
		"https://learn.microsoft.com/entra/identity-platform/v2-protocols-oidc",
		"https://help.okta.com/en-us/content/topics/apps/office365/office365-deployment-guide.htm",
	},
	Run: runTenantMatch,
}

func runTenantMatch(ctx context.Context, pass *Pass) error {
	domain := pass.Subject.Domain
	oid, err := OpenIDFact.Get(ctx, pass.Facts)
	if errors.Is(err, model.ErrNotFound) {
		return Skip("Microsoft knows no tenant for %s (see federation.realm)", domain)
	}
	if err != nil {
		return err
	}
	tenantObj := Object{Kind: ObjTenant, ID: oid.TenantID, Name: oid.TenantID}
	ms := func(field, value string) Evidence {
		return Value{Read{System: "microsoft", Object: domainObject(domain), Field: field, Value: value, Source: srcOpenID}}
	}
	ev := []Evidence{ms("tenant ID (issuer)", oid.TenantID)}
	if oid.Cloud != "" {
		ev = append(ev, ms("cloud", oid.Cloud))
	}
	if oid.TenantRegionScope != "" {
		ev = append(ev, ms("tenant_region_scope", oid.TenantRegionScope+strings.TrimSuffix(" "+oid.TenantRegionSubScope, " ")))
	}
	for _, n := range oid.Notes {
		ev = append(ev, ms("note", n))
	}
	var notes []string
	report := func(obj Object, st Status, format string, args ...any) {
		for _, n := range notes {
			ev = append(ev, Value{Read{System: "o365doctor", Object: domainObject(domain), Field: "note", Value: n}})
		}
		pass.Report(Finding{Object: obj, Status: st, Evidence: ev, Message: fmt.Sprintf(format, args...)})
	}
	// What the credentials at hand let o365doctor compare: Okta and Graph
	// are optional here, their failures notes, not the check's error.
	app, appErr := Office365AppFact.Get(ctx, pass.Facts)
	haveApp := appErr == nil
	if appErr != nil && !errors.Is(appErr, ErrNoSource) {
		notes = append(notes, "Okta app not compared: "+appErr.Error())
	}
	msft := app.Setting("msftTenant")
	if haveApp {
		ev = append(ev, Value{Read{System: "okta", Object: appObject(app), Field: "settings.app.msftTenant", Value: msft, Source: srcOktaApps}})
	}
	org, orgErr := OrganizationFact.Get(ctx, pass.Facts)
	if orgErr != nil && !errors.Is(orgErr, ErrNoSource) {
		notes = append(notes, "Graph tenant not compared: "+orgErr.Error())
	}
	where := oid.TenantID
	if oid.Cloud != "" {
		where += ", " + oid.Cloud
	}
	if orgErr != nil {
		switch {
		case haveApp && msft == "":
			report(appObject(app), StatusFail, "the Okta app %s names no Microsoft tenant (settings.app.msftTenant is blank)", app.Label)
		case haveApp:
			report(tenantObj, StatusPass, "%s is verified in tenant %s; the Okta app names tenant %q (with Graph, o365doctor compares it with the tenant's initial domain)%s", domain, where, msft, noteSuffix(notes))
		default:
			report(tenantObj, StatusPass, "%s is verified in tenant %s%s", domain, where, noteSuffix(notes))
		}
		return nil
	}
	initial := org.InitialDomain()
	short := strings.TrimSuffix(strings.ToLower(initial), ".onmicrosoft.com")
	ev = append(ev, Compare("tenant ID",
		Read{System: "microsoft", Object: domainObject(domain), Field: "tenant ID (issuer)", Value: strings.ToLower(oid.TenantID), Source: srcOpenID},
		Read{System: "entra", Object: tenantObj, Field: "organization.id", Value: strings.ToLower(org.ID), Source: srcOrg}))
	if haveApp {
		ev = append(ev, Compare("tenant name",
			Read{System: "entra", Object: tenantObj, Field: "initial domain", Value: short, Source: srcOrg},
			Read{System: "okta", Object: appObject(app), Field: "settings.app.msftTenant", Value: strings.ToLower(msft), Source: srcOktaApps}))
	}
	switch {
	case !strings.EqualFold(oid.TenantID, org.ID):
		report(tenantObj, StatusFail, "%s is verified in tenant %s, but Graph reads tenant %s (%s): o365doctor's credentials are for another tenant", domain, oid.TenantID, org.ID, org.DisplayName)
	case haveApp && msft == "":
		report(appObject(app), StatusFail, "the Okta app %s names no Microsoft tenant (settings.app.msftTenant is blank); the tenant is %s", app.Label, short)
	case haveApp && !strings.EqualFold(msft, short):
		report(appObject(app), StatusFail, "the Okta app %s names Microsoft tenant %q, but %s is in %s (%s): Okta provisions and federates into another tenant", app.Label, msft, domain, short, initial)
	case haveApp:
		report(tenantObj, StatusPass, "%s, Graph and the Okta app all name tenant %s (%s)", domain, short, where)
	default:
		report(tenantObj, StatusPass, "%s is in the tenant Graph reads, %s (%s)%s", domain, short, where, noteSuffix(notes))
	}
	return nil
}

// noteSuffix shows that a comparison was left out, for the message.
func noteSuffix(notes []string) string {
	if len(notes) == 0 {
		return ""
	}
	return " (" + strings.Join(notes, "; ") + ")"
}

// ConfigMatch: Entra's federation configuration points at this Okta org's
// Office 365 app and trusts its signing key.
var ConfigMatch = &Check{
	ID:       "federation.config-match",
	Title:    "Entra's federation configuration points at the Okta app",
	Area:     AreaFederation,
	Scope:    ScopeDomain,
	Severity: Critical,
	Needs:    []Source{Graph, Okta},
	Permissions: []Permission{{Source: Graph, Name: permDomains}, {Source: Okta, Name: permOktaApps},
		{Source: Okta, Name: permOktaDomain, Optional: true}},
	Requires: []FactRef{FederationFact, EntraDomainsFact, Office365AppFact, AppMetadataFact, AppKeysFact, OktaCustomDomainsFact},
	Doc: `Entra ID sends a federated domain's sign-ins to the URLs of its
internalDomainFederation and accepts tokens signed by its signingCertificate.
For Okta these are the Office 365 app's WS-Fed endpoints,
https://{org}/app/office365/{externalKey}/sso/wsfed/{passive,active,signout,mex}
(the host may be one of the org's verified custom domains), and the app's active
signing key (GET /api/v1/apps/{id}/credentials/keys; Okta publishes no WS-Fed
metadata document, so the app's SAML metadata gives the external key). Each
URL and the certificate are compared: a leftover ADFS (.../adfs/ls/), another
Okta org or app, or a certificate Okta no longer signs with, each fails every
sign-in of the domain (AADSTS50008, AADSTS5000811).
Fix: update the federation (Okta's automatic WS-Federation re-federates; by
hand, PATCH the federationConfiguration with the app's endpoints and key).`,
	References: []string{
		"https://learn.microsoft.com/graph/api/resources/internaldomainfederation",
		"https://support.okta.com/help/s/article/microsoft-office-365-error-could-not-setup-the-domain-federation-with-office-365-please-retry-setting-up-the-federation-for-this-domain-after-a-few-hours",
	},
	Run: runConfigMatch,
}

func runConfigMatch(ctx context.Context, pass *Pass) error {
	domain := pass.Subject.Domain
	fed, err := federationOf(ctx, pass)
	if err != nil || fed == nil {
		return err
	}
	side, err := oktaSideOf(ctx, pass)
	if err != nil {
		return err
	}
	obj := domainObject(domain)
	var bad []string
	var ev []Evidence
	for _, e := range []struct{ field, value, kind string }{
		{"passiveSignInUri", fed.PassiveSignInURI, "passive"},
		{"activeSignInUri", fed.ActiveSignInURI, "active"},
		{"signOutUri", fed.SignOutURI, "signout"},
		{"metadataExchangeUri", fed.MetadataExchangeURI, "mex"},
	} {
		want := "https://" + firstOr(side.hosts, "{org}") + "/app/office365/" + cmp.Or(side.exk, "{externalKey}") + "/sso/wsfed/" + e.kind
		ok, why := wsfedURLMatches(e.value, e.kind, side)
		c := Compare(e.field,
			Read{System: "entra", Object: obj, Field: e.field, Value: e.value, Source: srcFederation},
			Read{System: "okta", Object: appObject(side.app), Field: "WS-Fed " + e.kind + " endpoint", Value: want, Source: srcOktaMeta})
		c.Equal = ok
		ev = append(ev, c)
		if !ok {
			bad = append(bad, e.field+" "+why)
		}
	}
	keys, err := AppKeysFact.Get(ctx, pass.Facts)
	if err != nil {
		return err
	}
	key, haveKey := activeKey(side.app, keys)
	certCmp := Compare("signing certificate",
		certRead("entra", obj, "signingCertificate", fed.SigningCertificate, srcFederation),
		certRead("okta", appObject(side.app), "active signing key (credentials.signing.kid "+side.app.SigningKid+")", keyLeaf(key), srcOktaKeys))
	ev = append(ev, certCmp)
	switch {
	case !haveKey:
		bad = append(bad, fmt.Sprintf("the Okta app's signing key %q is not among its %d key(s)", side.app.SigningKid, len(keys)))
	case !certCmp.Equal && signsWithNext(fed, key):
		// Entra accepts its next certificate: signing-keys warns to
		// finish the rollover; the configuration itself is sound.
		ev = append(ev, Value{certRead("entra", obj, "nextSigningCertificate", fed.NextSigningCertificate, srcFederation)})
	case !certCmp.Equal:
		bad = append(bad, "signingCertificate is not the key Okta signs with (see federation.signing-keys)")
	}
	if p := fed.PreferredAuthenticationProtocol; p != "" && !strings.EqualFold(p, "wsFed") {
		bad = append(bad, fmt.Sprintf("preferredAuthenticationProtocol is %q, Okta's Office 365 app speaks WS-Fed", p))
	}
	f := Finding{Object: obj, Evidence: ev}
	switch {
	case len(bad) == 0:
		f.Status, f.Message = StatusPass, fmt.Sprintf("%s's federation points at %s's WS-Fed endpoints and trusts its active signing key", domain, side.app.Label)
	default:
		f.Status, f.Message = StatusFail, fmt.Sprintf("%s's federation does not match the Okta app %s: %s", domain, side.app.Label, strings.Join(bad, "; "))
		var k *model.SigningKey
		if haveKey {
			k = &key
		}
		if p, ok := federationURIsPlan(pass.Check.ID, domain, fed, side, k); ok {
			f.Fixes = []fix.Plan{p}
		}
	}
	if f.Status != StatusPass && side.why != "" {
		f.Message += " (" + side.why + ")"
	}
	pass.Report(f)
	return nil
}

// wsfedURLMatches judges one of Entra's federation URLs against the Okta
// side: the Office 365 app's endpoint of that kind, on a host of the org,
// with the app's external key.
func wsfedURLMatches(raw, kind string, side oktaSide) (bool, string) {
	if raw == "" {
		return false, "is blank"
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return false, "is not a URL"
	}
	m := wsfedEndpoint.FindStringSubmatch(u.Path)
	if m == nil || m[2] != kind {
		return false, fmt.Sprintf("is %s, not an Okta Office 365 %s endpoint", endpoint(raw), kind)
	}
	if side.exk != "" && m[1] != side.exk {
		return false, fmt.Sprintf("names app %s, not %s", m[1], side.exk)
	}
	if !strings.EqualFold(u.Scheme, "https") {
		return false, "is not https"
	}
	if len(side.hosts) > 0 && side.known {
		for _, h := range side.hosts {
			if strings.EqualFold(h, u.Host) {
				return true, ""
			}
		}
		return false, fmt.Sprintf("is on %s, which is neither the org %s nor one of its verified custom domains", u.Host, side.hosts[0])
	}
	return true, ""
}

// toOkta reports whether a federation sends sign-ins to an Okta Office 365
// app at all (whichever org or app): the checks that compare it with this
// org's app are moot otherwise, and federation.config-match says so.
func toOkta(fed *model.Federation) bool {
	u, err := url.Parse(fed.PassiveSignInURI)
	return err == nil && wsfedEndpoint.MatchString(u.Path)
}

func firstOr(list []string, def string) string {
	if len(list) > 0 {
		return list[0]
	}
	return def
}

// IssuerMatchesApp: the federation's issuerUri names this app in one of
// the forms Okta writes.
var IssuerMatchesApp = &Check{
	ID:          "federation.issuer-matches-app",
	Title:       "The federation's issuer names the Okta app",
	Area:        AreaFederation,
	Scope:       ScopeDomain,
	Severity:    High,
	Needs:       []Source{Graph, Okta},
	Permissions: []Permission{{Source: Graph, Name: permDomains}, {Source: Okta, Name: permOktaApps}},
	Requires:    []FactRef{FederationFact, EntraDomainsFact, Office365AppFact, AppMetadataFact},
	Doc: `Entra ID accepts a token only when its issuer is the federation's issuerUri. Okta
writes it in one of three forms (api-facts §Q2): {domain}:{externalKey} when Okta
federated the domain automatically, https://{externalKey} when it was done by
hand (PowerShell or Graph), and http://www.okta.com/{externalKey} on old
instances. The first two are current and pass; the legacy form works but Okta
asks admins to migrate the issuer format, so it warns; an issuer naming another
app or another domain fails every sign-in. Entra needs each federated domain's
issuerUri to be unique in the tenant. When the federation does not point at Okta
at all, federation.config-match says so and this check is skipped.
Fix: re-run Okta's automatic federation for the domain, or PATCH issuerUri.`,
	References: []string{
		"https://support.okta.com/help/s/article/microsoft-office-365-error-could-not-setup-the-domain-federation-with-office-365-please-retry-setting-up-the-federation-for-this-domain-after-a-few-hours",
		"https://support.okta.com/help/s/article/update-office-365-app-instance-to-support-microsoft-graph",
	},
	Run: runIssuerMatchesApp,
}

// IssuerForm names the form of an Okta issuerUri.
type IssuerForm string

const (
	IssuerAutomatic IssuerForm = "automatic" // {domain}:{exk}
	IssuerManual    IssuerForm = "manual"    // https://{exk}
	IssuerLegacy    IssuerForm = "legacy"    // http://www.okta.com/{exk}
)

// issuerForm reads an issuerUri: its form and the external key it names,
// and for the automatic form the domain.
func issuerForm(issuer string) (form IssuerForm, exk, domain string) {
	switch {
	case strings.HasPrefix(strings.ToLower(issuer), "http://www.okta.com/"):
		return IssuerLegacy, issuer[len("http://www.okta.com/"):], ""
	case strings.HasPrefix(strings.ToLower(issuer), "https://") && !strings.Contains(issuer[len("https://"):], "/"):
		return IssuerManual, issuer[len("https://"):], ""
	}
	if d, k, ok := strings.Cut(issuer, ":"); ok && !strings.Contains(k, "/") && k != "" {
		return IssuerAutomatic, k, d
	}
	return "", "", ""
}

func runIssuerMatchesApp(ctx context.Context, pass *Pass) error {
	domain := pass.Subject.Domain
	fed, err := federationOf(ctx, pass)
	if err != nil || fed == nil {
		return err
	}
	if !toOkta(fed) {
		return Skip("%s is not federated to an Okta Office 365 app (see federation.config-match)", domain)
	}
	side, err := oktaSideOf(ctx, pass)
	if err != nil {
		return err
	}
	obj := domainObject(domain)
	form, exk, issDomain := issuerForm(fed.IssuerURI)
	c := Compare("external key",
		Read{System: "entra", Object: obj, Field: "issuerUri", Value: exk, Source: srcFederation},
		Read{System: "okta", Object: appObject(side.app), Field: "entityID (external key)", Value: side.exk, Source: srcOktaMeta})
	ev := []Evidence{Value{Read{System: "entra", Object: obj, Field: "issuerUri", Value: fed.IssuerURI, Source: srcFederation}}, c}
	f := Finding{Object: obj, Evidence: ev}
	switch {
	case form == "":
		f.Status, f.Message = StatusFail, fmt.Sprintf("%s's issuerUri %q is none of the forms Okta writes ({domain}:{externalKey}, https://{externalKey}, http://www.okta.com/{externalKey}): tokens from the Okta app are refused", domain, fed.IssuerURI)
	case side.exk == "":
		f.Status, f.Message = StatusWarn, fmt.Sprintf("%s's issuerUri has the %s form and names %s; o365doctor could not read the app's external key to compare (%s)", domain, form, exk, side.why)
	case exk != side.exk:
		f.Status, f.Message = StatusFail, fmt.Sprintf("%s's issuerUri names app %s, but the Okta app %s is %s: tokens from it are refused", domain, exk, side.app.Label, side.exk)
	case form == IssuerAutomatic && !strings.EqualFold(issDomain, domain):
		f.Status, f.Message = StatusFail, fmt.Sprintf("%s's issuerUri %q names the domain %s: Okta's automatic federation writes {domain}:{externalKey} for each domain", domain, fed.IssuerURI, issDomain)
	case form == IssuerLegacy:
		f.Status, f.Message = StatusWarn, fmt.Sprintf("%s's issuerUri uses the legacy form http://www.okta.com/%s: it works, but Okta asks to migrate the issuer format (an App Administrator can in the app's Sign On tab)", domain, exk)
	default:
		f.Status, f.Message = StatusPass, fmt.Sprintf("%s's issuerUri names the Okta app %s in the %s form (%s)", domain, side.exk, form, fed.IssuerURI)
	}
	if f.Status == StatusFail && form != "" {
		// Only the issuer: the URLs and key are federation.config-match's.
		if want, ok := wantIssuer(fed.IssuerURI, domain, side.exk); ok && want != fed.IssuerURI && fed.ID != "" {
			f.Fixes = []fix.Plan{{ID: "graph.set-issuer", CheckID: pass.Check.ID, Subject: domain, Reversible: true,
				Title: "Set " + domain + "'s issuerUri to " + want + ", naming the Okta app " + side.app.Label,
				Risk:  "high: every federated user of " + domain + " signs in through it (minutes, up to an hour to show); the undo puts the old issuer back",
				Steps: []fix.Step{{System: "graph", Method: "PATCH", Object: fix.FederationObject(domain, fed.ID), Field: "issuerUri",
					Before: fed.IssuerURI, After: want, Permission: fix.PermGraphFederation}}}}
		}
	}
	pass.Report(f)
	return nil
}
