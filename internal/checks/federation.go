package checks

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/o365doctor/o365doctor/internal/model"
)

// RealmFact is what Microsoft's home realm discovery says about the
// subject's domain (asked with the subject's UPN, or for a domain with a
// login nobody has: realm discovery answers for the domain either way).
var RealmFact = &Fact[model.Realm]{
	Name: "the domain's home realm",
	Load: func(ctx context.Context, f *Facts) (model.Realm, error) {
		if err := f.need(Realm); err != nil {
			return model.Realm{}, err
		}
		login := f.subject.UPN
		if login == "" {
			login = "o365doctor-realm-probe@" + f.subject.Domain
		}
		return f.src.Realm.UserRealm(ctx, login)
	},
}

// OktaCustomDomainsFact are the Okta org's custom URL domains; only when
// Okta is configured (recon does without: it cannot tell a custom domain
// from another org).
var OktaCustomDomainsFact = &Fact[[]model.OktaDomain]{
	Name: "the Okta org's custom domains",
	Load: func(ctx context.Context, f *Facts) ([]model.OktaDomain, error) {
		if err := f.need(Okta); err != nil {
			return nil, err
		}
		return f.src.Okta.CustomDomains(ctx)
	},
}

// oktaPassive is the path of the Office 365 app's WS-Fed passive endpoint
// (api-facts §Q2): /app/office365/{externalKey}/sso/wsfed/passive.
var oktaPassive = regexp.MustCompile(`^/app/office365/([A-Za-z0-9]+)/sso/wsfed/passive/?$`)

// RealmToOkta: Microsoft sends the domain's sign-ins to Okta's Office 365
// app, as anyone can see without credentials.
var RealmToOkta = &Check{
	ID:       "federation.realm",
	Title:    "Microsoft sends the domain's sign-ins to Okta",
	Area:     AreaFederation,
	Scope:    ScopeDomain,
	Severity: Critical,
	Needs:    []Source{Realm},
	// Realm discovery itself is public; Graph says what the domain should be.
	Permissions: []Permission{{Source: Okta, Name: "okta.domains.read", Optional: true}, {Source: Graph, Name: "Domain.Read.All", Optional: true}},
	Requires:    []FactRef{RealmFact, OktaCustomDomainsFact, EntraDomainsFact},
	Doc: `Microsoft's home realm discovery (getuserrealm.srf, userrealm) tells anyone where
a domain's sign-ins go: Managed (Entra ID signs users in itself), Federated (to
the AuthURL) or Unknown (no tenant has verified the domain). A domain federated
with Okta sends browsers to the Office 365 app's passive WS-Fed endpoint,
https://{org}/app/office365/{externalKey}/sso/wsfed/passive (the host may be an
Okta custom domain). An AuthURL elsewhere is a leftover federation (often ADFS,
.../adfs/ls/) or another IdP: the Okta app is never asked, whatever it holds.
The type is judged against what the domain should be: --expect federated|managed
for the phase of a change, else what Entra ID (Graph) says the domain is; a
difference fails (a change not yet visible: federation takes minutes to hours
to reach realm discovery; o365doctor watch follows it). With neither, a managed
domain is reported, not failed: before go-live that is expected.
With Okta credentials the AuthURL's host is compared with the org's host and its
verified custom domains (GET /api/v1/domains); without, any Okta-shaped AuthURL
passes.
Fix: federate the domain to the Okta app (Okta's automatic WS-Federation, or
Graph's internalDomainFederation with the app's endpoints and certificate).`,
	References: []string{
		"https://learn.microsoft.com/graph/api/resources/internaldomainfederation",
		"https://help.okta.com/en-us/content/topics/apps/office365/configure-ws-federation.htm",
	},
	Run: runRealmToOkta,
}

func runRealmToOkta(ctx context.Context, pass *Pass) error {
	domain := pass.Subject.Domain
	r, err := RealmFact.Get(ctx, pass.Facts)
	if err != nil {
		return err
	}
	obj := Object{Kind: ObjDomain, ID: domain, Name: domain}
	read := func(field, value string) Evidence {
		return Value{Read{System: "microsoft", Object: obj, Field: field, Value: value, Source: "GET /getuserrealm.srf, /common/userrealm/{login}"}}
	}
	ev := []Evidence{read("NameSpaceType", r.NameSpaceType), read("FederationBrandName", r.FederationBrandName)}
	if r.Cloud != "" {
		ev = append(ev, read("cloud", r.Cloud))
	}
	f := Finding{Object: obj, Evidence: ev}
	switch {
	case r.Managed():
		f.Status, f.Message = StatusPass, fmt.Sprintf("%s is managed: Entra ID signs its users in itself, Okta is not asked (expected before go-live, not after)", domain)
	case r.Federated():
		// The endpoints without their query: Microsoft puts the login
		// asked about (personal data) in the AuthURL's username=.
		f.Evidence = append(f.Evidence, read("AuthURL", endpoint(r.AuthURL)), read("ActiveAuthURL", endpoint(r.ActiveAuthURL)))
		hosts, known, why := oktaHosts(ctx, pass)
		f.Status, f.Message = federatedTo(domain, r.AuthURL, hosts, known)
		if f.Status != StatusPass && why != "" {
			f.Message += " (" + why + ")"
		}
	case r.NameSpaceType == model.NamespaceUnknown:
		f.Status, f.Message = StatusFail, fmt.Sprintf("Microsoft does not know %s: no tenant has verified it, so nobody can sign in with it", domain)
	default:
		f.Status, f.Message = StatusWarn, fmt.Sprintf("realm discovery answers NameSpaceType %q for %s, which o365doctor does not know", r.NameSpaceType, domain)
	}
	for _, n := range r.Notes {
		f.Evidence = append(f.Evidence, read("note", n))
	}
	if want, by := expectedAuth(ctx, pass); want != "" {
		f.Evidence = append(f.Evidence, Value{Read{System: map[bool]string{true: "entra", false: "o365doctor"}[by == "Entra ID"], Object: obj,
			Field: "expected", Value: want, Source: map[bool]string{true: srcDomains, false: "--expect"}[by == "Entra ID"]}})
		switch {
		case want == "federated" && r.Managed():
			f.Status, f.Message = StatusFail, fmt.Sprintf("realm discovery says %s is managed, but %s expects it federated: sign-ins do not reach Okta (a change takes minutes to hours to show; o365doctor watch %s follows it)", domain, by, domain)
		case want == "managed" && r.Federated():
			f.Status, f.Message = StatusFail, fmt.Sprintf("realm discovery says %s is federated, but %s expects it managed: sign-ins still go to %s (a change takes minutes to hours to show; o365doctor watch %s follows it)", domain, by, hostOf(r.AuthURL), domain)
		}
	}
	pass.Report(f)
	return nil
}

