package checks

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/o365doctor/o365doctor/internal/fix"
	"github.com/o365doctor/o365doctor/internal/model"
)

// MFABehavior: what Entra does with MFA done in Okta.
var MFABehavior = &Check{
	ID:          "federation.mfa-behavior",
	Title:       "Entra accepts the MFA Okta performs",
	Area:        AreaFederation,
	Scope:       ScopeDomain,
	Severity:    Medium,
	Needs:       []Source{Graph},
	Permissions: []Permission{{Source: Graph, Name: permDomains}},
	Requires:    []FactRef{FederationFact, EntraDomainsFact},
	Doc: `federatedIdpMfaBehavior says what Entra ID does when Conditional Access asks for
MFA from a federated user:
- acceptIfMfaDoneByFederatedIdp (the default when unset): Okta's MFA claim
  (multipleauthn) is accepted; without it Entra prompts its own MFA.
- enforceMfaByFederatedIdp: Entra sends the user back to Okta for MFA. If Okta's
  Office 365 sign-on rule does not require MFA, the user loops between the two.
- rejectMfaByFederatedIdp: Entra always prompts its own MFA, even after Okta's:
  users are asked twice (and must register for Entra MFA).
The last warns; the others pass with what they mean, since the loop depends on
Okta's rules (the login-loop checks judge those).
Fix: PATCH the federation's federatedIdpMfaBehavior to acceptIfMfaDoneByFederatedIdp
and require MFA in Okta's Office 365 sign-on rule.`,
	References: []string{
		"https://learn.microsoft.com/graph/api/resources/internaldomainfederation",
		"https://help.okta.com/en-us/content/topics/apps/office365/use_okta_mfa_azure_ad_mfa.htm",
	},
	Run: runMFABehavior,
}

func runMFABehavior(ctx context.Context, pass *Pass) error {
	domain := pass.Subject.Domain
	fed, err := federationOf(ctx, pass)
	if err != nil || fed == nil {
		return err
	}
	obj := domainObject(domain)
	b := fed.FederatedIdpMfaBehavior
	f := Finding{Object: obj, Evidence: []Evidence{Value{Read{System: "entra", Object: obj, Field: "federatedIdpMfaBehavior",
		Value: cmp.Or(b, "(not set)"), Source: srcFederation}}}}
	switch {
	case b == "" || strings.EqualFold(b, model.MFAAcceptIfDoneByIdP):
		f.Status = StatusPass
		f.Message = fmt.Sprintf("Entra accepts the MFA Okta performs for %s (acceptIfMfaDoneByFederatedIdp%s); without Okta's MFA claim Entra prompts its own", domain, map[bool]string{true: ", the default", false: ""}[b == ""])
	case strings.EqualFold(b, model.MFAEnforceByIdP):
		f.Status = StatusPass
		f.Message = fmt.Sprintf("Entra sends %s's users back to Okta for MFA (enforceMfaByFederatedIdp): Okta's Office 365 sign-on rule must require MFA, or users loop", domain)
	case strings.EqualFold(b, model.MFARejectByIdP):
		f.Status = StatusWarn
		f.Message = fmt.Sprintf("Entra ignores Okta's MFA for %s (rejectMfaByFederatedIdp): users who did MFA in Okta are prompted again by Entra and must register for Entra MFA", domain)
		if fed.ID != "" {
			f.Fixes = []fix.Plan{{ID: "graph.accept-okta-mfa", CheckID: pass.Check.ID, Subject: domain, Reversible: true,
				Title: "Set " + domain + "'s federatedIdpMfaBehavior to acceptIfMfaDoneByFederatedIdp",
				Risk: "medium: every user of " + domain + " is affected; Entra then takes the MFA Okta performs and prompts its own only without it, " +
					"so Okta's Office 365 rule must require MFA where Conditional Access does (see loginloop.mfa-loop-predictor); up to an hour to show",
				Steps: []fix.Step{{System: "graph", Method: "PATCH", Object: fix.FederationObject(domain, fed.ID), Field: "federatedIdpMfaBehavior",
					Before: b, After: model.MFAAcceptIfDoneByIdP, Permission: fix.PermGraphFederation}}}}
		}
	default:
		f.Status = StatusWarn
		f.Message = fmt.Sprintf("%s's federatedIdpMfaBehavior is %q, which o365doctor does not know", domain, b)
	}
	pass.Report(f)
	return nil
}

