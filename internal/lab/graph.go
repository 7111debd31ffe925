package lab

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// graphError writes Graph's error object: error.code, error.message and
// error.innerError with the date (no zone, no fraction) and request IDs, as
// directory errors come back from the live service.
func (l *Lab) graphError(w http.ResponseWriter, r *http.Request, status int, code, message string) {
	reqID := guid("req:" + randomToken(12))
	w.Header().Set("request-id", reqID)
	writeJSON(w, status, map[string]any{"error": map[string]any{
		"code": code, "message": message,
		"innerError": map[string]any{
			"date":              l.now().UTC().Format("2006-01-02T15:04:05"),
			"request-id":        reqID,
			"client-request-id": firstNonEmpty(r.Header.Get("client-request-id"), reqID),
		},
	}})
}

func (l *Lab) graphNotFound(w http.ResponseWriter, r *http.Request, id string) {
	l.graphError(w, r, http.StatusNotFound, "Request_ResourceNotFound",
		fmt.Sprintf("Resource '%s' does not exist or one of its queried reference-property objects are not present.", id))
}

func (l *Lab) graphRoutes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1.0/users", l.graphListUsers)
	mux.HandleFunc("GET /v1.0/users/{id}", l.graphGetUser)
	mux.HandleFunc("PATCH /v1.0/users/{id}", l.graphPatchUser)
	mux.HandleFunc("POST /v1.0/users/{id}/assignLicense", l.graphAssignLicense)
	mux.HandleFunc("POST /v1.0/users/{id}/revokeSignInSessions", l.graphRevokeSessions)
	mux.HandleFunc("GET /v1.0/organization", l.graphOrganization)
	mux.HandleFunc("GET /v1.0/domains", l.graphListDomains)
	mux.HandleFunc("GET /v1.0/domains/{id}", l.graphGetDomain)
	mux.HandleFunc("GET /v1.0/domains/{id}/verificationDnsRecords", l.graphDNSRecords(true))
	mux.HandleFunc("GET /v1.0/domains/{id}/serviceConfigurationRecords", l.graphDNSRecords(false))
	mux.HandleFunc("GET /v1.0/domains/{id}/federationConfiguration", l.graphListFederation)
	mux.HandleFunc("POST /v1.0/domains/{id}/federationConfiguration", l.graphCreateFederation)
	mux.HandleFunc("GET /v1.0/domains/{id}/federationConfiguration/{fid}", l.graphGetFederation)
	mux.HandleFunc("PATCH /v1.0/domains/{id}/federationConfiguration/{fid}", l.graphPatchFederation)
	mux.HandleFunc("GET /v1.0/subscribedSkus", l.graphSkus)
	mux.HandleFunc("GET /v1.0/directoryRoles", l.graphRoles)
	mux.HandleFunc("GET /v1.0/directoryRoles/{id}/members", l.graphRoleMembers)
	mux.HandleFunc("GET /v1.0/auditLogs/signIns", l.graphSignIns)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		l.graphError(w, r, http.StatusBadRequest, "BadRequest", fmt.Sprintf("Resource not found for the segment '%s'.", lastSegment(r.URL.Path)))
	})
	return mux
}

// graphAuth accepts only access tokens the lab's token endpoint issued.
func (l *Lab) graphAuth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || token == "" {
			l.graphError(w, r, http.StatusUnauthorized, "InvalidAuthenticationToken", "Access token is empty.")
			return
		}
		if !l.validToken(token) {
			l.graphError(w, r, http.StatusUnauthorized, "InvalidAuthenticationToken", "Access token has expired or is not yet valid.")
			return
		}
		next.ServeHTTP(w, r)
	})
}

func lastSegment(p string) string {
	p = strings.TrimRight(p, "/")
	return p[strings.LastIndexByte(p, '/')+1:]
}

// graphDefaultUserSelect is what Graph returns for a user without $select.
var graphDefaultUserSelect = []string{"businessPhones", "displayName", "givenName", "jobTitle", "mail", "mobilePhone", "officeLocation", "preferredLanguage", "surname", "userPrincipalName", "id"}

