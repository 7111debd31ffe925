package checks

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/o365doctor/o365doctor/internal/fix"
	"github.com/o365doctor/o365doctor/internal/model"
)

const (
	srcEntraLicenses = "GET /users/{upn}?$select=assignedLicenses,licenseAssignmentStates,usageLocation,..."
	srcSkus          = "GET /subscribedSkus"
	srcAppGroups     = "GET /api/v1/apps/{appId}/groups"
	srcUserGroups    = "GET /api/v1/users/{userId}/groups"
)

var (
	licPermGraphUsers = Permission{Source: Graph, Name: "User.Read.All"}
	licPermGraphOrg   = Permission{Source: Graph, Name: "Organization.Read.All"}
	licPermOktaUsers  = Permission{Source: Okta, Name: "okta.users.read"}
	licPermOktaApps   = Permission{Source: Okta, Name: "okta.apps.read"}
	licPermOktaGroups = Permission{Source: Okta, Name: "okta.groups.read"}
)

func optionalPerm(p Permission) Permission { p.Optional = true; return p }

// licenseAssignment reads the subject's Office 365 app user for a license
// check: without one there is nothing to compare, which the identity
// checks report (the license checks do not report it again).
func licenseAssignment(ctx context.Context, pass *Pass) (Assignment, error) {
	a, err := AssignmentFact.Get(ctx, pass.Facts)
	switch {
	case err == nil:
		return a, nil
	case a.User.ID == "" && errors.Is(err, model.ErrNotFound):
		return a, Skip("no Okta user %s (see identity.okta-user)", pass.Subject.UPN)
	case errors.Is(err, ErrNoApp), a.App.ID != "" && errors.Is(err, model.ErrNotFound):
		return a, Skip("no Office 365 app user for %s (see identity.o365-assignment)", pass.Subject.UPN)
	}
	return a, err
}

// licenseSides reads both sides of the user's licenses: the Okta app
// user, the Entra user and the tenant's SKUs that name them.
func licenseSides(ctx context.Context, pass *Pass) (Assignment, model.EntraUser, skuIndex, error) {
	a, err := licenseAssignment(ctx, pass)
	if err != nil {
		return a, model.EntraUser{}, skuIndex{}, err
	}
	eu, idx, err := entraSide(ctx, pass)
	return a, eu, idx, err
}

// entraSide reads the Entra user and the tenant's SKUs that name their
// licenses.
func entraSide(ctx context.Context, pass *Pass) (model.EntraUser, skuIndex, error) {
	eu, err := licenseEntraUser(ctx, pass)
	if err != nil {
		return eu, skuIndex{}, err
	}
	skus, err := SubscribedSkusFact.Get(ctx, pass.Facts)
	return eu, newSKUIndex(skus), err
}

// licenseEntraUser reads the subject's Entra user for a license check.
func licenseEntraUser(ctx context.Context, pass *Pass) (model.EntraUser, error) {
	eu, err := EntraUserFact.Get(ctx, pass.Facts)
	if errors.Is(err, model.ErrNotFound) {
		return eu, Skip("no Entra ID user %s (see identity.okta-user and the identity checks)", pass.Subject.UPN)
	}
	return eu, err
}

func entraUserObject(eu model.EntraUser) Object {
	return Object{Kind: ObjUser, ID: eu.ID, Name: eu.UserPrincipalName}
}

func skuObject(r skuRef) Object { return Object{Kind: ObjSKU, ID: r.key(), Name: r.Label} }

// directOnly drops the Entra licenses an Entra group assigns: Okta
// assigns licenses to the user directly and neither adds nor removes
// group-based ones.
func directOnly(eu model.EntraUser, idx skuIndex) (direct, byGroup []skuRef) {
	groupOf := map[string]string{}
	for _, s := range eu.LicenseStates() {
		if s.AssignedByGroup != "" {
			groupOf[strings.ToLower(s.SkuID)] = s.AssignedByGroup
		}
	}
	for _, l := range eu.AssignedLicenses() {
		r := idx.byIDRef(l.SkuID)
		if groupOf[strings.ToLower(l.SkuID)] != "" {
			// Both a direct and a group assignment show as one
			// assignedLicense with group states; count it as group-based.
			byGroup = append(byGroup, r)
			continue
		}
		direct = append(direct, r)
	}
	return direct, byGroup
}

