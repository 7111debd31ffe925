package checks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/o365doctor/o365doctor/internal/fix"
	"github.com/o365doctor/o365doctor/internal/model"
)

// The plans of the user and domain fixes beyond the identity ones: each
// is made from what its check read, so the executor can refuse it when
// the live value has moved since.

// revokeSessionsPlan revokes the user's Entra sign-in sessions: every
// client then asks for a fresh sign-in, the looping one included.
func revokeSessionsPlan(checkID, upn string, eu model.EntraUser) fix.Plan {
	before := ""
	if t := eu.Sessions.SessionsValidFrom; !t.IsZero() {
		before = t.UTC().Format(time.RFC3339)
	}
	obj := fix.EntraUserObject(eu.ID)
	return fix.Plan{ID: "graph.revoke-sessions", CheckID: checkID, Subject: upn,
		Title: "Revoke " + upn + "'s Entra ID sign-in sessions, so every client asks for a fresh sign-in",
		Risk: "cannot be undone: " + upn + " must sign in again in every app on every device (each app asks within the hour, when its token is next refreshed); " +
			"a client looping on a dead session then gets a new one through Okta",
		Steps: []fix.Step{{System: "graph", Method: "POST", Object: obj, Path: obj + "/revokeSignInSessions",
			Field: fix.SessionsField, Before: before, After: "(the time of the revocation)", Expect: fix.ExpectChanged,
			Action: "revokeSignInSessions", Permission: fix.PermGraphRevokeSessions}}}
}

// oktaLicenseValues are Entra's licenses as values of the Okta app user's
// licenses attribute: SKU part numbers. ASSUMED: Okta's value format is
// not published (api-facts §Q1d); the part number is the form the license
// checks read back as the same SKU, and an org whose values are
// "PART:plan" keeps its own values for the SKUs Okta already lists. ok is
// false when a SKU has no part number o365doctor can name.
func oktaLicenseValues(refs []skuRef) (values []string, ok bool) {
	for _, r := range refs {
		if r.Part == "" {
			return nil, false
		}
		values = append(values, r.Part)
	}
	return values, true
}

// alignLicensesPlan adds to the Okta app user's licenses those Entra
// holds directly and Okta does not list, keeping Okta's own values: the
// next push then keeps them. Not for a group assignment, whose licenses
// are the group's.
func alignLicensesPlan(checkID, upn string, a Assignment, missing []skuRef) (fix.Plan, string) {
	if len(missing) == 0 {
		return fix.Plan{}, ""
	}
	if a.AppUser.Scope == "GROUP" {
		return fix.Plan{}, "the licenses come from the group assignment: set them on the group (Applications > Office 365 > Assignments > Groups)"
	}
	add, ok := oktaLicenseValues(missing)
	if !ok {
		return fix.Plan{}, "a license Entra holds has no SKU part number o365doctor can name: set it on the Okta assignment by hand"
	}
	before, err := fix.ProfileValue(a.AppUser.Profile["licenses"])
	if err != nil {
		return fix.Plan{}, "the Okta app user's licenses are not a list of strings: set them by hand"
	}
	current, _ := a.AppUser.Licenses()
	after := fix.ListValue(append(slices.Clone(current), add...))
	obj := fix.AppUserObject(a.App.ID, a.User.ID)
	return fix.Plan{ID: "okta.align-licenses", CheckID: checkID, Subject: upn, Reversible: true,
		Title: "Add " + strings.Join(add, ", ") + " to the licenses of " + upn + "'s Office 365 assignment in Okta (what Entra ID holds)",
		Risk: "low: Okta's next push then keeps what Entra ID holds instead of removing it; nothing changes in Microsoft 365 now. " +
			"The undo restores Okta's earlier list, and with it the risk of the next push removing the licenses",
		Steps: []fix.Step{{System: "okta", Method: "POST", Object: obj, Field: "profile.licenses", Before: before, After: after,
			Permission: fix.PermOktaApps}}}, ""
}

