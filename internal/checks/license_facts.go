package checks

import (
	"context"
	"regexp"
	"slices"
	"strings"

	"github.com/o365doctor/o365doctor/internal/model"
)

// The facts the license checks read beyond the user's (EntraUserFact holds
// assignedLicenses and licenseAssignmentStates, AssignmentFact the Okta app
// user's profile.licenses): one fetch of each per run.
var (
	// SubscribedSkusFact are the tenant's SKUs with their seats.
	SubscribedSkusFact = &Fact[[]model.SKU]{
		Name: "the tenant's subscribed SKUs",
		Load: func(ctx context.Context, f *Facts) ([]model.SKU, error) {
			if err := f.need(Graph); err != nil {
				return nil, err
			}
			return f.src.Graph.SubscribedSkus(ctx)
		},
	}

	// AppGroupsFact are the groups assigned to the domain's Office 365 app,
	// with their priority and profile.
	AppGroupsFact = &Fact[[]model.AppGroup]{
		Name:     "the Office 365 app's group assignments",
		Requires: []FactRef{Office365AppFact},
		Load: func(ctx context.Context, f *Facts) ([]model.AppGroup, error) {
			app, err := Office365AppFact.Get(ctx, f)
			if err != nil {
				return nil, err
			}
			return f.src.Okta.AppGroups(ctx, app.ID)
		},
	}

	// UserGroupsFact are the Okta groups the subject is a member of.
	UserGroupsFact = &Fact[[]model.OktaGroup]{
		Name:     "the Okta user's groups",
		Requires: []FactRef{OktaUserFact},
		Load: func(ctx context.Context, f *Facts) ([]model.OktaGroup, error) {
			u, err := OktaUserFact.Get(ctx, f)
			if err != nil {
				return nil, err
			}
			return f.src.Okta.UserGroups(ctx, u.ID)
		},
	}
)

// GraphLicensesAPI is what the license checks need of Graph, beyond
// GraphAPI's core.
type GraphLicensesAPI interface {
	// SubscribedSkus are the tenant's SKUs (GET /subscribedSkus).
	SubscribedSkus(ctx context.Context) ([]model.SKU, error)
}

// OktaLicensesAPI is what the license checks need of Okta.
type OktaLicensesAPI interface {
	// AppGroups are the app's group assignments (GET
	// /api/v1/apps/{appId}/groups), priority and profile.
	AppGroups(ctx context.Context, appID string) ([]model.AppGroup, error)
	// UserGroups are the user's groups (GET /api/v1/users/{id}/groups).
	UserGroups(ctx context.Context, userID string) ([]model.OktaGroup, error)
}

// skuRef is one license as the checks compare it: the part number when it
// could be named, and how people see it.
type skuRef struct {
	Part  string // upper-case skuPartNumber; "" when unknown
	Raw   string // what the system holds (a skuId, an Okta value)
	Label string // "ENTERPRISEPACK (Office 365 E3)"
}

// key is what two systems' licenses are compared by.
func (r skuRef) key() string {
	if r.Part != "" {
		return r.Part
	}
	return strings.ToLower(r.Raw)
}

// skuIndex names SKUs from the tenant's subscribedSkus, then Microsoft's
// product table.
type skuIndex struct {
	byID   map[string]model.SKU
	byPart map[string]model.SKU
}

func newSKUIndex(skus []model.SKU) skuIndex {
	x := skuIndex{byID: map[string]model.SKU{}, byPart: map[string]model.SKU{}}
	for _, k := range skus {
		x.byID[strings.ToLower(k.SkuID)] = k
		x.byPart[strings.ToUpper(k.SkuPartNumber)] = k
	}
	return x
}

var guidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// byID names an Entra skuId. A skuId neither the tenant nor Microsoft's
// table knows is named as such, never as a bare GUID.
func (x skuIndex) byIDRef(id string) skuRef {
	id = strings.ToLower(strings.TrimSpace(id))
	part := ""
	if k, ok := x.byID[id]; ok {
		part = k.SkuPartNumber
	} else {
		part = partNumberOfGUID(id)
	}
	if part == "" {
		return skuRef{Raw: id, Label: "a SKU neither the tenant's subscribedSkus nor Microsoft's product table names (skuId " + id + ")"}
	}
	return skuRef{Part: strings.ToUpper(part), Raw: id, Label: skuLabel(part)}
}

// oktaRef names a value of the Okta app user's licenses. Its format is
// not published (api-facts §Q1d: Okta lists licenses per service plan, and
// no public JSON shows the string): a skuId GUID, a part number, or a
// "PART:plan" / "PART_plan" value are all read as the SKU they start
// with; anything else is shown as Okta holds it.
func (x skuIndex) oktaRef(v string) skuRef {
	v = strings.TrimSpace(v)
	if guidPattern.MatchString(v) {
		return x.byIDRef(v)
	}
	head := v
	if i := strings.IndexAny(v, ":|/"); i > 0 {
		head = v[:i]
	}
	part := strings.ToUpper(head)
	if k, ok := x.byPart[part]; ok {
		return skuRef{Part: part, Raw: v, Label: skuLabel(k.SkuPartNumber)}
	}
	if ProductName(part) != "" {
		return skuRef{Part: part, Raw: v, Label: skuLabel(head)}
	}
	return skuRef{Part: part, Raw: v, Label: v}
}

// entraLicenses are the user's assigned licenses, named.
func (x skuIndex) entraLicenses(u model.EntraUser) []skuRef {
	out := make([]skuRef, 0, len(u.AssignedLicenses()))
	for _, l := range u.AssignedLicenses() {
		out = append(out, x.byIDRef(l.SkuID))
	}
	return out
}

// oktaLicenses are the app user's (or a group assignment's) licenses,
// named, each SKU once.
func (x skuIndex) oktaLicenses(values []string) []skuRef {
	var out []skuRef
	for _, v := range values {
		r := x.oktaRef(v)
		if !slices.ContainsFunc(out, func(o skuRef) bool { return o.key() == r.key() }) {
			out = append(out, r)
		}
	}
	return out
}

// labels joins the refs' labels, "(none)" when empty.
func labels(refs []skuRef) string {
	if len(refs) == 0 {
		return "(none)"
	}
	var l []string
	for _, r := range refs {
		l = append(l, r.Label)
	}
	return strings.Join(l, ", ")
}

// minus is the refs of a whose key is not in b.
func minus(a, b []skuRef) []skuRef {
	var out []skuRef
	for _, r := range a {
		if !slices.ContainsFunc(b, func(o skuRef) bool { return o.key() == r.key() }) {
			out = append(out, r)
		}
	}
	return out
}

// oktaManagesLicenses reports whether Okta pushes the app user's
// licenses to Microsoft: every Office 365 provisioning type (Licenses and
// Roles Management Only, Profile Sync, User Sync, Universal Sync) manages
// licenses and roles, and it is on when Okta pushes new users or profile
// updates (api-facts §Q1d).
func oktaManagesLicenses(app model.OktaApp) bool {
	return slices.Contains(app.Features, "PUSH_NEW_USERS") || slices.Contains(app.Features, "PUSH_PROFILE_UPDATES")
}