// DomainsCovered: every federated domain of the tenant has an active
// Office 365 app.
var DomainsCovered = &Check{
	ID:          "federation.domains-covered",
	Title:       "Every federated domain has an active Office 365 app",
	Area:        AreaFederation,
	Scope:       ScopeDomain,
	Severity:    High,
	Needs:       []Source{Graph, Okta},
	Permissions: []Permission{{Source: Graph, Name: permDomains}, {Source: Okta, Name: permOktaApps}},
	Requires:    []FactRef{EntraDomainsFact, Office365AppsFact},
	Doc: `A federated domain sends all its users to its IdP. Each of the tenant's
federated domains needs an active Office 365 app in Okta that federates it
(settings.app.domain, or settings.app.domains for automatic WS-Federation of
several domains); a domain left federated after its app was deleted or
deactivated locks its users out. Domains federated to another IdP on purpose are
named, so the list is the tenant's whole picture.
Fix: add the domain to an active Office 365 app, or convert it to managed.`,
	References: []string{
		"https://help.okta.com/en-us/content/topics/apps/office365/office365-deployment-guide.htm",
	},
	Run: runDomainsCovered,
}

func runDomainsCovered(ctx context.Context, pass *Pass) error {
	domains, err := EntraDomainsFact.Get(ctx, pass.Facts)
	if err != nil {
		return err
	}
	apps, err := Office365AppsFact.Get(ctx, pass.Facts)
	if err != nil {
		return err
	}
	federated := 0
	for _, d := range domains {
		if !d.Federated() {
			continue
		}
		federated++
		obj := domainObject(d.ID)
		var by []string
		for _, a := range apps {
			if a.Status == "ACTIVE" && a.Federates(d.ID) {
				by = append(by, a.Label+" ("+a.ID+")")
			}
		}
		ev := []Evidence{Value{Read{System: "entra", Object: obj, Field: "authenticationType", Value: d.AuthenticationType, Source: srcDomains}},
			Value{Read{System: "okta", Object: obj, Field: "active Office 365 apps federating it", Value: cmp.Or(strings.Join(by, ", "), "(none)"), Source: srcOktaApps}}}
		if len(by) == 0 {
			pass.Report(Finding{Object: obj, Status: StatusFail, Evidence: ev,
				Message: fmt.Sprintf("%s is federated in Entra ID, but no active Office 365 app in Okta federates it: its users cannot sign in (or it is federated to another IdP)", d.ID)})
			continue
		}
		pass.Report(Finding{Object: obj, Status: StatusPass, Evidence: ev,
			Message: fmt.Sprintf("%s is federated and %s federates it", d.ID, strings.Join(by, ", "))})
	}
	if federated == 0 {
		pass.Summarize("%s", "no domain of the tenant is federated")
	}
	return nil
}

// cloudAuthFeatures are the staged-rollout features that make Entra sign
// the group's users in itself instead of sending them to the federated IdP
// (featureRolloutPolicy.feature, Graph v1.0 stagedFeatureName).
var cloudAuthFeatures = map[string]string{
	"passwordhashsync":               "password hash sync",
	"passthroughauthentication":      "pass-through authentication",
	"certificatebasedauthentication": "certificate-based authentication",
}

