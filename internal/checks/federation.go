package checks

import (
	"context"
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

// oktaPassive is the path of the Office 365 app's WS-Fed passive endpoint
// (api-facts §Q2): /app/office365/{externalKey}/sso/wsfed/passive.
var oktaPassive = regexp.MustCompile(`^/app/office365/([A-Za-z0-9]+)/sso/wsfed/passive/?$`)

// RealmToOkta: Microsoft sends the domain's sign-ins to Okta's Office 365
// app, as anyone can see without credentials.
var RealmToOkta = &Check{
	ID:          "federation.realm",
	Title:       "Microsoft sends the domain's sign-ins to Okta",
	Area:        AreaFederation,
	Scope:       ScopeDomain,
	Severity:    Critical,
	Needs:       []Source{Realm},
	Permissions: nil, // public: no credentials
	Requires:    []FactRef{RealmFact},
	Doc: `Microsoft's home realm discovery (getuserrealm.srf, userrealm) tells anyone where
a domain's sign-ins go: Managed (Entra ID signs users in itself), Federated (to
the AuthURL) or Unknown (no tenant has verified the domain). A domain federated
with Okta sends browsers to the Office 365 app's passive WS-Fed endpoint,
https://{org}/app/office365/{externalKey}/sso/wsfed/passive (the host may be an
Okta custom domain). An AuthURL elsewhere is a leftover federation (often ADFS,
.../adfs/ls/) or another IdP: the Okta app is never asked, whatever it holds.
A managed domain is reported, not failed: before go-live that is expected.
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
		f.Evidence = append(f.Evidence, read("AuthURL", r.AuthURL), read("ActiveAuthURL", r.ActiveAuthURL))
		f.Status, f.Message = federatedTo(domain, r.AuthURL, pass.Facts.Sources().OktaOrg)
	case r.NameSpaceType == model.NamespaceUnknown:
		f.Status, f.Message = StatusFail, fmt.Sprintf("Microsoft does not know %s: no tenant has verified it, so nobody can sign in with it", domain)
	default:
		f.Status, f.Message = StatusWarn, fmt.Sprintf("realm discovery answers NameSpaceType %q for %s, which o365doctor does not know", r.NameSpaceType, domain)
	}
	for _, n := range r.Notes {
		f.Evidence = append(f.Evidence, read("note", n))
	}
	pass.Report(f)
	return nil
}

// federatedTo judges the AuthURL of a federated domain.
func federatedTo(domain, authURL, oktaOrg string) (Status, string) {
	u, err := url.Parse(authURL)
	if authURL == "" || err != nil || u.Host == "" {
		return StatusFail, fmt.Sprintf("%s is federated but realm discovery names no sign-in URL: sign-ins fail until a federation configuration exists", domain)
	}
	if !oktaPassive.MatchString(u.Path) {
		return StatusFail, fmt.Sprintf("%s is federated to %s, not to Okta's Office 365 app: a leftover federation (ADFS?) gets every sign-in", domain, u.Host)
	}
	if org, err := url.Parse(oktaOrg); oktaOrg != "" && err == nil && !strings.EqualFold(org.Host, u.Host) {
		return StatusWarn, fmt.Sprintf("%s is federated to an Okta Office 365 app at %s, not at the org %s: another Okta org, or an Okta custom domain", domain, u.Host, org.Host)
	}
	return StatusPass, fmt.Sprintf("%s is federated to Okta's Office 365 app at %s", domain, u.Host)
}