func splitSelect(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func toMap(v any) map[string]any {
	b, _ := json.Marshal(v)
	m := map[string]any{}
	_ = json.Unmarshal(b, &m)
	return m
}

// project keeps the selected properties (null for unknown ones, as Graph
// omits nothing it was asked for).
func project(full map[string]any, sel []string) map[string]any {
	out := map[string]any{}
	for _, k := range sel {
		out[k] = full[k]
	}
	return out
}

func (l *Lab) context(r *http.Request, entity string) string {
	return l.graphBase(r) + "/$metadata#" + entity
}

func (l *Lab) graphBase(r *http.Request) string {
	if r.Host == "" || r.Host == "lab" {
		return l.GraphURL
	}
	return "https://" + r.Host + "/v1.0"
}

func (l *Lab) graphGetUser(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	l.state.mu.RLock()
	u := l.state.entraUserRef(id)
	var full map[string]any
	if u != nil {
		full = toMap(u)
	}
	l.state.mu.RUnlock()
	if u == nil {
		l.graphNotFound(w, r, id)
		return
	}
	sel := splitSelect(r.URL.Query().Get("$select"))
	ctx := "users/$entity"
	if len(sel) > 0 {
		ctx = "users(" + strings.Join(sel, ",") + ")/$entity"
	} else {
		sel = graphDefaultUserSelect
	}
	out := project(full, sel)
	out["@odata.context"] = l.context(r, ctx)
	writeJSON(w, http.StatusOK, out)
}

// graphListUsers is GET /users with $select, $top (default 100, maximum
// 999), $filter, $count and @odata.nextLink paging. Basic filters (eq,
// startswith) work as is; endsWith needs ConsistencyLevel: eventual and
// $count=true, as on the real service.
func (l *Lab) graphListUsers(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	filter := q.Get("$filter")
	advanced := r.Header.Get("ConsistencyLevel") == "eventual" && q.Get("$count") == "true"
	match, needsAdvanced, err := parseUserFilter(filter)
	if err != nil {
		l.graphError(w, r, http.StatusBadRequest, "BadRequest", "Invalid filter clause: "+err.Error())
		return
	}
	if needsAdvanced && !advanced {
		l.graphError(w, r, http.StatusBadRequest, "Request_UnsupportedQuery", "Operator 'endsWith' is not supported because the 'ConsistencyLevel:eventual' header is missing. Refer to https://aka.ms/graph-docs/advanced-queries for more information")
		return
	}
	l.state.mu.RLock()
	var matched []map[string]any
	sel := splitSelect(q.Get("$select"))
	if len(sel) == 0 {
		sel = graphDefaultUserSelect
	}
	users := l.state.entraUsers
	if filter != "" {
		users = nil
		for _, u := range l.state.entraUsers {
			if match(u) {
				users = append(users, u)
			}
		}
	}
	page, next, ok := l.graphPage(w, r, len(users), 100, 999)
	if ok {
		for _, u := range users[page[0]:page[1]] {
			matched = append(matched, project(toMap(u), sel))
		}
	}
	l.state.mu.RUnlock()
	if !ok {
		return
	}
	ctx := "users"
	if q.Get("$select") != "" {
		ctx = "users(" + strings.Join(sel, ",") + ")"
	}
	out := map[string]any{"@odata.context": l.context(r, ctx), "value": nonNil(matched)}
	if advanced && q.Get("$skiptoken") == "" {
		out["@odata.count"] = len(users)
	}
	if next != "" {
		out["@odata.nextLink"] = next
	}
	writeJSON(w, http.StatusOK, out)
}

func nonNil(v []map[string]any) []map[string]any {
	if v == nil {
		return []map[string]any{}
	}
	return v
}

// graphPage reads $top and $skiptoken and returns the [from, to) window and
// the nextLink: the same URL with every query parameter kept and a new
// $skiptoken, which clients must follow verbatim.
func (l *Lab) graphPage(w http.ResponseWriter, r *http.Request, n, defTop, maxTop int) ([2]int, string, bool) {
	q := r.URL.Query()
	top := defTop
	if s := q.Get("$top"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < 1 || v > maxTop {
			l.graphError(w, r, http.StatusBadRequest, "Request_BadRequest", fmt.Sprintf("Invalid page size specified: '%s'. Must be between 1 and %d inclusive.", s, maxTop))
			return [2]int{}, "", false
		}
		top = v
	}
	from := 0
	if tok := q.Get("$skiptoken"); tok != "" {
		b, err := base64.RawURLEncoding.DecodeString(tok)
		v, err2 := strconv.Atoi(strings.TrimPrefix(string(b), "o:"))
		if err != nil || err2 != nil || v < 0 {
			l.graphError(w, r, http.StatusBadRequest, "Request_BadRequest", "Invalid skip token.")
			return [2]int{}, "", false
		}
		from = min(v, n)
	}
	to := min(from+top, n)
	next := ""
	if to < n {
		nq := url.Values{}
		for k, v := range q {
			nq[k] = v
		}
		nq.Set("$skiptoken", base64.RawURLEncoding.EncodeToString([]byte("o:"+strconv.Itoa(to))))
		next = l.graphBase(r) + strings.TrimPrefix(r.URL.Path, "/v1.0") + "?" + nq.Encode()
	}
	return [2]int{from, to}, next, true
}

var filterClause = regexp.MustCompile(`^(?i:(startswith|endswith)\((\w+),\s*'((?:[^']|'')*)'\)|(\w+)\s+(eq|ne)\s+(?:'((?:[^']|'')*)'|(true|false|null|-?\d+)))$`)

// parseUserFilter supports `prop eq 'v'`, `prop eq true|false|null`,
// `startswith(prop,'v')` and `endswith(prop,'v')`, joined by and.
func parseUserFilter(expr string) (func(*entraUser) bool, bool, error) {
	type clause struct{ fn, prop, op, value string }
	var clauses []clause
	advanced := false
	if strings.TrimSpace(expr) != "" {
		for _, part := range splitFold(expr, " and ") {
			m := filterClause.FindStringSubmatch(strings.TrimSpace(part))
			if m == nil {
				return nil, false, fmt.Errorf("%q", part)
			}
			c := clause{fn: strings.ToLower(m[1]), prop: m[2], value: strings.ReplaceAll(m[3], "''", "'")}
			if c.fn == "" {
				c.prop, c.op = m[4], strings.ToLower(m[5])
				c.value = strings.ReplaceAll(m[6], "''", "'")
				if m[7] != "" {
					c.value = m[7]
				}
			}
			if c.fn == "endswith" {
				advanced = true
			}
			clauses = append(clauses, c)
		}
	}
	if len(clauses) == 0 {
		return func(*entraUser) bool { return true }, false, nil
	}
	return func(u *entraUser) bool {
		for _, c := range clauses {
			v := userFilterField(u, c.prop)
			var ok bool
			switch {
			case c.fn == "startswith":
				ok = strings.HasPrefix(strings.ToLower(v), strings.ToLower(c.value))
			case c.fn == "endswith":
				ok = strings.HasSuffix(strings.ToLower(v), strings.ToLower(c.value))
			case c.value == "null":
				ok = v == ""
			default:
				ok = strings.EqualFold(v, c.value)
			}
			if c.op == "ne" {
				ok = !ok
			}
			if !ok {
				return false
			}
		}
		return true
	}, advanced, nil
}

// userFilterField is a filterable user property as a string.
func userFilterField(u *entraUser, prop string) string {
	switch prop {
	case "id":
		return u.ID
	case "userPrincipalName":
		return u.UserPrincipalName
	case "displayName":
		return u.DisplayName
	case "mail":
		return deref(u.Mail)
	case "accountEnabled":
		return strconv.FormatBool(u.AccountEnabled)
	case "onPremisesImmutableId":
		return deref(u.OnPremisesImmutableID)
	case "usageLocation":
		return deref(u.UsageLocation)
	}
	return ""
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// graphPatchUser is PATCH /users/{id}: 204 on success. Like the real
// service it refuses to set onPremisesImmutableId on a user whose UPN is in
// a federated domain (400; the exact message is not documented publicly,
// this one is the lab's), and a UPN in a domain that is not verified.
func (l *Lab) graphPatchUser(w http.ResponseWriter, r *http.Request) {
	var body map[string]any
	if err := readJSON(r, &body); err != nil {
		l.graphError(w, r, http.StatusBadRequest, "BadRequest", "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.")
		return
	}
	l.state.mu.Lock()
	defer l.state.mu.Unlock()
	u := l.state.entraUserRef(r.PathValue("id"))
	if u == nil {
		l.graphNotFound(w, r, r.PathValue("id"))
		return
	}
	next := *u
	for k, v := range body {
		switch k {
		case "onPremisesImmutableId":
			next.OnPremisesImmutableID = optionalAny(v)
		case "usageLocation":
			next.UsageLocation = optionalAny(v)
		case "displayName":
			if s, ok := v.(string); ok {
				next.DisplayName = s
			}
		case "accountEnabled":
			if b, ok := v.(bool); ok {
				next.AccountEnabled = b
			}
		case "userPrincipalName":
			s, _ := v.(string)
			if d := l.state.domain(domainOf(s)); d == nil || !d.IsVerified {
				l.graphError(w, r, http.StatusBadRequest, "Request_BadRequest",
					"The domain portion of the userPrincipalName property is invalid. You must use one of the verified domain names in your organization.")
				return
			}
			if other := l.state.entraUserRef(s); other != nil && other != u {
				l.graphError(w, r, http.StatusBadRequest, "Request_BadRequest", "Another object with the same value for property userPrincipalName already exists.")
				return
			}
			next.UserPrincipalName = s
		}
		// Other writable properties are accepted and ignored: the lab
		// models only what o365doctor reads.
	}
	if _, ok := body["onPremisesImmutableId"]; ok {
		if d := l.state.domain(domainOf(next.UserPrincipalName)); d != nil && d.AuthenticationType == "Federated" {
			l.graphError(w, r, http.StatusBadRequest, "Request_BadRequest",
				"Property 'onPremisesImmutableId' cannot be changed for a user in a federated domain; move the user to a managed domain first.")
			return
		}
	}
	if !strings.EqualFold(next.UserPrincipalName, u.UserPrincipalName) {
		delete(l.state.entraByUPN, strings.ToLower(u.UserPrincipalName))
		l.state.entraByUPN[strings.ToLower(next.UserPrincipalName)] = u
	}
	*u = next
	w.WriteHeader(http.StatusNoContent)
}

func optionalAny(v any) *string {
	s, _ := v.(string)
	return optional(s)
}

func domainOf(upn string) string {
	_, d, _ := strings.Cut(upn, "@")
	return strings.ToLower(d)
}

// graphAssignLicense is POST /users/{id}/assignLicense: 200 with the user.
// A user without usageLocation gets the error every Okta admin meets:
// "License assignment cannot be done for user with invalid usage location."
func (l *Lab) graphAssignLicense(w http.ResponseWriter, r *http.Request) {
	var body struct {
		AddLicenses    []assignedLicense `json:"addLicenses"`
		RemoveLicenses []string          `json:"removeLicenses"`
	}
	if err := readJSON(r, &body); err != nil || body.AddLicenses == nil || body.RemoveLicenses == nil {
		l.graphError(w, r, http.StatusBadRequest, "Request_BadRequest", "Invalid request: addLicenses and removeLicenses are both required (use [] when there is nothing to add or remove).")
		return
	}
	l.state.mu.Lock()
	defer l.state.mu.Unlock()
	u := l.state.entraUserRef(r.PathValue("id"))
	if u == nil {
		l.graphNotFound(w, r, r.PathValue("id"))
		return
	}
	if len(body.AddLicenses) > 0 && u.UsageLocation == nil {
		l.graphError(w, r, http.StatusBadRequest, "Request_BadRequest", "License assignment cannot be done for user with invalid usage location.")
		return
	}
	for _, add := range body.AddLicenses {
		k := l.state.skuByID(add.SkuID)
		if k == nil {
			l.graphError(w, r, http.StatusBadRequest, "Request_BadRequest", fmt.Sprintf("License %s does not correspond to a valid company License.", add.SkuID))
			return
		}
		if l.state.consumed(k) >= k.PrepaidUnits["enabled"] && !hasLicense(u, k.SkuID) {
			l.graphError(w, r, http.StatusBadRequest, "Request_BadRequest", fmt.Sprintf("Subscription %s has no available licenses: %d of %d are assigned.", k.SkuPartNumber, l.state.consumed(k), k.PrepaidUnits["enabled"]))
			return
		}
	}
	now := graphTime{l.now().Truncate(time.Second)}
	keep := u.AssignedLicenses[:0:0]
	states := u.LicenseAssignmentStates[:0:0]
	removed := map[string]bool{}
	for _, id := range body.RemoveLicenses {
		removed[strings.ToLower(id)] = true
	}
	for i, al := range u.AssignedLicenses {
		if !removed[strings.ToLower(al.SkuID)] {
			keep = append(keep, al)
			if i < len(u.LicenseAssignmentStates) {
				states = append(states, u.LicenseAssignmentStates[i])
			}
		}
	}
	for _, add := range body.AddLicenses {
		if add.DisabledPlans == nil {
			add.DisabledPlans = []string{}
		}
		replaced := false
		for i := range keep {
			if strings.EqualFold(keep[i].SkuID, add.SkuID) {
				keep[i] = add
				replaced = true
			}
		}
		if !replaced {
			keep = append(keep, add)
			states = append(states, licenseState{DisabledPlans: add.DisabledPlans, Error: "None", LastUpdatedDateTime: now, SkuID: add.SkuID, State: "Active"})
		}
	}
	u.AssignedLicenses, u.LicenseAssignmentStates = keep, states
	out := toMap(u)
	out["@odata.context"] = l.context(r, "users/$entity")
	writeJSON(w, http.StatusOK, out)
}

func hasLicense(u *entraUser, skuID string) bool {
	for _, l := range u.AssignedLicenses {
		if strings.EqualFold(l.SkuID, skuID) {
			return true
		}
	}
	return false
}

// graphRevokeSessions answers 200 with {"value": true} (a documented known
// issue: it should be 204) and moves signInSessionsValidFromDateTime to now.
func (l *Lab) graphRevokeSessions(w http.ResponseWriter, r *http.Request) {
	l.state.mu.Lock()
	defer l.state.mu.Unlock()
	u := l.state.entraUserRef(r.PathValue("id"))
	if u == nil {
		l.graphNotFound(w, r, r.PathValue("id"))
		return
	}
	u.SignInSessionsValidFromDateTime = graphTime{l.now().Truncate(time.Second)}
	writeJSON(w, http.StatusOK, map[string]any{"@odata.context": l.context(r, "Edm.Boolean"), "value": true})
}

// graphOrganization is GET /organization: one tenant, verifiedDomains'
// capabilities as one comma-separated string.
func (l *Lab) graphOrganization(w http.ResponseWriter, r *http.Request) {
	l.state.mu.RLock()
	defer l.state.mu.RUnlock()
	var verified []map[string]any
	for _, d := range l.state.domains {
		if d.IsVerified {
			verified = append(verified, map[string]any{"capabilities": strings.Join(d.SupportedServices, ", "), "isDefault": d.IsDefault,
				"isInitial": d.IsInitial, "name": d.ID, "type": d.AuthenticationType})
		}
	}
	org := map[string]any{"id": l.TenantID, "displayName": l.Scenario.Tenant.DisplayName, "countryLetterCode": "US", "tenantType": "AAD",
		"onPremisesSyncEnabled": nil, "createdDateTime": graphTime{l.now().Add(-3 * 365 * 24 * time.Hour).Truncate(time.Second)},
		"verifiedDomains": nonNil(verified)}
	writeJSON(w, http.StatusOK, map[string]any{"@odata.context": l.context(r, "organization"), "value": []any{org}})
}

func (l *Lab) graphListDomains(w http.ResponseWriter, r *http.Request) {
	l.state.mu.RLock()
	defer l.state.mu.RUnlock()
	writeJSON(w, http.StatusOK, map[string]any{"@odata.context": l.context(r, "domains"), "value": l.state.domains})
}

func (l *Lab) domainRef(w http.ResponseWriter, r *http.Request) *entraDomain {
	d := l.state.domain(r.PathValue("id"))
	if d == nil {
		l.graphNotFound(w, r, r.PathValue("id"))
	}
	return d
}

func (l *Lab) graphGetDomain(w http.ResponseWriter, r *http.Request) {
	l.state.mu.RLock()
	defer l.state.mu.RUnlock()
	if d := l.domainRef(w, r); d != nil {
		out := toMap(d)
		out["@odata.context"] = l.context(r, "domains/$entity")
		writeJSON(w, http.StatusOK, out)
	}
}

// graphDNSRecords serves a domain's verificationDnsRecords (the MS=ms TXT
// and its MX twin) or serviceConfigurationRecords (what Exchange Online,
// Teams and device join need), typed with the "#microsoft.graph.domainDns…"
// discriminators the SDK dispatches on.
func (l *Lab) graphDNSRecords(verification bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		l.state.mu.RLock()
		defer l.state.mu.RUnlock()
		d := l.domainRef(w, r)
		if d == nil {
			return
		}
		rec := func(kind, label, service string, ttl int, extra map[string]any) map[string]any {
			m := map[string]any{"@odata.type": "#microsoft.graph.domainDns" + kind + "Record", "id": guid("rec:" + d.ID + kind + label + fmt.Sprint(extra)),
				"isOptional": false, "label": label, "recordType": map[string]string{"Txt": "Txt", "Mx": "Mx", "Cname": "CName", "Srv": "Srv"}[kind],
				"supportedService": service, "ttl": ttl}
			for k, v := range extra {
				m[k] = v
			}
			return m
		}
		var out []map[string]any
		if verification {
			if d.IsInitial {
				out = []map[string]any{}
			} else {
				code := firstNonEmpty(d.verificationCode, "MS=ms"+fmt.Sprint(10000000+int(hash32(d.ID))%89999999))
				out = append(out, rec("Txt", d.ID, "None", 3600, map[string]any{"text": code}),
					rec("Mx", d.ID, "None", 3600, map[string]any{"mailExchange": strings.TrimPrefix(code, "MS=") + ".msv1.invalid", "preference": 32767}))
			}
		} else {
			mx := strings.ReplaceAll(d.ID, ".", "-") + ".mail.protection.outlook.com"
			out = append(out,
				rec("Mx", d.ID, "Email", 3600, map[string]any{"mailExchange": mx, "preference": 0}),
				rec("Txt", d.ID, "Email", 3600, map[string]any{"text": "v=spf1 include:spf.protection.outlook.com -all"}),
				rec("Cname", "autodiscover."+d.ID, "Email", 3600, map[string]any{"canonicalName": "autodiscover.outlook.com"}),
				rec("Cname", "enterpriseregistration."+d.ID, "Intune", 3600, map[string]any{"canonicalName": "enterpriseregistration.windows.net"}),
				rec("Cname", "enterpriseenrollment."+d.ID, "Intune", 3600, map[string]any{"canonicalName": "enterpriseenrollment-s.manage.microsoft.com"}),
				rec("Srv", d.ID, "OfficeCommunicationsOnline", 3600, map[string]any{"nameTarget": "sipfed.online.lync.com", "port": 5061, "priority": 100, "protocol": "_tcp", "service": "_sipfederationtls", "weight": 1}),
			)
		}
		writeJSON(w, http.StatusOK, map[string]any{"@odata.context": l.context(r, "domains('"+d.ID+"')/"+map[bool]string{true: "verificationDnsRecords", false: "serviceConfigurationRecords"}[verification]), "value": out})
	}
}

// federationRef finds the domain and its federation named by the path,
// answering 404 when either is missing.
func (l *Lab) federationRef(w http.ResponseWriter, r *http.Request) *entraDomain {
	d := l.domainRef(w, r)
	if d == nil {
		return nil
	}
	if d.federation == nil || d.federation.ID != r.PathValue("fid") {
		l.graphNotFound(w, r, r.PathValue("fid"))
		return nil
	}
	return d
}

// writeFederation writes the domain's federation as one entity.
func (l *Lab) writeFederation(w http.ResponseWriter, r *http.Request, d *entraDomain, status int) {
	out := toMap(d.federation)
	out["@odata.context"] = l.context(r, "domains('"+d.ID+"')/federationConfiguration/$entity")
	writeJSON(w, status, out)
}

// graphListFederation is GET /domains/{id}/federationConfiguration: a
// collection of one internalDomainFederation, or 404 when there is none.
func (l *Lab) graphListFederation(w http.ResponseWriter, r *http.Request) {
	l.state.mu.RLock()
	defer l.state.mu.RUnlock()
	d := l.domainRef(w, r)
	if d == nil {
		return
	}
	if d.federation == nil {
		l.graphNotFound(w, r, d.ID)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"@odata.context": l.context(r, "domains('"+d.ID+"')/federationConfiguration"), "value": []any{toMap(d.federation)}})
}

