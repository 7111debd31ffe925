package checks

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/o365doctor/o365doctor/internal/model"
)

// --- loginloop.registration-campaign ------------------------------------------

const srcAuthMethods = "GET /policies/authenticationMethodsPolicy (registrationEnforcement)"

// RegistrationCampaignFact is the tenant's registration campaign.
var RegistrationCampaignFact = &Fact[model.RegistrationCampaign]{
	Name: "the registration campaign",
	Load: func(ctx context.Context, f *Facts) (model.RegistrationCampaign, error) {
		if err := f.need(Graph); err != nil {
			return model.RegistrationCampaign{}, err
		}
		return f.src.Graph.RegistrationCampaign(ctx)
	},
}

// RegistrationCampaign: Entra's registration campaign interrupts a
// federated user after an Entra MFA.
var RegistrationCampaign = &Check{
	ID:       "loginloop.registration-campaign",
	Title:    "Entra's registration campaign does not interrupt federated sign-ins",
	Area:     AreaLoginLoop,
	Scope:    ScopeUser,
	Severity: Low,
	Needs:    []Source{Graph},
	Permissions: []Permission{{Source: Graph, Name: "Policy.Read.AuthenticationMethod"}, {Source: Graph, Name: permDomains},
		{Source: Graph, Name: "User.Read.All"}, {Source: Graph, Name: "GroupMember.Read.All"}},
	// EntraMemberOfFact is read only when the campaign names groups.
	Requires: []FactRef{RegistrationCampaignFact, FederationFact, EntraUserFact},
	Doc: `Entra's registration campaign asks people, right after they pass an
Entra MFA prompt, to set up Microsoft Authenticator (snoozable a few times,
then enforced). Microsoft: "the nudge only works for users who are doing MFA
using the Microsoft Entra multifactor authentication service". A user
federated to Okta whose Okta MFA Entra accepts never sees it; one whose
domain's federatedIdpMfaBehavior is rejectMfaByFederatedIdp does Entra's MFA
on every sign-in that needs it, and then meets the campaign too: a third
screen on top of Okta's and Entra's prompts, which helpdesks read as a loop.
The check reads the campaign (state enabled, disabled or default, which is
Microsoft-managed; its include and exclude targets: all_users, users,
groups, nested ones included) and the domain's behaviour. Self-service
password reset's registration interrupt is not shown by Graph and is not
judged.
Fix: exclude the federated users' group from the campaign, or set
federatedIdpMfaBehavior to acceptIfMfaDoneByFederatedIdp and require MFA in
Okta's Office 365 rule.`,
	References: []string{
		"https://learn.microsoft.com/entra/identity/authentication/how-to-mfa-registration-campaign",
		"https://learn.microsoft.com/graph/api/resources/authenticationmethodsregistrationcampaign",
		"https://learn.microsoft.com/graph/api/resources/internaldomainfederation",
	},
	Run: runRegistrationCampaign,
}

