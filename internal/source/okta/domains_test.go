package okta_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/o365doctor/o365doctor/internal/lab/labtest"
	"github.com/o365doctor/o365doctor/internal/source/sourcetest"
)

func TestCustomDomains(t *testing.T) {
	l := labtest.Start(t, "okta-custom-domain")
	_, oc := labtest.Sources(t, l.Settings())
	ds, err := oc.CustomDomains(context.Background())
	if err != nil || len(ds) != 1 || ds[0].Domain != "login.contoso.com" || ds[0].ValidationStatus != "VERIFIED" || ds[0].ID == "" {
		t.Fatalf("custom domains = %+v, %v", ds, err)
	}
	l = labtest.Start(t, "healthy")
	_, oc = labtest.Sources(t, l.Settings())
	if ds, err := oc.CustomDomains(context.Background()); err != nil || len(ds) != 0 {
		t.Fatalf("healthy: %+v, %v", ds, err)
	}
	for name, body := range map[string]string{
		"a list":          `[{"id":"OcD1","domain":"login.contoso.com"}]`,
		"a domain, no id": `{"domains":[{"domain":"login.contoso.com"}]}`,
		"HTML":            `<html></html>`,
		"null":            `null`,
	} {
		srv := sourcetest.Start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			sourcetest.Raw(w, 200, "application/json", body)
		}))
		c, _ := client(t, srv, 5*time.Second)
		if _, err := c.CustomDomains(context.Background()); err == nil || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: %v", name, err)
		}
	}
}
