package okta_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/o365doctor/o365doctor/internal/lab/labtest"
	"github.com/o365doctor/o365doctor/internal/model"
	"github.com/o365doctor/o365doctor/internal/source/sourcetest"
)

func TestAppAccessPolicyAgainstLab(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	l := labtest.Start(t, "mfa-loop")
	_, oc := labtest.Sources(t, l.Settings())
	apps, err := oc.Office365Apps(ctx)
	if err != nil || len(apps) != 1 {
		t.Fatalf("apps = %+v, %v", apps, err)
	}
	p, ok, err := oc.AppAccessPolicy(ctx, apps[0])
	if err != nil || !ok || p.ID == "" || p.Name != "Microsoft Office 365" || len(p.Rules) != 2 {
		t.Fatalf("policy = %+v, %v, %v", p, ok, err)
	}
	first, last := p.Rules[0], p.Rules[1]
	if first.Name != "Field staff: password only" || first.FactorMode != "1FA" || first.Access != "ALLOW" || first.Priority != 1 ||
		len(first.GroupsInclude) != 1 || first.NetworkConnection != "ANYWHERE" || len(first.OtherConditions) != 0 {
		t.Fatalf("first rule = %+v", first)
	}
	if !last.System || last.Name != "Catch-all Rule" || last.FactorMode != "2FA" || last.Priority != 99 || last.GroupsInclude != nil {
		t.Fatalf("catch-all = %+v", last)
	}
	alice, err := oc.User(ctx, "alice@contoso.com")
	if err != nil {
		t.Fatal(err)
	}
	groups, err := oc.UserGroups(ctx, alice.ID)
	if err != nil || len(groups) != 1 || groups[0].ID != first.GroupsInclude[0] {
		t.Fatalf("alice's groups %+v (%v) are not the rule's %v", groups, err, first.GroupsInclude)
	}
	for _, route := range []string{"okta GET /api/v1/policies/{policyId}", "okta GET /api/v1/policies/{policyId}/rules"} {
		if n := l.Requests(route); n != 1 {
			t.Fatalf("%s asked %d times", route, n)
		}
	}
	// The listing carried the app's accessPolicy link: the app is not read again.
	if apps[0].AccessPolicyHref == "" || l.Requests("okta GET /api/v1/apps/{appId}") != 0 {
		t.Fatalf("link %q; the app read %d times", apps[0].AccessPolicyHref, l.Requests("okta GET /api/v1/apps/{appId}"))
	}
	if _, _, err := oc.AppAccessPolicy(ctx, model.OktaApp{ID: "../users"}); err == nil {
		t.Fatal("a path in an app ID was sent")
	}
}

