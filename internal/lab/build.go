package lab

import (
	"fmt"
	"maps"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Directory role templates (Microsoft Entra built-in roles).
var roleTemplates = map[string]string{
	"Global Administrator":          "62e90394-69f5-4237-9190-012177145e10",
	"User Administrator":            "fe930be7-5e62-47db-91af-98c3a49a38b1",
	"Exchange Administrator":        "29232cdf-9323-42fd-ade2-1d097af3e4de",
	"Privileged Role Administrator": "e8611ab8-c189-46e8-94e1-60213ab1f814",
	"Helpdesk Administrator":        "729827e3-9c14-49f7-bb1b-9608f156bbb8",
}

// newState builds the lab's tenant from the scenario, with the Okta URL
// the federation points at.
func newState(sc *Scenario, oktaURL string, now time.Time) (*state, error) {
	st := newStateShell(sc, oktaURL)
	created := otime(now.Add(-400 * 24 * time.Hour))
	daysAgo := func(d float64) time.Time { return now.Add(-time.Duration(d * float64(24*time.Hour))) }

	for _, c := range sc.Certificates {
		cert, err := newSigningCert(c, now)
		if err != nil {
			return nil, err
		}
		st.certs[c.Name] = cert
	}

	for _, a := range sc.Okta.Apps {
		id := oktaID("0oa", sc.Name+"|"+a.Key)
		app := &oktaApp{
			ID: id, Name: a.Name, Label: a.Label, Status: a.Status, Created: created, LastUpdated: created,
			SignOnMode:    a.SignOnMode,
			Accessibility: map[string]any{"selfService": false, "errorRedirectUrl": nil, "loginRedirectUrl": nil},
			Licensing:     map[string]any{"seatCount": 0},
			Visibility: map[string]any{"autoLaunch": false, "autoSubmitToolbar": false, "hide": map[string]any{"iOS": false, "web": false},
				"appLinks": map[string]any{"login": true, "calendar": false, "mail": false, "teams": false, "onedrive": false}},
			Features:    append([]string{}, a.Features...),
			key:         a.Key,
			externalKey: oktaID("exk", sc.Name+"|"+a.Key),
		}
		if app.Features == nil {
			app.Features = []string{}
		}
		settingsApp := map[string]any{
			"tenantType": nil, "wsFedConfigureType": "AUTO", "occSettings": nil, "windowsTransportEnabled": false,
			"domain": nil, "msftTenant": nil, "domains": []any{}, "requireAdminConsent": false,
		}
		for k, v := range a.Settings {
			settingsApp[k] = v
		}
		app.Settings = map[string]any{
			"app":                settingsApp,
			"notifications":      map[string]any{"vpn": map[string]any{"network": map[string]any{"connection": "DISABLED"}, "message": nil, "helpUrl": nil}},
			"manualProvisioning": false, "implicitAssignment": false,
			"notes": map[string]any{"admin": nil, "enduser": nil},
		}
		signing := map[string]any{}
		for _, k := range a.SigningKeys {
			app.keys = append(app.keys, st.certs[k])
		}
		if len(app.keys) > 0 && a.SignOnMode == "SAML_1_1" {
			signing["kid"] = app.keys[0].Kid
		}
		app.Credentials = map[string]any{
			"userNameTemplate": map[string]any{"template": a.UserNameTemplate, "type": "BUILT_IN"},
			"signing":          signing,
		}
		if a.SignOnMode == "BROWSER_PLUGIN" {
			app.Credentials["scheme"] = "EDIT_USERNAME_AND_PASSWORD"
			app.Credentials["revealPassword"] = false
		}
		st.apps = append(st.apps, app)
		st.appByID[id] = app
		st.appByKey[a.Key] = app
	}

	for _, u := range sc.Okta.Users {
		st.addOktaUser(u, created, now, daysAgo)
	}

	for _, g := range sc.Okta.Groups {
		id := oktaID("00g", sc.Name+"|"+g.Name)
		grp := &oktaGroup{ID: id, Created: created, LastUpdated: created, LastMembershipUpdated: created,
			ObjectClass: []string{"okta:user_group"}, Type: "OKTA_GROUP",
			Profile: map[string]any{"name": g.Name, "description": nil}}
		for _, m := range g.Members {
			grp.members = append(grp.members, st.oktaByLogin[strings.ToLower(m)].ID)
		}
		sort.Strings(grp.members)
		st.groups = append(st.groups, grp)
		st.groupByID[id] = grp
		for _, as := range g.Assignments {
			app := st.appByKey[as.App]
			st.appGroups[app.ID] = append(st.appGroups[app.ID], &oktaAppGroup{ID: id, LastUpdated: created, Priority: as.Priority, Profile: cloneMap(as.Profile)})
		}
	}
	sort.Slice(st.groups, func(i, j int) bool { return st.groups[i].ID < st.groups[j].ID })
	for _, list := range st.appGroups {
		sort.SliceStable(list, func(i, j int) bool { return list[i].Priority < list[j].Priority })
	}

	for _, k := range sc.Tenant.SKUs {
		plans := []map[string]any{}
		for _, p := range k.ServicePlans {
			plans = append(plans, map[string]any{"servicePlanId": guid("plan:" + p), "servicePlanName": p, "provisioningStatus": "Success", "appliesTo": "User"})
		}
		st.skus = append(st.skus, &sku{
			AccountName: sc.Tenant.DisplayName, AccountID: sc.Tenant.ID, AppliesTo: "User", CapabilityStatus: "Enabled",
			ID: sc.Tenant.ID + "_" + k.SkuID, PrepaidUnits: map[string]int{"enabled": k.Enabled, "lockedOut": 0, "suspended": 0, "warning": 0},
			ServicePlans: plans, SkuID: k.SkuID, SkuPartNumber: k.Name, SubscriptionIDs: []string{guid("sub:" + k.Name)},
			extraUsed: k.ExtraUsed,
		})
	}

	initial := &entraDomain{ID: sc.Tenant.InitialDomain, AuthenticationType: "Managed", IsAdminManaged: true, IsInitial: true, IsRoot: true, IsVerified: true,
		SupportedServices: []string{"Email", "OfficeCommunicationsOnline"}}
	st.domains = append(st.domains, initial)
	hasDefault := false
	for _, d := range sc.Tenant.Domains {
		if strings.EqualFold(d.Name, sc.Tenant.InitialDomain) {
			initial.IsDefault = d.IsDefault
			hasDefault = hasDefault || d.IsDefault
			continue
		}
		dom := &entraDomain{ID: d.Name, AuthenticationType: d.AuthenticationType, IsAdminManaged: true, IsDefault: d.IsDefault,
			IsVerified: d.IsVerified == nil || *d.IsVerified, SupportedServices: []string{"Email", "OfficeCommunicationsOnline"},
			verificationCode: d.VerificationCode}
		dom.IsRoot = dom.IsVerified
		hasDefault = hasDefault || d.IsDefault
		if f := d.Federation; f != nil && !f.Missing {
			dom.federation = st.buildFederation(d.Name, f, now)
		}
		st.domains = append(st.domains, dom)
	}
	if !hasDefault {
		initial.IsDefault = true
	}

	for _, u := range sc.Tenant.Users {
		st.addEntraUser(u, now, daysAgo)
	}
	if b := sc.Bulk; b != nil {
		if err := st.generateBulk(*b, created, now, daysAgo); err != nil {
			return nil, err
		}
	}
	sort.Slice(st.entraUsers, func(i, j int) bool { return st.entraUsers[i].ID < st.entraUsers[j].ID })
	sort.Slice(st.oktaUsers, func(i, j int) bool { return st.oktaUsers[i].ID < st.oktaUsers[j].ID })
	for _, list := range st.appUsers {
		sort.Slice(list, func(i, j int) bool { return list[i].ID < list[j].ID })
	}

	for _, g := range sc.Tenant.Groups {
		grp := &entraGroup{ODataType: "#microsoft.graph.group", ID: guid("group:" + g.Name), DisplayName: g.Name, GroupTypes: []string{},
			MailNickname: strings.ToLower(strings.ReplaceAll(g.Name, " ", "-")), SecurityEnabled: true,
			CreatedDateTime: graphTime{now.Add(-200 * 24 * time.Hour).Truncate(time.Second)}}
		for _, m := range g.Members {
			grp.members = append(grp.members, st.entraByUPN[strings.ToLower(m)].ID)
		}
		st.entraGroups = append(st.entraGroups, grp)
	}
	for i, g := range sc.Tenant.Groups {
		for _, name := range g.Groups {
			st.entraGroups[i].members = append(st.entraGroups[i].members, guid("group:"+name))
		}
	}
	for _, p := range sc.Tenant.FeatureRollouts {
		pol := &featureRollout{ID: guid("rollout:" + st.tenantID + ":" + p.Name), DisplayName: p.Name, Description: p.Name,
			Feature: p.Feature, IsEnabled: p.Enabled == nil || *p.Enabled, IsAppliedToOrganization: p.AppliesToOrganization}
		for _, g := range p.Groups {
			pol.groups = append(pol.groups, guid("group:"+g))
		}
		st.rollouts = append(st.rollouts, pol)
	}

	for _, s := range sc.Tenant.SignIns {
		st.addSignIns(s, now)
	}
	sort.Slice(st.signIns, func(i, j int) bool { return st.signIns[i].pageKey() < st.signIns[j].pageKey() })
	for _, l := range sc.Okta.Logs {
		st.addLogs(l, now)
	}
	sort.SliceStable(st.logs, func(i, j int) bool { return st.logs[i].published.Before(st.logs[j].published) })
	return st, nil
}

func (st *state) addOktaUser(u OktaUserSpec, created oktaTime, now time.Time, daysAgo func(float64) time.Time) *oktaUser {
	id := oktaID("00u", strings.ToLower(u.Login))
	ou := &oktaUser{
		ID: id, Status: u.Status, Created: created, StatusChanged: created, LastUpdated: created,
		Type: map[string]any{"id": "oty" + id[3:]},
		Profile: map[string]any{
			"firstName": u.FirstName, "lastName": u.LastName, "mobilePhone": nil, "secondEmail": nil,
			"login": u.Login, "email": u.Email,
		},
		Credentials: map[string]any{"provider": map[string]any{"type": "OKTA", "name": "OKTA"}},
	}
	if u.Status != "STAGED" {
		ou.Activated = created
	}
	switch u.Status {
	case "ACTIVE", "PASSWORD_EXPIRED", "LOCKED_OUT", "RECOVERY", "SUSPENDED":
		ou.PasswordChanged = created
		if u.PasswordChangedDaysAgo > 0 {
			ou.PasswordChanged = otime(daysAgo(u.PasswordChangedDaysAgo))
		}
		ou.Credentials["password"] = map[string]any{}
		ou.LastLogin = otime(now.Add(-26 * time.Hour))
	}
	if u.Status != "ACTIVE" && u.Status != "STAGED" {
		ou.StatusChanged = otime(now.Add(-3 * time.Hour))
	}
	st.oktaUsers = append(st.oktaUsers, ou)
	st.oktaByID[id] = ou
	st.oktaByLogin[strings.ToLower(u.Login)] = ou
	for _, as := range u.Assignments {
		app := st.appByKey[as.App]
		au := &oktaAppUser{
			ID: id, ExternalID: optional(guid("ext:" + strings.ToLower(u.Login))),
			Created: created, LastUpdated: created, Scope: as.Scope, Status: as.Status,
			StatusChanged: created, SyncState: as.SyncState,
			Credentials: map[string]any{"userName": as.UserName},
			Profile:     cloneMap(as.Profile),
		}
		if as.SyncState != "DISABLED" {
			au.LastSync = &created
		}
		st.appendAppUser(app.ID, au)
		if as.SyncError != "" {
			st.addLogs(LogSpec{EventType: "app.office365.api.error.push.profile", User: u.Login, App: as.App, MinutesAgo: 45,
				Result: "FAILURE", Reason: as.SyncError, Message: "Push profile update to Microsoft Office 365 failed"}, now)
		}
	}
	for i, f := range u.Factors {
		fid := map[string]string{"push": "opf", "sms": "sms", "token:software:totp": "ost", "question": "ufs"}[f.Type]
		if fid == "" {
			fid = "fac"
		}
		fac := &oktaFactor{ID: oktaID(fid, fmt.Sprintf("%s|%d", id, i)), FactorType: f.Type, Provider: f.Provider, VendorName: f.Provider,
			Status: f.Status, Created: created, LastUpdated: created, Profile: map[string]any{}}
		if f.Type == "push" {
			fac.Profile = map[string]any{"credentialId": u.Login, "deviceType": "SmartPhone_IPhone", "name": firstNonEmpty(f.Device, u.FirstName+"'s iPhone"), "platform": "IOS", "version": "17.4"}
		}
		st.factors[id] = append(st.factors[id], fac)
	}
	return ou
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

func (st *state) buildFederation(domain string, f *FederationSpec, now time.Time) *federation {
	fed := &federation{
		ODataType: "#microsoft.graph.internalDomainFederation", ID: guid("fed:" + st.tenantID + ":" + domain),
		DisplayName: firstNonEmpty(f.DisplayName, domain), PreferredAuthenticationProtocol: firstNonEmpty(f.PreferredProtocol, "wsFed"),
		PromptLoginBehavior:            firstNonEmpty(f.PromptLoginBehavior, "translateToFreshPasswordAuthentication"),
		FederatedIdpMfaBehavior:        optional(f.FederatedIdpMfaBehavior),
		SigningCertificateUpdateStatus: map[string]any{"certificateUpdateResult": "Success", "lastRunDateTime": graphTime{now.Add(-24 * time.Hour)}},
	}
	var cert string
	if app := st.appByKey[f.FederatedTo]; app != nil {
		issuer, passive, active, signOut, mex := st.wsfedURIs(app, domain, f.IssuerForm, f.UseCustomDomain)
		fed.IssuerURI, fed.PassiveSignInURI = issuer, passive
		fed.ActiveSignInURI, fed.SignOutURI, fed.MetadataExchangeURI = &active, &signOut, &mex
		if len(app.keys) > 0 {
			cert = app.keys[0].Name
		}
	}
	fed.IssuerURI = firstNonEmpty(f.IssuerURI, fed.IssuerURI)
	fed.PassiveSignInURI = firstNonEmpty(f.PassiveSignInURI, fed.PassiveSignInURI)
	for _, o := range []struct {
		dst **string
		v   string
	}{{&fed.ActiveSignInURI, f.ActiveSignInURI}, {&fed.SignOutURI, f.SignOutURI}, {&fed.MetadataExchangeURI, f.MetadataExchangeURI}} {
		if o.v != "" {
			*o.dst = optional(o.v)
		}
	}
	if c := st.certs[firstNonEmpty(f.SigningCertificate, cert)]; c != nil {
		fed.SigningCertificate = c.Base64()
	}
	if c := st.certs[f.NextSigningCertificate]; c != nil {
		fed.NextSigningCertificate = optional(c.Base64())
	}
	return fed
}

func (st *state) addEntraUser(u EntraUserSpec, now time.Time, daysAgo func(float64) time.Time) *entraUser {
	eu := &entraUser{
		ID: guid("user:" + st.tenantID + ":" + strings.ToLower(u.UPN)), UserPrincipalName: u.UPN,
		DisplayName: u.DisplayName, AccountEnabled: u.AccountEnabled == nil || *u.AccountEnabled,
		OnPremisesImmutableID: optional(u.ImmutableID), UsageLocation: optional(u.UsageLocation),
		Mail: optional(u.UPN), BusinessPhones: []string{}, ProxyAddresses: []string{"SMTP:" + u.UPN},
		CreatedDateTime:                 graphTime{now.Add(-400 * 24 * time.Hour).Truncate(time.Second)},
		LastPasswordChangeDateTime:      graphTime{now.Add(-120 * 24 * time.Hour).Truncate(time.Second)},
		SignInSessionsValidFromDateTime: graphTime{now.Add(-120 * 24 * time.Hour).Truncate(time.Second)},
		AssignedLicenses:                []assignedLicense{}, LicenseAssignmentStates: []licenseState{},
	}
	if u.PasswordChangedDaysAgo > 0 {
		eu.LastPasswordChangeDateTime = graphTime{daysAgo(u.PasswordChangedDaysAgo).Truncate(time.Second)}
	}
	if u.SessionsValidFromDaysAgo > 0 {
		eu.SignInSessionsValidFromDateTime = graphTime{daysAgo(u.SessionsValidFromDaysAgo).Truncate(time.Second)}
	}
	if first, last, ok := strings.Cut(u.DisplayName, " "); ok {
		eu.GivenName, eu.Surname = optional(first), optional(last)
	}
	for _, l := range u.Licenses {
		k := st.skuByName(l)
		eu.AssignedLicenses = append(eu.AssignedLicenses, assignedLicense{DisabledPlans: []string{}, SkuID: k.SkuID})
		ls := licenseState{DisabledPlans: []string{}, Error: "None", LastUpdatedDateTime: graphTime{now.Add(-30 * 24 * time.Hour)}, SkuID: k.SkuID, State: "Active"}
		if e := u.LicenseErrors[l]; e != "" {
			ls.Error, ls.State = e, "ActiveWithError"
		}
		if g := u.ViaGroup[l]; g != "" {
			ls.AssignedByGroup = optional(guid("group:" + g))
		}
		eu.LicenseAssignmentStates = append(eu.LicenseAssignmentStates, ls)
	}
	st.entraUsers = append(st.entraUsers, eu)
	st.entraByID[eu.ID] = eu
	st.entraByUPN[strings.ToLower(u.UPN)] = eu
	for _, r := range u.Roles {
		st.addRoleMember(r, eu.ID)
	}
	return eu
}

func (st *state) addRoleMember(role, userID string) {
	for _, r := range st.roles {
		if r.DisplayName == role {
			r.members = append(r.members, userID)
			return
		}
	}
	tmpl := roleTemplates[role]
	if tmpl == "" {
		tmpl = guid("roletemplate:" + role)
	}
	st.roles = append(st.roles, &directoryRole{ID: guid("role:" + st.tenantID + ":" + role), DisplayName: role,
		Description: "Members of this role: " + role + ".", RoleTemplateID: tmpl, members: []string{userID}})
}

func (st *state) addSignIns(s SignInSpec, now time.Time) {
	n := max(s.Count, 1)
	u := st.entraUserRef(s.User)
	for i := 0; i < n; i++ {
		at := now.Add(-time.Duration((s.MinutesAgo + float64(i)*s.EveryMinutes) * float64(time.Minute))).Truncate(time.Millisecond)
		status := map[string]any{"errorCode": s.ErrorCode, "failureReason": nil, "additionalDetails": nil}
		if s.ErrorCode != 0 {
			status["failureReason"] = firstNonEmpty(s.FailureReason, "Other.")
		}
		userID, name := "", ""
		if u != nil {
			userID, name = u.ID, u.DisplayName
		}
		body := map[string]any{
			"id": guid(fmt.Sprintf("signin:%s:%d:%d", s.User, s.ErrorCode, i) + at.String()), "createdDateTime": at.UTC().Format("2006-01-02T15:04:05.000Z"),
			"userDisplayName": name, "userPrincipalName": s.User, "userId": userID,
			"appId": "00000002-0000-0ff1-ce00-000000000000", "appDisplayName": firstNonEmpty(s.App, "Office 365 Exchange Online"),
			"ipAddress": "203.0.113.24", "clientAppUsed": firstNonEmpty(s.ClientAppUsed, "Browser"),
			"correlationId": correlation(s, i, at), "conditionalAccessStatus": "notApplied",
			"isInteractive": true, "riskDetail": "none", "riskLevelAggregated": "none", "riskLevelDuringSignIn": "none", "riskState": "none",
			"riskEventTypes": []string{}, "resourceDisplayName": "Office 365 Exchange Online", "resourceId": "00000002-0000-0ff1-ce00-000000000000",
			"status":                           status,
			"deviceDetail":                     map[string]any{"deviceId": "", "displayName": nil, "operatingSystem": "Windows 10", "browser": "Edge 120.0.0", "isCompliant": nil, "isManaged": nil, "trustType": nil},
			"location":                         map[string]any{"city": "Seattle", "state": "Washington", "countryOrRegion": "US", "geoCoordinates": map[string]any{"altitude": nil, "latitude": 47.6, "longitude": -122.3}},
			"appliedConditionalAccessPolicies": []any{},
		}
		st.signIns = append(st.signIns, signIn{created: at, upn: strings.ToLower(s.User), body: body})
	}
}

// correlation is a sign-in's correlationId: its own, or its flow's.
func correlation(s SignInSpec, i int, at time.Time) string {
	if s.Correlation != "" {
		return guid(fmt.Sprintf("corr:%s:%s:%d", s.User, s.Correlation, i))
	}
	return guid(fmt.Sprintf("corr:%s:%d", s.User, i) + at.String())
}

// addLogs adds System Log events shaped as the LogEvent of Okta's
// management API reference (ListLogs example), with postalCode and version
// as strings, as the schema says.
func (st *state) addLogs(l LogSpec, now time.Time) {
	n := max(l.Count, 1)
	actor := map[string]any{"id": "0oa_system", "type": "PublicClientApp", "alternateId": "system", "displayName": "Okta System", "detailEntry": nil}
	if u := st.oktaUserRef(l.User); u != nil {
		actor = map[string]any{"id": u.ID, "type": "User", "alternateId": u.login(), "displayName": strings.TrimSpace(fmt.Sprint(u.Profile["firstName"], " ", u.Profile["lastName"])), "detailEntry": nil}
	}
	var targets []any
	if app := st.appByKey[l.App]; app != nil {
		targets = append(targets, map[string]any{"id": app.ID, "type": "AppInstance", "alternateId": app.Label, "displayName": app.Label, "detailEntry": nil})
	}
	if l.URLPattern != "" {
		targets = append(targets, map[string]any{"id": l.URLPattern, "type": "URL Pattern", "alternateId": nil, "displayName": nil, "detailEntry": nil},
			map[string]any{"id": guid("bucket:" + l.URLPattern), "type": "Bucket Uuid", "alternateId": nil, "displayName": nil, "detailEntry": nil})
	}
	if targets == nil {
		targets = []any{}
	}
	for i := 0; i < n; i++ {
		at := now.Add(-time.Duration((l.MinutesAgo + float64(i)*l.EveryMinutes) * float64(time.Minute))).Truncate(time.Millisecond)
		uuid := guid(fmt.Sprintf("log:%s:%s:%d:%s", l.EventType, l.User, i, at))
		reqURI := l.RequestURI
		if reqURI == "" {
			reqURI = "/app/office365/" + "sso"
			if app := st.appByKey[l.App]; app != nil {
				reqURI = "/app/office365/" + app.externalKey + "/sso/wsfed/passive"
			}
		}
		debug := map[string]any{"requestId": randomToken(27), "requestUri": reqURI, "url": reqURI}
		if l.Threshold > 0 {
			maps.Copy(debug, map[string]any{"threshold": strconv.Itoa(l.Threshold), "timeSpan": "1", "timeUnit": "MINUTES",
				"rateLimitScopeType": "ORG", "rateLimitSecondsToReset": "37", "warningPercent": "90"})
		}
		body := map[string]any{
			"actor": actor,
			"client": map[string]any{
				"userAgent": map[string]any{"rawUserAgent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36", "os": "Windows 10", "browser": "CHROME"},
				"zone":      nil, "device": "Computer", "id": nil, "ipAddress": "203.0.113.24",
				"geographicalContext": map[string]any{"city": "Seattle", "state": "Washington", "country": "United States", "postalCode": "98101", "geolocation": map[string]any{"lat": 47.6, "lon": -122.3}},
			},
			"authenticationContext": map[string]any{"authenticationProvider": nil, "credentialProvider": nil, "credentialType": nil, "issuer": nil, "interface": nil, "authenticationStep": 0, "externalSessionId": "idx" + randomToken(22)},
			"displayMessage":        firstNonEmpty(l.Message, l.EventType),
			"eventType":             l.EventType,
			"outcome":               map[string]any{"result": firstNonEmpty(l.Result, "SUCCESS"), "reason": optional(l.Reason)},
			"published":             at.UTC().Format("2006-01-02T15:04:05.000Z"),
			"severity":              map[bool]string{true: "WARN", false: "INFO"}[l.Result == "FAILURE" || l.Result == "DENY"],
			"debugContext":          map[string]any{"debugData": debug},
			"legacyEventType":       nil,
			"transaction":           map[string]any{"type": "WEB", "id": randomToken(27), "detail": map[string]any{}},
			"uuid":                  uuid,
			"version":               "0",
			"target":                targets,
		}
		st.logs = append(st.logs, logEvent{published: at, body: body})
	}
}
