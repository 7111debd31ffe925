package checks

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/o365doctor/o365doctor/internal/model"
)

// OneActiveApp: exactly one active Office 365 app federates the domain.
var OneActiveApp = &Check{
	ID:          "oktaapp.one-active-app",
	Title:       "Exactly one active Office 365 app in Okta for the domain",
	Area:        AreaOktaApp,
	Scope:       ScopeDomain,
	Severity:    Critical,
	Needs:       []Source{Okta},
	Permissions: []Permission{{Source: Okta, Name: "okta.apps.read"}},
	Requires:    []FactRef{Office365AppsFact},
	Doc: `Okta answers Microsoft's sign-in for a federated domain through the Microsoft
Office 365 app (OIN name office365) whose settings.app.domain (or, for automatic
WS-Federation, one of settings.app.domains) is that domain. With none, nobody in
the domain can sign in; with two active instances for one domain, assignments,
licences and the signing certificate Entra ID trusts are split between them and
users land on the wrong one. Inactive instances are listed but do not count.
Fix: keep one active instance per domain (deactivate the leftover), or add the
domain to the app that federates it.`,
	References: []string{
		"https://developer.okta.com/docs/api/openapi/okta-management/management/tag/Application/",
		"https://help.okta.com/en-us/content/topics/apps/office365/office365-deployment-guide.htm",
	},
	Run: runOneActiveApp,
}

func runOneActiveApp(ctx context.Context, pass *Pass) error {
	domain := pass.Subject.Domain
	apps, err := Office365AppsFact.Get(ctx, pass.Facts)
	if err != nil {
		return err
	}
	var active, inactive []model.OktaApp
	for _, a := range apps {
		if !a.Federates(domain) {
			continue
		}
		if a.Status == "ACTIVE" {
			active = append(active, a)
		} else {
			inactive = append(inactive, a)
		}
	}
	var ev []Evidence
	for _, a := range append(active, inactive...) {
		ev = append(ev, Value{Read{System: "okta", Object: appObject(a), Field: "status, settings.app.domain",
			Value: a.Status + ", " + a.Domain(), Source: srcOktaApps}})
	}
	obj := Object{Kind: ObjDomain, ID: domain, Name: domain}
	switch len(active) {
	case 0:
		msg := fmt.Sprintf("no active Office 365 app in Okta federates %s (%d Office 365 app(s) in the org): nobody in the domain can be signed in by Okta", domain, len(apps))
		if len(inactive) > 0 {
			msg = fmt.Sprintf("the Office 365 app for %s is %s in Okta: nobody in the domain can be signed in by Okta", domain, inactive[0].Status)
		}
		pass.Report(Finding{Object: obj, Status: StatusFail, Message: msg, Evidence: ev})
	case 1:
		pass.Report(Finding{Object: appObject(active[0]), Status: StatusPass, Evidence: ev,
			Message: fmt.Sprintf("%s (%s) is the one active Office 365 app for %s", active[0].Label, active[0].ID, domain)})
	default:
		var names []string
		for _, a := range active {
			names = append(names, a.Label+" ("+a.ID+")")
		}
		pass.Report(Finding{Object: obj, Status: StatusFail, Evidence: ev,
			Message: fmt.Sprintf("%d active Office 365 apps federate %s: %s; users and the signing certificate are split between them", len(active), domain, strings.Join(names, ", "))})
	}
	return nil
}

// SignOnModeWSFed: the domain's Office 365 app signs in with WS-Federation.
var SignOnModeWSFed = &Check{
	ID:          "oktaapp.signon-mode-wsfed",
	Title:       "The Office 365 app signs in with WS-Federation",
	Area:        AreaOktaApp,
	Scope:       ScopeDomain,
	Severity:    High,
	Needs:       []Source{Okta},
	Permissions: []Permission{{Source: Okta, Name: "okta.apps.read"}},
	Requires:    []FactRef{Office365AppsFact},
	Doc: `The Office 365 app supports two sign-on modes, which the Okta API reports as
signOnMode SAML_1_1 (WS-Federation: Microsoft redirects to Okta, Okta signs the
token; this is what a federated domain needs) and BROWSER_PLUGIN (SWA: the Okta
browser plugin types a password into Microsoft's page, the domain stays managed
and Okta's MFA and policies do not protect Microsoft 365). SWA is weaker: warn.
Fix: switch the app's sign-on method to WS-Federation (automatic) in Okta.`,
	References: []string{
		"https://developer.okta.com/docs/api/openapi/okta-management/management/tag/Application/",
		"https://help.okta.com/en-us/content/topics/apps/office365/configure-ws-federation.htm",
	},
	Run: runSignOnModeWSFed,
}

func runSignOnModeWSFed(ctx context.Context, pass *Pass) error {
	apps, err := Office365AppsFact.Get(ctx, pass.Facts)
	if err != nil {
		return err
	}
	judged := 0
	for _, app := range apps {
		// Every active app for the domain: with two (itself a finding of
		// oktaapp.one-active-app), the second's mode matters as much.
		if app.Status == "ACTIVE" && app.Federates(pass.Subject.Domain) {
			pass.Report(signOnFinding(app))
			judged++
		}
	}
	if judged == 0 {
		return Skip("no active Office 365 app for %s (see oktaapp.one-active-app)", pass.Subject.Domain)
	}
	return nil
}