func TestAppAccessPolicyRefusedAndHostile(t *testing.T) {
	t.Parallel()
	const app = `{"id":"0oa1","name":"office365","_links":{"accessPolicy":{"href":"https://x.okta.com/api/v1/policies/rst1"}}}`
	const policy = `{"id":"rst1","name":"O365","status":"ACTIVE","type":"ACCESS_POLICY"}`
	const catchAll = `{"id":"rul9","status":"ACTIVE","name":"Catch-all Rule","priority":99,"system":true,"conditions":null,"actions":{"appSignOn":{"access":"ALLOW","verificationMethod":{"factorMode":"2FA","type":"ASSURANCE"}}},"type":"ACCESS_POLICY"}`
	serve := func(appBody, policyBody, rulesBody string, rulesStatus int) *sourcetest.Server {
		return sourcetest.Start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			switch {
			case strings.HasSuffix(r.URL.Path, "/rules"):
				sourcetest.Raw(w, rulesStatus, "application/json", rulesBody)
			case strings.HasPrefix(r.URL.Path, "/api/v1/policies/"):
				sourcetest.Raw(w, 200, "application/json", policyBody)
			default:
				sourcetest.Raw(w, 200, "application/json", appBody)
			}
		}))
	}
	t.Run("403 names okta.policies.read", func(t *testing.T) {
		t.Parallel()
		srv := serve(app, policy, `{"errorCode":"E0000006","errorSummary":"You do not have permission to perform the requested action","errorLink":"E0000006","errorId":"oae1","errorCauses":[]}`, 403)
		c, _ := client(t, srv, 5*time.Second)
		_, _, err := c.AppAccessPolicy(context.Background(), model.OktaApp{ID: "0oa1"})
		if err == nil || !strings.Contains(err.Error(), "okta.policies.read") || !errors.Is(err, model.ErrAccessDenied) || strings.Contains(err.Error(), "\n") {
			t.Fatalf("403 = %v", err)
		}
	})
	t.Run("no link: a Classic org", func(t *testing.T) {
		t.Parallel()
		srv := serve(`{"id":"0oa1","_links":{"users":{"href":"x"}}}`, policy, "[]", 200)
		c, _ := client(t, srv, 5*time.Second)
		_, ok, err := c.AppAccessPolicy(context.Background(), model.OktaApp{ID: "0oa1"})
		if err != nil || ok || len(srv.Requests()) != 1 {
			t.Fatalf("ok %v, err %v, %d requests", ok, err, len(srv.Requests()))
		}
	})
	t.Run("the link's host is not followed", func(t *testing.T) {
		t.Parallel()
		srv := serve(app, policy, "["+catchAll+"]", 200)
		c, _ := client(t, srv, 5*time.Second)
		p, ok, err := c.AppAccessPolicy(context.Background(), model.OktaApp{ID: "0oa1"})
		if err != nil || !ok || len(p.Rules) != 1 || len(srv.Requests()) != 3 {
			t.Fatalf("policy %+v, %v, %v, %d requests", p, ok, err, len(srv.Requests()))
		}
	})
	for name, tc := range map[string]struct{ app, policy, rules, want string }{
		"link to a path":       {`{"id":"0oa1","_links":{"accessPolicy":{"href":"https://x/api/v1/policies/../users"}}}`, policy, "[]", "not a policy link"},
		"link not a URL":       {`{"id":"0oa1","_links":{"accessPolicy":{"href":"%zz"}}}`, policy, "[]", "not a URL"},
		"another policy":       {app, `{"id":"rst2","type":"ACCESS_POLICY"}`, "[]", "its id is not rst1"},
		"not an access policy": {app, `{"id":"rst1","type":"OKTA_SIGN_ON"}`, "[]", "not ACCESS_POLICY"},
		"rule without id":      {app, policy, `[{"status":"ACTIVE","priority":1,"actions":{"appSignOn":{"access":"ALLOW"}}}]`, "without id"},
		"rule without access":  {app, policy, `[{"id":"rul1","status":"ACTIVE","priority":1,"actions":{}}]`, "without actions.appSignOn.access"},
		"rule of another type": {app, policy, `[{"id":"rul1","status":"ACTIVE","priority":1,"type":"SIGN_ON","actions":{"appSignOn":{"access":"ALLOW"}}}]`, "not ACCESS_POLICY"},
		"no priority":          {app, policy, `[{"id":"rul1","status":"ACTIVE","actions":{"appSignOn":{"access":"ALLOW"}}}]`, "without priority"},
		"HTML rules":           {app, policy, `<html>PWNED</html>`, "okta: list rules of policy rst1"},
		"rules an object":      {app, policy, `{"id":"rul1"}`, "okta: list rules of policy rst1"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := serve(tc.app, tc.policy, tc.rules, 200)
			c, _ := client(t, srv, 5*time.Second)
			_, _, err := c.AppAccessPolicy(context.Background(), model.OktaApp{ID: "0oa1"})
			if err == nil || !strings.Contains(err.Error(), tc.want) || strings.ContainsAny(err.Error(), "\n\x1b") {
				t.Fatalf("err = %v; want %q", err, tc.want)
			}
		})
	}
	t.Run("control characters and conditions", func(t *testing.T) {
		t.Parallel()
		rule := `{"id":"rul1","status":"ACTIVE","name":"In office\u001b[31m\nonly","priority":1,"type":"ACCESS_POLICY",
			"conditions":{"network":{"connection":"ZONE","include":["nzo1"]},"people":{"groups":{"include":["00g1"],"exclude":[]}},
			"platform":{"include":[{"type":"DESKTOP"}],"exclude":[]},"riskScore":{"level":"ANY"},"userType":{"include":[],"exclude":[]},"device":{"registered":false}},
			"actions":{"appSignOn":{"access":"ALLOW","verificationMethod":{"factorMode":"1FA","type":"ASSURANCE"}}}}`
		srv := serve(app, policy, "["+catchAll+","+rule+"]", 200)
		c, _ := client(t, srv, 5*time.Second)
		p, _, err := c.AppAccessPolicy(context.Background(), model.OktaApp{ID: "0oa1"})
		if err != nil || len(p.Rules) != 2 {
			t.Fatalf("policy %+v, %v", p, err)
		}
		r := p.Rules[0] // sorted by priority
		if strings.ContainsAny(r.Name, "\x1b\n") || r.NetworkConnection != "ZONE" || r.NetworkInclude[0] != "nzo1" ||
			len(r.OtherConditions) != 1 || r.OtherConditions[0] != "platform" || r.FactorMode != "1FA" {
			t.Fatalf("rule = %+v", r)
		}
	})
}
