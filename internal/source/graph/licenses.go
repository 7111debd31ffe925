package graph

import (
	"context"
	"strings"

	"github.com/google/uuid"
	"github.com/microsoftgraph/msgraph-sdk-go/models"

	"github.com/o365doctor/o365doctor/internal/model"
)

// SubscribedSkus lists the tenant's license SKUs with their seats (GET
// /subscribedSkus; Organization.Read.All): enabled, consumed, and those
// in grace, suspended or locked out.
func (c *Client) SubscribedSkus(ctx context.Context) ([]model.SKU, error) {
	o := op{what: "list subscribed SKUs", noun: "a list of SKUs", perm: permOrg}
	first, err := c.sdk.SubscribedSkus().Get(ctx, nil)
	list, err := collect(ctx, c, o, first, err, func(ctx context.Context, next string) (models.SubscribedSkuCollectionResponseable, error) {
		return c.sdk.SubscribedSkus().WithUrl(next).Get(ctx, nil)
	})
	if err != nil {
		return nil, err
	}
	out := make([]model.SKU, 0, len(list))
	for _, k := range list {
		if k == nil || k.GetSkuId() == nil || deref(k.GetSkuPartNumber()) == "" {
			return nil, o.notA("a SKU without skuId or skuPartNumber")
		}
		sku := model.SKU{
			ID:               model.Clean(deref(k.GetId())),
			SkuID:            guidString(k.GetSkuId()),
			SkuPartNumber:    model.Clean(deref(k.GetSkuPartNumber())),
			CapabilityStatus: model.Clean(deref(k.GetCapabilityStatus())),
			AppliesTo:        model.Clean(deref(k.GetAppliesTo())),
			ConsumedUnits:    int(deref(k.GetConsumedUnits())),
		}
		if p := k.GetPrepaidUnits(); p != nil {
			sku.Enabled, sku.Warning = int(deref(p.GetEnabled())), int(deref(p.GetWarning()))
			sku.Suspended, sku.LockedOut = int(deref(p.GetSuspended())), int(deref(p.GetLockedOut()))
		}
		for _, sp := range k.GetServicePlans() {
			if sp == nil {
				continue
			}
			sku.ServicePlans = append(sku.ServicePlans, model.ServicePlan{
				ID: guidString(sp.GetServicePlanId()), Name: model.Clean(deref(sp.GetServicePlanName())),
				ProvisioningStatus: model.Clean(deref(sp.GetProvisioningStatus())),
			})
		}
		out = append(out, sku)
	}
	return out, nil
}

// toUserLicenses copies a user's assignedLicenses and
// licenseAssignmentStates; nil when the answer had neither.
func toUserLicenses(u models.Userable) *model.UserLicenses {
	if u.GetAssignedLicenses() == nil && u.GetLicenseAssignmentStates() == nil {
		return nil
	}
	return &model.UserLicenses{Assigned: toAssignedLicenses(u.GetAssignedLicenses()), States: toLicenseStates(u.GetLicenseAssignmentStates())}
}

// toAssignedLicenses copies a user's assignedLicenses.
func toAssignedLicenses(list []models.AssignedLicenseable) []model.AssignedLicense {
	out := make([]model.AssignedLicense, 0, len(list))
	for _, l := range list {
		if l == nil || l.GetSkuId() == nil {
			continue
		}
		out = append(out, model.AssignedLicense{SkuID: guidString(l.GetSkuId()), DisabledPlans: guidStrings(l.GetDisabledPlans())})
	}
	return out
}

// toLicenseStates copies a user's licenseAssignmentStates; error and
// state are free strings in Graph's schema, kept as sent (cleaned).
func toLicenseStates(list []models.LicenseAssignmentStateable) []model.LicenseState {
	out := make([]model.LicenseState, 0, len(list))
	for _, s := range list {
		if s == nil || s.GetSkuId() == nil {
			continue
		}
		st := model.LicenseState{
			SkuID:           guidString(s.GetSkuId()),
			AssignedByGroup: model.Clean(deref(s.GetAssignedByGroup())),
			State:           model.Clean(deref(s.GetState())),
			Error:           model.Clean(deref(s.GetError())),
			DisabledPlans:   guidStrings(s.GetDisabledPlans()),
		}
		if t := s.GetLastUpdatedDateTime(); t != nil {
			st.LastUpdated = t.UTC()
		}
		out = append(out, st)
	}
	return out
}

func guidString(u *uuid.UUID) string {
	if u == nil {
		return ""
	}
	return strings.ToLower(u.String())
}

func guidStrings(list []uuid.UUID) []string {
	out := make([]string, 0, len(list))
	for i := range list {
		out = append(out, guidString(&list[i]))
	}
	return out
}
