package checks

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/o365doctor/o365doctor/internal/model"
)

// The tenant-wide checks read one listing of each side, shared: every
// Office 365 app user of the domain's app in Okta (500 a page, with the
// Okta user embedded) and every Entra user of the domain (999 a page), read
// concurrently. Each side is kept compact (what the checks compare, not
// the whole objects), so memory grows with the users only by that.

// TenantOkta is an Office 365 app user as the tenant checks keep it.
type TenantOkta struct {
	UserID, UserName string
	ImmutableID      string
	UserStatus       string // the Okta user's (expand=user)
	Licenses         []string
	UsageLocation    string
	key              string // the userName in lower case
}

// TenantEntra is an Entra user as the tenant checks keep it.
type TenantEntra struct {
	ID, UPN       string
	ImmutableID   string
	UsageLocation string
	// Direct are the skuIds assigned directly (not by an Entra group);
	// Licensed is whether any license is assigned; Held are the skuIds
	// assigned and not refused for want of a seat (CountViolation).
	Direct   []string `json:",omitempty"`
	Licensed bool     `json:",omitempty"`
	// Disabled: accountEnabled is false (a shared mailbox, a leaver): the
	// account does not sign in, federated or not.
	Disabled bool     `json:",omitempty"`
	Held     []string `json:",omitempty"`
	key      string   // the UPN in lower case: the key of Tenant.Okta
}

// Tenant is the domain's population on both sides.
type Tenant struct {
	App   model.OktaApp
	Okta  []TenantOkta  // in listing order, one per lower-case userName (the UPN Okta sends)
	Entra []TenantEntra // in listing order
	// oktaIdx indexes Okta by lower-case userName.
	oktaIdx map[string]int
	// The anchors each side holds, counted as the users come (the tenant
	// checks look for anchors held twice): oktaAnchors counts app users by
	// immutableId, entraAnchors Entra users by onPremisesImmutableId, with
	// the last one listed.
	oktaAnchors  map[string]int
	entraAnchors map[string]anchorHolders
	// oktaShared and entraShared hold the anchors held more than once on
	// each side (few: the check looks every user's anchor up there, not in
	// the counts). One each: the two sides are listed at the same time.
	oktaShared, entraShared map[string]bool

	joinOnce sync.Once
	joined   joined

	// Resumed is set when part of the listing came from a snapshot.
	Resumed *Resumed
}

// joined is the two sides matched once for all the checks (each of
// which would otherwise look every user up again: 100 000 users are
// tens of milliseconds a pass).
type joined struct {
	entraOkta []int32 // for each Entra user, its app user's index in Okta, or -1
	oktaEntra []int32 // for each app user, its Entra user's index, or -1
}

// anchorHolders counts the Entra users holding an anchor, and names the
// last one listed.
type anchorHolders struct{ n, last int }

func newTenant(app model.OktaApp) *Tenant {
	return &Tenant{App: app, oktaIdx: map[string]int{}, oktaAnchors: map[string]int{}, entraAnchors: map[string]anchorHolders{},
		oktaShared: map[string]bool{}, entraShared: map[string]bool{}}
}

// addOkta keeps an app user; a second one with the same userName (in
// any case) takes the first one's place.
func (t *Tenant) addOkta(o TenantOkta) {
	key := strings.ToLower(o.UserName)
	o.key = key
	if o.ImmutableID != "" {
		t.oktaAnchors[o.ImmutableID]++
		if t.oktaAnchors[o.ImmutableID] > 1 {
			t.oktaShared[o.ImmutableID] = true
		}
	}
	if i, ok := t.oktaIdx[key]; ok {
		if old := t.Okta[i].ImmutableID; old != "" {
			t.oktaAnchors[old]--
		}
		t.Okta[i] = o
		return
	}
	t.oktaIdx[key] = len(t.Okta)
	t.Okta = appendDoubling(t.Okta, o)
}

// addEntra keeps an Entra user.
func (t *Tenant) addEntra(e TenantEntra) {
	e.key = strings.ToLower(e.UPN)
	if e.ImmutableID != "" {
		h := t.entraAnchors[e.ImmutableID]
		t.entraAnchors[e.ImmutableID] = anchorHolders{n: h.n + 1, last: len(t.Entra)}
		if h.n > 0 {
			t.entraShared[e.ImmutableID] = true
		}
	}
	t.Entra = appendDoubling(t.Entra, e)
}

// byName sorts indexes of Okta by userName: findings in a stable order.
func (t *Tenant) byName(idx []int) {
	slices.SortFunc(idx, func(a, b int) int { return strings.Compare(t.Okta[a].key, t.Okta[b].key) })
}

