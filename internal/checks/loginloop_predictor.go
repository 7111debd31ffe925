package checks

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/o365doctor/o365doctor/internal/model"
)

// GraphPoliciesAPI is what the MFA-loop predictor needs of Graph.
type GraphPoliciesAPI interface {
	// ConditionalAccessPolicies are the tenant's Conditional Access
	// policies, every state, in one request (GET
	// /identity/conditionalAccess/policies: 1 request per second per
	// tenant, a 429 without Retry-After).
	ConditionalAccessPolicies(ctx context.Context) ([]model.ConditionalAccessPolicy, error)
	// MemberOf are the groups (nested ones included) and directory roles
	// the user is a member of (GET /users/{upn}/transitiveMemberOf).
	MemberOf(ctx context.Context, upn string) ([]model.DirectoryObject, error)
	// RegistrationCampaign is the authentication methods policy's
	// registration campaign (GET /policies/authenticationMethodsPolicy).
	RegistrationCampaign(ctx context.Context) (model.RegistrationCampaign, error)
}

// OktaPoliciesAPI is what the MFA-loop predictor needs of Okta.
type OktaPoliciesAPI interface {
	// AppAccessPolicy is the app's sign-in policy and its rules by
	// priority; ok is false when the app links none (Classic Engine).
	AppAccessPolicy(ctx context.Context, app model.OktaApp) (p model.OktaAccessPolicy, ok bool, err error)
	// NetworkZones are the org's network zones (GET /api/v1/zones).
	NetworkZones(ctx context.Context) ([]model.NetworkZone, error)
}

const (
	srcCAPolicies = "GET /identity/conditionalAccess/policies"
	srcOktaRules  = "GET /api/v1/apps/{id} (_links.accessPolicy), /api/v1/policies/{id}/rules"
)

var (
	// CAPoliciesFact are the tenant's Conditional Access policies.
	CAPoliciesFact = &Fact[[]model.ConditionalAccessPolicy]{
		Name: "the Conditional Access policies",
		Load: func(ctx context.Context, f *Facts) ([]model.ConditionalAccessPolicy, error) {
			if err := f.need(Graph); err != nil {
				return nil, err
			}
			return f.src.Graph.ConditionalAccessPolicies(ctx)
		},
	}

	// EntraMemberOfFact are the Entra groups (nested ones included) and
	// roles the subject is a member of; not prefetched (read when a policy
	// names groups).
	EntraMemberOfFact = &Fact[[]model.DirectoryObject]{
		Name: "the Entra ID user's groups",
		Load: func(ctx context.Context, f *Facts) ([]model.DirectoryObject, error) {
			if err := f.need(Graph); err != nil {
				return nil, err
			}
			return f.src.Graph.MemberOf(ctx, f.subject.UPN)
		},
	}

	// NetworkZonesFact are the org's network zones; read only when a rule
	// that may apply to the user names zones.
	NetworkZonesFact = &Fact[[]model.NetworkZone]{
		Name: "the Okta network zones",
		Load: func(ctx context.Context, f *Facts) ([]model.NetworkZone, error) {
			if err := f.need(Okta); err != nil {
				return nil, err
			}
			return f.src.Okta.NetworkZones(ctx)
		},
	}

	// AccessPolicyFact is the sign-in policy of the domain's Office 365
	// app; nil when the app links none.
	AccessPolicyFact = &Fact[*model.OktaAccessPolicy]{
		Name:     "the Office 365 app's sign-in policy",
		Requires: []FactRef{Office365AppFact},
		Load: func(ctx context.Context, f *Facts) (*model.OktaAccessPolicy, error) {
			app, err := Office365AppFact.Get(ctx, f)
			if err != nil {
				return nil, err
			}
			p, ok, err := f.src.Okta.AppAccessPolicy(ctx, app)
			if err != nil || !ok {
				return nil, err
			}
			return &p, nil
		},
	}
)