// LicenseMatch: Okta and Entra agree on the user's licenses.
var LicenseMatch = &Check{
	ID:          "license.okta-entra-match",
	Title:       "Okta app-user licenses equal Entra ID's assigned licenses",
	Area:        AreaLicense,
	Scope:       ScopeUser,
	Severity:    High,
	Needs:       []Source{Okta, Graph},
	Permissions: []Permission{licPermOktaUsers, licPermOktaApps, licPermGraphUsers, licPermGraphOrg},
	Requires:    []FactRef{AssignmentFact, EntraUserFact, SubscribedSkusFact},
	Doc: `When Okta provisions Microsoft 365, the Office 365 app user's licenses
attribute is what Okta assigns in Entra ID. A license Okta lists that Entra
does not hold means Okta's push has not happened or failed (no mailbox, no
Teams, no Office apps for the user); a license Entra holds that Okta does not
list was assigned outside Okta and Okta's next push may remove it. Licenses are
shown by SKU part number and Microsoft's product name (from Microsoft's
"Product names and service plan identifiers for licensing" table). Licenses an
Entra group assigns are not Okta's and are left out of the comparison.
The value format of Okta's licenses attribute is not published: a part number,
a skuId or "PART:plan" are each read as that SKU.
Fix: set the licenses on the Okta assignment (the user's or the group's) to
what the user should have, then let Okta push; when the push fails, Okta's
app-user sync error and license.usage-location / license.sku-capacity say why.`,
	References: []string{
		"https://learn.microsoft.com/graph/api/resources/assignedlicense",
		"https://learn.microsoft.com/entra/identity/users/licensing-service-plan-reference",
		"https://support.okta.com/help/s/article/Office-365-integration-combine-license-assignment-values-from-multiple-groups",
		"https://help.okta.com/en-us/content/topics/apps/office365/office365-provisioning.htm",
	},
	Run: runLicenseMatch,
}

func runLicenseMatch(ctx context.Context, pass *Pass) error {
	a, eu, idx, err := licenseSides(ctx, pass)
	if err != nil {
		return err
	}
	values, _ := a.AppUser.Licenses()
	okta := idx.oktaLicenses(values)
	direct, byGroup := directOnly(eu, idx)
	onlyOkta := minus(minus(okta, direct), byGroup)
	onlyEntra := minus(direct, okta)
	cmp := Comparison{What: "licenses", Equal: len(onlyOkta) == 0 && len(onlyEntra) == 0, Sides: []Read{
		{System: "okta", Object: appUserObject(a), Field: "profile.licenses", Value: labels(okta), Source: srcAppUser},
		{System: "entra", Object: entraUserObject(eu), Field: "assignedLicenses", Value: labels(direct), Source: srcEntraLicenses},
	}}
	ev := []Evidence{cmp}
	if len(byGroup) > 0 {
		ev = append(ev, Value{Read{System: "entra", Object: entraUserObject(eu), Field: "licenseAssignmentStates[].assignedByGroup",
			Value: labels(byGroup) + " (assigned by an Entra group, not by Okta)", Source: srcEntraLicenses}})
	}
	f := Finding{Object: entraUserObject(eu), Evidence: ev}
	upn := pass.Subject.UPN
	switch {
	case cmp.Equal && len(okta) == 0:
		f.Status, f.Message = StatusPass, fmt.Sprintf("neither Okta nor Entra ID assigns %s a license directly", upn)
	case cmp.Equal:
		f.Status, f.Message = StatusPass, fmt.Sprintf("Okta and Entra ID agree on %s's licenses: %s", upn, labels(okta))
	case len(onlyOkta) > 0:
		f.Status = StatusFail
		f.Message = fmt.Sprintf("Okta assigns %s %s but Entra ID does not hold it: Okta's push has not happened or failed", upn, labels(onlyOkta))
		if why := pushHint(a, eu); why != "" {
			f.Message += " (" + why + ")"
		}
		if len(onlyEntra) > 0 {
			f.Message += fmt.Sprintf("; Entra ID holds %s, which Okta does not assign", labels(onlyEntra))
		}
	default:
		f.Status = StatusWarn
		f.Message = fmt.Sprintf("Entra ID gives %s %s, which the Okta app user does not list", upn, labels(onlyEntra))
		if oktaManagesLicenses(a.App) {
			f.Message += ": Okta manages licenses and its next push may remove it (see license.wipe-risk)"
		} else {
			f.Message += ": it was assigned outside Okta"
		}
	}
	// Only when adding Entra's licenses to Okta's settles it: a license
	// only Okta lists is a push that has not happened, which no write to
	// Okta fixes.
	if len(onlyOkta) == 0 {
		if p, why := alignLicensesPlan(pass.Check.ID, upn, a, onlyEntra); why != "" {
			f.Message += "; " + why
		} else if p.ID != "" {
			f.Fixes = []fix.Plan{p}
		}
	}
	pass.Report(f)
	return nil
}

