package checks_test

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/o365doctor/o365doctor/internal/checks"
	"github.com/o365doctor/o365doctor/internal/model"
)

func TestRegistryIsValid(t *testing.T) {
	if err := checks.Validate(checks.All()); err != nil {
		t.Fatal(err)
	}
}

func TestValidateCatchesBadChecks(t *testing.T) {
	run := func(context.Context, *checks.Pass) error { return nil }
	good := &checks.Check{ID: "identity.a", Title: "t", Area: checks.AreaIdentity, Scope: checks.ScopeUser, Severity: checks.Low, Doc: "d", Run: run}
	bad := func(edit func(c *checks.Check)) []*checks.Check {
		c := *good
		edit(&c)
		return []*checks.Check{&c}
	}
	cases := map[string][]*checks.Check{
		"duplicate":        {good, good},
		"bad id":           bad(func(c *checks.Check) { c.ID = "Identity A" }),
		"wrong area":       bad(func(c *checks.Check) { c.ID = "dns.a" }),
		"undeclared area":  bad(func(c *checks.Check) { c.ID, c.Area = "idnetity.a", "idnetity" }),
		"no doc":           bad(func(c *checks.Check) { c.Doc = " " }),
		"nil run":          bad(func(c *checks.Check) { c.Run = nil }),
		"bad scope":        bad(func(c *checks.Check) { c.Scope = "org" }),
		"unknown source":   bad(func(c *checks.Check) { c.Needs = []checks.Source{"ldap"} }),
		"nil fact":         bad(func(c *checks.Check) { c.Requires = []checks.FactRef{nil} }),
		"unknown severity": bad(func(c *checks.Check) { c.Severity = "dire" }),
	}
	if err := checks.Validate([]*checks.Check{good}); err != nil {
		t.Fatalf("the good check is refused: %v", err)
	}
	for name, list := range cases {
		if err := checks.Validate(list); err == nil {
			t.Errorf("%s: Validate accepted it", name)
		}
	}
}

func TestPanicAndTimeoutBecomeErrors(t *testing.T) {
	panicky := &checks.Check{ID: "identity.panics", Title: "t", Area: checks.AreaIdentity, Scope: checks.ScopeUser, Severity: checks.Low, Doc: "d",
		Run: func(context.Context, *checks.Pass) error { panic("boom") }}
	slow := &checks.Check{ID: "identity.slow", Title: "t", Area: checks.AreaIdentity, Scope: checks.ScopeUser, Severity: checks.Low, Doc: "d",
		Run: func(ctx context.Context, _ *checks.Pass) error {
			<-ctx.Done()
			return ctx.Err()
		}}
	rs := checks.Run(context.Background(), []*checks.Check{panicky, slow}, checks.UserSubject("alice@contoso.com"), checks.Sources{},
		checks.RunOptions{CheckTimeout: 20 * time.Millisecond}, nil)
	if rs[0].Status != checks.StatusError || !strings.Contains(rs[0].Message, "boom") {
		t.Errorf("panic: %+v", rs[0])
	}
	if rs[1].Status != checks.StatusError || !strings.Contains(rs[1].Message, "timed out") || rs[1].Interrupted {
		t.Errorf("timeout: %+v", rs[1])
	}
}