// StagedRollout: no staged-rollout policy takes users away from Okta.
var StagedRollout = &Check{
	ID:          "federation.staged-rollout",
	Title:       "No staged rollout sends users to cloud authentication",
	Area:        AreaFederation,
	Scope:       ScopeDomain,
	Severity:    High,
	Needs:       []Source{Graph},
	Permissions: []Permission{{Source: Graph, Name: permPolicy + " (delegated)"}},
	Requires:    []FactRef{RolloutPoliciesFact},
	Doc: `Entra ID's staged rollout (policies/featureRolloutPolicies) makes members of
the named groups sign in with cloud authentication (password hash sync,
pass-through authentication, certificate-based authentication) although their
domain is federated: realm discovery still says Federated, but Microsoft never
sends them to Okta, so Okta's sign-on policy, MFA and System Log no longer see
them. During a migration away from Okta that is the plan; otherwise it explains
"Okta shows no sign-in" tickets. Enabled policies are listed with their groups.
Microsoft documents reading these policies for delegated sign-ins only
(Policy.Read.HybridAuthentication; "Application: not supported"): with
application credentials Graph may refuse it whatever is granted; the check is
then skipped, saying where to look instead (a refusal no grant can cure is not
an incomplete run).
Fix: remove the groups from the policy (or disable it) in Entra ID > Hybrid
management > Staged rollout.`,
	References: []string{
		"https://learn.microsoft.com/graph/api/resources/featurerolloutpolicy",
		"https://learn.microsoft.com/entra/identity/hybrid/connect/how-to-connect-staged-rollout",
	},
	Run: runStagedRollout,
}

func runStagedRollout(ctx context.Context, pass *Pass) error {
	policies, err := RolloutPoliciesFact.Get(ctx, pass.Facts)
	if errors.Is(err, model.ErrAccessDenied) {
		// Not a permission the admin forgot: Microsoft offers none to an
		// application, so this is "cannot be read this way", not an
		// incomplete run.
		return Skip("Graph refused the staged-rollout policies (403): Microsoft documents this read for delegated sign-ins only (Policy.Read.HybridAuthentication), no application permission grants it; look in Entra ID > Hybrid management > Staged rollout")
	}
	if err != nil {
		return err
	}
	found := false
	for _, p := range policies {
		what, cloud := cloudAuthFeatures[strings.ToLower(p.Feature)]
		if !cloud || !p.IsEnabled {
			continue
		}
		obj := Object{Kind: ObjPolicy, ID: p.ID, Name: p.DisplayName}
		var groups []string
		for _, m := range p.AppliesTo {
			groups = append(groups, m.Name)
		}
		who := "nobody yet"
		switch {
		case p.IsAppliedToOrganization:
			who = "the whole organisation"
		case len(groups) > 0:
			who = "the members of " + strings.Join(groups, ", ")
		}
		if !p.IsAppliedToOrganization && len(groups) == 0 {
			continue // enabled, but for no one
		}
		found = true
		pass.Report(Finding{Object: obj, Status: StatusWarn,
			Evidence: []Evidence{
				Value{Read{System: "entra", Object: obj, Field: "feature", Value: p.Feature, Source: srcRollouts}},
				Value{Read{System: "entra", Object: obj, Field: "appliesTo", Value: cmp.Or(strings.Join(groups, ", "), who), Source: srcRollouts}},
			},
			Message: fmt.Sprintf("staged rollout %q (%s) signs in %s with Entra's cloud authentication: Microsoft never sends them to Okta, whatever the domain's federation", p.DisplayName, what, who)})
	}
	if !found {
		pass.Summarize("%s", fmt.Sprintf("no staged-rollout policy sends anyone to cloud authentication (%d polic%s)", len(policies), map[bool]string{true: "y", false: "ies"}[len(policies) == 1]))
	}
	return nil
}