// office365Apps are the includeApplications values that cover Office
// 365's sign-ins: the keywords and the first-party app IDs of Exchange
// Online, SharePoint Online and Teams.
var office365Apps = []string{"All", "Office365", "00000002-0000-0ff1-ce00-000000000000",
	"00000003-0000-0ff1-ce00-000000000000", "cc15fd57-2c6c-4117-a88c-83b1d56b4bbe"}

// MFALoopPredictor: Conditional Access × federatedIdpMfaBehavior × the
// Office 365 app's Okta sign-in rules, for one user.
var MFALoopPredictor = &Check{
	ID:       "loginloop.mfa-loop-predictor",
	Title:    "Conditional Access, federatedIdpMfaBehavior and Okta's rules agree on MFA",
	Area:     AreaLoginLoop,
	Scope:    ScopeUser,
	Severity: High,
	Needs:    []Source{Graph, Okta},
	Permissions: []Permission{{Source: Graph, Name: "Policy.Read.All"}, {Source: Graph, Name: "GroupMember.Read.All"},
		{Source: Graph, Name: permDomains}, {Source: Graph, Name: permRoles},
		{Source: Okta, Name: "okta.users.read"}, {Source: Okta, Name: permOktaApps},
		{Source: Okta, Name: "okta.policies.read"}, {Source: Okta, Name: "okta.groups.read"},
		{Source: Okta, Name: "okta.networkZones.read", Optional: true}, {Source: Okta, Name: "okta.logs.read", Optional: true}},
	// EntraMemberOfFact is read only when a policy names groups, the
	// network zones and the user's events only when a rule names zones.
	Requires: []FactRef{CAPoliciesFact, FederationFact, AccessPolicyFact, EntraUserFact, RoleMembersFact, UserGroupsFact},
	Doc: `Predicts, before the user tries, what Microsoft 365 sign-in does with MFA.
It reads the Conditional Access policies (enabled or report-only; disabled
ones are never blamed) that apply to the user (includeUsers, their Entra
groups, nested ones included, and roles, minus the exclusions) and to Office 365
(includeApplications All, Office365 or the Exchange, SharePoint and Teams
apps); a policy that also names locations, client app types, risk levels,
platforms or a device filter applies only sometimes, which the API cannot
place the user in, so it only warns, naming its conditions. Then the
domain's federatedIdpMfaBehavior, and the Office 365 app's Okta
sign-in policy (the app's _links.accessPolicy; its rules by priority, the
first whose people conditions match the user's Okta ID and groups decides,
the Catch-all Rule last). A rule limited to a network zone or a device,
platform or risk condition applies only sometimes: it is named with its
condition and the next rule is read too. Okta sends Entra the MFA claim only
when its rule asks for 2FA. The combinations:
- MFA loop (fail): a policy requires MFA, federatedIdpMfaBehavior is
  enforceMfaByFederatedIdp, and the user's Okta rule is 1FA: Entra sends the
  user back to Okta for MFA, which Okta never does. Unset behaviour: Entra
  honours the legacy SupportsMfa, which Graph does not show (warn: a loop if
  it is true).
- Double prompt (warn): rejectMfaByFederatedIdp (Entra always prompts its own
  MFA, after Okta's too), or acceptIfMfaDoneByFederatedIdp with a 1FA Okta
  rule (Entra prompts its own MFA; the user must be registered for it).
- Authentication strength: a strength that takes a federated IdP's MFA
  (federatedMultiFactor, as the built-in "Multifactor authentication" does)
  is judged as the MFA grant; one that takes only Okta's first factor with an
  Entra second factor makes Entra prompt (warn); one that takes neither
  (passwordless, phishing-resistant) a WS-Fed user can never satisfy (fail).
- Admin portals (warn): Microsoft's mandatory MFA for the Azure portal and
  the Entra and Intune admin centers (enforced since October 2024, CLI and
  infrastructure tools from 2025) applies with no Conditional Access policy:
  a user holding a directory role whose Okta rule is 1FA gets Entra's prompt,
  or a loop, there.
An MFA bypass (Okta asserting MFA it did not do, a Classic Engine behaviour)
is not claimed: the API shows no such assertion. A network zone rule is
settled by the user's recent addresses (Okta's client.ipAddress of their
events in the window) against the org's IP zones: in every one, the rule is
theirs; in none, it is passed over; otherwise (a dynamic zone, mixed
addresses, zones not readable) it is named with its zone.
Fix: require 2FA in the Okta rule that applies, and set federatedIdpMfaBehavior
to acceptIfMfaDoneByFederatedIdp; use the MFA grant, not an authentication
strength, for federated users.`,
	References: []string{
		"https://learn.microsoft.com/graph/api/resources/internaldomainfederation",
		"https://learn.microsoft.com/graph/api/resources/conditionalaccesspolicy",
		"https://help.okta.com/en-us/content/topics/apps/office365/use_okta_mfa_azure_ad_mfa.htm",
		"https://learn.microsoft.com/entra/identity/authentication/concept-mandatory-multifactor-authentication",
		"https://techcommunity.microsoft.com/t5/microsoft-entra-blog/mfa-enforcement-for-microsoft-entra-admin-center-sign-in-coming/ba-p/4230849",
	},
	Run: runMFALoopPredictor,
}