// assignAppPlan assigns the Office 365 app to a user who is not assigned,
// with the licenses Entra already holds (a blank assignment makes Okta's
// push remove them) and Entra's immutableID as the anchor. Without Entra's
// side no plan is made: it cannot be told what the assignment must carry.
func assignAppPlan(checkID, upn string, a Assignment, eu model.EntraUser, skus []model.SKU, euErr error) (fix.Plan, string) {
	if euErr != nil {
		return fix.Plan{}, "assign the app in Okta with the licenses the user holds in Entra ID (o365doctor could not read them: " + euErr.Error() + ")"
	}
	profile := map[string]any{}
	idx := newSKUIndex(skus)
	direct, _ := directOnly(eu, idx)
	carries := "no license (Entra ID assigns none directly)"
	if oktaManagesLicenses(a.App) {
		values, ok := oktaLicenseValues(direct)
		if !ok {
			return fix.Plan{}, "a license Entra holds has no SKU part number o365doctor can name: assign the app by hand with the user's licenses"
		}
		profile["licenses"] = values
		if len(values) > 0 {
			carries = "the licenses Entra ID holds (" + strings.Join(values, ", ") + ")"
		} else {
			profile["licenses"] = []string{}
		}
	} else {
		carries = "no license (the app does not push to Microsoft)"
	}
	if eu.OnPremisesImmutableID != "" {
		profile["immutableId"] = eu.OnPremisesImmutableID
	}
	if eu.UsageLocation != "" {
		profile["usageLocation"] = eu.UsageLocation
	}
	body, _ := json.Marshal(profile)
	obj := fix.AppUserObject(a.App.ID, a.User.ID)
	// The body is made of Entra's values: each is checked still to hold
	// before the assignment is sent (a license given in between would be
	// left out, and Okta's push would remove it).
	skuIDs := make([]string, 0, len(eu.AssignedLicenses()))
	for _, l := range eu.AssignedLicenses() {
		skuIDs = append(skuIDs, l.SkuID)
	}
	entraObj := fix.EntraUserObject(eu.ID)
	guard := func(field, v string) fix.Step {
		return fix.Step{System: "graph", Method: "GET", Object: entraObj, Field: field, Before: v, After: v, Guard: true}
	}
	return fix.Plan{ID: "okta.assign-o365-app", CheckID: checkID, Subject: upn,
		Title: "Assign " + a.App.Label + " to " + upn + " in Okta, carrying " + carries + " and Entra ID's immutableID",
		Risk: "cannot be undone by o365doctor: removing the assignment again makes Okta deprovision the user in Microsoft 365 (sign-in blocked, licenses removed); " +
			"Okta pushes the assignment to Microsoft 365 at once (provisioning); when Okta manages roles, the assignment carries none, so a user holding a Microsoft 365 admin role through Okta loses it: assign admins by hand; " +
			"the app username is Okta's username template, which this plan does not set",
		Steps: []fix.Step{guard(fix.LicensesField, fix.SetValue(skuIDs)), guard("onPremisesImmutableId", eu.OnPremisesImmutableID), guard("usageLocation", eu.UsageLocation),
			{System: "okta", Method: "POST", Object: obj, Path: "/api/v1/apps/" + a.App.ID + "/users",
				Field: "status", Before: "", After: "assigned (Okta's app-user status)", Expect: fix.ExpectChanged,
				Action: "assign", Body: string(body), Permission: fix.PermOktaApps}}}, ""
}

// usageLocationPlan sets the Entra user's usageLocation: Okta's profile
// value when it holds a country code, else the one the person gives
// (--usage-location, or asked in the TUI).
func usageLocationPlan(checkID, upn string, eu model.EntraUser, oktaCode string) fix.Plan {
	p := fix.Plan{ID: "graph.set-usage-location", CheckID: checkID, Subject: upn, Reversible: true,
		Title: "Set the Entra user's usageLocation",
		Risk:  "low: one attribute of one Entra user; the licenses Okta assigns can then be given (the next push, or Okta's retry); once they are, the undo (clearing it) may be refused",
		Steps: []fix.Step{{System: "graph", Method: "PATCH", Object: fix.EntraUserObject(eu.ID), Field: "usageLocation", Before: eu.UsageLocation,
			Input: true, Permission: fix.PermGraphUsers}},
		Input: &fix.Input{Flag: "usage-location", Prompt: "the user's country, a two-letter code (ISO 3166-1 alpha-2)", Check: "country"}}
	if oktaCode != "" {
		p, _ = p.WithInput(oktaCode)
		p.Title = "Set the Entra user's usageLocation to " + oktaCode + ", the country Okta's profile holds (--usage-location gives another)"
		return p
	}
	p.Title = "Set the Entra user's usageLocation to the country you give (--usage-location XX)"
	return p
}