// pushHint names what is known to stop Okta's license push.
func pushHint(a Assignment, eu model.EntraUser) string {
	switch {
	case strings.TrimSpace(eu.UsageLocation) == "":
		return "Entra ID has no usageLocation for the user, see license.usage-location"
	case a.AppUser.SyncState == "ERROR":
		return "the Okta app user's syncState is ERROR"
	}
	return ""
}

// licenseErrorMeaning explains each licenseAssignmentStates error with the
// next step (Microsoft: "Identify and resolve license assignment problems
// for a group in Microsoft Entra ID"; api-facts §Q4). Compared
// case-insensitively: the beta docs say Others, the service sends Other.
func licenseErrorMeaning(code string) (meaning, next string) {
	switch strings.ToLower(strings.TrimSpace(code)) {
	case "countviolation":
		return "not enough licenses: every seat of the SKU is taken",
			"free a seat (remove the license from someone who no longer needs it) or buy more, then reprocess the assignment (or let Okta push again)"
	case "mutuallyexclusiveviolation":
		return "two of the user's licenses hold service plans that cannot be assigned together (for example Exchange Online Plan 1 and Plan 2)",
			"remove one of the licenses or disable the conflicting service plan in one of them"
	case "dependencyviolation":
		return "a service plan in the license needs another service plan the user does not have (or has disabled)",
			"assign or enable the plan it depends on (the admin center names it), or disable the dependent plan"
	case "prohibitedinusagelocationviolation":
		return "a service in the license is not offered in the user's usageLocation",
			"set the user's correct usageLocation, or disable the service plans not offered there"
	case "uniquenessviolation":
		return "a value that must be unique in the tenant clashes with another object, usually a proxy address (\"Proxy address is already being used\")",
			"find the user, group or contact holding the same proxy address and remove it from one of them, then reprocess"
	case "other", "others":
		return "Microsoft reports another error and gives no detail in this field",
			"open the user's licenses in the Microsoft 365 admin center or Entra ID for the full message, fix it and reprocess"
	}
	return "an error o365doctor does not know",
		"open the user's licenses in the Microsoft 365 admin center or Entra ID for the full message"
}

// LicenseAssignmentErrors: no license of the user is in an error state.
var LicenseAssignmentErrors = &Check{
	ID:          "license.assignment-errors",
	Title:       "No license assignment errors in Entra ID",
	Area:        AreaLicense,
	Scope:       ScopeUser,
	Severity:    High,
	Needs:       []Source{Graph},
	Permissions: []Permission{licPermGraphUsers, licPermGraphOrg},
	Requires:    []FactRef{EntraUserFact, SubscribedSkusFact},
	Doc: `Entra ID records how each license assignment went in the user's
licenseAssignmentStates. An error leaves the license, or some of its services,
unassigned: CountViolation (no free seat), MutuallyExclusiveViolation
(conflicting service plans), DependencyViolation (a plan needs another),
ProhibitedInUsageLocationViolation (a service not offered in the user's
country), UniquenessViolation (a proxy address used elsewhere), Other (the
beta API says Others). "None" and null both mean no error: the live service
sends "None" although the reference says null.
Fix: each error's next step is in the finding; then reprocess the assignment
(or let Okta push again).`,
	References: []string{
		"https://learn.microsoft.com/graph/api/resources/licenseassignmentstate",
		"https://learn.microsoft.com/entra/identity/users/licensing-groups-resolve-problems",
		"https://github.com/microsoftgraph/microsoft-graph-docs-contrib/issues/2510",
	},
	Run: runLicenseAssignmentErrors,
}