// join matches the sides, once, after the listing.
func (t *Tenant) join() *joined {
	t.joinOnce.Do(func() {
		j := &t.joined
		j.oktaEntra = make([]int32, len(t.Okta))
		for i := range j.oktaEntra {
			j.oktaEntra[i] = -1
		}
		j.entraOkta = make([]int32, len(t.Entra))
		for i, e := range t.Entra {
			o, ok := t.oktaIdx[e.key]
			if !ok {
				j.entraOkta[i] = -1
				continue
			}
			j.entraOkta[i] = int32(o)
			j.oktaEntra[o] = int32(i) // a UPN twice in Entra: the last one, as a lookup by UPN found
		}
	})
	return &t.joined
}

// oktaOf is the app user of the i-th Entra user.
func (t *Tenant) oktaOf(i int) (TenantOkta, bool) {
	o := t.join().entraOkta[i]
	if o < 0 {
		return TenantOkta{}, false
	}
	return t.Okta[o], true
}

// TenantFact reads the domain's population, both sides at once.
var TenantFact = &Fact[*Tenant]{
	Name:      "the domain's users in Okta and Entra ID",
	Requires:  []FactRef{Office365AppFact},
	Unbounded: true,
	Load: func(ctx context.Context, f *Facts) (*Tenant, error) {
		domain := f.subject.Domain
		if domain == "" {
			return nil, Skip("needs a domain: the Office 365 app in Okta federates one domain")
		}
		if err := f.need(Okta); err != nil {
			return nil, err
		}
		if err := f.need(Graph); err != nil {
			return nil, err
		}
		app, err := Office365AppFact.Get(ctx, f)
		if errors.Is(err, ErrNoApp) {
			return nil, Skip("no active Office 365 app for %s in Okta (see oktaapp.one-active-app)", domain)
		}
		if err != nil {
			return nil, err
		}
		return loadTenant(ctx, f, app)
	},
}

// loadTenant reads both sides at once, each from where a snapshot of an
// interrupted run left it when resuming (snapshot.go), reporting progress
// with an ETA after each page.
func loadTenant(ctx context.Context, f *Facts, app model.OktaApp) (*Tenant, error) {
	domain := f.subject.Domain
	t := newTenant(app)
	opts := f.snapshot
	var oktaSide, entraSide snapshotSide
	var snap *snapshot
	if opts.Dir != "" {
		resumed := false
		var goodEnd int64
		if opts.Resume {
			o, e, _, ok, end, err := readSnapshotAt(snapshotPath(opts.Dir, domain), domain, app.ID)
			if err != nil {
				return nil, fmt.Errorf("reading the snapshot to resume: %w", err)
			}
			if ok {
				oktaSide, entraSide, resumed, goodEnd = o, e, true, end
				t.Resumed = &Resumed{OktaSince: o.since, EntraSince: e.since, OktaPages: o.pages, EntraPages: e.pages}
			}
		}
		var err error
		snap, err = createSnapshot(opts.Dir, domain, app.ID, resumed, f.now(), goodEnd)
		if err != nil && resumed {
			return nil, fmt.Errorf("continuing the snapshot of the listing (--resume): %w", err)
		}
		// Without a snapshot (a state directory that cannot be written)
		// the listing still runs; only a later --resume has nothing.
	}
	for _, o := range oktaSide.okta {
		t.addOkta(o)
	}
	for _, e := range entraSide.entra {
		t.addEntra(e)
	}
	est := &listingETA{start: f.now(), now: f.now, window: time.Minute, oktaDone: len(oktaSide.okta), entraDone: len(entraSide.entra), total: entraSide.count}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// The first side to fail stops the other: its error is the cause,
	// the other's (cancelled) a consequence.
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	fail := func(err error) {
		mu.Lock()
		if first == nil {
			first = err
		}
		mu.Unlock()
		cancel()
	}
	wg.Add(2)
	// Graph counts the domain's users on its first page; Okta does not
	// count its app users, which are about as many: the Okta side makes
	// room for that many once it is known, rather than copying a growing
	// list of records over and over (each copy of a large one a pause of
	// milliseconds that nothing else can interrupt).
	var expected atomic.Int64
	go func() {
		defer wg.Done()
		if oktaSide.done {
			return
		}
		for page, err := range f.src.Okta.AppUserListing(ctx, app.ID, oktaSide.next) {
			if err != nil {
				fail(err)
				return
			}
			if n := int(expected.Load()); n > cap(t.Okta) && n <= maxPresized {
				t.Okta = slices.Grow(t.Okta, n+n/32-len(t.Okta))
			}
			line := snapshotLine{Side: "okta", At: f.now().UTC(), Next: page.Next, Okta: make([]TenantOkta, 0, len(page.Users))}
			if page.Budget.Limit > 0 {
				line.Budget = &page.Budget
			}
			for _, au := range page.Users {
				if au.UserName == "" {
					continue
				}
				lic, _ := au.Licenses()
				o := TenantOkta{UserID: au.UserID, UserName: au.UserName, ImmutableID: au.ImmutableID(),
					UserStatus: au.UserStatus, Licenses: lic, UsageLocation: au.UsageLocation()}
				t.addOkta(o)
				line.Okta = append(line.Okta, o)
			}
			snap.write(line)
			f.progress(est.okta(len(page.Users), page.Budget))
		}
	}()
	go func() {
		defer wg.Done()
		if entraSide.done {
			return
		}
		for page, err := range f.src.Graph.UserListing(ctx, domain, entraSide.next) {
			if err != nil {
				fail(err)
				return
			}
			line := snapshotLine{Side: "entra", At: f.now().UTC(), Next: page.Next, Count: max(page.Count, 0), Entra: make([]TenantEntra, 0, len(page.Users))}
			if n := page.Count; n > cap(t.Entra) && n <= maxPresized {
				t.Entra = slices.Grow(t.Entra, n-len(t.Entra)) // Graph's count: one allocation
				expected.Store(int64(n))
			}
			for _, u := range page.Users {
				e := tenantEntraOf(u)
				t.addEntra(e)
				line.Entra = append(line.Entra, e)
			}
			snap.write(line)
			f.progress(est.entra(len(page.Users), page.Count))
		}
	}()
	wg.Wait()
	if err := cmp.Or(first, ctx.Err()); err != nil {
		snap.close(false) // kept for --resume
		return nil, err
	}
	snap.close(!opts.Keep)
	return t, nil
}

