package graph

import (
	"context"
	"strings"

	"github.com/o365doctor/o365doctor/internal/model"
)

// permAuthMethods is the least privileged application permission that
// reads the authentication methods policy (Policy.Read.All also does).
const permAuthMethods = "Policy.Read.AuthenticationMethod"

// RegistrationCampaign reads the registration campaign of the tenant's
// authentication methods policy (GET /policies/authenticationMethodsPolicy,
// registrationEnforcement.authenticationMethodsRegistrationCampaign). A
// policy without one is a campaign in state default, as Graph documents.
func (c *Client) RegistrationCampaign(ctx context.Context) (model.RegistrationCampaign, error) {
	o := op{what: "get the authentication methods policy", noun: "an authentication methods policy", perm: permAuthMethods}
	p, err := c.sdk.Policies().AuthenticationMethodsPolicy().Get(ctx, nil)
	if err != nil {
		return model.RegistrationCampaign{}, o.fail(err)
	}
	if p == nil || deref(p.GetId()) == "" {
		return model.RegistrationCampaign{}, o.notA("no id")
	}
	out := model.RegistrationCampaign{State: "default"}
	re := p.GetRegistrationEnforcement()
	if re == nil || re.GetAuthenticationMethodsRegistrationCampaign() == nil {
		return out, nil
	}
	rc := re.GetAuthenticationMethodsRegistrationCampaign()
	if s := rc.GetState(); s != nil {
		out.State = s.String()
	}
	if d := rc.GetSnoozeDurationInDays(); d != nil {
		out.SnoozeDurationDays = int(*d)
	}
	// Documented in beta and the Entra how-to, not in the v1.0 model: the
	// SDK leaves it in the additional data.
	if v, ok := rc.GetAdditionalData()["enforceRegistrationAfterAllowedSnoozes"].(*bool); ok {
		out.EnforceAfterSnoozes = v
	}
	for _, t := range rc.GetIncludeTargets() {
		if t == nil || deref(t.GetId()) == "" {
			return model.RegistrationCampaign{}, o.notA("an include target without id")
		}
		ct := model.CampaignTarget{ID: model.Clean(deref(t.GetId())), Method: model.Clean(deref(t.GetTargetedAuthenticationMethod()))}
		if tt := t.GetTargetType(); tt != nil {
			ct.Type = strings.ToLower(tt.String())
		}
		out.IncludeTargets = append(out.IncludeTargets, ct)
	}
	for _, t := range rc.GetExcludeTargets() {
		if t == nil || deref(t.GetId()) == "" {
			return model.RegistrationCampaign{}, o.notA("an exclude target without id")
		}
		ct := model.CampaignTarget{ID: model.Clean(deref(t.GetId()))}
		if tt := t.GetTargetType(); tt != nil {
			ct.Type = strings.ToLower(tt.String())
		}
		out.ExcludeTargets = append(out.ExcludeTargets, ct)
	}
	return out, nil
}
