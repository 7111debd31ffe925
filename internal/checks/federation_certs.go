package checks

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/o365doctor/o365doctor/internal/fix"
	"github.com/o365doctor/o365doctor/internal/model"
)

// SigningKeys: Okta's signing keys, the app's metadata and Entra's
// signingCertificate and nextSigningCertificate agree.
var SigningKeys = &Check{
	ID:          "federation.signing-keys",
	Title:       "Entra trusts the key Okta signs with, and the next one",
	Area:        AreaFederation,
	Scope:       ScopeDomain,
	Severity:    Critical,
	Needs:       []Source{Graph, Okta},
	Permissions: []Permission{{Source: Graph, Name: permDomains}, {Source: Okta, Name: permOktaApps}},
	Requires:    []FactRef{FederationFact, EntraDomainsFact, Office365AppFact, AppKeysFact, AppMetadataFact},
	Doc: `Okta signs the WS-Fed tokens of the Office 365 app with the app's active key
(credentials.signing.kid among GET /api/v1/apps/{id}/credentials/keys; the app's
SAML metadata publishes the same certificate). Entra ID accepts them only when
the domain's signingCertificate is that certificate; nextSigningCertificate lets
a rollover happen without an outage. Compared by SHA-256 (SHA-1 thumbprints are
shown too, as both consoles show them), with subjects and expiry. When Okta
rolls the key and Entra keeps the old one, every federated sign-in fails with
AADSTS5000811 / AADSTS50008. When Okta already signs with the certificate Entra
holds as nextSigningCertificate (a rollover half done), Entra accepts the tokens
(Graph calls it the fallback signing certificate): it warns, to finish the
rollover before the old certificate goes. signingCertificateUpdateStatus (Microsoft's
automatic certificate update) is shown; a result other than success warns.
Fix: update the federation's signingCertificate to Okta's active key (Okta's
automatic federation does it when the app's key is rolled in Okta).`,
	References: []string{
		"https://developer.okta.com/docs/api/openapi/okta-management/management/tag/ApplicationSSOCredentialKey/",
		"https://learn.microsoft.com/graph/api/resources/internaldomainfederation",
		"https://learn.microsoft.com/entra/identity-platform/reference-error-codes",
	},
	Run: runSigningKeys,
}