// oktaOutcome is an Okta rule that applies to the user, and when: "" for
// always (the rule that decides), else its condition.
type oktaOutcome struct {
	rule model.OktaPolicyRule
	when string
}

func runMFALoopPredictor(ctx context.Context, pass *Pass) error {
	upn, domain := pass.Subject.UPN, pass.Subject.Domain
	u, err := oktaUserOf(ctx, pass)
	if err != nil {
		return err
	}
	fed, err := FederationFact.Get(ctx, pass.Facts)
	if err != nil {
		return err
	}
	if fed == nil {
		return Skip("%s has no federation configuration: its sign-ins do not go through Okta's rules", domain)
	}
	pol, err := accessPolicyOf(ctx, pass)
	if err != nil {
		return err
	}
	cas, err := CAPoliciesFact.Get(ctx, pass.Facts)
	if err != nil {
		return err
	}
	eu, err := EntraUserFact.Get(ctx, pass.Facts)
	if errors.Is(err, model.ErrNotFound) {
		return Skip("no Entra ID user %s (see identity.entra-user)", upn)
	}
	if err != nil {
		return err
	}
	// The user's Entra groups matter only to a policy that names groups:
	// read them then, and only then.
	var memberOf []model.DirectoryObject
	if slices.ContainsFunc(cas, func(p model.ConditionalAccessPolicy) bool {
		return p.State != model.CADisabled && len(p.IncludeGroups)+len(p.ExcludeGroups) > 0
	}) {
		if memberOf, err = EntraMemberOfFact.Get(ctx, pass.Facts); err != nil {
			return err
		}
	}
	oktaGroups, err := UserGroupsFact.Get(ctx, pass.Facts)
	if err != nil {
		return err
	}
	// Roles scope policies and the admin-portal MFA; without them the
	// rest still holds, and the messages say what was not read.
	roles, roleErr := RoleMembersFact.Get(ctx, pass.Facts)
	roleNote := ""
	if roleErr != nil {
		roleNote = "; directory roles not read (" + roleErr.Error() + "): role-scoped policies and the admin portals' mandatory MFA not judged"
	}

	entraGroups := map[string]bool{}
	for _, o := range memberOf {
		if o.Kind == "group" {
			entraGroups[strings.ToLower(o.ID)] = true
		}
	}
	roleIDs := map[string]bool{}
	var roleNames []string
	for _, r := range roles {
		for _, m := range r.Members {
			if strings.EqualFold(m.ID, eu.ID) || strings.EqualFold(m.Name, upn) {
				roleIDs[strings.ToLower(r.RoleTemplateID)] = true
				roleNames = append(roleNames, cmp.Or(r.DisplayName, r.RoleTemplateID))
			}
		}
	}
	groupIDs := map[string]bool{}
	for _, g := range oktaGroups {
		groupIDs[g.ID] = true
	}

	userObj := Object{Kind: ObjUser, ID: upn, Name: upn}
	behaviour := fed.FederatedIdpMfaBehavior
	behaviourEv := Value{Read{System: "entra", Object: domainObject(domain), Field: "federatedIdpMfaBehavior",
		Value: cmp.Or(behaviour, "(not set)"), Source: srcFederation}}
	outcomes := applicableRules(*pol, u.ID, groupIDs, zonePlacerFor(ctx, pass, *pol, u.ID, groupIDs))
	if len(outcomes) == 0 {
		return Skip("no active rule of Okta's policy %q applies to %s", pol.Name, u.Login)
	}

	applies := func(p model.ConditionalAccessPolicy) bool {
		return p.State != model.CADisabled && caAppliesToUser(p, eu.ID, entraGroups, roleIDs)
	}
	reported := 0
	// Authentication strengths: one that takes a federated IdP's MFA
	// (federatedMultiFactor, as the built-in Multifactor authentication
	// strength does) is an MFA grant for Okta's users, judged below; one
	// that takes Okta's first factor with an Entra second factor makes
	// Entra prompt; one that takes neither (passwordless,
	// phishing-resistant) a federated user never satisfies.
	for _, p := range cas {
		if !applies(p) || p.AuthenticationStrength == nil || !caCoversOffice365(p) || p.AuthenticationStrength.Takes("federatedMultiFactor") {
			continue
		}
		s := *p.AuthenticationStrength
		st, would := StatusFail, whenNote(p)
		if p.State == model.CAReportOnly {
			would += " (report-only: once enforced)"
		}
		if p.State == model.CAReportOnly || len(p.Conditions()) > 0 {
			st = StatusWarn
		}
		msg := fmt.Sprintf("Conditional Access policy %q requires the authentication strength %q of %s for Office 365%s: none of its combinations is a federated IdP's sign-in, so a user federated to Okta (WS-Fed) cannot satisfy it and every sign-in it covers fails. Use the MFA grant, or a strength with federatedMultiFactor, for federated users",
			p.DisplayName, cmp.Or(s.DisplayName, s.ID), upn, would)
		if s.TakesFederatedFirstFactor() {
			st = StatusWarn
			msg = fmt.Sprintf("Conditional Access policy %q requires the authentication strength %q of %s for Office 365%s: it does not take Okta's MFA (no federatedMultiFactor), only Okta's sign-in with a second factor of Entra's, so Entra prompts its own MFA after Okta's. Add federatedMultiFactor to the strength, or use the MFA grant",
				p.DisplayName, cmp.Or(s.DisplayName, s.ID), upn, would)
		}
		pass.Report(Finding{Object: caObject(p), Status: st, Evidence: []Evidence{caRead(p), behaviourEv}, Message: msg})
		reported++
	}

	var mfa []model.ConditionalAccessPolicy
	enforced := false // an enabled policy that applies whatever the location, client, risk or device
	var conditional []string
	for _, p := range cas {
		asksMFA := p.AuthenticationStrength == nil && slices.Contains(p.BuiltInControls, "mfa") ||
			p.AuthenticationStrength != nil && p.AuthenticationStrength.Takes("federatedMultiFactor")
		if applies(p) && asksMFA && caCoversOffice365(p) {
			mfa = append(mfa, p)
			if conds := p.Conditions(); len(conds) > 0 {
				conditional = append(conditional, fmt.Sprintf("%q %s", p.DisplayName, strings.Join(conds, " and ")))
			} else {
				enforced = enforced || p.State == model.CAEnabled
			}
		}
	}
	if len(mfa) > 0 {
		names := caNames(mfa)
		var ev []Evidence
		for _, p := range mfa {
			ev = append(ev, caRead(p))
		}
		ev = append(ev, behaviourEv)
		would := ""
		switch {
		case !enforced && len(conditional) > 0:
			would = " (only when the policy's conditions hold: " + strings.Join(conditional, "; ") + ")"
		case !enforced:
			would = " (report-only policies: once enforced)"
		}
		for _, o := range outcomes {
			if o.rule.Access != "ALLOW" {
				continue
			}
			desc := ruleLabel(*pol, o)
			rev := append(slices.Clone(ev), ruleRead(*pol, o.rule))
			oneFA := o.rule.FactorMode == "1FA"
			var st Status
			var msg string
			switch {
			case oneFA && strings.EqualFold(behaviour, model.MFAEnforceByIdP):
				st = StatusFail
				msg = fmt.Sprintf("MFA loop%s: %s requires MFA for Office 365; %s's federatedIdpMfaBehavior is enforceMfaByFederatedIdp, so Entra sends %s back to Okta for MFA, and %s asks only 1FA and sends no MFA claim. Require 2FA in that rule, or set acceptIfMfaDoneByFederatedIdp",
					would, names, domain, upn, desc)
			case oneFA && behaviour == "":
				st = StatusWarn
				msg = fmt.Sprintf("MFA loop or Entra prompt%s: %s requires MFA for Office 365; %s's federatedIdpMfaBehavior is not set, so Entra honours the legacy SupportsMfa (Graph does not show it): if true, %s (1FA, no MFA claim) makes %s loop; if false, Entra prompts its own MFA. Require 2FA in that rule",
					would, names, domain, desc, upn)
			case oneFA && strings.EqualFold(behaviour, model.MFAAcceptIfDoneByIdP):
				st = StatusWarn
				msg = fmt.Sprintf("Entra prompts its own MFA%s: %s requires MFA for Office 365 and %s asks only 1FA, so Okta sends no MFA claim and Entra (acceptIfMfaDoneByFederatedIdp) prompts %s itself, who must be registered for Entra MFA (else AADSTS50079). Require 2FA in that rule",
					would, names, desc, upn)
			case strings.EqualFold(behaviour, model.MFARejectByIdP):
				st = StatusWarn
				what := "Okta's MFA and then Entra's"
				if oneFA {
					what = "Okta's password and then Entra's own MFA"
				}
				msg = fmt.Sprintf("Double prompt%s: %s requires MFA for Office 365 and %s's federatedIdpMfaBehavior is rejectMfaByFederatedIdp, so Entra ignores Okta's MFA: %s gets %s (%s applies). Set acceptIfMfaDoneByFederatedIdp and require 2FA in Okta",
					would, names, domain, upn, what, desc)
			default:
				continue
			}
			if !enforced {
				st = StatusWarn // report-only, or only under conditions the API cannot place her in
			}
			pass.Report(Finding{Object: ruleObject(*pol, o.rule), Status: st, Message: msg, Evidence: rev})
			reported++
		}
	}

	if len(roleNames) > 0 {
		for _, o := range outcomes {
			if o.rule.Access != "ALLOW" || o.rule.FactorMode != "1FA" {
				continue
			}
			loop := ""
			if strings.EqualFold(behaviour, model.MFAEnforceByIdP) || behaviour == "" {
				loop = " (with enforceMfaByFederatedIdp, or an unset behaviour and SupportsMfa true, a loop)"
			}
			slices.Sort(roleNames)
			pass.Report(Finding{Object: userObj, Status: StatusWarn,
				Evidence: []Evidence{Value{Read{System: "entra", Object: userObj, Field: "directory roles", Value: strings.Join(slices.Compact(roleNames), ", "), Source: srcRoles}},
					behaviourEv, ruleRead(*pol, o.rule)},
				Message: fmt.Sprintf("%s holds %s: Microsoft's mandatory MFA for the Azure portal, Entra and Intune admin centers (since October 2024; no Conditional Access policy needed) applies, and %s asks only 1FA, so Entra prompts its own MFA there%s. Require 2FA in Okta for administrators",
					upn, strings.Join(slices.Compact(roleNames), ", "), ruleLabel(*pol, o), loop)})
			reported++
		}
	}

	if reported == 0 {
		var parts []string
		for _, o := range outcomes {
			parts = append(parts, ruleLabel(*pol, o)+" ("+o.rule.Access+" "+cmp.Or(o.rule.FactorMode, "no factorMode")+")")
		}
		ev := []Evidence{behaviourEv}
		for _, p := range mfa {
			ev = append(ev, caRead(p))
		}
		for _, o := range outcomes {
			ev = append(ev, ruleRead(*pol, o.rule))
		}
		caPart := "no enabled or report-only Conditional Access policy requires MFA of " + upn + " for Office 365"
		if len(mfa) > 0 {
			caPart = caNames(mfa) + " requires MFA for Office 365"
		}
		pass.Report(Finding{Object: userObj, Status: StatusPass, Evidence: ev,
			Message: fmt.Sprintf("no MFA loop, double prompt or authentication strength predicted for %s: %s; federatedIdpMfaBehavior %s; Okta: %s%s",
				upn, caPart, cmp.Or(behaviour, "not set"), strings.Join(parts, "; "), roleNote)})
	}
	return nil
}