// maxPresized bounds the room made at once for the users Graph counts (a
// count is the server's word: a larger one is grown into as users come).
const maxPresized = 1 << 20

// tenantEntraOf keeps of an Entra user what the tenant checks compare.
// (A user holds a few licenses: the lists are searched, no map is made
// for each of 100 000 users.)
func tenantEntraOf(u model.EntraUser) TenantEntra {
	e := TenantEntra{ID: u.ID, UPN: u.UserPrincipalName, ImmutableID: u.OnPremisesImmutableID, UsageLocation: u.UsageLocation,
		Licensed: len(u.AssignedLicenses()) > 0, Disabled: u.AccountEnabled != nil && !*u.AccountEnabled}
	states := u.LicenseStates()
	stated := func(sku string, is func(model.LicenseState) bool) bool {
		for _, s := range states {
			if strings.EqualFold(s.SkuID, sku) && is(s) {
				return true
			}
		}
		return false
	}
	byGroup := func(s model.LicenseState) bool { return s.AssignedByGroup != "" }
	noSeat := func(s model.LicenseState) bool { return strings.EqualFold(s.Error, "CountViolation") }
	for _, l := range u.AssignedLicenses() {
		if !stated(l.SkuID, byGroup) {
			e.Direct = append(e.Direct, l.SkuID)
		}
		if !stated(l.SkuID, noSeat) {
			e.Held = append(e.Held, l.SkuID)
		}
	}
	return e
}

// appendDoubling is append that doubles a full slice's capacity (append
// grows a large one by a quarter: 100 000 records would be copied about
// four times over).
func appendDoubling[T any](s []T, v T) []T {
	if len(s) == cap(s) {
		grown := make([]T, len(s), max(2*cap(s), 1024))
		copy(grown, s)
		s = grown
	}
	return append(s, v)
}

// Resumed says what a resumed listing took from its snapshot.
type Resumed struct {
	OktaSince, EntraSince time.Time // when each side's first kept page was read
	OktaPages, EntraPages int
}

// ageNote is appended to a tenant check's message when the listing was
// resumed: how old each side's data is.
func (r *Resumed) ageNote(now time.Time) string {
	age := func(since time.Time, pages int) string {
		if pages == 0 {
			return "read now"
		}
		return fmt.Sprintf("%d page(s) from a snapshot of %s ago", pages, now.Sub(since).Round(time.Second))
	}
	return fmt.Sprintf(" (resumed: Okta's app users %s, Entra's users %s)", age(r.OktaSince, r.OktaPages), age(r.EntraSince, r.EntraPages))
}

// tenantOf reads the population for a tenant check.
func tenantOf(ctx context.Context, pass *Pass) (*Tenant, error) {
	return TenantFact.Get(ctx, pass.Facts)
}

const (
	srcTenantEntra = "GET /users?$filter=endswith(userPrincipalName,...)"
	srcTenantOkta  = "GET /api/v1/apps/{appId}/users?expand=user"
)

func tenantUser(e TenantEntra) Object { return Object{Kind: ObjUser, ID: e.ID, Name: e.UPN} }

// tenantPass reports the check's pass over the domain.
func tenantPass(pass *Pass, domain, msg string) {
	pass.Report(Finding{Object: Object{Kind: ObjDomain, ID: domain, Name: domain}, Status: StatusPass, Message: msg})
}

// conclude ends a tenant check: the pass finding when it found no one,
// else the summary of its findings.
func conclude(pass *Pass, bad int, passMsg, summary string, args ...any) error {
	if bad == 0 {
		tenantPass(pass, pass.Subject.Domain, passMsg)
		return nil
	}
	pass.Summarize(summary, args...)
	return nil
}