func runRegistrationCampaign(ctx context.Context, pass *Pass) error {
	upn, domain := pass.Subject.UPN, pass.Subject.Domain
	rc, err := RegistrationCampaignFact.Get(ctx, pass.Facts)
	if err != nil {
		return err
	}
	fed, err := FederationFact.Get(ctx, pass.Facts)
	if err != nil {
		return err
	}
	obj := Object{Kind: ObjUser, ID: upn, Name: upn}
	campaign := Value{Read{System: "entra", Object: Object{Kind: ObjPolicy, ID: "authenticationMethodsPolicy", Name: "registration campaign"},
		Field: "state; includeTargets; excludeTargets", Value: rc.State + "; " + targetsText(rc.IncludeTargets) + "; " + targetsText(rc.ExcludeTargets),
		Source: srcAuthMethods}}
	if fed == nil {
		pass.Report(Finding{Object: obj, Status: StatusPass, Evidence: []Evidence{campaign},
			Message: fmt.Sprintf("%s is not federated: the registration campaign (%s) is Entra's ordinary nudge for its own MFA", domain, rc.State)})
		return nil
	}
	behaviour := fed.FederatedIdpMfaBehavior
	behaviourEv := Value{Read{System: "entra", Object: domainObject(domain), Field: "federatedIdpMfaBehavior",
		Value: orNotSet(behaviour), Source: srcFederation}}
	ev := []Evidence{campaign, behaviourEv}
	if rc.State != "enabled" {
		pass.Report(Finding{Object: obj, Status: StatusPass, Evidence: ev,
			Message: fmt.Sprintf("the registration campaign is %s%s: it does not interrupt %s", rc.State, stateNote(rc.State), upn)})
		return nil
	}
	eu, err := EntraUserFact.Get(ctx, pass.Facts)
	if errors.Is(err, model.ErrNotFound) {
		return Skip("no Entra ID user %s (see identity.entra-user)", upn)
	}
	if err != nil {
		return err
	}
	groups := map[string]bool{}
	if slices.ContainsFunc(append(slices.Clone(rc.IncludeTargets), rc.ExcludeTargets...), func(t model.CampaignTarget) bool {
		return t.Type == "group" && t.ID != "all_users"
	}) {
		memberOf, err := EntraMemberOfFact.Get(ctx, pass.Facts)
		if err != nil {
			return err
		}
		for _, o := range memberOf {
			if o.Kind == "group" {
				groups[strings.ToLower(o.ID)] = true
			}
		}
	}
	hits := func(list []model.CampaignTarget) bool {
		return slices.ContainsFunc(list, func(t model.CampaignTarget) bool {
			id := strings.ToLower(t.ID)
			return id == "all_users" || id == strings.ToLower(eu.ID) || groups[id]
		})
	}
	if !hits(rc.IncludeTargets) || hits(rc.ExcludeTargets) {
		pass.Report(Finding{Object: obj, Status: StatusPass, Evidence: ev,
			Message: fmt.Sprintf("the registration campaign is enabled but does not target %s (included: %s; excluded: %s)",
				upn, targetsText(rc.IncludeTargets), targetsText(rc.ExcludeTargets))})
		return nil
	}
	if !strings.EqualFold(behaviour, model.MFARejectByIdP) {
		pass.Report(Finding{Object: obj, Status: StatusPass, Evidence: ev,
			Message: fmt.Sprintf("the registration campaign targets %s, but %s's federatedIdpMfaBehavior is %s: Entra takes Okta's MFA and shows the campaign only after an Entra MFA prompt (which a 1FA Okta rule can cause: see loginloop.mfa-loop-predictor)",
				upn, domain, orNotSet(behaviour))})
		return nil
	}
	enforce := "after the snoozes allowed, registration is enforced"
	if rc.EnforceAfterSnoozes != nil && !*rc.EnforceAfterSnoozes {
		enforce = "it can be snoozed indefinitely"
	}
	pass.Report(Finding{Object: obj, Status: StatusWarn, Evidence: ev,
		Message: fmt.Sprintf("the registration campaign is enabled for %s and %s's federatedIdpMfaBehavior is rejectMfaByFederatedIdp, so Entra does its own MFA after Okta's and then asks %s to set up Microsoft Authenticator (snooze %d day(s); %s): a third screen on each such sign-in. Exclude federated users from the campaign, or set acceptIfMfaDoneByFederatedIdp",
			upn, domain, upn, rc.SnoozeDurationDays, enforce)})
	return nil
}

func stateNote(state string) string {
	if state == "default" {
		return " (Microsoft-managed: it nudges users of Entra's voice and text-message MFA, not those whose MFA Okta does)"
	}
	return ""
}

func targetsText(list []model.CampaignTarget) string {
	if len(list) == 0 {
		return "none"
	}
	parts := make([]string, len(list))
	for i, t := range list {
		parts[i] = t.ID
		if t.Type != "" && t.ID != "all_users" {
			parts[i] = t.Type + " " + t.ID
		}
	}
	return strings.Join(parts, ", ")
}

func orNotSet(s string) string {
	if s == "" {
		return "(not set)"
	}
	return s
}