// A check reports findings about several objects, each with its own status
// and evidence; the check's status is the worst of them.
func TestOneCheckThreeFindingsAboutThreeObjects(t *testing.T) {
	users := []struct {
		upn    string
		status checks.Status
	}{{"alice@contoso.com", checks.StatusPass}, {"bob@contoso.com", checks.StatusWarn}, {"carol@contoso.com", checks.StatusFail}}
	c := &checks.Check{ID: "identity.three", Title: "t", Area: checks.AreaIdentity, Scope: checks.ScopeTenant, Severity: checks.High, Doc: "d",
		Run: func(_ context.Context, p *checks.Pass) error {
			for _, u := range users {
				obj := checks.Object{Kind: checks.ObjUser, ID: "id-" + u.upn, Name: u.upn}
				p.Report(checks.Finding{Object: obj, Status: u.status, Message: u.upn + " is " + string(u.status),
					Evidence: []checks.Evidence{checks.Value{Read: checks.Read{System: "okta", Object: obj, Field: "login", Value: u.upn, Personal: true}}}})
			}
			return nil
		}}
	r := checks.Run(context.Background(), []*checks.Check{c}, checks.TenantSubject("contoso.com"), checks.Sources{}, checks.RunOptions{}, nil)[0]
	if r.Status != checks.StatusFail || len(r.Findings) != 3 || r.Message != "carol@contoso.com is fail" {
		t.Fatalf("result = %s %q with %d findings", r.Status, r.Message, len(r.Findings))
	}
	for i, f := range r.Findings {
		v := f.Evidence[0].(checks.Value)
		if f.Status != users[i].status || f.Object.Name != users[i].upn || v.Value != users[i].upn {
			t.Errorf("finding %d = %+v", i, f)
		}
	}
	// A check that reports nothing passes.
	quiet := &checks.Check{ID: "identity.quiet", Title: "t", Area: checks.AreaIdentity, Scope: checks.ScopeUser, Severity: checks.Low, Doc: "d",
		Run: func(context.Context, *checks.Pass) error { return nil }}
	partial := &checks.Check{ID: "identity.partial", Title: "t", Area: checks.AreaIdentity, Scope: checks.ScopeUser, Severity: checks.Low, Doc: "d",
		Run: func(_ context.Context, p *checks.Pass) error {
			p.Report(checks.Finding{Status: checks.StatusFail, Message: "one bad"})
			return errors.New("page 3: HTTP 500")
		}}
	rs := checks.Run(context.Background(), []*checks.Check{quiet, partial}, checks.UserSubject("a@b.c"), checks.Sources{}, checks.RunOptions{}, nil)
	if rs[0].Status != checks.StatusPass || rs[0].Message == "" {
		t.Errorf("quiet = %s %q", rs[0].Status, rs[0].Message)
	}
	// A check that stops part-way is an error (its list is not the whole
	// list), with what it found kept and counted in the message.
	if rs[1].Status != checks.StatusError || len(rs[1].Findings) != 1 || !strings.Contains(rs[1].Message, "after 1 finding(s): page 3: HTTP 500") {
		t.Errorf("partial = %s %q %+v", rs[1].Status, rs[1].Message, rs[1].Findings)
	}
}

func TestSelect(t *testing.T) {
	all := checks.All()
	got, err := checks.Select(all, nil, []string{"identity.okta-user"}, nil)
	if err != nil || len(got) != 1 || got[0].ID != "identity.okta-user" {
		t.Fatalf("only: %v %v", got, err)
	}
	got, err = checks.Select(all, nil, nil, []string{"identity"})
	for _, c := range got {
		if c.Area == checks.AreaIdentity {
			t.Fatalf("skip area kept %s", c.ID)
		}
	}
	if err != nil || len(got) == 0 {
		t.Fatalf("skip area: %v %v", got, err)
	}
	if _, err := checks.Select(all, nil, []string{"identity.nope"}, nil); err == nil {
		t.Fatal("unknown ID accepted")
	}
}

// fakeOkta stands for adapters in the tests of the facts layer; every
// method not overridden panics (nil embedded interface).
type fakeOkta struct {
	checks.OktaAPI
	user    func(ctx context.Context, login string) (model.OktaUser, error)
	apps    func(ctx context.Context) ([]model.OktaApp, error)
	domains func(ctx context.Context) ([]model.OktaDomain, error)
}

func (f fakeOkta) User(ctx context.Context, login string) (model.OktaUser, error) {
	return f.user(ctx, login)
}

func (f fakeOkta) Office365Apps(ctx context.Context) ([]model.OktaApp, error) { return f.apps(ctx) }