func runLicenseAssignmentErrors(ctx context.Context, pass *Pass) error {
	eu, idx, err := entraSide(ctx, pass)
	if err != nil {
		return err
	}
	upn, failed := pass.Subject.UPN, 0
	for _, s := range eu.LicenseStates() {
		if !s.Failed() {
			continue
		}
		failed++
		r := idx.byIDRef(s.SkuID)
		meaning, next := licenseErrorMeaning(s.Error)
		obj := skuObject(r)
		read := func(field, value string) Evidence {
			return Value{Read{System: "entra", Object: entraUserObject(eu), Field: "licenseAssignmentStates[" + r.Label + "]." + field, Value: value, Source: srcEntraLicenses}}
		}
		ev := []Evidence{read("error", s.Error), read("state", s.State), read("lastUpdatedDateTime", stamp(s.LastUpdated))}
		if s.AssignedByGroup != "" {
			ev = append(ev, read("assignedByGroup", s.AssignedByGroup))
		}
		if k, ok := idx.byID[strings.ToLower(s.SkuID)]; ok {
			ev = append(ev, seatsEvidence(k, r)...)
		}
		pass.Report(Finding{Object: obj, Status: StatusFail, Evidence: ev,
			Message: fmt.Sprintf("%s's %s is in error %s: %s. Next: %s", upn, r.Label, s.Error, meaning, next)})
	}
	if failed == 0 {
		pass.Report(Finding{Object: entraUserObject(eu), Status: StatusPass,
			Evidence: []Evidence{Value{Read{System: "entra", Object: entraUserObject(eu), Field: "licenseAssignmentStates[].error",
				Value: "None (" + strconv.Itoa(len(eu.LicenseStates())) + " assignments)", Source: srcEntraLicenses}}},
			Message: fmt.Sprintf("none of %s's %d license assignments is in error", upn, len(eu.LicenseStates()))})
	}
	return nil
}

func seatsEvidence(k model.SKU, r skuRef) []Evidence {
	read := func(field, value string) Evidence {
		return Value{Read{System: "entra", Object: skuObject(r), Field: field, Value: value, Source: srcSkus}}
	}
	return []Evidence{
		read("prepaidUnits.enabled", strconv.Itoa(k.Enabled)),
		read("consumedUnits", strconv.Itoa(k.ConsumedUnits)),
		read("capabilityStatus", k.CapabilityStatus),
	}
}

// LicenseUsageLocation: a licensed user has a usage location.
var LicenseUsageLocation = &Check{
	ID:          "license.usage-location",
	Title:       "Licensed user has a usage location in Entra ID",
	Area:        AreaLicense,
	Scope:       ScopeUser,
	Severity:    High,
	Needs:       []Source{Graph},
	Permissions: []Permission{licPermGraphUsers, optionalPerm(licPermOktaUsers), optionalPerm(licPermOktaApps)},
	Requires:    []FactRef{EntraUserFact, AssignmentFact},
	Doc: `Microsoft assigns a license only to a user with a usageLocation (the
country whose services the licence may use). Without one, every assignment,
Okta's push included, fails with "License assignment cannot be done for user
with invalid usage location.", and the Okta app user goes to sync state ERROR.
The check fails when Entra ID has no usageLocation while the user holds a
license in Entra ID or Okta assigns one (read from Okta when it is configured).
Fix: set usageLocation on the Entra user (or map it in Okta's Office 365 app
profile so Okta sends it), then let Okta push the licenses again.`,
	References: []string{
		"https://learn.microsoft.com/graph/api/user-assignlicense",
		"https://learn.microsoft.com/entra/identity/users/licensing-groups-resolve-problems",
		"https://help.okta.com/en-us/Content/Topics/apps/office365/references/o365_supported_user_attributes.htm",
	},
	Run: runLicenseUsageLocation,
}

