package checks

import (
	"cmp"
	"context"
	"fmt"
	"strings"

	"github.com/o365doctor/o365doctor/internal/model"
)

// --- loginloop.autopilot-device-trust ----------------------------------------

// autopilotUserAgent is what Windows sends while it joins Entra ID in the
// out-of-box experience (Okta's knowledge base matches it with an
// Expression Language rule for Windows sign-in with Okta credentials).
const autopilotUserAgent = "Windows-AzureAD-Authentication-Provider"

// AutopilotDeviceTrust: a new Windows device in Autopilot's out-of-box
// experience, not yet registered with Okta Verify, gets past the Office 365
// app's device-trust rules.
var AutopilotDeviceTrust = &Check{
	ID:       "loginloop.autopilot-device-trust",
	Title:    "A new Windows device (Autopilot) can sign in past the device-trust rules",
	Area:     AreaLoginLoop,
	Scope:    ScopeUser,
	Severity: Medium,
	Needs:    []Source{Okta},
	Permissions: []Permission{{Source: Okta, Name: "okta.users.read"}, {Source: Okta, Name: permOktaApps},
		{Source: Okta, Name: "okta.policies.read"}, {Source: Okta, Name: "okta.groups.read"}},
	Requires: []FactRef{AccessPolicyFact, UserGroupsFact},
	Doc: `Windows Autopilot signs the user in to Microsoft 365 during the
out-of-box experience, on a device that Okta Verify is not on yet: it is
neither registered nor managed, so it matches no Office 365 sign-in rule
with a device condition (Device Trust, FastPass, a device assurance
policy). The check walks the app's rules that apply to the user, by
priority, as such a device would: rules that need a registered or managed
device are passed over, so are rules for other platforms than Windows; a
rule that also asks for a network zone, a risk level or an expression
applies only sometimes and is named. The first rule that applies whatever
the conditions decides: DENY (usually the Catch-all Rule behind the
device-trust rules) means Autopilot enrollment fails at Okta.
Fix: add a rule above the device-trust rules for Windows with device state
Any, limited to a group of new hires as Okta advises (a device that skips
Device Trust is the price), and take people out of the group once their
device is set up.`,
	References: []string{
		"https://help.okta.com/oie/en-us/content/topics/apps/office365/win-autopilot/win-autopilot-integration.htm",
		"https://support.okta.com/help/s/article/how-to-configure-authentication-policies-for-device-management",
		"https://developer.okta.com/docs/api/openapi/okta-management/management/tag/Policy/",
	},
	Run: runAutopilotDeviceTrust,
}

func runAutopilotDeviceTrust(ctx context.Context, pass *Pass) error {
	u, err := oktaUserOf(ctx, pass)
	if err != nil {
		return err
	}
	pol, err := accessPolicyOf(ctx, pass)
	if err != nil {
		return err
	}
	oktaGroups, err := UserGroupsFact.Get(ctx, pass.Facts)
	if err != nil {
		return err
	}
	groups := map[string]bool{}
	for _, g := range oktaGroups {
		groups[g.ID] = true
	}
	obj := oktaUserObject(u)
	var trust, maybe []model.OktaPolicyRule
	var decides *model.OktaPolicyRule
	for _, r := range pol.Rules {
		if r.Status != "ACTIVE" || !rulePeopleMatch(r, u.ID, groups) {
			continue
		}
		if r.NeedsDeviceTrust() {
			if r.Access == "ALLOW" {
				trust = append(trust, r)
			}
			continue
		}
		if decides != nil || !r.MatchesPlatform("DESKTOP", "WINDOWS") {
			continue
		}
		if sometimes(r) {
			maybe = append(maybe, r)
			continue
		}
		decides = &r
	}
	if len(trust) == 0 {
		pass.Report(Finding{Object: obj, Status: StatusPass, Evidence: ruleReads(*pol, pol.Rules),
			Message: fmt.Sprintf("no rule of Okta's policy %q that applies to %s asks for a registered or managed device: a new Windows device is judged like any other", pol.Name, u.Login)})
		return nil
	}
	ev := ruleReads(*pol, trust)
	ev = append(ev, ruleReads(*pol, maybe)...)
	trustNames := ruleNames(trust)
	var exception *model.OktaPolicyRule
	for i, r := range maybe {
		if r.Access == "ALLOW" {
			exception = &maybe[i]
			break
		}
	}
	switch {
	case decides == nil:
		pass.Report(Finding{Object: obj, Status: StatusFail, Evidence: ev,
			Message: fmt.Sprintf("a new Windows device of %s (Windows Autopilot, not yet registered with Okta Verify) matches none of %s (they need a registered or managed device) and no other rule of %q: Okta refuses it and Autopilot enrollment fails. Add a rule for Windows with device state Any for new hires",
				u.Login, trustNames, pol.Name)})
	case decides.Access == "DENY" && exception != nil:
		ev = append(ev, ruleReads(*pol, []model.OktaPolicyRule{*decides})...)
		pass.Report(Finding{Object: obj, Status: StatusWarn, Evidence: ev,
			Message: fmt.Sprintf("a new Windows device of %s (Windows Autopilot) matches none of %s; it can sign in only %s (%s), else %s denies it: Autopilot enrollment fails outside that condition",
				u.Login, trustNames, strings.TrimPrefix(ruleWhen(*exception), "when "), ruleLabelOf(*pol, *exception), ruleLabelOf(*pol, *decides))})
	case decides.Access == "DENY":
		ev = append(ev, ruleReads(*pol, []model.OktaPolicyRule{*decides})...)
		pass.Report(Finding{Object: obj, Status: StatusFail, Evidence: ev,
			Message: fmt.Sprintf("a new Windows device of %s (Windows Autopilot, not yet registered with Okta Verify) matches none of %s and falls to %s, which denies access: Autopilot enrollment fails at Okta. Add a rule above them for Windows with device state Any, for a group of new hires (Okta's Autopilot guidance)",
				u.Login, trustNames, ruleLabelOf(*pol, *decides))})
	default:
		ev = append(ev, ruleReads(*pol, []model.OktaPolicyRule{*decides})...)
		pass.Report(Finding{Object: obj, Status: StatusPass, Evidence: ev,
			Message: fmt.Sprintf("a new Windows device of %s (Windows Autopilot) matches none of %s but falls to %s (ALLOW %s): Autopilot can sign in",
				u.Login, trustNames, ruleLabelOf(*pol, *decides), cmp.Or(decides.FactorMode, "no factorMode"))})
	}
	return nil
}