type fakeGraph struct {
	checks.GraphAPI
	user func(ctx context.Context, upn string) (model.EntraUser, error)
}

func (f fakeGraph) User(ctx context.Context, upn string) (model.EntraUser, error) {
	return f.user(ctx, upn)
}

func TestPanickingSourceIsAnErrorNotACrash(t *testing.T) {
	okta := fakeOkta{user: func(context.Context, string) (model.OktaUser, error) { panic("nil profile") }}
	rs := checks.Run(context.Background(), []*checks.Check{checks.OktaUserStatus, checks.O365Assignment, checks.ImmutableIDMatch}, checks.UserSubject("alice@contoso.com"),
		checks.Sources{Okta: okta, Missing: map[checks.Source]string{checks.Graph: "no graph"}}, checks.RunOptions{}, nil)
	for _, r := range rs[:2] {
		if r.Status != checks.StatusError || !strings.Contains(r.Message, "internal error") {
			t.Errorf("%s = %s %q", r.CheckID, r.Status, r.Message)
		}
	}
}

// Review A3: cancelling the run reaches the adapter at once; it used to run
// on, detached, until the load timeout.
func TestCancelReachesTheAdapter(t *testing.T) {
	ended := make(chan time.Duration, 1)
	start := time.Now()
	okta := fakeOkta{user: func(ctx context.Context, _ string) (model.OktaUser, error) {
		<-ctx.Done()
		ended <- time.Since(start)
		return model.OktaUser{}, ctx.Err()
	}}
	ctx, cancel := context.WithCancel(context.Background())
	started := make(chan struct{})
	go func() {
		<-started
		cancel()
	}()
	c := &checks.Check{ID: "identity.waits", Title: "t", Area: checks.AreaIdentity, Scope: checks.ScopeUser, Severity: checks.Low, Doc: "d",
		Needs: []checks.Source{checks.Okta},
		Run: func(ctx context.Context, p *checks.Pass) error {
			close(started)
			_, err := checks.OktaUserFact.Get(ctx, p.Facts)
			return err
		}}
	r := checks.Run(ctx, []*checks.Check{c}, checks.UserSubject("alice@contoso.com"), checks.Sources{Okta: okta},
		checks.RunOptions{LoadTimeout: 5 * time.Second}, nil)[0]
	select {
	case d := <-ended:
		if d > time.Second {
			t.Errorf("adapter kept running %v after the run was cancelled", d)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("the adapter never saw the cancellation")
	}
	if !r.Interrupted || r.Status != checks.StatusError {
		t.Errorf("result = %+v, want interrupted", r)
	}
}

// One check's own deadline does not poison the fact for the others: the
// load goes on under the run's context.
func TestACheckDeadlineDoesNotCancelTheSharedLoad(t *testing.T) {
	release := make(chan struct{})
	okta := fakeOkta{user: func(ctx context.Context, login string) (model.OktaUser, error) {
		select {
		case <-release:
			return model.OktaUser{ID: "00u1", Login: login, Status: model.OktaActive}, nil
		case <-ctx.Done():
			return model.OktaUser{}, ctx.Err()
		}
	}}
	facts := checks.NewFacts(context.Background(), checks.UserSubject("alice@contoso.com"), checks.Sources{Okta: okta}, 5*time.Second)
	short, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if _, err := checks.OktaUserFact.Get(short, facts); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("short wait: %v", err)
	}
	close(release)
	u, err := checks.OktaUserFact.Get(context.Background(), facts)
	if err != nil || u.ID != "00u1" {
		t.Fatalf("the load was poisoned: %+v %v", u, err)
	}
}