// tenantCheck is a tenant-wide check on TenantFact: it needs Okta's app
// users and Entra's users of the domain, read-only.
func tenantCheck(id, title string, area Area, severity Severity, refs []string, run func(context.Context, *Pass) error, doc string) *Check {
	return &Check{ID: id, Title: title, Area: area, Scope: ScopeTenant, Severity: severity, Needs: []Source{Okta, Graph},
		Permissions: []Permission{{Source: Okta, Name: "okta.apps.read"}, {Source: Graph, Name: "User.Read.All"}},
		Requires:    []FactRef{TenantFact}, Doc: doc, References: refs, Run: withAge(run)}
}

// withAge runs a tenant check and, when the listing was resumed, says in
// its message how old each side's data is.
func withAge(run func(context.Context, *Pass) error) func(context.Context, *Pass) error {
	return func(ctx context.Context, pass *Pass) error {
		err := run(ctx, pass)
		if t, terr := tenantOf(ctx, pass); terr == nil && t.Resumed != nil {
			pass.Note(t.Resumed.ageNote(pass.Facts.now()))
		}
		return err
	}
}

// EntraUsersWithoutOkta: every Entra user of the domain has an Office 365
// app user in Okta, tenant-wide.
var EntraUsersWithoutOkta = tenantCheck("identity.entra-without-okta", "Every Entra ID user of the domain is an Office 365 app user in Okta", AreaIdentity, Critical, []string{
	"https://support.okta.com/help/s/article/Office-365-Error-Your-Account-Has-Not-Been-Configured-For-This-Application",
	"https://developer.okta.com/docs/api/openapi/okta-management/management/tag/ApplicationUsers/",
	"https://learn.microsoft.com/graph/api/user-list",
}, runEntraUsersWithoutOkta,
	`Once a domain is federated, Okta signs in every user of that domain, and only
users assigned to the domain's Office 365 app. An Entra ID user of the domain
with no Office 365 app user in Okta (never created in Okta, or not assigned)
is locked out at the switch: Okta answers "Your account has not been configured
for this application". Before go-live, every one of them must be assigned, or
moved to another domain. The tenant checks read every app user of the Okta app
(500 a page, the Okta user embedded) and every Entra user of the domain (999 a
page) once, both at once; one finding per user who would be locked out.
Fix: assign each one (or a group of them) to the Office 365 app in Okta.`)

func runEntraUsersWithoutOkta(ctx context.Context, pass *Pass) error {
	t, err := tenantOf(ctx, pass)
	if err != nil {
		return err
	}
	domain := pass.Subject.Domain
	missing, disabled := 0, 0
	for i, e := range t.Entra {
		if _, ok := t.oktaOf(i); ok {
			continue
		}
		if e.Disabled {
			disabled++ // signs in neither before nor after
			continue
		}
		missing++
		obj := tenantUser(e)
		pass.Report(Finding{Object: obj, Status: StatusFail,
			Message: fmt.Sprintf("%s has no Office 365 app user in Okta: locked out once %s is federated", e.UPN, domain),
			Evidence: []Evidence{
				Value{Read{System: "entra", Object: obj, Field: "userPrincipalName", Value: e.UPN, Source: srcTenantEntra, Personal: true}},
				Value{Read{System: "okta", Object: appObject(t.App), Field: "app user with this credentials.userName", Value: "(none)", Source: srcTenantOkta}},
			}})
	}
	left := ""
	if disabled > 0 {
		left = fmt.Sprintf(" (%d account(s) with sign-in disabled left out: they do not sign in either way)", disabled)
	}
	if missing == 0 {
		tenantPass(pass, domain, fmt.Sprintf("all %d Entra ID users of %s who can sign in are Office 365 app users in Okta (%d app users)%s", len(t.Entra)-disabled, domain, len(t.Okta), left))
		return nil
	}
	pass.Summarize("%d of %d Entra ID users of %s have no Office 365 app user in Okta: they are locked out once the domain is federated%s", missing, len(t.Entra), domain, left)
	return nil
}

// TenantServiceAccounts: the accounts of the domain that are not people —
// service accounts, shared mailboxes with sign-in enabled — and that Okta
// does not know.
var TenantServiceAccounts = tenantCheck("identity.tenant-service-accounts", "No service account or shared mailbox of the domain would need Okta to sign in", AreaIdentity, Medium, []string{
	"https://learn.microsoft.com/entra/identity/hybrid/connect/how-to-connect-fed-management",
	"https://learn.microsoft.com/exchange/collaboration-exo/shared-mailboxes",
}, runTenantServiceAccounts,
	`Once the domain is federated, every sign-in of an account in it goes to Okta,
including the non-interactive ones of service accounts (scripts, scanners,
apps holding its password) and of shared mailboxes whose sign-in was left
enabled. An Entra ID user of the domain that can sign in, holds no license
and has no Office 365 app user in Okta is such an account (a person would
hold a license): listed with a warning, as its sign-ins stop working at the
switch. These accounts are among identity.entra-without-okta's too: this
check tells which of those are not people, and what to do with them. Accounts with sign-in disabled (shared mailboxes as Exchange creates
them) do not sign in and are left out. The domain preflight's
federation.privileged-in-federated lists the privileged ones.
Fix: move the account to the tenant's *.onmicrosoft.com domain (it then
signs in at Entra ID), give it an Office 365 app user in Okta, or disable its
sign-in (a shared mailbox needs none).`)