// graphGetFederation returns the object itself: the documented example
// wraps it in "value", which the PATCH response shows is a doc error.
func (l *Lab) graphGetFederation(w http.ResponseWriter, r *http.Request) {
	l.state.mu.RLock()
	defer l.state.mu.RUnlock()
	if d := l.federationRef(w, r); d != nil {
		l.writeFederation(w, r, d, http.StatusOK)
	}
}

// applyFederation sets the posted fields, refusing what Graph refuses:
// an unparsable certificate, and federatedIdpMfaBehavior back to null once
// it has been set.
func applyFederation(f *federation, body map[string]any) (string, bool) {
	str := func(v any) (string, bool) { s, ok := v.(string); return s, ok }
	for k, v := range body {
		switch k {
		case "displayName", "issuerUri", "passiveSignInUri", "preferredAuthenticationProtocol", "promptLoginBehavior":
			s, ok := str(v)
			if !ok {
				return fmt.Sprintf("Invalid value specified for property '%s' of resource 'InternalDomainFederation'.", k), false
			}
			switch k {
			case "displayName":
				f.DisplayName = s
			case "issuerUri":
				f.IssuerURI = s
			case "passiveSignInUri":
				f.PassiveSignInURI = s
			case "preferredAuthenticationProtocol":
				f.PreferredAuthenticationProtocol = s
			case "promptLoginBehavior":
				f.PromptLoginBehavior = s
			}
		case "activeSignInUri":
			f.ActiveSignInURI = optionalAny(v)
		case "signOutUri":
			f.SignOutURI = optionalAny(v)
		case "metadataExchangeUri":
			f.MetadataExchangeURI = optionalAny(v)
		case "passwordResetUri":
			f.PasswordResetURI = optionalAny(v)
		case "isSignedAuthenticationRequestRequired":
			b, _ := v.(bool)
			f.IsSignedAuthenticationRequestRequired = b
		case "signingCertificate", "nextSigningCertificate":
			s, _ := str(v)
			if s != "" || k == "signingCertificate" {
				der, err := base64.StdEncoding.DecodeString(s)
				if _, perr := x509.ParseCertificate(der); err != nil || perr != nil {
					return fmt.Sprintf("Invalid value specified for property '%s' of resource 'InternalDomainFederation'.", k), false
				}
			}
			if k == "signingCertificate" {
				f.SigningCertificate = s
			} else {
				f.NextSigningCertificate = optional(s)
			}
		case "federatedIdpMfaBehavior":
			s, _ := str(v)
			if s == "" && f.FederatedIdpMfaBehavior != nil {
				return "Invalid value specified for property 'federatedIdpMfaBehavior': it cannot be reset to null once set.", false
			}
			if !mfaBehaviors[s] {
				return fmt.Sprintf("Invalid value specified for property 'federatedIdpMfaBehavior': '%s'.", s), false
			}
			f.FederatedIdpMfaBehavior = optional(s)
		}
	}
	return "", true
}