// signingCertStep makes Entra trust the key Okta signs with.
func signingCertStep(domain string, fed *model.Federation, active model.SigningKey) fix.Step {
	return fix.Step{System: "graph", Method: "PATCH", Object: fix.FederationObject(domain, fed.ID), Field: "signingCertificate",
		Before: fed.SigningCertificate, After: keyLeaf(active), Permission: fix.PermGraphFederation}
}

// signingCertPlan replaces Entra's signing certificate with Okta's
// active key.
func signingCertPlan(checkID, domain string, fed *model.Federation, active model.SigningKey) fix.Plan {
	return fix.Plan{ID: "graph.set-signing-certificate", CheckID: checkID, Subject: domain, Reversible: true,
		Title: "Make Okta's active key " + active.Kid + " the signing certificate Entra ID trusts for " + domain,
		Risk: "medium: every federated user of " + domain + " is affected; sign-ins signed with the key work again once Entra has it (minutes, up to an hour); " +
			"the undo puts the old certificate back, and with it the failures",
		Steps: []fix.Step{signingCertStep(domain, fed, active)}}
}

// federationURIsPlan points the federation's issuer and WS-Fed URLs at the
// Okta app (and its signing certificate at the active key): the values
// Okta writes when it federates a domain itself.
func federationURIsPlan(checkID, domain string, fed *model.Federation, side oktaSide, active *model.SigningKey) (fix.Plan, bool) {
	if side.exk == "" || len(side.hosts) == 0 || fed.ID == "" {
		return fix.Plan{}, false
	}
	obj := fix.FederationObject(domain, fed.ID)
	var steps []fix.Step
	set := func(field, before, after string) {
		if before != after {
			steps = append(steps, fix.Step{System: "graph", Method: "PATCH", Object: obj, Field: field, Before: before, After: after, Permission: fix.PermGraphFederation})
		}
	}
	base := "https://" + side.hosts[0] + "/app/office365/" + side.exk + "/sso/wsfed/"
	issuer, ok := wantIssuer(fed.IssuerURI, domain, side.exk)
	if !ok {
		// Not an issuer Okta writes (a leftover ADFS): the one the app
		// sends follows how it was federated. Unknown: no plan, since
		// moving the URLs to Okta with an issuer Entra then refuses
		// would fail every sign-in.
		switch t, _ := side.app.Settings["wsFedConfigureType"].(string); {
		case strings.EqualFold(t, "AUTO") && !(domain != "" && domain[0] >= '0' && domain[0] <= '9'):
			issuer = domain + ":" + side.exk
		case strings.EqualFold(t, "MANUAL"):
			issuer = "https://" + side.exk
		default:
			return fix.Plan{}, false
		}
	}
	set("issuerUri", fed.IssuerURI, issuer)
	for _, e := range []struct{ field, value, kind string }{
		{"passiveSignInUri", fed.PassiveSignInURI, "passive"},
		{"activeSignInUri", fed.ActiveSignInURI, "active"},
		{"signOutUri", fed.SignOutURI, "signout"},
		{"metadataExchangeUri", fed.MetadataExchangeURI, "mex"},
	} {
		if ok, _ := wsfedURLMatches(e.value, e.kind, side); !ok {
			set(e.field, e.value, base+e.kind)
		}
	}
	if active != nil && !sameCert(fed.SigningCertificate, keyLeaf(*active)) && !signsWithNext(fed, *active) {
		steps = append(steps, signingCertStep(domain, fed, *active))
	}
	if len(steps) == 0 {
		return fix.Plan{}, false
	}
	return fix.Plan{ID: "graph.set-federation-to-okta", CheckID: checkID, Subject: domain, Reversible: true,
		Title: "Point " + domain + "'s federation at the Okta app " + side.app.Label + " (" + side.exk + "): issuer, WS-Fed URLs and signing certificate",
		Risk: "high: every federated user of " + domain + " signs in through what this sets (minutes, up to an hour to show everywhere); " +
			"the undo puts every value back as it was read",
		Steps: steps}, true
}