func runTenantServiceAccounts(ctx context.Context, pass *Pass) error {
	t, err := tenantOf(ctx, pass)
	if err != nil {
		return err
	}
	domain := pass.Subject.Domain
	bad := 0
	for i, e := range t.Entra {
		if _, ok := t.oktaOf(i); ok || e.Disabled || e.Licensed {
			continue
		}
		bad++
		obj := tenantUser(e)
		pass.Report(Finding{Object: obj, Status: StatusWarn,
			Message: fmt.Sprintf("%s can sign in, holds no license and has no Office 365 app user in Okta: a service account or a shared mailbox with sign-in enabled; its sign-ins stop once %s is federated", e.UPN, domain),
			Evidence: []Evidence{
				Value{Read{System: "entra", Object: obj, Field: "assignedLicenses", Value: "(none)", Source: srcTenantEntra}},
				Value{Read{System: "entra", Object: obj, Field: "accountEnabled", Value: "true", Source: srcTenantEntra}},
				Value{Read{System: "okta", Object: appObject(t.App), Field: "app user with this credentials.userName", Value: "(none)", Source: srcTenantOkta}},
			}})
	}
	return conclude(pass, bad, fmt.Sprintf("no unlicensed account of %s that can sign in is missing from Okta", domain),
		"%d account(s) of %s look like service accounts or shared mailboxes that can sign in and are not in Okta: their sign-ins stop once the domain is federated", bad, domain)
}

// TenantImmutableID: the anchors agree for every user, and none is shared.
var TenantImmutableID = tenantCheck("identity.tenant-immutableid", "immutableID equal in Okta and Entra ID for every user of the domain, and held once", AreaIdentity, Critical, []string{"https://learn.microsoft.com/entra/identity/hybrid/connect/plan-connect-design-concepts"}, runTenantImmutableID,
	`identity.immutableid-match and identity.immutableid-unique for the whole domain:
for each Entra ID user with an Office 365 app user in Okta, Okta's immutableId
must be Entra's onPremisesImmutableId (blank on either side, or different: the
user's federated sign-in fails with AADSTS51004 or lands on no account), and no
anchor may be held by two users on either side (the sign-in lands on the other
one). One finding per user, naming what is wrong.
Fix: o365doctor fix identity.immutableid-match --user UPN, user by user (or
correct the Okta mapping that computes the value).`)

func runTenantImmutableID(ctx context.Context, pass *Pass) error {
	t, err := tenantOf(ctx, pass)
	if err != nil {
		return err
	}
	domain := pass.Subject.Domain
	bad, compared := 0, 0
	for i, e := range t.Entra {
		o, ok := t.oktaOf(i)
		if !ok {
			continue // identity.entra-without-okta's
		}
		compared++
		var why string
		switch {
		case e.ImmutableID == "" && o.ImmutableID == "":
			why = "blank in both Okta and Entra ID"
		case e.ImmutableID == "":
			why = "blank in Entra ID (onPremisesImmutableId), " + o.ImmutableID + " in Okta: the sign-in finds no account (AADSTS51004)"
		case o.ImmutableID == "":
			why = "blank in Okta (the app user's immutableId), " + e.ImmutableID + " in Entra ID: Okta sends no anchor"
		case o.ImmutableID != e.ImmutableID:
			why = "Okta sends " + o.ImmutableID + ", Entra ID holds " + e.ImmutableID + ": the sign-in finds no account (AADSTS51004)"
		case !t.entraShared[e.ImmutableID] && !t.oktaShared[e.ImmutableID]:
			continue
		case t.entraAnchors[e.ImmutableID].n > 1:
			why = fmt.Sprintf("%s is held by %d Entra ID users: the sign-in may land on another one", e.ImmutableID, t.entraAnchors[e.ImmutableID].n)
		case t.oktaAnchors[o.ImmutableID] > 1:
			why = fmt.Sprintf("Okta sends %s for %d app users: they all sign in as one Entra ID user", o.ImmutableID, t.oktaAnchors[o.ImmutableID])
		default:
			continue
		}
		bad++
		obj := tenantUser(e)
		pass.Report(Finding{Object: obj, Status: StatusFail, Message: e.UPN + ": immutableID " + why,
			Evidence: []Evidence{Compare("immutableID",
				Read{System: "okta", Object: obj, Field: "profile.immutableId", Value: o.ImmutableID, Source: srcTenantOkta, Personal: true},
				Read{System: "entra", Object: obj, Field: "onPremisesImmutableId", Value: e.ImmutableID, Source: srcTenantEntra, Personal: true})}})
	}
	return conclude(pass, bad, fmt.Sprintf("the %d users of %s on both sides have one immutableID, equal in Okta and Entra ID", compared, domain),
		"%d of %d users of %s have an immutableID that is blank, different or shared: their federated sign-in fails", bad, compared, domain)
}