// whenNote is " (only outside locations AllTrusted)" for a policy with
// conditions beyond users and apps, "" for one without.
func whenNote(p model.ConditionalAccessPolicy) string {
	if c := p.Conditions(); len(c) > 0 {
		return " (only " + strings.Join(c, " and ") + ")"
	}
	return ""
}

// accessPolicyOf reads the Office 365 app's sign-in policy, ending the
// check as skipped when there is no app or the app links no policy.
func accessPolicyOf(ctx context.Context, pass *Pass) (*model.OktaAccessPolicy, error) {
	pol, err := AccessPolicyFact.Get(ctx, pass.Facts)
	switch {
	case errors.Is(err, ErrNoApp):
		return nil, Skip("no active Office 365 app federates %s (see oktaapp.one-active-app)", pass.Subject.Domain)
	case err != nil:
		return nil, err
	case pol == nil:
		return nil, Skip("the Office 365 app links no sign-in policy (_links.accessPolicy): a Classic Engine org, whose app sign-on rules the public API does not show")
	}
	return pol, nil
}

// zonePlacerFor reads the org's network zones and the user's recent
// addresses, only when a rule that may apply to the user names zones;
// what cannot be read leaves the rule conditional, saying why.
func zonePlacerFor(ctx context.Context, pass *Pass, pol model.OktaAccessPolicy, userID string, groups map[string]bool) *zonePlacer {
	if !slices.ContainsFunc(pol.Rules, func(r model.OktaPolicyRule) bool {
		return r.Status == "ACTIVE" && r.NetworkConnection == "ZONE" && rulePeopleMatch(r, userID, groups)
	}) {
		return nil
	}
	z := &zonePlacer{zones: map[string]model.NetworkZone{}}
	zones, err := NetworkZonesFact.Get(ctx, pass.Facts)
	if err != nil {
		z.why = "network zones not read: " + err.Error()
		return z
	}
	for _, zone := range zones {
		z.zones[zone.ID] = zone
	}
	events, err := OktaLogsFact.Get(ctx, pass.Facts)
	if err != nil {
		z.why = "the user's events not read: " + err.Error()
		return z
	}
	z.addrs = recentAddrs(events)
	return z
}