// wantIssuer is the issuerUri naming the app's external key in the form
// the federation uses now ({domain}:{exk} as Okta's automatic federation
// writes it, https://{exk} by hand, http://www.okta.com/{exk} legacy).
// An issuer of no known form gets no plan: which form Okta was set up to
// send cannot be told from outside.
func wantIssuer(issuer, domain, exk string) (string, bool) {
	form, _, _ := issuerForm(issuer)
	switch form {
	case IssuerLegacy:
		return "http://www.okta.com/" + exk, true
	case IssuerManual:
		return "https://" + exk, true
	case IssuerAutomatic:
		if domain != "" && domain[0] >= '0' && domain[0] <= '9' {
			return "https://" + exk, true // Entra refuses an issuer starting with a digit
		}
		return domain + ":" + exk, true
	}
	return "", false
}

// nextKey is Okta's newer key that is not active, if any.
func nextKey(keys []model.SigningKey, active model.SigningKey) (model.SigningKey, bool) {
	var next model.SigningKey
	found := false
	for _, k := range keys {
		if k.Kid != active.Kid && k.ExpiresAt.After(active.ExpiresAt) && (!found || k.ExpiresAt.After(next.ExpiresAt)) {
			next, found = k, true
		}
	}
	return next, found
}

// RolloverPlanID and GenerateKeyPlanID are the certificate rollover
// assistant's plans (o365doctor fix federation.rollover).
const (
	RolloverPlanID    = "federation.rollover"
	GenerateKeyPlanID = "okta.generate-signing-key"
)

// rolloverPlans are the certificate rollover: without a newer key in Okta,
// generating one; with one, staging it as Entra's nextSigningCertificate,
// making it Okta's active key, then promoting it in Entra. After each
// step Entra trusts the key Okta signs with (the executor checks it when
// the assistant runs the plan).
func rolloverPlans(checkID, domain string, app model.OktaApp, keys []model.SigningKey, active model.SigningKey, fed *model.Federation) []fix.Plan {
	next, ok := nextKey(keys, active)
	if !ok {
		kids := make([]string, len(keys))
		for i, k := range keys {
			kids[i] = k.Kid
		}
		slices.Sort(kids)
		return []fix.Plan{{ID: GenerateKeyPlanID, CheckID: checkID, Subject: domain,
			Title: "Generate a new signing key for " + app.Label + " in Okta (not active yet): the first part of the certificate rollover",
			Risk: "cannot be undone (Okta deletes no app key), but changes no sign-in: the app keeps signing with " + active.Kid +
				" until the rollover makes the new key active; then run o365doctor fix federation.rollover --domain " + domain + " again",
			Steps: []fix.Step{{System: "okta", Method: "POST", Object: fix.AppKeysObject(app.ID), Path: fix.AppKeysObject(app.ID) + "/generate?validityYears=2",
				Field: "kids", Before: strings.Join(kids, ","), After: "one more key", Expect: fix.ExpectChanged, Action: "generate",
				Permission: fix.PermOktaApps}}}}
	}
	if fed == nil || fed.ID == "" {
		return nil
	}
	obj := fix.FederationObject(domain, fed.ID)
	cur := fed.SigningCertificate
	return []fix.Plan{{ID: RolloverPlanID, CheckID: checkID, Subject: domain, Reversible: true, Invariant: FederationAgreesInvariant + domain,
		Title: fmt.Sprintf("Roll %s's signing key to %s (expires %s) with no failed sign-in: stage it in Entra, activate it in Okta, promote it in Entra",
			domain, next.Kid, next.ExpiresAt.UTC().Format("2006-01-02")),
		Risk: "medium: every federated user of " + domain + " is affected if a step goes wrong; each step keeps Entra trusting the key Okta signs with, " +
			"checked after each one; the undo goes back step by step",
		Steps: rolloverSteps(obj, fed, app, next, cur)}}
}