// TenantOktaStatus: every assigned Okta user can sign in.
var TenantOktaStatus = tenantCheck("identity.tenant-okta-status", "Every Okta user assigned the Office 365 app can sign in", AreaIdentity, High, []string{"https://developer.okta.com/docs/api/openapi/okta-management/management/tag/User/"}, runTenantOktaStatus,
	`identity.okta-user for the whole domain: every Okta user assigned the Office
365 app (the listing embeds each Okta user) whose status is not ACTIVE cannot
sign in to Microsoft 365 once the domain is federated: STAGED and PROVISIONED
users were never activated, LOCKED_OUT, SUSPENDED and DEPROVISIONED ones are
blocked (fail); RECOVERY and PASSWORD_EXPIRED must act at Okta first (warn).
Fix: o365doctor fix identity.okta-user --user UPN (activate, unlock,
unsuspend), user by user.`)

func runTenantOktaStatus(ctx context.Context, pass *Pass) error {
	t, err := tenantOf(ctx, pass)
	if err != nil {
		return err
	}
	domain := pass.Subject.Domain
	var bad []int // app users who cannot sign in, reported by name
	unknown := 0
	for i, o := range t.Okta {
		if o.UserStatus == "" {
			unknown++
			continue
		}
		if status, _, ok := oktaStatusMeaning(o.UserStatus); !ok || status != StatusPass {
			bad = append(bad, i)
		}
	}
	t.byName(bad)
	for _, k := range bad {
		o := t.Okta[k]
		status, meaning, ok := oktaStatusMeaning(o.UserStatus)
		if !ok {
			status, meaning = StatusWarn, fmt.Sprintf("status %q, which o365doctor does not know", o.UserStatus)
		}
		obj := Object{Kind: ObjUser, ID: o.UserID, Name: o.UserName}
		pass.Report(Finding{Object: obj, Status: status, Message: "Okta user " + o.UserName + " is " + meaning,
			Evidence: []Evidence{Value{Read{System: "okta", Object: obj, Field: "status", Value: o.UserStatus, Source: srcTenantOkta}}}})
	}
	all := len(t.Okta)
	switch {
	case unknown == all && all > 0:
		return Skip("the app-user listing did not embed the Okta users (expand=user): their status is unknown")
	case len(bad) == 0:
		tenantPass(pass, domain, fmt.Sprintf("all %d Okta users assigned %s are active", all-unknown, t.App.Label))
	default:
		pass.Summarize("%d of %d Okta users assigned %s cannot sign in as they are", len(bad), all, t.App.Label)
	}
	return nil
}

// TenantUsername: the UPN Okta sends is an Entra user's.
var TenantUsername = tenantCheck("identity.tenant-username", "The UPN Okta sends for each app user is an Entra ID user's", AreaIdentity, High, []string{"https://help.okta.com/en-us/content/topics/apps/office365/office365-provisioning.htm"}, runTenantUsername,
	`Okta sends the app user's username (credentials.userName) as the UPN. An app
user of the domain's app whose username is no Entra ID user's UPN cannot sign
in; when its immutableId is an Entra user's, that user's UPN is named (the
username template or a rename left them apart). Usernames in another domain are
left out. Not a one-key fix: changing the app username makes Okta deprovision
and re-create the user in Microsoft 365.
Fix: make the Okta username (or the app's username template) produce the Entra
UPN, or rename the Entra user.`)

func runTenantUsername(ctx context.Context, pass *Pass) error {
	t, err := tenantOf(ctx, pass)
	if err != nil {
		return err
	}
	domain := pass.Subject.Domain
	j := t.join()
	var bad []int // app users of the domain no Entra user matches, reported by name
	inDomain := 0
	for i, o := range t.Okta {
		if !strings.EqualFold(model.DomainOf(o.UserName), domain) {
			continue
		}
		inDomain++
		if j.oktaEntra[i] < 0 {
			bad = append(bad, i)
		}
	}
	t.byName(bad)
	for _, k := range bad {
		o := t.Okta[k]
		obj := Object{Kind: ObjUser, ID: o.UserID, Name: o.UserName}
		msg := "Okta sends " + o.UserName + ", which is no Entra ID user's UPN: the sign-in fails"
		if h, ok := t.entraAnchors[o.ImmutableID]; ok && o.ImmutableID != "" {
			upn := t.Entra[h.last].UPN
			msg += "; its immutableID is " + upn + "'s: make the Okta username " + upn + " (not by o365doctor: a username change makes Okta re-create the user)"
		}
		pass.Report(Finding{Object: obj, Status: StatusFail, Message: msg,
			Evidence: []Evidence{Value{Read{System: "okta", Object: obj, Field: "credentials.userName", Value: o.UserName, Source: srcTenantOkta, Personal: true}}}})
	}
	return conclude(pass, len(bad), fmt.Sprintf("the %d app users of %s each send an Entra ID user's UPN", inDomain, domain),
		"%d of %d app users of %s send a UPN no Entra ID user has", len(bad), inDomain, domain)
}

