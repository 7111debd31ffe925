package okta

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"sync"

	"github.com/o365doctor/o365doctor/internal/model"
)

const permPolicies = "okta.policies.read"

// appLinks is what AppAccessPolicy reads of an app: its links.
type appLinks struct {
	ID    string `json:"id"`
	Links struct {
		AccessPolicy *struct {
			Href string `json:"href"`
		} `json:"accessPolicy"`
	} `json:"_links"`
}

// AppAccessPolicy reads the app's sign-in policy in Okta Identity Engine:
// the app's _links.accessPolicy.href (from the listing, else GET
// /api/v1/apps/{appId}), then the
// policy (GET /api/v1/policies/{id}) and its rules (GET
// /api/v1/policies/{id}/rules; okta.policies.read), side by side; the
// rules come back sorted by priority. ok is false when the app links no
// access policy (a Classic Engine org, whose per-app sign-on rules the
// public API does not show; api-facts §Q9).
func (c *Client) AppAccessPolicy(ctx context.Context, a model.OktaApp) (p model.OktaAccessPolicy, ok bool, err error) {
	appID := a.ID
	o := op{what: "get the access policy of app " + appID, noun: "an app", perm: permOktaApps}
	if err := checkID(appID); err != nil {
		return p, false, o.errorf("%v; not asked", err)
	}
	// The app as listed carries the link: read the app again only when
	// the listing did not (no link there is not taken for "none").
	href := a.AccessPolicyHref
	if href == "" {
		var app appLinks
		if err := c.getJSON(ctx, o, "/api/v1/apps/"+appID, &app); err != nil {
			return p, false, err
		}
		if app.ID == "" {
			return p, false, o.notA("no id")
		}
		if app.Links.AccessPolicy == nil || app.Links.AccessPolicy.Href == "" {
			return p, false, nil
		}
		href = app.Links.AccessPolicy.Href
	}
	policyID, err := policyIDOf(href)
	if err != nil {
		return p, false, o.notA(err.Error())
	}

	var (
		wg               sync.WaitGroup
		pol              policyJSON
		rules            []ruleJSON
		polErr, rulesErr error
	)
	po := op{what: "get policy " + policyID, noun: "a policy", perm: permPolicies}
	ro := op{what: "list rules of policy " + policyID, noun: "a list of policy rules", perm: permPolicies}
	wg.Add(2)
	go func() { defer wg.Done(); polErr = c.getJSON(ctx, po, "/api/v1/policies/"+policyID, &pol) }()
	go func() { defer wg.Done(); rulesErr = c.getJSON(ctx, ro, "/api/v1/policies/"+policyID+"/rules", &rules) }()
	wg.Wait()
	if polErr != nil {
		return p, false, polErr
	}
	if rulesErr != nil {
		return p, false, rulesErr
	}
	if pol.ID != policyID {
		return p, false, po.notA("its id is not " + policyID)
	}
	if pol.Type != "" && pol.Type != "ACCESS_POLICY" {
		return p, false, po.notA("type " + model.Clean(pol.Type) + ", not ACCESS_POLICY")
	}
	p = model.OktaAccessPolicy{ID: model.Clean(pol.ID), Name: model.Clean(pol.Name), Status: model.Clean(pol.Status)}
	for _, r := range rules {
		rule, err := r.toRule()
		if err != nil {
			return model.OktaAccessPolicy{}, false, ro.notA(err.Error())
		}
		p.Rules = append(p.Rules, rule)
	}
	sort.SliceStable(p.Rules, func(i, j int) bool { return p.Rules[i].Priority < p.Rules[j].Priority })
	return p, true, nil
}

const permOktaApps = "okta.apps.read"

// getJSON GETs an org path and decodes its JSON answer into v.
func (c *Client) getJSON(ctx context.Context, o op, path string, v any) error {
	rq := c.sdk.CloneRequestExecutor()
	req, err := rq.WithAccept("application/json").NewRequest("GET", path, nil)
	if err != nil {
		return o.fail(nil, err)
	}
	resp, err := rq.Do(ctx, req, v)
	if err != nil {
		return o.fail(resp, err)
	}
	return nil
}

// policyIDOf takes the policy ID from an accessPolicy link
// (https://{org}/api/v1/policies/{id}). Only the ID is used: the policy is
// read from the configured org, wherever the link points.
func policyIDOf(href string) (string, error) {
	u, err := url.Parse(href)
	if err != nil {
		return "", fmt.Errorf("_links.accessPolicy.href is not a URL")
	}
	rest, ok := strings.CutPrefix(u.Path, "/api/v1/policies/")
	if !ok || strings.Contains(rest, "/") {
		return "", fmt.Errorf("_links.accessPolicy.href %q is not a policy link", model.Clean(firstN(href, 120)))
	}
	if err := checkID(rest); err != nil {
		return "", fmt.Errorf("_links.accessPolicy.href names no policy ID")
	}
	return rest, nil
}

type policyJSON struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Status string `json:"status"`
	Type   string `json:"type"`
}

type includeExclude struct {
	Include []string `json:"include"`
	Exclude []string `json:"exclude"`
}

