package okta_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/o365doctor/o365doctor/internal/config"
	"github.com/o365doctor/o365doctor/internal/lab/labtest"
	"github.com/o365doctor/o365doctor/internal/model"
	"github.com/o365doctor/o365doctor/internal/source/okta"
)

func TestClientAgainstLab(t *testing.T) {
	t.Parallel()
	l := labtest.Start(t, "immutableid-mismatch")
	ctx := context.Background()
	c, err := okta.New(ctx, l.Settings())
	if err != nil {
		t.Fatal(err)
	}
	u, err := c.User(ctx, "Alice@Contoso.com")
	if err != nil {
		t.Fatal(err)
	}
	if u.ID == "" || u.Status != model.OktaActive || u.Login != "alice@contoso.com" || u.LastLogin.IsZero() {
		t.Fatalf("user = %+v", u)
	}
	if _, err := c.User(ctx, "nobody@contoso.com"); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("missing user: err = %v, want ErrNotFound", err)
	}
	apps, err := c.Office365Apps(ctx)
	if err != nil || len(apps) != 1 {
		t.Fatalf("apps = %+v, %v", apps, err)
	}
	app := apps[0]
	if app.Domain() != "contoso.com" || app.SignOnMode != "SAML_1_1" || app.Status != "ACTIVE" || app.UserNameTemplate == "" {
		t.Fatalf("app = %+v", app)
	}
	au, err := c.AppUser(ctx, app.ID, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if au.ImmutableID() != "BNt9M4fu8Ek8RSuc9LAS2g==" || au.UserName != "alice@contoso.com" || au.Scope != "USER" {
		t.Fatalf("app user = %+v", au)
	}
	got, err := c.SetAppUserProfile(ctx, app.ID, u.ID, map[string]any{"immutableId": "new=="})
	if err != nil {
		t.Fatal(err)
	}
	if got.ImmutableID() != "new==" || got.Profile["usageLocation"] != "US" {
		t.Fatalf("after update: %+v", got.Profile)
	}
	again, err := c.AppUser(ctx, app.ID, u.ID)
	if err != nil || again.ImmutableID() != "new==" {
		t.Fatalf("re-read after update: %+v %v (the SDK cache must be off)", again.Profile, err)
	}
}

func TestBadTokenIsOneLineError(t *testing.T) {
	t.Parallel()
	l := labtest.Start(t, "healthy")
	bad := l.Settings()
	bad.OktaToken = config.NewSecret("00wrongwrongwrong")
	c, err := okta.New(context.Background(), bad)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.User(context.Background(), "alice@contoso.com")
	if err == nil || !strings.Contains(err.Error(), "E0000011") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("err = %v", err)
	}
}
