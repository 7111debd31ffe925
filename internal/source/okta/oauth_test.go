package okta_test

import (
	"context"
	"strings"
	"testing"

	"github.com/o365doctor/o365doctor/internal/config"
	"github.com/o365doctor/o365doctor/internal/lab"
	"github.com/o365doctor/o365doctor/internal/lab/labtest"
	"github.com/o365doctor/o365doctor/internal/source/okta"
)

// serviceAppSettings points a client at the lab's Okta service app, with
// no API token.
func serviceAppSettings(l *lab.Lab) config.Settings {
	s := l.Settings()
	app := l.OktaServiceApp()
	s.OktaToken = config.Secret{}
	s.OktaAuth, s.OktaClientID, s.OktaKeyID = config.OktaPrivateKey, app.ClientID, app.KeyID
	s.OktaPrivateKey = config.NewSecret(string(app.PrivateKeyPEM))
	return s
}

func TestServiceAppSignsInWithPrivateKey(t *testing.T) {
	t.Parallel()
	for _, dpop := range []bool{false, true} {
		l := labtest.StartWith(t, "immutableid-mismatch", lab.Options{OktaOAuth: &lab.OktaOAuthOptions{DPoP: dpop}})
		ctx := context.Background()
		c, err := okta.New(ctx, serviceAppSettings(l))
		if err != nil {
			t.Fatal(err)
		}
		u, err := c.User(ctx, "alice@contoso.com")
		if err != nil || u.Login != "alice@contoso.com" {
			t.Fatalf("dpop=%v: user = %+v, %v", dpop, u, err)
		}
		apps, err := c.Office365Apps(ctx)
		if err != nil || len(apps) != 1 {
			t.Fatalf("dpop=%v: apps = %v, %v", dpop, apps, err)
		}
		info, err := c.Auth(ctx)
		if err != nil {
			t.Fatal(err)
		}
		wantType, wantTokenRequests := "Bearer", 1
		if dpop {
			// none → invalid_dpop_proof, proof → use_dpop_nonce, proof+nonce → token
			wantType, wantTokenRequests = "DPoP", 3
		}
		if info.TokenType != wantType || info.Method != "private-key" || !strings.Contains(info.Identity, l.OktaServiceApp().ClientID) || info.Expires.IsZero() {
			t.Fatalf("dpop=%v: auth = %+v", dpop, info)
		}
		if n := l.Requests("okta POST /oauth2/v1/token"); n != wantTokenRequests {
			t.Fatalf("dpop=%v: %d token requests, want %d (one token for every read)", dpop, n, wantTokenRequests)
		}
		// A change asks for a second token, with the fixes' manage scopes.
		if _, err := c.SetAppUserProfile(ctx, apps[0].ID, u.ID, map[string]any{"immutableId": "x=="}); err != nil {
			t.Fatalf("dpop=%v: write: %v", dpop, err)
		}
	}
}

func TestServiceAppRefusals(t *testing.T) {
	t.Parallel()
	l := labtest.StartWith(t, "immutableid-mismatch", lab.Options{OktaOAuth: &lab.OktaOAuthOptions{DPoP: true, Scopes: []string{"okta.users.read"}}})
	ctx := context.Background()
	other := labtest.StartWith(t, "immutableid-mismatch", lab.Options{OktaOAuth: &lab.OktaOAuthOptions{}})
	cases := []struct {
		name string
		edit func(*config.Settings)
		want string
	}{
		{"another key", func(s *config.Settings) {
			s.OktaPrivateKey = config.NewSecret(string(other.OktaServiceApp().PrivateKeyPEM))
		}, "invalid_client: The client_assertion signature is invalid."},
		{"wrong key ID", func(s *config.Settings) { s.OktaKeyID = "nope" }, "The client_assertion JWT kid is invalid."},
		{"wrong client", func(s *config.Settings) { s.OktaClientID = "0oanotthisone" }, "invalid_client"},
		{"no scope granted", func(s *config.Settings) { s.OktaScopes = []string{"okta.apps.read", "okta.logs.read"} }, "invalid_scope: The following scopes are not allowed: okta.apps.read okta.logs.read."},
	}
	for _, tc := range cases {
		s := serviceAppSettings(l)
		tc.edit(&s)
		c, err := okta.New(ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.User(ctx, "alice@contoso.com")
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "BEGIN") || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: err = %v, want one line with %q", tc.name, err, tc.want)
		}
	}
	// Asked for more than granted: the token holds what is granted, and
	// the app listing is refused with Okta's 403 naming the scope.
	s := serviceAppSettings(l)
	s.OktaScopes = []string{"okta.users.read", "okta.apps.read"}
	c, err := okta.New(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.User(ctx, "alice@contoso.com"); err != nil {
		t.Fatal(err)
	}
	if info, err := c.Auth(ctx); err != nil || len(info.Scopes) != 1 || info.Scopes[0] != "okta.users.read" {
		t.Fatalf("granted = %+v, %v", info, err)
	}
	if _, err := c.Office365Apps(ctx); err == nil || !strings.Contains(err.Error(), "okta.apps.read") {
		t.Fatalf("apps without okta.apps.read: %v", err)
	}
	for _, bad := range []string{"not a key", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----", `{"kty":"RSA","n":"AQAB","e":"AQAB"}`} {
		s := serviceAppSettings(l)
		s.OktaPrivateKey = config.NewSecret(bad)
		if _, err := okta.New(ctx, s); err == nil || !strings.Contains(err.Error(), "--okta-private-key") {
			t.Errorf("key %.20q: err = %v", bad, err)
		}
	}
}
