package graph_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/o365doctor/o365doctor/internal/config"
	"github.com/o365doctor/o365doctor/internal/lab/labtest"
	"github.com/o365doctor/o365doctor/internal/model"
	"github.com/o365doctor/o365doctor/internal/source/graph"
)

func TestUserThroughRealSDK(t *testing.T) {
	// Isolate MSAL from a region override in the developer's environment.
	t.Setenv("AZURE_REGIONAL_AUTHORITY_NAME", "")
	t.Setenv("MSAL_FORCE_REGION", "")
	l := labtest.Start(t, "immutableid-mismatch")
	c, err := graph.New(l.Settings())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	u, err := c.User(ctx, "alice@contoso.com")
	if err != nil {
		t.Fatal(err)
	}
	if u.ID == "" || u.UserPrincipalName != "alice@contoso.com" || u.OnPremisesImmutableID != "suKEY0sY9cuOzPEMp6ZWPA==" ||
		u.AccountEnabled == nil || !*u.AccountEnabled || u.UsageLocation != "US" {
		t.Fatalf("user = %+v", u)
	}
	if _, err := c.User(ctx, "nobody@contoso.com"); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("missing user: %v, want ErrNotFound", err)
	}
}

func TestWrongSecretIsOneMaskedLine(t *testing.T) {
	t.Setenv("AZURE_REGIONAL_AUTHORITY_NAME", "")
	t.Setenv("MSAL_FORCE_REGION", "")
	l := labtest.Start(t, "healthy")
	s := l.Settings()
	s.ClientSecret = config.NewSecret("wrong-secret-" + "value")
	c, err := graph.New(s)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.User(context.Background(), "alice@contoso.com")
	if err == nil {
		t.Fatal("no error with a wrong client secret")
	}
	msg := err.Error()
	if strings.Contains(msg, "\n") || !strings.Contains(msg, "AADSTS7000215") || strings.Contains(msg, "wrong-secret-value") || strings.Contains(msg, l.ClientSecret) {
		t.Fatalf("error = %q", msg)
	}
}