// applicableRules walks the policy's active rules by priority and keeps
// those whose people conditions match the user, up to the first that
// applies whatever the network or device: the one that decides. zones
// places the user for a network zone rule (nil: never placed).
func applicableRules(p model.OktaAccessPolicy, userID string, groups map[string]bool, zones *zonePlacer) []oktaOutcome {
	var out []oktaOutcome
	for _, r := range p.Rules {
		if r.Status != "ACTIVE" || !rulePeopleMatch(r, userID, groups) {
			continue
		}
		var when []string
		if r.NetworkConnection == "ZONE" {
			applies, known, where := zones.place(r)
			switch {
			case known && !applies:
				continue // her sign-ins come from elsewhere: not her rule
			case known:
				// Settled by her addresses: the rule is hers, as if
				// it had no network condition; where says why.
				out = append(out, oktaOutcome{rule: r, when: where})
				if len(r.OtherConditions) == 0 {
					return out
				}
				continue
			default:
				when = append(when, where)
			}
		}
		for _, c := range r.OtherConditions {
			when = append(when, "when its "+c+" condition matches")
		}
		out = append(out, oktaOutcome{rule: r, when: strings.Join(when, " and ")})
		if len(when) == 0 {
			break
		}
	}
	return out
}

// zonePlacer says whether a user's recent sign-ins come from a rule's
// network zones: their addresses (Okta's client.ipAddress of the user's
// events in the window) against the org's zones.
type zonePlacer struct {
	addrs []netip.Addr
	zones map[string]model.NetworkZone
	// why the zones or addresses could not be read ("" when they were)
	why string
}