// graphPatchFederation: 200 with the whole updated object.
func (l *Lab) graphPatchFederation(w http.ResponseWriter, r *http.Request) {
	var body map[string]any
	if err := readJSON(r, &body); err != nil {
		l.graphError(w, r, http.StatusBadRequest, "BadRequest", "Unable to read JSON request payload.")
		return
	}
	l.state.mu.Lock()
	defer l.state.mu.Unlock()
	d := l.federationRef(w, r)
	if d == nil {
		return
	}
	next := *d.federation
	if msg, ok := applyFederation(&next, body); !ok {
		l.graphError(w, r, http.StatusBadRequest, "Request_BadRequest", msg)
		return
	}
	*d.federation = next
	l.writeFederation(w, r, d, http.StatusOK)
}

// graphCreateFederation is POST /domains/{id}/federationConfiguration. It
// keeps Graph's trap: without a signingCertificate the call fails with 500
// yet leaves the domain Federated with no configuration.
func (l *Lab) graphCreateFederation(w http.ResponseWriter, r *http.Request) {
	var body map[string]any
	if err := readJSON(r, &body); err != nil {
		l.graphError(w, r, http.StatusBadRequest, "BadRequest", "Unable to read JSON request payload.")
		return
	}
	l.state.mu.Lock()
	defer l.state.mu.Unlock()
	d := l.domainRef(w, r)
	if d == nil {
		return
	}
	switch {
	case d.federation != nil:
		l.graphError(w, r, http.StatusConflict, "Request_BadRequest", "The domain already has a federation configuration.")
		return
	case d.IsDefault || d.IsInitial:
		l.graphError(w, r, http.StatusBadRequest, "Request_BadRequest", "Federating the default or initial domain is not allowed.")
		return
	}
	if s, _ := body["signingCertificate"].(string); s == "" {
		d.AuthenticationType = "Federated"
		l.graphError(w, r, http.StatusInternalServerError, "InternalServerError", "An internal server error occurred.")
		return
	}
	f := &federation{ODataType: "#microsoft.graph.internalDomainFederation", ID: guid("fed:" + l.TenantID + ":" + d.ID),
		PreferredAuthenticationProtocol: "wsFed", PromptLoginBehavior: "translateToFreshPasswordAuthentication",
		SigningCertificateUpdateStatus: map[string]any{"certificateUpdateResult": "Success", "lastRunDateTime": graphTime{l.now()}}}
	if msg, ok := applyFederation(f, body); !ok {
		l.graphError(w, r, http.StatusBadRequest, "Request_BadRequest", msg)
		return
	}
	d.federation, d.AuthenticationType = f, "Federated"
	l.writeFederation(w, r, d, http.StatusCreated)
}