// rolloverSteps skips what is done already (a rollover half made).
func rolloverSteps(obj string, fed *model.Federation, app model.OktaApp, next model.SigningKey, cur string) []fix.Step {
	var steps []fix.Step
	if fed.NextSigningCertificate != keyLeaf(next) && !sameCert(fed.NextSigningCertificate, keyLeaf(next)) {
		steps = append(steps, fix.Step{System: "graph", Method: "PATCH", Object: obj, Field: "nextSigningCertificate", Before: fed.NextSigningCertificate, After: keyLeaf(next), Permission: fix.PermGraphFederation})
	}
	if app.SigningKid != next.Kid {
		steps = append(steps, fix.Step{System: "okta", Method: "PUT", Object: fix.AppObject(app.ID), Field: fix.SigningKidField, Before: app.SigningKid, After: next.Kid, Permission: fix.PermOktaApps})
	}
	return append(steps, fix.Step{System: "graph", Method: "PATCH", Object: obj, Field: "signingCertificate", Before: cur, After: keyLeaf(next), Permission: fix.PermGraphFederation})
}

// FederationAgreesInvariant names FederationAgrees for a domain in a
// plan's Invariant: the prefix, then the domain.
const FederationAgreesInvariant = "federation-agrees:"

// Invariants checks the invariants plans name, through src.
func Invariants(src Sources) func(ctx context.Context, name string) error {
	return func(ctx context.Context, name string) error {
		if domain, ok := strings.CutPrefix(name, FederationAgreesInvariant); ok && domain != "" {
			return FederationAgrees(src, domain)(ctx, 0)
		}
		return fmt.Errorf("o365doctor does not know the invariant %q", name)
	}
}

// FederationAgrees is the certificate rollover's invariant, read fresh
// after each step: realm discovery still sends the domain's sign-ins to
// Okta, and Entra trusts (as signingCertificate or nextSigningCertificate)
// the key the domain's Office 365 app signs with. A sign-in at that
// moment succeeds.
func FederationAgrees(src Sources, domain string) func(ctx context.Context, done int) error {
	return func(ctx context.Context, done int) error {
		if src.Realm == nil || src.Okta == nil || src.Graph == nil {
			return errors.New("cannot check the federation between steps: realm discovery, Okta and Graph are all needed")
		}
		r, err := src.Realm.UserRealm(ctx, "o365doctor-realm-probe@"+domain)
		if err != nil {
			return fmt.Errorf("realm discovery: %w", err)
		}
		if !strings.EqualFold(r.NameSpaceType, "Federated") || !IsOktaAuthURL(r.AuthURL) {
			return fmt.Errorf("realm discovery no longer sends %s to Okta (%s, %s)", domain, r.NameSpaceType, Endpoint(r.AuthURL))
		}
		apps, err := src.Okta.Office365Apps(ctx)
		if err != nil {
			return err
		}
		app, ok := domainApp(apps, domain)
		if !ok {
			return fmt.Errorf("no active Office 365 app in Okta federates %s", domain)
		}
		keys, err := src.Okta.AppKeys(ctx, app.ID)
		if err != nil {
			return err
		}
		active, ok := activeKey(app, keys)
		if !ok {
			return fmt.Errorf("the Okta app signs with key %q, which is not among its keys", app.SigningKid)
		}
		fed, found, err := src.Graph.Federation(ctx, domain)
		switch {
		case err != nil:
			return err
		case !found:
			return fmt.Errorf("%s has no federation configuration", domain)
		case !sameCert(keyLeaf(active), fed.SigningCertificate) && !sameCert(keyLeaf(active), fed.NextSigningCertificate):
			return fmt.Errorf("the federation does not trust the key Okta signs with (%s): sign-ins would fail", active.Kid)
		}
		return nil
	}
}
