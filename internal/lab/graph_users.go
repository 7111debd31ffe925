package lab

import (
	"bytes"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/o365doctor/o365doctor/internal/model"
)

// graphDefaultUserSelect is what Graph returns for a user without $select.
var graphDefaultUserSelect = []string{"businessPhones", "displayName", "givenName", "jobTitle", "mail", "mobilePhone", "officeLocation", "preferredLanguage", "surname", "userPrincipalName", "id"}

func splitSelect(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" && !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return out
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

// graphUserRef finds the user the path names (by ID or UPN), answering
// 404 when there is none.
func (l *Lab) graphUserRef(w http.ResponseWriter, r *http.Request) *entraUser {
	u := l.state.entraUserRef(r.PathValue("id"))
	if u == nil {
		l.graphNotFound(w, r, r.PathValue("id"))
	}
	return u
}

func (l *Lab) graphGetUser(w http.ResponseWriter, r *http.Request) {
	u := l.graphUserRef(w, r)
	if u == nil {
		return
	}
	sel := splitSelect(r.URL.Query().Get("$select"))
	ctx := "users/$entity"
	if len(sel) > 0 {
		ctx = "users(" + strings.Join(sel, ",") + ")/$entity"
	} else {
		sel = graphDefaultUserSelect
	}
	out := project(toMap(u), sel)
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
	sel := splitSelect(q.Get("$select"))
	if len(sel) == 0 {
		sel = graphDefaultUserSelect
	}
	users := l.state.entraUsers
	var keep func(*entraUser) bool
	if filter != "" {
		keep = match
	}
	page, next, ok := graphPage(l, w, r, "users", users, func(u *entraUser) string { return u.ID }, keep, 100, 999)
	if !ok {
		return
	}
	ctx := "users"
	if q.Get("$select") != "" {
		ctx = "users(" + strings.Join(sel, ",") + ")"
	}
	// Written field by field in Graph's order (context, count, nextLink,
	// value): a listing of 100 000 users is 101 of these pages.
	b := answerPool.Get().(*bytes.Buffer)
	b.Reset()
	defer answerPool.Put(b)
	b.WriteString(`{"@odata.context":`)
	writeJSONValue(b, l.context(r, ctx))
	if advanced && q.Get("$skiptoken") == "" {
		n := 0
		for _, u := range users {
			if keep == nil || keep(u) {
				n++
			}
		}
		b.WriteString(`,"@odata.count":` + strconv.Itoa(n))
	}
	if next != "" {
		b.WriteString(`,"@odata.nextLink":`)
		writeJSONValue(b, next)
	}
	b.WriteString(`,"value":[`)
	for i, u := range page {
		if i > 0 {
			b.WriteByte(',')
		}
		writeSelectedFields(b, u, l.fields.get(l.state, u, func() [][]byte { return userFields(u) }), sel)
	}
	b.WriteString("]}\n")
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b.Bytes())
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

// graphPatchUser is PATCH /users/{id}: 204 on success. Like the real
// service it refuses to set onPremisesImmutableId on a user whose UPN is in
// a federated domain (400; the exact message is not documented publicly,
// this one is the lab's), and a UPN in a domain that is not verified.
func (l *Lab) graphPatchUser(w http.ResponseWriter, r *http.Request) {
	if !l.hasAny(r, "User.ReadWrite.All", "Directory.ReadWrite.All") {
		l.graphError(w, r, http.StatusForbidden, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
		return
	}
	var body map[string]any
	if !l.readGraphJSON(w, r, &body) {
		return
	}
	u := l.graphUserRef(w, r)
	if u == nil {
		return
	}
	next := *u
	for k, v := range body {
		switch k {
		case "onPremisesImmutableId":
			next.OnPremisesImmutableID = optionalAny(v)
		case "usageLocation":
			// Entra takes ISO 3166-1 alpha-2 codes only. ASSUMED: the
			// exact refusal is not recorded publicly; this is Graph's
			// generic invalid-value message.
			if c, _ := v.(string); v != nil && !model.IsCountry(c) {
				l.graphError(w, r, http.StatusBadRequest, "Request_BadRequest", "Invalid value specified for property 'usageLocation' of resource 'User'.")
				return
			}
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
	if v, ok := body["onPremisesImmutableId"]; ok {
		// Clearing the anchor with null was answered 400 in June 2024
		// (msgraph-sdk-powershell#2819, api-facts §Q4); the message is not
		// published: this one is the lab's.
		if s, _ := v.(string); s == "" {
			l.graphError(w, r, http.StatusBadRequest, "Request_BadRequest",
				"Invalid value specified for property 'onPremisesImmutableId' of resource 'User'.")
			return
		}
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

func domainOf(upn string) string {
	_, d, _ := strings.Cut(upn, "@")
	return strings.ToLower(d)
}

// graphRevokeSessions answers 200 with {"value": true} (a documented known
// issue: it should be 204) and moves signInSessionsValidFromDateTime to now.
func (l *Lab) graphRevokeSessions(w http.ResponseWriter, r *http.Request) {
	if !l.hasAny(r, "User.RevokeSessions.All", "User.ReadWrite.All", "Directory.ReadWrite.All") {
		l.graphError(w, r, http.StatusForbidden, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
		return
	}
	u := l.graphUserRef(w, r)
	if u == nil {
		return
	}
	u.SignInSessionsValidFromDateTime = graphTime{l.now().Truncate(time.Second)}
	writeJSON(w, http.StatusOK, map[string]any{"@odata.context": l.context(r, "Edm.Boolean"), "value": true})
}