func runLicenseUsageLocation(ctx context.Context, pass *Pass) error {
	eu, err := licenseEntraUser(ctx, pass)
	if err != nil {
		return err
	}
	upn := pass.Subject.UPN
	loc := Value{Read{System: "entra", Object: entraUserObject(eu), Field: "usageLocation", Value: eu.UsageLocation, Source: srcEntraLicenses}}
	if strings.TrimSpace(eu.UsageLocation) != "" {
		pass.Report(Finding{Object: entraUserObject(eu), Status: StatusPass, Evidence: []Evidence{loc},
			Message: fmt.Sprintf("%s's usageLocation is %s", upn, eu.UsageLocation)})
		return nil
	}
	idx := newSKUIndex(nil) // names from Microsoft's table: no SKU listing needed here
	ev := []Evidence{loc}
	entra := idx.entraLicenses(eu)
	if len(entra) > 0 {
		ev = append(ev, Value{Read{System: "entra", Object: entraUserObject(eu), Field: "assignedLicenses", Value: labels(entra), Source: srcEntraLicenses}})
	}
	// Okta is optional here: without it (or without an app user) the
	// check judges Entra's side alone.
	var okta []skuRef
	oktaLoc := ""
	if a, aerr := AssignmentFact.Get(ctx, pass.Facts); aerr == nil {
		values, _ := a.AppUser.Licenses()
		okta = idx.oktaLicenses(values)
		oktaLoc = a.AppUser.UsageLocation()
		ev = append(ev, Value{Read{System: "okta", Object: appUserObject(a), Field: "profile.licenses", Value: labels(okta), Source: srcAppUser}},
			Value{Read{System: "okta", Object: appUserObject(a), Field: "profile.usageLocation", Value: oktaLoc, Source: srcAppUser}})
		if a.AppUser.SyncState != "" {
			ev = append(ev, Value{Read{System: "okta", Object: appUserObject(a), Field: "syncState", Value: a.AppUser.SyncState, Source: srcAppUser}})
		}
	}
	f := Finding{Object: entraUserObject(eu), Evidence: ev}
	switch {
	case len(okta) > 0:
		f.Status = StatusFail
		f.Message = fmt.Sprintf("%s has no usageLocation in Entra ID and Okta assigns %s: Microsoft refuses the assignment (\"License assignment cannot be done for user with invalid usage location.\")", upn, labels(okta))
	case len(entra) > 0:
		f.Status = StatusFail
		f.Message = fmt.Sprintf("%s holds %s but has no usageLocation in Entra ID: any change to the user's licenses fails until one is set", upn, labels(entra))
	default:
		f.Status = StatusPass
		f.Message = fmt.Sprintf("%s has no usageLocation, but holds no license and Okta assigns none", upn)
		pass.Report(f)
		return nil
	}
	code := strings.ToUpper(strings.TrimSpace(oktaLoc))
	if isCountryCode(code) {
		f.Message += fmt.Sprintf(". Set it to %s (what Okta's profile holds) or make Okta push usageLocation", code)
	} else {
		code = ""
		f.Message += ". Set the user's usageLocation (a two-letter country code) in Entra ID or Okta's profile (o365doctor fix " + pass.Check.ID + " --usage-location XX)"
	}
	f.Fixes = []fix.Plan{usageLocationPlan(pass.Check.ID, upn, eu, code)}
	pass.Report(f)
	return nil
}

// LicenseSKUCapacity: the user's SKUs have the seats they need.
var LicenseSKUCapacity = &Check{
	ID:          "license.sku-capacity",
	Title:       "The user's license SKUs have free seats",
	Area:        AreaLicense,
	Scope:       ScopeUser,
	Severity:    High,
	Needs:       []Source{Graph},
	Permissions: []Permission{licPermGraphUsers, licPermGraphOrg, optionalPerm(licPermOktaUsers), optionalPerm(licPermOktaApps)},
	Requires:    []FactRef{EntraUserFact, SubscribedSkusFact, AssignmentFact},
	Doc: `A license can be assigned only while its SKU has a free seat
(subscribedSkus: prepaidUnits.enabled > consumedUnits). For each SKU the user
holds or Okta will assign (licenses on the Okta app user that Entra ID does not
hold yet), the check compares enabled seats, consumed seats and what Okta will
add. It fails when a SKU Okta will assign has no free seat (Graph answers
"Subscription ... does not have any available licenses"), when more seats are
consumed than enabled, or when the user's own assignment is in CountViolation;
it warns when a subscription is in grace (Warning), suspended or locked out.
Fix: free seats (remove licenses from users who left) or buy more, then let
Okta push again.`,
	References: []string{
		"https://learn.microsoft.com/graph/api/resources/subscribedsku",
		"https://learn.microsoft.com/graph/api/subscribedsku-list",
		"https://learn.microsoft.com/entra/identity/users/licensing-groups-resolve-problems",
	},
	Run: runLicenseSKUCapacity,
}

