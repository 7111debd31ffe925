package lab

import (
	"fmt"
	"net/http"
	"strings"
	"time"
)

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
	u := l.graphUserRef(w, r)
	if u == nil {
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

func (l *Lab) graphSkus(w http.ResponseWriter, r *http.Request) {
	out := []sku{}
	for _, k := range l.state.skus {
		c := *k
		c.ConsumedUnits = l.state.consumed(k)
		out = append(out, c)
	}
	writeJSON(w, http.StatusOK, map[string]any{"@odata.context": l.context(r, "subscribedSkus"), "value": out})
}