// privilegedRoles are the directory roles whose holders must be able to
// sign in when the federation breaks, by role template ID (stable across
// tenants; the display names are the built-in roles').
var privilegedRoles = map[string]string{
	"62e90394-69f5-4237-9190-012177145e10": "Global Administrator",
	"e8611ab8-c189-46e8-94e1-60213ab1f814": "Privileged Role Administrator",
	"7be44c8a-adaf-4e2a-84d6-ab2649e08a13": "Privileged Authentication Administrator",
	"fe930be7-5e62-47db-91af-98c3a49a38b1": "User Administrator",
	"29232cdf-9323-42fd-ade2-1d097af3e4de": "Exchange Administrator",
	"f28a1f50-f6e7-4571-818b-6a12f2af6b6c": "SharePoint Administrator",
	"194ae4cb-b126-40b2-bd5b-6091b380977d": "Security Administrator",
	"b1be1c3e-b65d-4f19-8427-f6fa0d97feb9": "Conditional Access Administrator",
	"c4e39bd9-1100-46d3-8c65-fb160da0071f": "Authentication Administrator",
	"8ac3fc64-6eca-42ea-9e69-59f4c7b60eb2": "Hybrid Identity Administrator",
	"9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3": "Application Administrator",
	"158c047a-c907-4556-b7ef-446551a6b5f7": "Cloud Application Administrator",
	"729827e3-9c14-49f7-bb1b-9608f156bbb8": "Helpdesk Administrator",
}

const globalAdminTemplate = "62e90394-69f5-4237-9190-012177145e10"

// PrivilegedInFederated: privileged accounts live on a managed domain.
var PrivilegedInFederated = &Check{
	ID:          "federation.privileged-in-federated",
	Title:       "Privileged accounts do not depend on Okta to sign in",
	Area:        AreaFederation,
	Scope:       ScopeDomain,
	Severity:    High,
	Needs:       []Source{Graph},
	Permissions: []Permission{{Source: Graph, Name: permRoles}, {Source: Graph, Name: permDomains}},
	Requires:    []FactRef{RoleMembersFact, EntraDomainsFact},
	Doc: `An account in a federated domain signs in through Okta. When Okta, its signing
certificate or the federation breaks, an administrator in that domain cannot
sign in to fix it. Microsoft's guidance: keep privileged roles (Global,
Privileged Role, User, Exchange, Security, Conditional Access, ...
Administrator) on cloud-only accounts of a managed domain, at least two
break-glass Global Administrators on *.onmicrosoft.com. Members of those roles
whose UPN is in the domain warn; when every Global Administrator of the tenant
is in a federated domain, it fails: nobody could undo a broken federation.
Active assignments to users are read (GET /directoryRoles/{id}/members); roles
held through role-assignable groups are named but their members are not read,
and PIM-eligible assignments are not seen: the message says so.
Fix: give the roles to cloud-only accounts (user@tenant.onmicrosoft.com) and
remove them from the federated ones.`,
	References: []string{
		"https://learn.microsoft.com/entra/identity/role-based-access-control/security-emergency-access",
		"https://learn.microsoft.com/entra/identity/role-based-access-control/permissions-reference",
	},
	Run: runPrivilegedInFederated,
}