// place says whether the rule's network condition holds for every recent
// address (applies), for none (!applies), both settled (known); where
// describes the condition for a message.
func (z *zonePlacer) place(r model.OktaPolicyRule) (applies, known bool, where string) {
	ids, include := r.NetworkInclude, true
	if len(ids) == 0 {
		ids, include = r.NetworkExclude, false
	}
	var names []string
	for _, id := range ids {
		name := id
		if z != nil {
			if zone, ok := z.zones[id]; ok && zone.Name != "" {
				name = zone.Name
			}
		}
		names = append(names, name)
	}
	where = "in network zone(s) " + strings.Join(names, ", ")
	if !include {
		where = "outside network zone(s) " + strings.Join(names, ", ")
	}
	if z == nil || z.why != "" || len(z.addrs) == 0 {
		return false, false, where
	}
	inCount := 0
	for _, a := range z.addrs {
		in := false
		for _, id := range ids {
			zone, ok := z.zones[id]
			if !ok {
				return false, false, where
			}
			hit, settled := zone.Contains(a)
			if !settled {
				return false, false, where
			}
			in = in || hit
		}
		if in {
			inCount++
		}
	}
	shown := make([]string, len(z.addrs))
	for i, a := range z.addrs {
		shown[i] = a.String()
	}
	from := strings.Join(shown, ", ")
	switch {
	case inCount == len(z.addrs):
		return include, true, where + ": her recent sign-ins come from " + from
	case inCount == 0:
		return !include, true, where + ": her recent sign-ins come from " + from
	}
	return false, false, where + " (some of her recent sign-ins, " + from + ", are)"
}

