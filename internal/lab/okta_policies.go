package lab

import (
	"fmt"
	"net/http"
	"net/netip"
	"strings"
)

// AccessPolicySpec is an Okta Identity Engine app sign-in policy
// (okta.apps[].accessPolicy): its rules in priority order, then the
// Catch-all Rule Okta always puts last.
type AccessPolicySpec struct {
	Name string `yaml:"name"` // default "Microsoft Office 365"
	// CatchAll is the Catch-all Rule's factorMode: 2FA (the default) or
	// 1FA; CatchAllAccess its access, ALLOW (the default) or DENY.
	CatchAll       string           `yaml:"catchAll"`
	CatchAllAccess string           `yaml:"catchAllAccess"`
	Rules          []AccessRuleSpec `yaml:"rules"`
}

// AccessRuleSpec is one rule of an app sign-in policy, named the way
// people write it: groups by name, users by login, zones by name.
type AccessRuleSpec struct {
	Name         string   `yaml:"name"`
	Status       string   `yaml:"status"`     // ACTIVE (default) | INACTIVE
	Access       string   `yaml:"access"`     // ALLOW (default) | DENY
	FactorMode   string   `yaml:"factorMode"` // 1FA | 2FA (default)
	Groups       []string `yaml:"groups"`     // okta.groups names
	ExcludeGroup []string `yaml:"excludeGroups"`
	Users        []string `yaml:"users"` // logins
	ExcludeUsers []string `yaml:"excludeUsers"`
	// Zones and ExcludeZones are network zone names ("In zone" / "Not in
	// zone"); their IDs are derived from the names.
	Zones        []string `yaml:"zones"`
	ExcludeZones []string `yaml:"excludeZones"`
	// Device is the device condition: registered, or registered and
	// managed (Okta takes no other: "Any" is no device condition).
	Device string `yaml:"device"` // "" | registered | managed
	// Platforms are the platforms included, as TYPE/OS (DESKTOP/WINDOWS,
	// MOBILE/IOS, ...), shaped as the terraform fixture's echo.
	Platforms []string `yaml:"platforms"`
	// Expression is conditions.elCondition.condition.
	Expression string `yaml:"expression"`
}

var ruleStatuses = set("ACTIVE", "INACTIVE")

func (s *Scenario) normaliseAccessPolicies(logins, groups map[string]bool) error {
	for _, z := range s.Okta.Zones {
		if z.Name == "" || (z.Type != "" && z.Type != "IP" && z.Type != "DYNAMIC") {
			return fmt.Errorf("okta zone %q: a name and type IP or DYNAMIC are required", z.Name)
		}
		for _, g := range z.Gateways {
			lo, hi, isRange := strings.Cut(g, "-")
			_, errP := netip.ParsePrefix(g)
			_, errA := netip.ParseAddr(strings.TrimSpace(lo))
			_, errB := netip.ParseAddr(strings.TrimSpace(hi))
			if (isRange && (errA != nil || errB != nil)) || (!isRange && errP != nil) {
				return fmt.Errorf("okta zone %s: gateway %q is not a CIDR or a range a-b", z.Name, g)
			}
		}
	}
	for i := range s.Okta.Apps {
		a := &s.Okta.Apps[i]
		p := a.AccessPolicy
		if p == nil {
			continue
		}
		def(&p.Name, a.Label)
		def(&p.CatchAll, "2FA")
		def(&p.CatchAllAccess, "ALLOW")
		if p.CatchAll != "1FA" && p.CatchAll != "2FA" {
			return fmt.Errorf("okta app %s: accessPolicy.catchAll %q is not 1FA or 2FA", a.Key, p.CatchAll)
		}
		if p.CatchAllAccess != "ALLOW" && p.CatchAllAccess != "DENY" {
			return fmt.Errorf("okta app %s: accessPolicy.catchAllAccess %q is not ALLOW or DENY", a.Key, p.CatchAllAccess)
		}
		for j := range p.Rules {
			r := &p.Rules[j]
			if r.Name == "" {
				return fmt.Errorf("okta app %s: access rule %d: name is required", a.Key, j+1)
			}
			if r.Device != "" && r.Device != "registered" && r.Device != "managed" {
				return fmt.Errorf("okta app %s: access rule %s: device %q is not registered or managed", a.Key, r.Name, r.Device)
			}
			for _, pl := range r.Platforms {
				if typ, os, ok := strings.Cut(pl, "/"); !ok || (typ != "DESKTOP" && typ != "MOBILE") || os == "" {
					return fmt.Errorf("okta app %s: access rule %s: platform %q is not TYPE/OS (DESKTOP/WINDOWS)", a.Key, r.Name, pl)
				}
			}
			def(&r.Status, "ACTIVE")
			def(&r.Access, "ALLOW")
			def(&r.FactorMode, "2FA")
			switch {
			case !ruleStatuses[r.Status]:
				return fmt.Errorf("okta app %s: access rule %s: status %q is not ACTIVE or INACTIVE", a.Key, r.Name, r.Status)
			case r.Access != "ALLOW" && r.Access != "DENY":
				return fmt.Errorf("okta app %s: access rule %s: access %q is not ALLOW or DENY", a.Key, r.Name, r.Access)
			case r.FactorMode != "1FA" && r.FactorMode != "2FA":
				return fmt.Errorf("okta app %s: access rule %s: factorMode %q is not 1FA or 2FA", a.Key, r.Name, r.FactorMode)
			case len(r.Zones) > 0 && len(r.ExcludeZones) > 0:
				return fmt.Errorf("okta app %s: access rule %s: zones and excludeZones together (Okta takes one or the other)", a.Key, r.Name)
			}
			for _, g := range append(append([]string{}, r.Groups...), r.ExcludeGroup...) {
				if !groups[g] {
					return fmt.Errorf("okta app %s: access rule %s: group %q is not in okta.groups", a.Key, r.Name, g)
				}
			}
			for _, u := range append(append([]string{}, r.Users...), r.ExcludeUsers...) {
				if !logins[strings.ToLower(u)] {
					return fmt.Errorf("okta app %s: access rule %s: user %q is not an okta user", a.Key, r.Name, u)
				}
			}
		}
	}
	return nil
}