// TenantUsageLocation: every licensed user has a usage location.
var TenantUsageLocation = tenantCheck("license.tenant-usage-location", "Every licensed user of the domain has a usage location", AreaLicense, High, []string{"https://learn.microsoft.com/graph/api/user-assignlicense"}, runTenantUsageLocation,
	`license.usage-location for the whole domain: an Entra ID user who holds a
license, or whom Okta assigns one, and has no usageLocation cannot be given it
("License assignment cannot be done for user with invalid usage location.").
Fix: o365doctor fix license.usage-location --user UPN [--usage-location XX],
or make Okta push usageLocation.`)

func runTenantUsageLocation(ctx context.Context, pass *Pass) error {
	t, err := tenantOf(ctx, pass)
	if err != nil {
		return err
	}
	domain := pass.Subject.Domain
	bad, licensed := 0, 0
	for i, e := range t.Entra {
		o, inOkta := t.oktaOf(i)
		if !e.Licensed && !(inOkta && len(o.Licenses) > 0) {
			continue
		}
		licensed++
		if strings.TrimSpace(e.UsageLocation) != "" {
			continue
		}
		bad++
		obj := tenantUser(e)
		msg := e.UPN + " has a license (or Okta assigns one) and no usageLocation in Entra ID: the assignment is refused"
		if code := strings.ToUpper(strings.TrimSpace(o.UsageLocation)); inOkta && isCountryCode(code) {
			msg += "; Okta's profile holds " + code
		}
		pass.Report(Finding{Object: obj, Status: StatusFail, Message: msg,
			Evidence: []Evidence{Value{Read{System: "entra", Object: obj, Field: "usageLocation", Value: "", Source: srcTenantEntra}}}})
	}
	return conclude(pass, bad, fmt.Sprintf("all %d licensed users of %s have a usage location", licensed, domain),
		"%d of %d licensed users of %s have no usage location: their licenses cannot be assigned", bad, licensed, domain)
}

// TenantWipeRisk: Okta's next push keeps every user's licenses.
var TenantWipeRisk = tenantCheck("license.tenant-wipe-risk", "Okta's next push keeps every user's licenses", AreaLicense, Critical, []string{"https://support.okta.com/help/s/article/Office-365-Roles-and-Licenses-Are-Removed-by-Okta"}, runTenantWipeRisk,
	`license.wipe-risk for the whole domain: when Okta manages licenses (it pushes
new users or profile updates), an app user whose licenses attribute is empty
while Entra ID assigns the user licenses directly loses them at the next push
(mailbox, Teams and Office apps with them). Licenses an Entra group assigns are
not Okta's and are left out.
Fix: o365doctor fix license.wipe-risk --user UPN (adds Entra's licenses to the
Okta assignment), or set them on the group that assigns the app.`)

func runTenantWipeRisk(ctx context.Context, pass *Pass) error {
	t, err := tenantOf(ctx, pass)
	if err != nil {
		return err
	}
	domain := pass.Subject.Domain
	if !oktaManagesLicenses(t.App) {
		tenantPass(pass, domain, t.App.Label+" does not push users or profiles to Microsoft: Okta does not manage licenses")
		return nil
	}
	idx := newSKUIndex(nil)
	bad, checked := 0, 0
	for i, e := range t.Entra {
		o, ok := t.oktaOf(i)
		if !ok || len(e.Direct) == 0 {
			continue
		}
		checked++
		if len(o.Licenses) > 0 {
			continue
		}
		bad++
		obj := tenantUser(e)
		var names []skuRef
		for _, id := range e.Direct {
			names = append(names, idx.byIDRef(id))
		}
		pass.Report(Finding{Object: obj, Status: StatusFail,
			Message:  e.UPN + "'s Okta app user has no licenses, while Entra ID gives them " + labels(names) + ": Okta's next push removes them",
			Evidence: []Evidence{Value{Read{System: "okta", Object: obj, Field: "profile.licenses", Value: "(none)", Source: srcTenantOkta}}}})
	}
	return conclude(pass, bad, fmt.Sprintf("Okta's assignment lists licenses for all %d users of %s whom Entra ID licenses directly", checked, domain),
		"%d of %d directly licensed users of %s would lose their licenses at Okta's next push", bad, checked, domain)
}

