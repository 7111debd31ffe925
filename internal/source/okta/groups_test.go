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

func TestGroupsAgainstLab(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	l := labtest.Start(t, "group-license-priority")
	_, oc := labtest.Sources(t, l.Settings())
	apps, err := oc.Office365Apps(ctx)
	if err != nil || len(apps) != 1 {
		t.Fatalf("apps = %+v, %v", apps, err)
	}
	groups, err := oc.AppGroups(ctx, apps[0].ID)
	if err != nil || len(groups) != 2 || groups[0].Priority != 0 || groups[1].Priority != 1 {
		t.Fatalf("app groups = %+v, %v", groups, err)
	}
	if lic, ok := groups[1].Licenses(); !ok || len(lic) != 1 || lic[0] != "ENTERPRISEPREMIUM" {
		t.Fatalf("priority 1 licenses = %v %v", lic, ok)
	}
	judy, err := oc.User(ctx, "judy@contoso.com")
	if err != nil {
		t.Fatal(err)
	}
	mine, err := oc.UserGroups(ctx, judy.ID)
	if err != nil || len(mine) != 2 {
		t.Fatalf("judy's groups = %+v, %v", mine, err)
	}
	names := []string{mine[0].Name, mine[1].Name}
	if !strings.Contains(strings.Join(names, ","), "M365-E3") || !strings.Contains(strings.Join(names, ","), "M365-E5") || mine[0].Type != "OKTA_GROUP" {
		t.Fatalf("judy's groups = %+v", mine)
	}
	for _, g := range groups {
		if g.GroupID != mine[0].ID && g.GroupID != mine[1].ID {
			t.Fatalf("app group %s is not one of judy's", g.GroupID)
		}
	}
	if _, err := oc.UserGroups(ctx, "../apps"); err == nil {
		t.Fatal("a path in a user ID was sent")
	}
}

func TestGroupsRefusedAndHostile(t *testing.T) {
	t.Parallel()
	srv := sourcetest.Start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sourcetest.JSON(w, http.StatusForbidden, map[string]any{"errorCode": "E0000006", "errorSummary": "You do not have permission to perform the requested action",
			"errorLink": "E0000006", "errorId": "oae1", "errorCauses": []any{}})
	}))
	c, _ := client(t, srv, 5*time.Second)
	_, err := c.UserGroups(context.Background(), "00u1")
	if err == nil || !strings.Contains(err.Error(), "okta.groups.read") || !errors.Is(err, model.ErrAccessDenied) {
		t.Fatalf("403 = %v", err)
	}
	_, err = c.AppGroups(context.Background(), "0oa1")
	if err == nil || !strings.Contains(err.Error(), "okta.apps.read") {
		t.Fatalf("403 = %v", err)
	}
	for name, body := range map[string]string{
		"an object":         `{"id":"00g1"}`,
		"a group, no id":    `[{"profile":{"name":"x"}}]`,
		"HTML":              `<html>PWNED</html>`,
		"null":              `null`,
		"a string priority": `[{"id":"00g1","priority":"first"}]`,
	} {
		srv := sourcetest.Start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			sourcetest.Raw(w, 200, "application/json", body)
		}))
		c, _ := client(t, srv, 5*time.Second)
		_, uerr := c.UserGroups(context.Background(), "00u1")
		_, aerr := c.AppGroups(context.Background(), "0oa1")
		for _, err := range []error{uerr, aerr} {
			if name == "a string priority" && err == uerr {
				continue // a Group has no priority: that body is a group to it
			}
			if err == nil || strings.Contains(err.Error(), "\n") {
				t.Errorf("%s: %v", name, err)
			}
		}
	}
	srv = sourcetest.Start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sourcetest.Raw(w, 200, "application/json", `[{"id":"00g1","type":"OKTA_GROUP","profile":{"name":"E3\u001b[2J\u202e"}}]`)
	}))
	c, _ = client(t, srv, 5*time.Second)
	gs, err := c.UserGroups(context.Background(), "00u1")
	if err != nil || len(gs) != 1 || strings.ContainsAny(gs[0].Name, "\x1b\u202e") {
		t.Fatalf("groups = %+v, %v", gs, err)
	}
}