// policyIDFor is the access policy ID of an app (rst…, as Okta's policy
// IDs look in the recorded responses).
func policyIDFor(appKey string) string { return oktaID("rst", "access-policy:"+appKey) }

// policyRef finds the app whose access policy the path names, answering
// Okta's 404 when there is none.
func (l *Lab) policyRef(w http.ResponseWriter, r *http.Request) (appKey string, p *AccessPolicySpec) {
	id := r.PathValue("policyId")
	for _, a := range l.state.scenario.Okta.Apps {
		if a.AccessPolicy != nil && policyIDFor(a.Key) == id {
			return a.Key, a.AccessPolicy
		}
	}
	oktaNotFound(w, id, "Policy")
	return "", nil
}

// oktaGetPolicy is GET /api/v1/policies/{policyId}: an ACCESS_POLICY
// (OpenAPI AccessPolicy; the field set follows the spec, no recorded
// response of the policy object itself was seen).
func (l *Lab) oktaGetPolicy(w http.ResponseWriter, r *http.Request) {
	key, p := l.policyRef(w, r)
	if p == nil {
		return
	}
	id := policyIDFor(key)
	base := l.base(r) + "/api/v1/policies/" + id
	writeJSON(w, http.StatusOK, map[string]any{
		"id": id, "status": "ACTIVE", "name": p.Name, "description": nil, "priority": 1, "system": false,
		"conditions": nil, "created": "2024-03-01T09:00:00.000Z", "lastUpdated": "2024-03-01T09:00:00.000Z",
		"type": "ACCESS_POLICY",
		"_links": map[string]any{
			"self":  map[string]any{"href": base, "hints": map[string]any{"allow": []string{"GET", "PUT", "DELETE"}}},
			"rules": map[string]any{"href": base + "/rules", "hints": map[string]any{"allow": []string{"GET", "POST"}}},
		},
	})
}

// accessPolicyLink is the app's _links.accessPolicy (api-facts §Q9), when
// the scenario gives it a policy.
func (l *Lab) accessPolicyLink(r *http.Request, a *oktaApp) (map[string]any, bool) {
	for key, app := range l.state.appByKey {
		if app != a {
			continue
		}
		for _, spec := range l.state.scenario.Okta.Apps {
			if spec.Key == key && spec.AccessPolicy != nil {
				return map[string]any{"href": l.base(r) + "/api/v1/policies/" + policyIDFor(key)}, true
			}
		}
	}
	return nil, false
}

