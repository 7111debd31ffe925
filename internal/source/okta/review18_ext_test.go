package okta_test

import (
	"context"
	"testing"

	"github.com/o365doctor/o365doctor/internal/lab"
	"github.com/o365doctor/o365doctor/internal/lab/labtest"
	"github.com/o365doctor/o365doctor/internal/source/okta"
)

func TestRevDPoPEscapedPath(t *testing.T) {
	for _, dpop := range []bool{false, true} {
		l := labtest.StartWith(t, "immutableid-mismatch", lab.Options{OktaOAuth: &lab.OktaOAuthOptions{DPoP: dpop}})
		c, err := okta.New(context.Background(), serviceAppSettings(l))
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.User(context.Background(), "josé@contoso.com")
		t.Logf("dpop=%v: %v", dpop, err)
	}
}