func (l *Lab) graphSkus(w http.ResponseWriter, r *http.Request) {
	l.state.mu.RLock()
	defer l.state.mu.RUnlock()
	out := []sku{}
	for _, k := range l.state.skus {
		c := *k
		c.ConsumedUnits = l.state.consumed(k)
		out = append(out, c)
	}
	writeJSON(w, http.StatusOK, map[string]any{"@odata.context": l.context(r, "subscribedSkus"), "value": out})
}

// graphRoles lists activated directory roles; they support no paging.
func (l *Lab) graphRoles(w http.ResponseWriter, r *http.Request) {
	l.state.mu.RLock()
	defer l.state.mu.RUnlock()
	out := []directoryRole{}
	for _, role := range l.state.roles {
		out = append(out, *role)
	}
	writeJSON(w, http.StatusOK, map[string]any{"@odata.context": l.context(r, "directoryRoles"), "value": out})
}

// graphRoleMembers is GET /directoryRoles/{id}/members, also addressed as
// roleTemplateId={templateId}; members are users with their @odata.type.
func (l *Lab) graphRoleMembers(w http.ResponseWriter, r *http.Request) {
	l.state.mu.RLock()
	defer l.state.mu.RUnlock()
	id := r.PathValue("id")
	tmpl, byTemplate := strings.CutPrefix(id, "roleTemplateId=")
	for _, role := range l.state.roles {
		if role.ID == id || (byTemplate && role.RoleTemplateID == tmpl) {
			out := []map[string]any{}
			for _, uid := range role.members {
				if u := l.state.entraByID[uid]; u != nil {
					m := project(toMap(u), graphDefaultUserSelect)
					m["@odata.type"] = "#microsoft.graph.user"
					out = append(out, m)
				}
			}
			writeJSON(w, http.StatusOK, map[string]any{"@odata.context": l.context(r, "directoryObjects"), "value": out})
			return
		}
	}
	l.graphNotFound(w, r, id)
}