func runPrivilegedInFederated(ctx context.Context, pass *Pass) error {
	domain := pass.Subject.Domain
	roles, err := RoleMembersFact.Get(ctx, pass.Facts)
	if err != nil {
		return err
	}
	domains, err := EntraDomainsFact.Get(ctx, pass.Facts)
	if err != nil {
		return err
	}
	federated := map[string]bool{}
	for _, d := range domains {
		federated[strings.ToLower(d.ID)] = d.Federated()
	}
	this, _ := model.FindDomain(domains, domain)
	held := map[string][]string{} // UPN in the domain → roles
	var viaGroups []string        // "group (role)": members not read
	gaTotal, gaFederated := 0, 0
	for _, r := range roles {
		name, privileged := privilegedRoles[strings.ToLower(r.RoleTemplateID)]
		if !privileged {
			continue
		}
		name = cmp.Or(r.DisplayName, name)
		for _, m := range r.Members {
			if m.Kind == "group" {
				viaGroups = append(viaGroups, m.Name+" ("+name+")")
			}
			if m.Kind != "user" {
				continue
			}
			d := model.DomainOf(m.Name)
			if strings.EqualFold(r.RoleTemplateID, globalAdminTemplate) {
				gaTotal++
				if federated[d] {
					gaFederated++
				}
			}
			if d == domain && federated[d] {
				held[m.Name] = append(held[m.Name], name)
			}
		}
	}
	// Members through role-assignable groups are not read (nor PIM
	// eligibility): said, so a pass is not read as covering them.
	groupNote := ""
	if len(viaGroups) > 0 {
		sort.Strings(viaGroups)
		groupNote = fmt.Sprintf("; %d group(s) hold privileged roles and their members were not read: %s", len(viaGroups), strings.Join(viaGroups, ", "))
	}
	allGAFederated := gaTotal > 0 && gaFederated == gaTotal && len(viaGroups) == 0
	if allGAFederated {
		obj := Object{Kind: ObjTenant, ID: "global-administrators", Name: "Global Administrators"}
		pass.Report(Finding{Object: obj, Status: StatusFail,
			Evidence: []Evidence{Value{Read{System: "entra", Object: obj, Field: "members in federated domains", Value: fmt.Sprintf("%d of %d", gaFederated, gaTotal), Source: srcRoles}}},
			Message:  fmt.Sprintf("every Global Administrator (%d) is in a federated domain: if Okta or the federation breaks, nobody can sign in to fix it; add a cloud-only break-glass account on *.onmicrosoft.com", gaTotal)})
	}
	upns := make([]string, 0, len(held))
	for u := range held {
		upns = append(upns, u)
	}
	sort.Strings(upns)
	for _, u := range upns {
		obj := Object{Kind: ObjUser, ID: u, Name: u}
		pass.Report(Finding{Object: obj, Status: StatusWarn,
			Evidence: []Evidence{Value{Read{System: "entra", Object: obj, Field: "directory roles", Value: strings.Join(held[u], ", "), Source: srcRoles}}},
			Message:  fmt.Sprintf("%s holds %s in the federated domain %s: when Okta or the federation breaks, this administrator is locked out with everyone else", u, strings.Join(held[u], ", "), domain)})
	}
	if len(upns) == 0 && !allGAFederated {
		msg := fmt.Sprintf("no privileged role holder is in %s", domain)
		if !this.Federated() {
			msg = fmt.Sprintf("%s is not federated: its administrators do not depend on Okta", domain)
		}
		pass.Summarize("%s%s", msg, groupNote)
	}
	return nil
}

// PrefederationDomain: the domains the Okta app is to federate can be.
var PrefederationDomain = &Check{
	ID:          "federation.prefederation-domain",
	Title:       "The domains to be federated can be",
	Area:        AreaFederation,
	Scope:       ScopeDomain,
	Severity:    High,
	Needs:       []Source{Graph, Okta},
	Permissions: []Permission{{Source: Graph, Name: permDomains}, {Source: Okta, Name: permOktaApps}},
	Requires:    []FactRef{EntraDomainsFact, Office365AppsFact},
	Doc: `Before Okta federates a domain, Entra ID must be able to take it: the domain is
verified in the tenant, it is not the tenant's default domain (Entra does not
federate the default domain: make another the default first), and for Okta's
automatic federation it does not start with a digit (Okta builds the issuer
{domain}:{externalKey} and Entra refuses an issuerUri starting with a digit;
federate such a domain by hand, issuer https://{externalKey}). The domains are
the subject domain while it is still managed, and every domain the Office 365
app is set to federate (settings.app.domain, settings.app.domains) that Entra
has not federated yet. The app's username format must also produce UPNs in a
verified domain: a template with a fixed @domain is checked here; one that
follows each user's login is checked per user.
Fix: verify the domain, change the default domain, or federate by hand.`,
	References: []string{
		"https://support.okta.com/help/s/article/microsoft-office-365-error-could-not-setup-the-domain-federation-with-office-365-please-retry-setting-up-the-federation-for-this-domain-after-a-few-hours",
		"https://learn.microsoft.com/graph/api/domain-post-federationconfiguration",
	},
	Run: runPrefederationDomain,
}

// templateDomain finds a fixed domain in a username template:
// "${source.samAccountName}@fabrikam.com" → fabrikam.com.
var templateDomain = regexp.MustCompile(`@([A-Za-z0-9.-]+\.[A-Za-z]{2,})"?\s*$`)