// expectedAuth is what the domain should be, "federated" or "managed", and
// who says so: --expect, else Entra ID (Graph's domain), else "".
func expectedAuth(ctx context.Context, pass *Pass) (want, by string) {
	if e := pass.Subject.Expect; e != "" {
		return e, "--expect"
	}
	domains, err := EntraDomainsFact.Get(ctx, pass.Facts)
	if err != nil {
		return "", ""
	}
	d, ok := model.FindDomain(domains, pass.Subject.Domain)
	if !ok {
		return "", ""
	}
	if d.Federated() {
		return "federated", "Entra ID"
	}
	return "managed", "Entra ID"
}

func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "its IdP"
	}
	return u.Host
}

// oktaHosts are the hosts the org answers on: its own and its verified
// custom domains. known is false when o365doctor cannot tell (no Okta
// credentials: recon), and then only the AuthURL's shape is judged.
func oktaHosts(ctx context.Context, pass *Pass) (hosts []string, known bool, why string) {
	src := pass.Facts.Sources()
	org, err := url.Parse(src.OktaOrg)
	if src.OktaOrg == "" || err != nil || src.Why(Okta) != "" {
		return nil, false, ""
	}
	hosts = append(hosts, org.Host)
	domains, err := OktaCustomDomainsFact.Get(ctx, pass.Facts)
	if errors.Is(err, model.ErrAccessDenied) {
		return hosts, false, "grant okta.domains.read to let o365doctor list the org's custom domains"
	}
	if err != nil {
		return hosts, false, "the org's custom domains could not be listed: " + err.Error()
	}
	for _, d := range domains {
		if strings.EqualFold(d.ValidationStatus, "VERIFIED") || strings.EqualFold(d.ValidationStatus, "COMPLETED") {
			hosts = append(hosts, d.Domain)
		}
	}
	return hosts, true, ""
}

// IsOktaAuthURL reports whether a realm's AuthURL is an Okta Office 365
// app's passive WS-Fed endpoint (on any host: an org or a custom domain).
func IsOktaAuthURL(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && u.Host != "" && oktaPassive.MatchString(u.Path)
}

// Endpoint is a URL without its query and fragment (realm discovery puts
// the login asked about, personal data, in the AuthURL's query).
func Endpoint(raw string) string { return endpoint(raw) }

// endpoint is a URL without its query and fragment.
func endpoint(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || raw == "" {
		return raw
	}
	u.RawQuery, u.Fragment = "", ""
	return u.String()
}

// federatedTo judges the AuthURL of a federated domain against the hosts
// the Okta org answers on.
func federatedTo(domain, authURL string, hosts []string, known bool) (Status, string) {
	u, err := url.Parse(authURL)
	if authURL == "" || err != nil || u.Host == "" {
		return StatusFail, fmt.Sprintf("%s is federated but realm discovery names no sign-in URL: sign-ins fail until a federation configuration exists", domain)
	}
	if !oktaPassive.MatchString(u.Path) {
		return StatusFail, fmt.Sprintf("%s is federated to %s, not to Okta's Office 365 app: a leftover federation (ADFS?) gets every sign-in", domain, u.Host)
	}
	for i, h := range hosts {
		if strings.EqualFold(h, u.Host) {
			if i > 0 {
				return StatusPass, fmt.Sprintf("%s is federated to Okta's Office 365 app at the org's custom domain %s", domain, u.Host)
			}
			return StatusPass, fmt.Sprintf("%s is federated to Okta's Office 365 app at %s", domain, u.Host)
		}
	}
	switch {
	case len(hosts) == 0:
		return StatusPass, fmt.Sprintf("%s is federated to an Okta Office 365 app at %s (which org, recon cannot tell without credentials)", domain, u.Host)
	case !known:
		return StatusWarn, fmt.Sprintf("%s is federated to an Okta Office 365 app at %s, not at the org %s: another Okta org, or a custom domain o365doctor could not list", domain, u.Host, hosts[0])
	}
	return StatusFail, fmt.Sprintf("%s is federated to an Okta Office 365 app at %s, which is neither the org %s nor one of its verified custom domains: another Okta org gets every sign-in", domain, u.Host, hosts[0])
}