var signInClause = regexp.MustCompile(`^(?i)(userPrincipalName|userId|appDisplayName|createdDateTime|status/errorCode)\s+(eq|ne|ge|le|gt|lt)\s+'?([^']*)'?$`)

// graphSignIns is GET /auditLogs/signIns, newest first, $top (maximum
// 1000), $filter on userPrincipalName, userId, appDisplayName,
// createdDateTime and status/errorCode, joined by and.
func (l *Lab) graphSignIns(w http.ResponseWriter, r *http.Request) {
	type clause struct{ prop, op, value string }
	var clauses []clause
	if f := strings.TrimSpace(r.URL.Query().Get("$filter")); f != "" {
		for _, part := range splitFold(f, " and ") {
			m := signInClause.FindStringSubmatch(strings.TrimSpace(part))
			if m == nil {
				l.graphError(w, r, http.StatusBadRequest, "BadRequest", fmt.Sprintf("Invalid filter clause: %q", part))
				return
			}
			clauses = append(clauses, clause{m[1], strings.ToLower(m[2]), m[3]})
		}
	}
	l.state.mu.RLock()
	var matched []map[string]any
	for _, s := range l.state.signIns {
		ok := true
		for _, c := range clauses {
			var cmp int
			switch strings.ToLower(c.prop) {
			case "createddatetime":
				t, err := time.Parse(time.RFC3339, c.value)
				if err != nil {
					l.state.mu.RUnlock()
					l.graphError(w, r, http.StatusBadRequest, "BadRequest", "Invalid filter clause: bad date "+c.value)
					return
				}
				cmp = s.created.Compare(t)
			case "status/errorcode":
				n, _ := strconv.Atoi(c.value)
				code, _ := s.body["status"].(map[string]any)["errorCode"].(int)
				cmp = code - n
			default:
				v, _ := s.body[map[string]string{"userprincipalname": "userPrincipalName", "userid": "userId", "appdisplayname": "appDisplayName"}[strings.ToLower(c.prop)]].(string)
				cmp = strings.Compare(strings.ToLower(v), strings.ToLower(c.value))
			}
			ok = ok && map[string]bool{"eq": cmp == 0, "ne": cmp != 0, "ge": cmp >= 0, "le": cmp <= 0, "gt": cmp > 0, "lt": cmp < 0}[c.op]
		}
		if ok {
			matched = append(matched, s.body)
		}
	}
	l.state.mu.RUnlock()
	win, next, ok := l.graphPage(w, r, len(matched), 1000, 1000)
	if !ok {
		return
	}
	out := map[string]any{"@odata.context": l.context(r, "auditLogs/signIns"), "value": nonNil(matched[win[0]:win[1]])}
	if next != "" {
		out["@odata.nextLink"] = next
	}
	writeJSON(w, http.StatusOK, out)
}

func (l *Lab) issueToken() (string, time.Duration) {
	const life = time.Hour
	tok := "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9." + randomToken(80) + "." + randomToken(43)
	l.tokensMu.Lock()
	l.tokens[tok] = l.now().Add(life)
	l.tokensMu.Unlock()
	return tok, life
}

func (l *Lab) validToken(tok string) bool {
	l.tokensMu.Lock()
	defer l.tokensMu.Unlock()
	exp, ok := l.tokens[tok]
	return ok && l.now().Before(exp)
}