// recentAddrs are the distinct client addresses of the user's Okta events,
// newest first, at most five.
func recentAddrs(events []model.OktaLogEvent) []netip.Addr {
	var out []netip.Addr
	seen := map[netip.Addr]bool{}
	for i := len(events) - 1; i >= 0 && len(out) < 5; i-- {
		a, err := netip.ParseAddr(events[i].ClientIP)
		if err != nil || seen[a.Unmap()] {
			continue
		}
		seen[a.Unmap()] = true
		out = append(out, a.Unmap())
	}
	return out
}

func rulePeopleMatch(r model.OktaPolicyRule, userID string, groups map[string]bool) bool {
	inAny := func(ids []string) bool {
		return slices.ContainsFunc(ids, func(id string) bool { return groups[id] })
	}
	if slices.Contains(r.UsersExclude, userID) || inAny(r.GroupsExclude) {
		return false
	}
	if len(r.UsersInclude)+len(r.GroupsInclude) == 0 {
		return true
	}
	return slices.Contains(r.UsersInclude, userID) || inAny(r.GroupsInclude)
}

// caAppliesToUser: the user is included (All, by ID, a direct group or a
// role) and not excluded.
func caAppliesToUser(p model.ConditionalAccessPolicy, userID string, groups, roles map[string]bool) bool {
	has := func(list []string, set map[string]bool) bool {
		return slices.ContainsFunc(list, func(id string) bool { return set[strings.ToLower(id)] })
	}
	me := map[string]bool{strings.ToLower(userID): true}
	if has(p.ExcludeUsers, me) || has(p.ExcludeGroups, groups) || has(p.ExcludeRoles, roles) {
		return false
	}
	return slices.Contains(p.IncludeUsers, "All") || has(p.IncludeUsers, me) || has(p.IncludeGroups, groups) || has(p.IncludeRoles, roles)
}