func runPrefederationDomain(ctx context.Context, pass *Pass) error {
	domain := pass.Subject.Domain
	domains, err := EntraDomainsFact.Get(ctx, pass.Facts)
	if err != nil {
		return err
	}
	apps, err := Office365AppsFact.Get(ctx, pass.Facts)
	if err != nil {
		return err
	}
	// The candidates: what is not federated yet.
	type candidate struct{ name, why string }
	var cands []candidate
	seen := map[string]bool{}
	add := func(name, why string) {
		name = strings.ToLower(strings.TrimSuffix(name, "."))
		if name == "" || seen[name] {
			return
		}
		seen[name] = true
		if d, ok := model.FindDomain(domains, name); ok && d.Federated() {
			return
		}
		cands = append(cands, candidate{name, why})
	}
	add(domain, "the domain asked about")
	var apps4 []model.OktaApp
	for _, a := range apps {
		if a.Status == "ACTIVE" && a.Federates(domain) {
			apps4 = append(apps4, a)
		}
	}
	for _, a := range apps4 {
		for _, d := range a.Domains() {
			add(d, "set to be federated by "+a.Label)
		}
	}
	auto := false
	for _, a := range apps4 {
		auto = auto || !strings.EqualFold(a.Setting("wsFedConfigureType"), "MANUAL")
	}
	problems := 0
	for _, c := range cands {
		obj := domainObject(c.name)
		d, ok := model.FindDomain(domains, c.name)
		ev := []Evidence{Value{Read{System: "entra", Object: obj, Field: "isVerified, isDefault, authenticationType",
			Value: fmt.Sprintf("%t, %t, %s", d.IsVerified, d.IsDefault, cmp.Or(d.AuthenticationType, "(not in the tenant)")), Source: srcDomains}}}
		var bad []string
		switch {
		case !ok:
			bad = append(bad, "it is not a domain of the tenant: add and verify it first")
		case !d.IsVerified:
			bad = append(bad, "it is not verified yet: publish the MS=ms TXT record and verify it")
		}
		if d.IsDefault {
			bad = append(bad, "it is the tenant's default domain, which Entra does not federate: make another domain the default first")
		}
		if c.name[0] >= '0' && c.name[0] <= '9' && auto {
			bad = append(bad, fmt.Sprintf("it starts with a digit: Okta's automatic federation writes the issuer %s:{externalKey}, which Entra refuses; federate it by hand (issuer https://{externalKey})", c.name))
		}
		if strings.HasSuffix(c.name, ".onmicrosoft.com") {
			bad = append(bad, "*.onmicrosoft.com domains cannot be federated")
		}
		if len(bad) > 0 {
			problems++
			pass.Report(Finding{Object: obj, Status: StatusFail, Evidence: ev,
				Message: fmt.Sprintf("%s (%s) cannot be federated: %s", c.name, c.why, strings.Join(bad, "; "))})
		}
	}
	// A username template with a fixed domain must name a verified one.
	for _, a := range apps4 {
		m := templateDomain.FindStringSubmatch(a.UserNameTemplate)
		if m == nil {
			continue
		}
		d, ok := model.FindDomain(domains, m[1])
		if !ok || !d.IsVerified {
			problems++
			obj := appObject(a)
			pass.Report(Finding{Object: obj, Status: StatusFail,
				Evidence: []Evidence{Value{Read{System: "okta", Object: obj, Field: "credentials.userNameTemplate.template", Value: a.UserNameTemplate, Source: srcOktaApps}}},
				Message:  fmt.Sprintf("%s's username format gives UPNs in %s, which is not a verified domain of the tenant: Entra refuses those users", a.Label, m[1])})
		}
	}
	if problems == 0 {
		if len(cands) == 0 {
			pass.Summarize("%s", fmt.Sprintf("every domain the Office 365 app federates with %s is federated already", domain))
		} else {
			var names []string
			for _, c := range cands {
				names = append(names, c.name)
			}
			pass.Summarize("%s", fmt.Sprintf("%s can be federated: verified, not the default domain, and no leading digit", strings.Join(names, ", ")))
		}
	}
	return nil
}