func runLicenseSKUCapacity(ctx context.Context, pass *Pass) error {
	eu, idx, err := entraSide(ctx, pass)
	if err != nil {
		return err
	}
	held := idx.entraLicenses(eu)
	var toAssign []skuRef
	if a, aerr := AssignmentFact.Get(ctx, pass.Facts); aerr == nil {
		values, _ := a.AppUser.Licenses()
		toAssign = minus(idx.oktaLicenses(values), held)
	}
	countViolation := map[string]bool{}
	for _, s := range eu.LicenseStates() {
		if strings.EqualFold(strings.TrimSpace(s.Error), "CountViolation") {
			countViolation[idx.byIDRef(s.SkuID).key()] = true
		}
	}
	upn := pass.Subject.UPN
	if len(held)+len(toAssign) == 0 {
		pass.Report(Finding{Object: entraUserObject(eu), Status: StatusPass,
			Message: fmt.Sprintf("%s holds no license and Okta assigns none: no seats needed", upn)})
		return nil
	}
	for _, r := range append(slices.Clone(held), toAssign...) {
		will := slices.ContainsFunc(toAssign, func(o skuRef) bool { return o.key() == r.key() })
		k, ok := idx.byPart[r.Part]
		if !ok {
			if will {
				pass.Report(Finding{Object: skuObject(r), Status: StatusWarn,
					Evidence: []Evidence{Value{Read{System: "okta", Object: skuObject(r), Field: "profile.licenses", Value: r.Raw, Source: srcAppUser}}},
					Message:  fmt.Sprintf("Okta will assign %s %s, which the tenant's subscribedSkus do not list: the assignment will fail", upn, r.Label)})
			}
			continue
		}
		need := 0
		if will {
			need = 1
		}
		ev := append(seatsEvidence(k, r), Value{Read{System: "okta", Object: skuObject(r), Field: "seats Okta will assign to " + upn, Value: strconv.Itoa(need), Source: srcAppUser}})
		seats := fmt.Sprintf("%d of %d seats used", k.ConsumedUnits, k.Enabled)
		f := Finding{Object: skuObject(r), Evidence: ev, Status: StatusPass}
		switch {
		case will && k.Free() < 1:
			f.Status = StatusFail
			f.Message = fmt.Sprintf("%s is out of seats (%s) and Okta will assign it to %s: Microsoft will refuse (\"does not have any available licenses\")", r.Label, seats, upn)
		case countViolation[r.key()]:
			f.Status = StatusFail
			f.Message = fmt.Sprintf("%s is out of seats (%s) and %s's assignment of it is in CountViolation", r.Label, seats, upn)
		case k.Free() < 0:
			f.Status = StatusFail
			f.Message = fmt.Sprintf("%s has more seats consumed than enabled (%s): assignments beyond the enabled seats fail", r.Label, seats)
		case !strings.EqualFold(k.CapabilityStatus, "Enabled") && k.CapabilityStatus != "":
			f.Status = StatusWarn
			f.Message = fmt.Sprintf("%s's subscription is %s (%s): its services stop when it expires; renew it", r.Label, k.CapabilityStatus, seats)
		case will:
			f.Message = fmt.Sprintf("%s has a free seat for %s (%s, %d free)", r.Label, upn, seats, k.Free())
		default:
			f.Message = fmt.Sprintf("%s holds %s (%s, %d free)", upn, r.Label, seats, k.Free())
		}
		pass.Report(f)
	}
	return nil
}