// listKey is a list of values as one map key (most lists hold one value:
// that value, nothing built).
func listKey(values []string) string {
	if len(values) == 1 {
		return values[0]
	}
	return strings.Join(values, "\x00")
}

// TenantSKUCapacity: the SKUs have the seats Okta's assignments need.
var TenantSKUCapacity = &Check{
	ID: "license.tenant-sku-capacity", Title: "The SKUs have the seats Okta's assignments need, domain-wide",
	Area: AreaLicense, Scope: ScopeTenant, Severity: High, Needs: []Source{Okta, Graph},
	Permissions: []Permission{{Source: Okta, Name: "okta.apps.read"}, {Source: Graph, Name: "User.Read.All"}, {Source: Graph, Name: "Organization.Read.All"}},
	Requires:    []FactRef{TenantFact, SubscribedSkusFact},
	Doc: `license.sku-capacity for the whole domain: the licenses Okta lists on app users
that Entra ID does not hold yet (or holds refused for want of a seat,
CountViolation) are counted per SKU and set against the SKU's free seats
(subscribedSkus: prepaidUnits.enabled − consumedUnits). When more users need a
SKU than it has free seats, Microsoft refuses the assignment for the rest
("Subscription ... does not have any available licenses"): every one of them is
listed, as which ones get a seat depends on the order Okta pushes them. A SKU
the tenant has no subscription for fails too.
Fix: free seats (remove licenses from users who left) or buy more before Okta
pushes, or change the licenses on the Okta assignments.`,
	References: []string{"https://learn.microsoft.com/graph/api/resources/subscribedsku"},
	Run:        withAge(runTenantSKUCapacity),
}

func runTenantSKUCapacity(ctx context.Context, pass *Pass) error {
	t, err := tenantOf(ctx, pass)
	if err != nil {
		return err
	}
	skus, err := SubscribedSkusFact.Get(ctx, pass.Facts)
	if err != nil {
		return err
	}
	idx := newSKUIndex(skus)
	type need struct {
		ref   skuRef
		users []TenantEntra
	}
	needs := map[string]*need{}
	var order []string
	// Most users share a few licenses: what a user lacks is worked out
	// once for each pair of Okta's licenses and Entra's held ones.
	type pair struct{ want, held string }
	lacks := map[pair][]skuRef{}
	heldKeys := map[string]string{}
	lacking := func(want []string, held []string) []skuRef {
		var out []skuRef
		for _, r := range idx.oktaLicenses(want) {
			has := false
			for _, id := range held {
				k, ok := heldKeys[id]
				if !ok {
					k = idx.byIDRef(id).key()
					heldKeys[id] = k
				}
				has = has || k == r.key()
			}
			if !has {
				out = append(out, r)
			}
		}
		return out
	}
	j := t.join()
	for i := range t.Entra {
		e := &t.Entra[i]
		if j.entraOkta[i] < 0 {
			continue
		}
		o := &t.Okta[j.entraOkta[i]]
		if len(o.Licenses) == 0 {
			continue
		}
		key := pair{listKey(o.Licenses), listKey(e.Held)}
		lack, ok := lacks[key]
		if !ok {
			lack = lacking(o.Licenses, e.Held)
			lacks[key] = lack
		}
		for _, r := range lack {
			n := needs[r.key()]
			if n == nil {
				n = &need{ref: r}
				needs[r.key()] = n
				order = append(order, r.key())
			}
			n.users = append(n.users, *e)
		}
	}
	bad, wanted := 0, 0
	for _, key := range order {
		n := needs[key]
		wanted += len(n.users)
		k, subscribed := idx.byPart[n.ref.Part]
		free := 0
		why := ""
		switch {
		case !subscribed:
			why = "the tenant has no subscription for it"
		case k.Free() < len(n.users):
			free = max(k.Free(), 0)
			why = fmt.Sprintf("%d of its %d seats are free", free, k.Enabled)
		default:
			continue
		}
		for _, e := range n.users {
			bad++
			obj := tenantUser(e)
			pass.Report(Finding{Object: obj, Status: StatusFail,
				Message: fmt.Sprintf("Okta assigns %s %s, which %d user(s) of %s need and %s: the assignment may be refused", e.UPN, n.ref.Label, len(n.users), pass.Subject.Domain, why),
				Evidence: []Evidence{Value{Read{System: "entra", Object: skuObject(n.ref), Field: "prepaidUnits.enabled − consumedUnits",
					Value: fmt.Sprint(free), Source: "GET /subscribedSkus"}}}})
		}
	}
	return conclude(pass, bad, fmt.Sprintf("the %d license(s) Okta assigns and Entra ID does not hold yet fit the free seats", wanted),
		"%d user(s) of %s need a license seat no SKU has free", bad, pass.Subject.Domain)
}