// sometimes: the rule also sets a condition a device in Autopilot may or
// may not meet (a network zone, a risk level, a user type, an expression
// such as Windows' user agent).
func sometimes(r model.OktaPolicyRule) bool {
	if r.NetworkConnection == "ZONE" || r.ElCondition != "" {
		return true
	}
	for _, c := range r.OtherConditions {
		if c == "riskScore" || c == "userType" {
			return true
		}
	}
	return false
}

// ruleWhen says a rule's conditional part: "when in network zone(s) nzo…",
// "when its expression matches (… Windows-AzureAD-Authentication-Provider …)".
func ruleWhen(r model.OktaPolicyRule) string {
	var when []string
	switch {
	case r.NetworkConnection == "ZONE" && len(r.NetworkInclude) > 0:
		when = append(when, "in network zone(s) "+strings.Join(r.NetworkInclude, ", "))
	case r.NetworkConnection == "ZONE" && len(r.NetworkExclude) > 0:
		when = append(when, "outside network zone(s) "+strings.Join(r.NetworkExclude, ", "))
	}
	if r.ElCondition != "" {
		what := "its expression matches"
		if strings.Contains(r.ElCondition, autopilotUserAgent) {
			what = "Windows' Entra join sends its user agent (" + autopilotUserAgent + ")"
		}
		when = append(when, what)
	}
	for _, c := range r.OtherConditions {
		if c == "riskScore" || c == "userType" {
			when = append(when, "its "+c+" condition matches")
		}
	}
	return "when " + strings.Join(when, " and ")
}

func ruleLabelOf(p model.OktaAccessPolicy, r model.OktaPolicyRule) string {
	return fmt.Sprintf("Okta rule %q of policy %q (priority %d)", r.Name, p.Name, r.Priority)
}

func ruleNames(list []model.OktaPolicyRule) string {
	names := make([]string, len(list))
	for i, r := range list {
		names[i] = fmt.Sprintf("%q", r.Name)
	}
	if len(names) == 1 {
		return "the device-trust rule " + names[0]
	}
	return "the device-trust rules " + strings.Join(names, ", ")
}

func ruleReads(p model.OktaAccessPolicy, list []model.OktaPolicyRule) []Evidence {
	var out []Evidence
	for _, r := range list {
		device := "Any"
		switch {
		case r.DeviceManaged:
			device = "registered, managed"
		case r.DeviceRegistered:
			device = "registered"
		}
		if len(r.DeviceAssurance) > 0 {
			device += ", assurance " + strings.Join(r.DeviceAssurance, " ")
		}
		out = append(out, ruleRead(p, r), Value{Read{System: "okta", Object: ruleObject(p, r), Field: "conditions.device",
			Value: device, Source: srcOktaRules}})
	}
	return out
}