// Two facts may share a name and differ in type: the key is the fact.
func TestFactKeysCannotCollide(t *testing.T) {
	a := &checks.Fact[int]{Name: "same", Load: func(context.Context, *checks.Facts) (int, error) { return 7, nil }}
	b := &checks.Fact[string]{Name: "same", Load: func(context.Context, *checks.Facts) (string, error) { return "seven", nil }}
	facts := checks.NewFacts(context.Background(), checks.UserSubject("a@b.c"), checks.Sources{}, time.Second)
	n, err1 := a.Get(context.Background(), facts)
	s, err2 := b.Get(context.Background(), facts)
	if n != 7 || s != "seven" || err1 != nil || err2 != nil {
		t.Fatalf("got %d %q %v %v", n, s, err1, err2)
	}
}

// The runner starts every fact a check requires before any check runs:
// the Okta user, the apps and the Entra user are all being loaded before
// any of them answers, so immutableid-match waits for the longest chain,
// not for the sum.
func TestRequiredFactsStartAtOnce(t *testing.T) {
	var mu sync.Mutex
	startedLoads := map[string]bool{}
	all := make(chan struct{})
	mark := func(name string) {
		mu.Lock()
		defer mu.Unlock()
		startedLoads[name] = true
		if len(startedLoads) == 3 {
			close(all)
		}
	}
	wait := func(ctx context.Context) error {
		select {
		case <-all:
			return nil
		case <-ctx.Done():
			return fmt.Errorf("not every load started: %v", startedLoads)
		}
	}
	okta := fakeOkta{
		user: func(ctx context.Context, login string) (model.OktaUser, error) {
			mark("okta user")
			return model.OktaUser{ID: "00u1", Login: login, Status: model.OktaActive}, wait(ctx)
		},
		apps: func(ctx context.Context) ([]model.OktaApp, error) {
			mark("apps")
			return nil, wait(ctx)
		},
	}
	graph := fakeGraph{user: func(ctx context.Context, upn string) (model.EntraUser, error) {
		mark("entra user")
		return model.EntraUser{ID: "e1", UserPrincipalName: upn}, wait(ctx)
	}}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	rs := checks.Run(ctx, []*checks.Check{checks.ImmutableIDMatch}, checks.UserSubject("alice@contoso.com"), checks.Sources{Okta: okta, Graph: graph}, checks.RunOptions{}, nil)
	// No app in the org: the check skips, but only after all three loads
	// were under way at the same time.
	if rs[0].Status != checks.StatusSkipped {
		t.Fatalf("immutableid-match = %s %q", rs[0].Status, rs[0].Message)
	}
}

func (f fakeOkta) AppUserPages(context.Context, string) iter.Seq2[[]model.AppUser, error] {
	return func(yield func([]model.AppUser, error) bool) {
		yield([]model.AppUser{{UserID: "00u1", UserName: "a@contoso.com"}}, nil)
	}
}

func (f fakeGraph) UserPages(context.Context, string) iter.Seq2[[]model.EntraUser, error] {
	return func(yield func([]model.EntraUser, error) bool) {
		if !yield([]model.EntraUser{{ID: "1", UserPrincipalName: "a@contoso.com"}, {ID: "2", UserPrincipalName: "b@contoso.com"}}, nil) {
			return
		}
		yield(nil, errors.New("graph: list users: HTTP 500"))
	}
}

// A tenant-wide check cut off by a failing page is not a complete list of
// locked-out users: it is an error naming the failure, with no list that
// would pass for a whole one.
func TestATenantCheckCutOffByAPageErrorIsAnError(t *testing.T) {
	okta := fakeOkta{apps: func(context.Context) ([]model.OktaApp, error) {
		return []model.OktaApp{{ID: "0oa1", Status: "ACTIVE", Settings: map[string]any{"domain": "contoso.com"}}}, nil
	}}
	r := checks.Run(context.Background(), []*checks.Check{checks.EntraUsersWithoutOkta}, checks.TenantSubject("contoso.com"),
		checks.Sources{Okta: okta, Graph: fakeGraph{}}, checks.RunOptions{}, nil)[0]
	if r.Status != checks.StatusError || len(r.Findings) != 0 || !strings.Contains(r.Message, "HTTP 500") {
		t.Fatalf("result = %s %q %+v", r.Status, r.Message, r.Findings)
	}
}