// LicenseWipeRisk: Okta's next push will not remove the user's licenses.
var LicenseWipeRisk = &Check{
	ID:          "license.wipe-risk",
	Title:       "Okta's next push keeps the user's licenses",
	Area:        AreaLicense,
	Scope:       ScopeUser,
	Severity:    Critical,
	Needs:       []Source{Okta, Graph},
	Permissions: []Permission{licPermOktaUsers, licPermOktaApps, licPermGraphUsers, licPermGraphOrg},
	Requires:    []FactRef{AssignmentFact, EntraUserFact, SubscribedSkusFact},
	Doc: `When the Office 365 app provisions users (Okta pushes new users or
profile updates: every Office 365 provisioning type manages licenses and
roles), Okta makes the user's licenses in Microsoft 365 equal to the app
user's licenses attribute. An app user with no licenses (a blank assignment)
while Entra ID holds some means the next push removes them: mailbox, Teams and
Office apps go with them (Okta KB "Office 365 Roles and Licenses Are Removed by
Okta"). Licenses an Entra group assigns are not touched by Okta.
Fix: before anything triggers a push, set the licenses on the user's Okta
assignment (or on the group that assigns the app) to what Entra ID holds.`,
	References: []string{
		"https://support.okta.com/help/s/article/Office-365-Roles-and-Licenses-Are-Removed-by-Okta",
		"https://help.okta.com/en-us/content/topics/apps/office365/office365-provisioning.htm",
	},
	Run: runLicenseWipeRisk,
}

func runLicenseWipeRisk(ctx context.Context, pass *Pass) error {
	a, eu, idx, err := licenseSides(ctx, pass)
	if err != nil {
		return err
	}
	upn := pass.Subject.UPN
	values, _ := a.AppUser.Licenses()
	direct, _ := directOnly(eu, idx)
	ev := []Evidence{
		Value{Read{System: "okta", Object: appObject(a.App), Field: "features", Value: strings.Join(a.App.Features, ", "), Source: srcOktaApps}},
		Value{Read{System: "okta", Object: appUserObject(a), Field: "profile.licenses", Value: labels(idx.oktaLicenses(values)), Source: srcAppUser}},
		Value{Read{System: "entra", Object: entraUserObject(eu), Field: "assignedLicenses (direct)", Value: labels(direct), Source: srcEntraLicenses}},
	}
	f := Finding{Object: appUserObject(a), Evidence: ev, Status: StatusPass}
	switch {
	case !oktaManagesLicenses(a.App):
		f.Message = fmt.Sprintf("%s does not push users or profiles to Microsoft: Okta does not manage licenses", a.App.Label)
	case len(values) > 0:
		f.Message = fmt.Sprintf("Okta manages licenses and assigns %s licenses: a push does not leave them without", upn)
	case len(direct) == 0:
		f.Message = fmt.Sprintf("the Okta app user has no licenses and Entra ID assigns %s none directly: nothing to remove", upn)
	default:
		f.Status = StatusFail
		f.Message = fmt.Sprintf("Okta manages licenses and %s's Okta app user has none, while Entra ID gives them %s: Okta's next push removes it (mailbox, Teams and Office apps with it); set the licenses on the Okta assignment first", upn, labels(direct))
		if p, why := alignLicensesPlan(pass.Check.ID, upn, a, direct); why != "" {
			f.Message += "; " + why
		} else if p.ID != "" {
			f.Fixes = []fix.Plan{p}
		}
	}
	pass.Report(f)
	return nil
}

// LicenseGroupPriority: the user's assigned groups do not give conflicting
// licenses.
var LicenseGroupPriority = &Check{
	ID:          "license.group-priority",
	Title:       "Assigned groups do not give the user different licenses",
	Area:        AreaLicense,
	Scope:       ScopeUser,
	Severity:    Medium,
	Needs:       []Source{Okta},
	Permissions: []Permission{licPermOktaUsers, licPermOktaApps, licPermOktaGroups},
	Requires:    []FactRef{AssignmentFact, AppGroupsFact, UserGroupsFact},
	Doc: `A user who gets the Office 365 app through several groups gets the app
user profile of the group with the highest priority (the lowest priority
number) only: by default Okta does not combine the licenses and roles of the
other groups. A user added to a second group for its licence (E5 for Teams
Phone) silently keeps the first group's. The check names the groups, their
priorities and licenses, and what Okta gives. When the app user's licenses are
the union of the groups' (the org turned on "Combine values across groups"),
or the user is assigned directly (the direct assignment's profile wins), it
passes.
Fix: reorder the app's group assignments (Assignments > Groups, priority), put
the user in one group only, or turn on "Combine values across groups" for the
licenses attribute in the app's profile editor.`,
	References: []string{
		"https://support.okta.com/help/s/article/Office-365-integration-combine-license-assignment-values-from-multiple-groups",
		"https://help.okta.com/en-us/content/topics/provisioning/lcm/lcm-group-app-assign.htm",
		"https://developer.okta.com/docs/api/openapi/okta-management/management/tag/ApplicationGroups/",
	},
	Run: runLicenseGroupPriority,
}