func runSigningKeys(ctx context.Context, pass *Pass) error {
	domain := pass.Subject.Domain
	fed, err := federationOf(ctx, pass)
	if err != nil || fed == nil {
		return err
	}
	if !toOkta(fed) {
		return Skip("%s is not federated to an Okta Office 365 app (see federation.config-match)", domain)
	}
	app, err := Office365AppFact.Get(ctx, pass.Facts)
	if err != nil {
		return Skip("no active Office 365 app in Okta federates %s (see oktaapp.one-active-app)", domain)
	}
	keys, err := AppKeysFact.Get(ctx, pass.Facts)
	if err != nil {
		return err
	}
	obj := domainObject(domain)
	appObj := appObject(app)
	var keyEv []Evidence
	for _, k := range keys {
		r := certRead("okta", appObj, "key "+k.Kid, keyLeaf(k), srcOktaKeys)
		if k.Kid == app.SigningKid {
			r.Field += " (active)"
		}
		keyEv = append(keyEv, Value{r})
	}
	active, ok := activeKey(app, keys)
	if !ok {
		pass.Report(Finding{Object: appObj, Status: StatusFail, Evidence: keyEv,
			Message: fmt.Sprintf("the Okta app %s signs with key %q, which is not among its %d key(s): o365doctor cannot tell which certificate Entra must trust", app.Label, app.SigningKid, len(keys))})
		return nil
	}

	// The certificate Entra trusts vs the key Okta signs with.
	cur := Compare("signing certificate",
		certRead("entra", obj, "signingCertificate", fed.SigningCertificate, srcFederation),
		certRead("okta", appObj, "active key "+active.Kid, keyLeaf(active), srcOktaKeys))
	f := Finding{Object: obj, Evidence: append([]Evidence{cur}, keyEv...)}
	if fed.NextSigningCertificate != "" {
		f.Evidence = append(f.Evidence, Value{certRead("entra", obj, "nextSigningCertificate", fed.NextSigningCertificate, srcFederation)})
	}
	switch {
	case cur.Equal:
		f.Status, f.Message = StatusPass, fmt.Sprintf("Entra trusts the key Okta signs %s's tokens with (SHA-1 %s)", domain, thumb1(cur.Sides[1]))
	case signsWithNext(fed, active):
		// Mid-rollover: Entra accepts tokens signed with its next
		// certificate (Graph: "fallback token signing certificate").
		f.Status, f.Message = StatusWarn, fmt.Sprintf("Okta signs %s's tokens with %s, which Entra holds as nextSigningCertificate: sign-ins work, but finish the rollover (make it the signingCertificate) before %s expires", domain, thumbDesc(cur.Sides[1]), thumbDesc(cur.Sides[0]))
	case fed.SigningCertificate == "":
		f.Status, f.Message = StatusFail, fmt.Sprintf("%s's federation has no signingCertificate: Entra can verify no token", domain)
	default:
		f.Status = StatusFail
		f.Message = fmt.Sprintf("Entra trusts %s for %s, but Okta signs with %s: every federated sign-in fails (AADSTS5000811)", thumbDesc(cur.Sides[0]), domain, thumbDesc(cur.Sides[1]))
		for _, k := range keys {
			if k.Kid != active.Kid && sameCert(keyLeaf(k), fed.SigningCertificate) {
				f.Message += "; Entra's is the app's other key " + k.Kid + " (Okta rolled its key, Entra was not updated)"
			}
		}
	}
	if f.Status != StatusPass && fed.ID != "" {
		f.Fixes = []fix.Plan{signingCertPlan(pass.Check.ID, domain, fed, active)}
	}
	pass.Report(f)

	// The metadata publishes the active key (what manual federations copy).
	if md, err := AppMetadataFact.Get(ctx, pass.Facts); err == nil && len(md.Certificates) > 0 {
		mc := Compare("metadata certificate",
			certRead("okta", appObj, "SAML metadata X509Certificate", md.Certificates[0], srcOktaMeta),
			certRead("okta", appObj, "active key "+active.Kid, keyLeaf(active), srcOktaKeys))
		if !mc.Equal {
			pass.Report(Finding{Object: appObj, Status: StatusWarn, Evidence: []Evidence{mc},
				Message: fmt.Sprintf("the app's SAML metadata publishes %s, not the active key %s: a federation set up by hand from it would trust the wrong key", thumbDesc(mc.Sides[0]), active.Kid)})
		}
	}

	// The next key: Okta's newer, not yet active key vs Entra's
	// nextSigningCertificate.
	var next *model.SigningKey
	for i, k := range keys {
		if k.Kid != active.Kid && k.ExpiresAt.After(active.ExpiresAt) && k.Created.After(active.Created) {
			next = &keys[i]
		}
	}
	switch {
	case signsWithNext(fed, active):
		// The next key is in use already: reported above.
	case next != nil && !sameCert(keyLeaf(*next), fed.NextSigningCertificate):
		nc := Compare("next signing certificate",
			certRead("entra", obj, "nextSigningCertificate", fed.NextSigningCertificate, srcFederation),
			certRead("okta", appObj, "next key "+next.Kid, keyLeaf(*next), srcOktaKeys))
		pass.Report(Finding{Object: obj, Status: StatusWarn, Evidence: []Evidence{nc},
			Message: fmt.Sprintf("Okta holds a newer key %s that Entra does not trust as nextSigningCertificate: when the app switches to it, sign-ins fail until the federation is updated", next.Kid)})
	case next == nil && fed.NextSigningCertificate != "" && !sameCert(fed.NextSigningCertificate, keyLeaf(active)):
		known := false
		for _, k := range keys {
			known = known || sameCert(keyLeaf(k), fed.NextSigningCertificate)
		}
		if !known {
			pass.Report(Finding{Object: obj, Status: StatusWarn,
				Evidence: []Evidence{Value{certRead("entra", obj, "nextSigningCertificate", fed.NextSigningCertificate, srcFederation)}},
				Message:  fmt.Sprintf("%s's nextSigningCertificate is none of the Okta app's keys: a leftover of another IdP", domain)})
		}
	}

	// Microsoft's automatic certificate update.
	if r := fed.CertificateUpdateResult; r != "" && !strings.EqualFold(r, "success") {
		pass.Report(Finding{Object: obj, Status: StatusWarn,
			Evidence: []Evidence{Value{Read{System: "entra", Object: obj, Field: "signingCertificateUpdateStatus.certificateUpdateResult", Value: r, Source: srcFederation}}},
			Message:  fmt.Sprintf("Microsoft's last automatic certificate update for %s ended %q: a rolled key will not reach Entra by itself", domain, r)})
	}
	return nil
}

// signsWithNext reports whether the key Okta signs with is the one Entra
// holds as its next certificate: a rollover half done, which Entra accepts.
func signsWithNext(fed *model.Federation, active model.SigningKey) bool {
	return fed.NextSigningCertificate != "" && sameCert(keyLeaf(active), fed.NextSigningCertificate)
}

func thumb1(r Read) string {
	if r.Cert == nil {
		return r.Value
	}
	return r.Cert.SHA1
}

