package lab

import (
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
)

var signInClause = regexp.MustCompile(`^(?i)(userPrincipalName|userId|appDisplayName|createdDateTime|status/errorCode)\s+(eq|ne|ge|le|gt|lt)\s+'?([^']*)'?$`)

// graphSignIns is GET /auditLogs/signIns, newest first, $top (maximum
// 1000), $filter on userPrincipalName, userId, appDisplayName,
// createdDateTime and status/errorCode, joined by and.
//
// A tenant without Entra ID P1/P2 (tenant.premium: false) answers 403
// Authentication_RequestFromNonPremiumTenantOrB2CTenant, as Graph does.
func (l *Lab) graphSignIns(w http.ResponseWriter, r *http.Request) {
	if !l.state.scenario.Tenant.HasPremium() {
		l.graphError(w, r, http.StatusForbidden, "Authentication_RequestFromNonPremiumTenantOrB2CTenant",
			"Neither tenant is B2C or tenant doesn't have premium license")
		return
	}
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
	var matched []signIn
	for _, s := range l.state.signIns {
		ok := true
		for _, c := range clauses {
			var cmp int
			switch strings.ToLower(c.prop) {
			case "createddatetime":
				t, err := time.Parse(time.RFC3339, c.value)
				if err != nil {
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
			matched = append(matched, s)
		}
	}
	page, next, ok := graphPage(l, w, r, "signIns", matched, signIn.pageKey, nil, 1000, 1000)
	if !ok {
		return
	}
	value := make([]map[string]any, len(page))
	for i, s := range page {
		value[i] = s.body
	}
	out := map[string]any{"@odata.context": l.context(r, "auditLogs/signIns"), "value": value}
	if next != "" {
		out["@odata.nextLink"] = next
	}
	writeJSON(w, http.StatusOK, out)
}