func caCoversOffice365(p model.ConditionalAccessPolicy) bool {
	if slices.Contains(p.ExcludeApplications, "Office365") {
		return false
	}
	return slices.ContainsFunc(p.IncludeApplications, func(a string) bool {
		return slices.ContainsFunc(office365Apps, func(o string) bool { return strings.EqualFold(a, o) })
	})
}

func caObject(p model.ConditionalAccessPolicy) Object {
	return Object{Kind: ObjPolicy, ID: p.ID, Name: p.DisplayName}
}

func caRead(p model.ConditionalAccessPolicy) Evidence {
	grant := strings.Join(p.BuiltInControls, " "+strings.ToLower(cmp.Or(p.GrantOperator, "or"))+" ")
	if p.AuthenticationStrength != nil {
		grant = strings.TrimSpace(grant + " authenticationStrength " + cmp.Or(p.AuthenticationStrength.DisplayName, p.AuthenticationStrength.ID))
	}
	return Value{Read{System: "entra", Object: caObject(p), Field: "state; grantControls; includeApplications",
		Value: p.State + "; " + cmp.Or(grant, "none") + "; " + strings.Join(p.IncludeApplications, ", "), Source: srcCAPolicies}}
}

func caNames(list []model.ConditionalAccessPolicy) string {
	var names []string
	for _, p := range list {
		n := strconv.Quote(p.DisplayName)
		if p.State == model.CAReportOnly {
			n += " (report-only)"
		}
		names = append(names, n)
	}
	if len(names) == 1 {
		return "Conditional Access policy " + names[0]
	}
	return "Conditional Access policies " + strings.Join(names, ", ")
}

func ruleObject(p model.OktaAccessPolicy, r model.OktaPolicyRule) Object {
	return Object{Kind: ObjPolicy, ID: p.ID + "/" + r.ID, Name: p.Name + " / " + r.Name}
}

func ruleRead(p model.OktaAccessPolicy, r model.OktaPolicyRule) Evidence {
	return Value{Read{System: "okta", Object: ruleObject(p, r), Field: "priority " + strconv.Itoa(r.Priority) + ": actions.appSignOn access, factorMode",
		Value: r.Access + " " + cmp.Or(r.FactorMode, "(none)"), Source: srcOktaRules}}
}

// ruleLabel is `Okta rule "Contractors" of policy "Microsoft Office 365"
// (priority 1, in network zone(s) nzo…)`.
func ruleLabel(p model.OktaAccessPolicy, o oktaOutcome) string {
	where := "priority " + strconv.Itoa(o.rule.Priority)
	if o.when != "" {
		where += ", " + o.when
	}
	return fmt.Sprintf("Okta rule %q of policy %q (%s)", o.rule.Name, p.Name, where)
}