// ruleJSON is an AccessPolicyRule as Okta writes it (api-facts §Q9). The
// Catch-all Rule has "conditions": null.
type ruleJSON struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Status     string `json:"status"`
	Priority   *int   `json:"priority"`
	System     bool   `json:"system"`
	Type       string `json:"type"`
	Conditions *struct {
		Network *struct {
			Connection string   `json:"connection"`
			Include    []string `json:"include"`
			Exclude    []string `json:"exclude"`
		} `json:"network"`
		People *struct {
			Users  *includeExclude `json:"users"`
			Groups *includeExclude `json:"groups"`
		} `json:"people"`
		Device *struct {
			Registered bool `json:"registered"`
			Managed    bool `json:"managed"`
			Assurance  *struct {
				Include []string `json:"include"`
			} `json:"assurance"`
		} `json:"device"`
		Platform *struct {
			Include []json.RawMessage `json:"include"`
			Exclude []json.RawMessage `json:"exclude"`
		} `json:"platform"`
		RiskScore *struct {
			Level string `json:"level"`
		} `json:"riskScore"`
		UserType *struct {
			Include []json.RawMessage `json:"include"`
			Exclude []json.RawMessage `json:"exclude"`
		} `json:"userType"`
		ElCondition *struct {
			Condition string `json:"condition"`
		} `json:"elCondition"`
	} `json:"conditions"`
	Actions *struct {
		AppSignOn *struct {
			Access             string `json:"access"`
			VerificationMethod *struct {
				FactorMode string `json:"factorMode"`
				Type       string `json:"type"`
			} `json:"verificationMethod"`
		} `json:"appSignOn"`
	} `json:"actions"`
}

// toRule refuses a rule the predictor could misread: no id, no status or
// priority, another policy type, or no appSignOn access.
func (r ruleJSON) toRule() (model.OktaPolicyRule, error) {
	if r.ID == "" {
		return model.OktaPolicyRule{}, fmt.Errorf("a rule without id")
	}
	id := model.Clean(r.ID)
	switch {
	case r.Status == "":
		return model.OktaPolicyRule{}, fmt.Errorf("rule %s without status", id)
	case r.Priority == nil:
		return model.OktaPolicyRule{}, fmt.Errorf("rule %s without priority", id)
	case r.Type != "" && r.Type != "ACCESS_POLICY":
		return model.OktaPolicyRule{}, fmt.Errorf("rule %s is %s, not ACCESS_POLICY", id, model.Clean(r.Type))
	case r.Actions == nil || r.Actions.AppSignOn == nil || (!strings.EqualFold(r.Actions.AppSignOn.Access, "ALLOW") && !strings.EqualFold(r.Actions.AppSignOn.Access, "DENY")):
		return model.OktaPolicyRule{}, fmt.Errorf("rule %s without actions.appSignOn.access ALLOW or DENY", id)
	}
	// Enum values compared as Okta documents them, whatever the casing
	// that came back (api-facts §Q9: "password" came back lowercase).
	out := model.OktaPolicyRule{ID: id, Name: model.Clean(r.Name), Status: strings.ToUpper(model.Clean(r.Status)), Priority: *r.Priority,
		System: r.System, Access: strings.ToUpper(r.Actions.AppSignOn.Access)}
	if vm := r.Actions.AppSignOn.VerificationMethod; vm != nil {
		out.FactorMode, out.VerificationType = strings.ToUpper(model.Clean(vm.FactorMode)), strings.ToUpper(model.Clean(vm.Type))
	}
	c := r.Conditions
	if c == nil {
		return out, nil
	}
	if n := c.Network; n != nil {
		out.NetworkConnection = strings.ToUpper(model.Clean(n.Connection))
		out.NetworkInclude, out.NetworkExclude = cleanList(n.Include), cleanList(n.Exclude)
	}
	if p := c.People; p != nil {
		if p.Users != nil {
			out.UsersInclude, out.UsersExclude = cleanList(p.Users.Include), cleanList(p.Users.Exclude)
		}
		if p.Groups != nil {
			out.GroupsInclude, out.GroupsExclude = cleanList(p.Groups.Include), cleanList(p.Groups.Exclude)
		}
	}
	if d := c.Device; d != nil {
		out.DeviceRegistered, out.DeviceManaged = d.Registered, d.Managed
		if d.Assurance != nil {
			out.DeviceAssurance = cleanList(d.Assurance.Include)
		}
		if out.NeedsDeviceTrust() {
			out.OtherConditions = append(out.OtherConditions, "device")
		}
	}
	if c.Platform != nil && len(c.Platform.Include)+len(c.Platform.Exclude) > 0 {
		out.OtherConditions = append(out.OtherConditions, "platform")
		out.PlatformInclude, out.PlatformExclude = platforms(c.Platform.Include), platforms(c.Platform.Exclude)
	}
	if c.RiskScore != nil && c.RiskScore.Level != "" && c.RiskScore.Level != "ANY" {
		out.OtherConditions = append(out.OtherConditions, "riskScore")
	}
	if c.UserType != nil && len(c.UserType.Include)+len(c.UserType.Exclude) > 0 {
		out.OtherConditions = append(out.OtherConditions, "userType")
	}
	if c.ElCondition != nil && c.ElCondition.Condition != "" {
		out.OtherConditions = append(out.OtherConditions, "elCondition")
		out.ElCondition = model.Clean(c.ElCondition.Condition)
	}
	return out, nil
}

// platforms reads a platform condition's list ({type, os{type,
// expression}}); an entry in another shape is kept as a platform of no
// known type, which matches nothing.
func platforms(raw []json.RawMessage) []model.OktaPlatform {
	var out []model.OktaPlatform
	for _, r := range raw {
		var p struct {
			Type string `json:"type"`
			OS   *struct {
				Type string `json:"type"`
			} `json:"os"`
		}
		_ = json.Unmarshal(r, &p) // another shape: the zero platform
		pl := model.OktaPlatform{Type: model.Clean(p.Type)}
		if p.OS != nil {
			pl.OS = model.Clean(p.OS.Type)
		}
		out = append(out, pl)
	}
	return out
}

func cleanList(in []string) []string {
	if len(in) == 0 {
		return nil
	}
	out := make([]string, len(in))
	for i, s := range in {
		out[i] = model.Clean(s)
	}
	return out
}