func (f fakeOkta) CustomDomains(ctx context.Context) ([]model.OktaDomain, error) {
	if f.domains == nil {
		return nil, nil
	}
	return f.domains(ctx)
}

func TestOneActiveApp(t *testing.T) {
	app := func(id, status, mode string, settings map[string]any) model.OktaApp {
		return model.OktaApp{ID: id, Label: "O365 " + id, Status: status, SignOnMode: mode, Settings: settings}
	}
	contoso := map[string]any{"domain": "contoso.com"}
	viaList := map[string]any{"domain": "fabrikam.com", "domains": []any{map[string]any{"name": "contoso.com"}}}
	for name, tc := range map[string]struct {
		apps []model.OktaApp
		want checks.Status
		says string
	}{
		"one":                    {[]model.OktaApp{app("0oa1", "ACTIVE", model.SignOnWSFed, contoso)}, checks.StatusPass, "the one active"},
		"one through domains[]":  {[]model.OktaApp{app("0oa1", "ACTIVE", model.SignOnWSFed, viaList)}, checks.StatusPass, "the one active"},
		"only an inactive one":   {[]model.OktaApp{app("0oa1", "INACTIVE", model.SignOnWSFed, contoso)}, checks.StatusFail, "is INACTIVE"},
		"two active":             {[]model.OktaApp{app("0oa1", "ACTIVE", model.SignOnWSFed, contoso), app("0oa2", "ACTIVE", model.SignOnSWA, viaList)}, checks.StatusFail, "2 active"},
		"one active, one not":    {[]model.OktaApp{app("0oa1", "INACTIVE", model.SignOnWSFed, contoso), app("0oa2", "ACTIVE", model.SignOnWSFed, contoso)}, checks.StatusPass, "0oa2"},
		"none for the domain":    {[]model.OktaApp{app("0oa1", "ACTIVE", model.SignOnWSFed, map[string]any{"domain": "fabrikam.com"})}, checks.StatusFail, "no active Office 365 app"},
		"none in the org at all": {nil, checks.StatusFail, "0 Office 365 app(s)"},
	} {
		okta := fakeOkta{apps: func(context.Context) ([]model.OktaApp, error) { return tc.apps, nil }}
		r := checks.Run(context.Background(), []*checks.Check{checks.OneActiveApp}, checks.DomainSubject("contoso.com"), checks.Sources{Okta: okta}, checks.RunOptions{}, nil)[0]
		if r.Status != tc.want || !strings.Contains(r.Message, tc.says) {
			t.Errorf("%s: %s %q, want %s containing %q", name, r.Status, r.Message, tc.want, tc.says)
		}
	}
}

// federation.realm with Okta: the AuthURL's host must be the org's or one
// of its verified custom domains; a 403 on the list names the scope.
func TestRealmAgainstTheOrgsCustomDomains(t *testing.T) {
	realm := fakeRealm{model.Realm{NameSpaceType: model.NamespaceFederated,
		AuthURL: "https://login.contoso.com/app/office365/exk1/sso/wsfed/passive?username=alice%40contoso.com&wa=wsignin1.0"}}
	for name, tc := range map[string]struct {
		domains func(context.Context) ([]model.OktaDomain, error)
		want    checks.Status
		says    string
	}{
		"verified": {func(context.Context) ([]model.OktaDomain, error) {
			return []model.OktaDomain{{ID: "d", Domain: "login.contoso.com", ValidationStatus: "VERIFIED"}}, nil
		}, checks.StatusPass, "custom domain login.contoso.com"},
		"not verified": {func(context.Context) ([]model.OktaDomain, error) {
			return []model.OktaDomain{{ID: "d", Domain: "login.contoso.com", ValidationStatus: "IN_PROGRESS"}}, nil
		}, checks.StatusFail, "neither the org"},
		"none": {func(context.Context) ([]model.OktaDomain, error) { return nil, nil }, checks.StatusFail, "neither the org"},
		"403 on a list": {func(context.Context) ([]model.OktaDomain, error) {
			return nil, fmt.Errorf("okta: HTTP 403: %w", model.ErrAccessDenied)
		}, checks.StatusWarn, "grant okta.domains.read"},
	} {
		src := checks.Sources{Okta: fakeOkta{domains: tc.domains}, Realm: realm, OktaOrg: "https://contoso.okta.com"}
		r := checks.Run(context.Background(), []*checks.Check{checks.RealmToOkta}, checks.UserSubject("alice@contoso.com"), src, checks.RunOptions{}, nil)[0]
		if r.Status != tc.want || !strings.Contains(r.Message, tc.says) {
			t.Errorf("%s: %s %q, want %s containing %q", name, r.Status, r.Message, tc.want, tc.says)
		}
		for _, f := range r.Findings {
			for _, e := range f.Evidence {
				if v, ok := e.(checks.Value); ok && strings.Contains(v.Value, "alice") {
					t.Errorf("%s: evidence %s holds the login: %q", name, v.Field, v.Value)
				}
			}
		}
	}
}