func signOnFinding(app model.OktaApp) Finding {
	f := Finding{Object: appObject(app), Evidence: []Evidence{
		Value{Read{System: "okta", Object: appObject(app), Field: "signOnMode", Value: app.SignOnMode, Source: srcOktaApps}},
	}}
	switch app.SignOnMode {
	case model.SignOnWSFed:
		f.Status, f.Message = StatusPass, fmt.Sprintf("%s signs in with WS-Federation (signOnMode SAML_1_1)", app.Label)
	case model.SignOnSWA:
		f.Status, f.Message = StatusWarn, fmt.Sprintf("%s signs in with SWA (signOnMode BROWSER_PLUGIN): Okta types a password into Microsoft's page; the domain is not federated and Okta's MFA does not guard Microsoft 365", app.Label)
	default:
		f.Status, f.Message = StatusFail, fmt.Sprintf("%s has signOnMode %q, which the Office 365 app does not support (SAML_1_1 for WS-Federation, BROWSER_PLUGIN for SWA)", app.Label, app.SignOnMode)
	}
	return f
}

// Provisioning: the app provisions through Microsoft Graph consent, and
// does not push passwords to a federated domain.
var Provisioning = &Check{
	ID:          "oktaapp.provisioning",
	Title:       "Provisioning uses the Graph consent and pushes no passwords",
	Area:        AreaOktaApp,
	Scope:       ScopeDomain,
	Severity:    Medium,
	Needs:       []Source{Okta},
	Permissions: []Permission{{Source: Okta, Name: "okta.apps.read"}},
	Requires:    []FactRef{Office365AppsFact},
	Doc: `Okta provisions users and licences into Microsoft 365 through the Office 365
app. Okta has moved it to an admin consent for Microsoft Graph: provisioning on
stored Microsoft admin credentials stops working (Okta's migration notice).
The API shows settings.app.office365ProvisioningType on newer instances (null
when provisioning is off or the instance predates it); no public source shows
its values, so o365doctor shows it and does not judge it: check the app's
Provisioning tab for Graph admin consent. And under WS-Federation the password
lives in Okta:
pushing it to Microsoft (feature PUSH_PASSWORD_UPDATES) copies a credential
Microsoft never needs and makes a password change race the federation; it warns.
Fix: in the app's Provisioning tab, re-authenticate with Microsoft Graph admin
consent; turn off "Sync Password" under WS-Federation.`,
	References: []string{
		"https://support.okta.com/help/s/article/update-office-365-app-instance-to-support-microsoft-graph",
		"https://help.okta.com/en-us/content/topics/apps/office365/office365-provisioning.htm",
	},
	Run: runProvisioning,
}

func runProvisioning(ctx context.Context, pass *Pass) error {
	apps, err := Office365AppsFact.Get(ctx, pass.Facts)
	if err != nil {
		return err
	}
	judged := 0
	for _, app := range apps {
		if app.Status != "ACTIVE" || !app.Federates(pass.Subject.Domain) {
			continue
		}
		judged++
		obj := appObject(app)
		pushes := slices.ContainsFunc(app.Features, func(f string) bool { return strings.HasPrefix(f, "PUSH_") })
		ptype, _ := app.Settings["office365ProvisioningType"].(string)
		ev := []Evidence{
			Value{Read{System: "okta", Object: obj, Field: "features", Value: strings.Join(app.Features, ", "), Source: srcOktaApps}},
			Value{Read{System: "okta", Object: obj, Field: "settings.app.office365ProvisioningType", Value: ptype, Source: srcOktaApps}},
		}
		var warns []string
		if slices.Contains(app.Features, "PUSH_PASSWORD_UPDATES") && app.SignOnMode == model.SignOnWSFed {
			warns = append(warns, "it pushes passwords to Microsoft although the domain signs in through Okta (WS-Federation): turn off Sync Password")
		}
		switch {
		case len(warns) > 0:
			pass.Report(Finding{Object: obj, Status: StatusWarn, Evidence: ev, Message: app.Label + ": " + strings.Join(warns, "; ")})
		case !pushes:
			pass.Report(Finding{Object: obj, Status: StatusPass, Evidence: ev, Message: app.Label + " does not provision users to Microsoft 365 (no push feature on)"})
		case ptype == "":
			pass.Report(Finding{Object: obj, Status: StatusPass, Evidence: ev, Message: app.Label + " provisions users and pushes no passwords; this instance does not show its provisioning type (check for Graph admin consent in its Provisioning tab)"})
		default:
			pass.Report(Finding{Object: obj, Status: StatusPass, Evidence: ev, Message: fmt.Sprintf("%s provisions users (provisioning type %s) and pushes no passwords; whether that is the Graph consent, the API does not say (see its Provisioning tab)", app.Label, ptype)})
		}
	}
	if judged == 0 {
		return Skip("no active Office 365 app for %s (see oktaapp.one-active-app)", pass.Subject.Domain)
	}
	return nil
}