// oktaListPolicyRules is GET /api/v1/policies/{policyId}/rules: the rules
// in priority order, shaped as the recorded responses in api-facts §Q9
// (terraform-provider-okta fixture): custom rules with conditions, the
// system Catch-all Rule last with "conditions": null.
func (l *Lab) oktaListPolicyRules(w http.ResponseWriter, r *http.Request) {
	key, p := l.policyRef(w, r)
	if p == nil {
		return
	}
	out := []map[string]any{}
	for i, rule := range p.Rules {
		out = append(out, l.ruleView(key, i+1, rule))
	}
	out = append(out, map[string]any{
		"id": oktaID("rul", key+"|catch-all"), "status": "ACTIVE", "name": "Catch-all Rule", "priority": 99, "system": true,
		"conditions": nil, "actions": appSignOn(p.CatchAllAccess, p.CatchAll), "type": "ACCESS_POLICY",
	})
	writeJSON(w, http.StatusOK, out)
}

func appSignOn(access, factorMode string) map[string]any {
	vm := map[string]any{"factorMode": factorMode, "type": "ASSURANCE", "reauthenticateIn": "PT12H",
		"constraints": []any{map[string]any{"knowledge": map[string]any{"required": true, "types": []string{"password"}}}}}
	if factorMode == "2FA" {
		vm["constraints"] = []any{map[string]any{"possession": map[string]any{"required": true, "deviceBound": "REQUIRED"}}}
	}
	return map[string]any{"appSignOn": map[string]any{"access": access, "verificationMethod": vm,
		"keepMeSignedIn": map[string]any{"postAuth": "NOT_ALLOWED"}}}
}

func (l *Lab) ruleView(appKey string, priority int, rule AccessRuleSpec) map[string]any {
	groupIDs := func(names []string) []string {
		out := []string{}
		for _, n := range names {
			for _, g := range l.state.groups {
				if g.Profile["name"] == n {
					out = append(out, g.ID)
				}
			}
		}
		return out
	}
	userIDs := func(logins []string) []string {
		out := []string{}
		for _, n := range logins {
			if u := l.state.oktaByLogin[strings.ToLower(n)]; u != nil {
				out = append(out, u.ID)
			}
		}
		return out
	}
	zoneIDs := func(names []string) []string {
		out := []string{}
		for _, n := range names {
			out = append(out, oktaID("nzo", n))
		}
		return out
	}
	network := map[string]any{"connection": "ANYWHERE"}
	if len(rule.Zones)+len(rule.ExcludeZones) > 0 {
		network = map[string]any{"connection": "ZONE"}
		if len(rule.Zones) > 0 {
			network["include"] = zoneIDs(rule.Zones)
		} else {
			network["exclude"] = zoneIDs(rule.ExcludeZones)
		}
	}
	people := map[string]any{"users": map[string]any{"include": userIDs(rule.Users), "exclude": userIDs(rule.ExcludeUsers)}}
	if len(rule.Groups)+len(rule.ExcludeGroup) > 0 {
		people["groups"] = map[string]any{"include": groupIDs(rule.Groups), "exclude": groupIDs(rule.ExcludeGroup)}
	}
	conditions := map[string]any{"people": people, "network": network, "userType": map[string]any{"include": []string{}, "exclude": []string{}}}
	switch rule.Device {
	case "registered":
		conditions["device"] = map[string]any{"registered": true, "managed": false}
	case "managed":
		conditions["device"] = map[string]any{"registered": true, "managed": true}
	}
	if len(rule.Platforms) > 0 {
		var include []any
		for _, pl := range rule.Platforms {
			typ, os, _ := strings.Cut(pl, "/")
			include = append(include, map[string]any{"type": typ, "os": map[string]any{"type": os}})
		}
		conditions["platform"] = map[string]any{"include": include, "exclude": []any{}}
	}
	if rule.Expression != "" {
		conditions["elCondition"] = map[string]any{"condition": rule.Expression}
	}
	return map[string]any{
		"id": oktaID("rul", appKey+"|"+rule.Name), "status": rule.Status, "name": rule.Name, "priority": priority, "system": false,
		"conditions": conditions, "actions": appSignOn(rule.Access, rule.FactorMode), "type": "ACCESS_POLICY",
	}
}