type fakeRealm struct{ r model.Realm }

func (f fakeRealm) UserRealm(context.Context, string) (model.Realm, error) { return f.r, nil }
func (f fakeRealm) OpenIDConfig(context.Context, string) (model.OpenIDConfig, error) {
	return model.OpenIDConfig{}, nil
}

// With two active apps for the domain, each one's sign-on mode is judged.
func TestSignOnModeJudgesEveryActiveApp(t *testing.T) {
	apps := []model.OktaApp{
		{ID: "0oa1", Label: "A", Status: "ACTIVE", SignOnMode: model.SignOnWSFed, Settings: map[string]any{"domain": "contoso.com"}},
		{ID: "0oa2", Label: "B", Status: "ACTIVE", SignOnMode: model.SignOnSWA, Settings: map[string]any{"domain": "contoso.com"}},
		{ID: "0oa3", Label: "C", Status: "INACTIVE", SignOnMode: "AUTO_LOGIN", Settings: map[string]any{"domain": "contoso.com"}},
	}
	okta := fakeOkta{apps: func(context.Context) ([]model.OktaApp, error) { return apps, nil }}
	r := checks.Run(context.Background(), []*checks.Check{checks.SignOnModeWSFed}, checks.DomainSubject("contoso.com"), checks.Sources{Okta: okta}, checks.RunOptions{}, nil)[0]
	if r.Status != checks.StatusWarn || len(r.Findings) != 2 || r.Findings[1].Object.ID != "0oa2" || r.Findings[1].Status != checks.StatusWarn {
		t.Fatalf("result %s %q %+v", r.Status, r.Message, r.Findings)
	}
	okta = fakeOkta{apps: func(context.Context) ([]model.OktaApp, error) { return apps[2:], nil }}
	r = checks.Run(context.Background(), []*checks.Check{checks.SignOnModeWSFed}, checks.DomainSubject("contoso.com"), checks.Sources{Okta: okta}, checks.RunOptions{}, nil)[0]
	if r.Status != checks.StatusSkipped {
		t.Fatalf("only an inactive app: %s %q", r.Status, r.Message)
	}
}

func (f fakeOkta) AppUserListing(ctx context.Context, appID, _ string) iter.Seq2[model.AppUserPage, error] {
	return func(yield func(model.AppUserPage, error) bool) {
		for users, err := range f.AppUserPages(ctx, appID) {
			if !yield(model.AppUserPage{Users: users}, err) {
				return
			}
		}
	}
}

func (f fakeGraph) UserListing(ctx context.Context, domain, _ string) iter.Seq2[model.EntraUserPage, error] {
	return func(yield func(model.EntraUserPage, error) bool) {
		for users, err := range f.UserPages(ctx, domain) {
			if !yield(model.EntraUserPage{Users: users, Count: -1}, err) {
				return
			}
		}
	}
}