// thumbDesc is a certificate as a message names it: SHA-1 thumbprint and
// expiry.
func thumbDesc(r Read) string {
	if r.Cert == nil {
		return "(" + r.Value + ")"
	}
	return fmt.Sprintf("SHA-1 %s (expires %s)", r.Cert.SHA1, r.Cert.NotAfter.Format("2006-01-02"))
}

// CertExpiry: the key Okta signs with is not about to expire.
var CertExpiry = &Check{
	ID:          "federation.cert-expiry",
	Title:       "The signing certificate is not about to expire",
	Area:        AreaFederation,
	Scope:       ScopeDomain,
	Severity:    High,
	Needs:       []Source{Okta},
	Permissions: []Permission{{Source: Okta, Name: permOktaApps}, {Source: Graph, Name: permDomains, Optional: true}},
	Requires:    []FactRef{Office365AppFact, AppKeysFact, FederationFact},
	Doc: `The Office 365 app's active signing key has an expiry (expiresAt, the
certificate's notAfter). Before it, Okta must roll to a new key and Entra must
trust it (federation.signing-keys); after it, sign-ins of every federated user
fail. Warns under 30 days, fails under 7 days or when expired. With Graph, the
certificate Entra trusts is shown beside it.
Fix: generate a new key for the app in Okta, make it active, and update the
federation (automatic federation does both).`,
	References: []string{
		"https://developer.okta.com/docs/api/openapi/okta-management/management/tag/ApplicationSSOCredentialKey/",
	},
	Run: runCertExpiry,
}

// Expiry thresholds.
const (
	certWarn = 30 * 24 * time.Hour
	certFail = 7 * 24 * time.Hour
)

func runCertExpiry(ctx context.Context, pass *Pass) error {
	domain := pass.Subject.Domain
	app, err := Office365AppFact.Get(ctx, pass.Facts)
	if err != nil {
		return Skip("no active Office 365 app in Okta federates %s (see oktaapp.one-active-app)", domain)
	}
	keys, err := AppKeysFact.Get(ctx, pass.Facts)
	if err != nil {
		return err
	}
	key, ok := activeKey(app, keys)
	if !ok {
		return Skip("the app's active key %q is not among its keys (see federation.signing-keys)", app.SigningKid)
	}
	r := certRead("okta", appObject(app), "active key "+key.Kid, keyLeaf(key), srcOktaKeys)
	ev := []Evidence{Value{r}}
	if fed, err := FederationFact.Get(ctx, pass.Facts); err == nil && fed != nil && fed.SigningCertificate != "" {
		ev = append(ev, Value{certRead("entra", domainObject(domain), "signingCertificate", fed.SigningCertificate, srcFederation)})
	}
	expires := key.ExpiresAt
	if r.Cert != nil && (expires.IsZero() || r.Cert.NotAfter.Before(expires)) {
		expires = r.Cert.NotAfter
	}
	obj := Object{Kind: ObjCertificate, ID: key.Kid, Name: app.Label + " signing key"}
	left := time.Until(expires)
	f := Finding{Object: obj, Evidence: ev}
	days := int(left.Hours() / 24)
	switch {
	case expires.IsZero():
		f.Status, f.Message = StatusWarn, fmt.Sprintf("the expiry of %s's signing key %s could not be read", app.Label, key.Kid)
	case left <= 0:
		f.Status, f.Message = StatusFail, fmt.Sprintf("%s's signing key expired on %s: federated sign-ins fail", app.Label, expires.Format("2006-01-02"))
	case left < certFail:
		f.Status, f.Message = StatusFail, fmt.Sprintf("%s's signing key expires in %d day(s), on %s: roll it now", app.Label, days, expires.Format("2006-01-02"))
	case left < certWarn:
		f.Status, f.Message = StatusWarn, fmt.Sprintf("%s's signing key expires in %d days, on %s: plan the rollover (new key in Okta, then the federation)", app.Label, days, expires.Format("2006-01-02"))
	default:
		f.Status, f.Message = StatusPass, fmt.Sprintf("%s's signing key is valid until %s (%d days)", app.Label, expires.Format("2006-01-02"), days)
	}
	if f.Status != StatusPass {
		// The rollover needs Entra's side; without Graph only Okta's new
		// key can be made.
		fed, _ := FederationFact.Get(ctx, pass.Facts)
		if fed != nil && !toOkta(fed) {
			fed = nil
		}
		f.Fixes = rolloverPlans(pass.Check.ID, domain, app, keys, key, fed)
		if len(f.Fixes) > 0 {
			f.Message += " (o365doctor fix federation.rollover --domain " + domain + " rolls it with no failed sign-in)"
		}
	}
	pass.Report(f)
	return nil
}