func runLicenseGroupPriority(ctx context.Context, pass *Pass) error {
	a, err := licenseAssignment(ctx, pass)
	if err != nil {
		return err
	}
	appGroups, err := AppGroupsFact.Get(ctx, pass.Facts)
	if err != nil {
		return err
	}
	mine, err := UserGroupsFact.Get(ctx, pass.Facts)
	if err != nil {
		return err
	}
	upn := pass.Subject.UPN
	idx := newSKUIndex(nil) // names from Microsoft's table: Okta alone
	nameOf := map[string]string{}
	for _, g := range mine {
		nameOf[g.ID] = g.Name
	}
	type licGroup struct {
		model.AppGroup
		Name string
		Refs []skuRef
	}
	var groups []licGroup
	for _, g := range appGroups {
		name, member := nameOf[g.GroupID]
		values, has := g.Licenses()
		if member && has {
			groups = append(groups, licGroup{g, name, idx.oktaLicenses(values)})
		}
	}
	slices.SortStableFunc(groups, func(x, y licGroup) int { return x.Priority - y.Priority })
	values, _ := a.AppUser.Licenses()
	got := idx.oktaLicenses(values)
	ev := []Evidence{
		Value{Read{System: "okta", Object: appUserObject(a), Field: "scope", Value: a.AppUser.Scope, Source: srcAppUser}},
		Value{Read{System: "okta", Object: appUserObject(a), Field: "profile.licenses", Value: labels(got), Source: srcAppUser}},
	}
	var union []skuRef
	differ := false
	for _, g := range groups {
		ev = append(ev, Value{Read{System: "okta", Object: Object{Kind: ObjGroup, ID: g.GroupID, Name: g.Name},
			Field: "priority " + strconv.Itoa(g.Priority) + ": profile.licenses", Value: labels(g.Refs), Source: srcAppGroups}})
		union = append(union, minus(g.Refs, union)...)
		if len(minus(g.Refs, groups[0].Refs))+len(minus(groups[0].Refs, g.Refs)) > 0 {
			differ = true
		}
	}
	f := Finding{Object: appUserObject(a), Evidence: ev, Status: StatusPass}
	switch {
	case len(groups) < 2:
		f.Message = fmt.Sprintf("%s is in %d group(s) that assign %s with licenses: no priority to resolve", upn, len(groups), a.App.Label)
	case !differ:
		f.Message = fmt.Sprintf("%s's %d assigned groups give the same licenses: %s", upn, len(groups), labels(groups[0].Refs))
	case a.AppUser.Scope == "USER":
		f.Message = fmt.Sprintf("%s is assigned to %s directly: the direct assignment's licenses (%s) apply, not the groups'", upn, a.App.Label, labels(got))
	case len(minus(union, got)) == 0:
		f.Message = fmt.Sprintf("%s's app user holds the licenses of all %d assigned groups (Okta combines values across groups): %s", upn, len(groups), labels(got))
	default:
		var parts []string
		for _, g := range groups {
			parts = append(parts, fmt.Sprintf("%s (priority %d: %s)", g.Name, g.Priority, labels(g.Refs)))
		}
		f.Status = StatusWarn
		f.Message = fmt.Sprintf("%s is in %d groups assigned to %s with different licenses: %s; Okta applies only %s's, so %s does not get %s",
			upn, len(groups), a.App.Label, strings.Join(parts, ", "), groups[0].Name, upn, labels(minus(union, groups[0].Refs)))
	}
	pass.Report(f)
	return nil
}

// isCountryCode: two letters A-Z, the form of an ISO 3166-1 alpha-2 code
// Graph takes as usageLocation.
func isCountryCode(s string) bool { return model.IsCountry(s) }
