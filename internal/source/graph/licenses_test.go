package graph_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/o365doctor/o365doctor/internal/lab/labtest"
	"github.com/o365doctor/o365doctor/internal/model"
	"github.com/o365doctor/o365doctor/internal/source/sourcetest"
)

func TestLicensesAgainstLab(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	l := labtest.Start(t, "license-count-violation")
	src, _ := labtest.Sources(t, l.Settings())
	skus, err := src.Graph.SubscribedSkus(ctx)
	if err != nil || len(skus) != 2 {
		t.Fatalf("skus = %+v, %v", skus, err)
	}
	e5 := skus[1]
	if e5.SkuPartNumber != "ENTERPRISEPREMIUM" || e5.Enabled != 5 || e5.ConsumedUnits != 5 || e5.Free() != 0 || e5.CapabilityStatus != "Enabled" || len(e5.ServicePlans) != 4 || e5.SkuID == "" {
		t.Fatalf("E5 = %+v", e5)
	}
	u, err := src.Graph.User(ctx, "ivan@contoso.com")
	if err != nil || len(u.AssignedLicenses()) != 1 || u.AssignedLicenses()[0].SkuID != e5.SkuID || len(u.LicenseStates()) != 1 {
		t.Fatalf("ivan = %+v, %v", u, err)
	}
	if s := u.LicenseStates()[0]; !s.Failed() || s.Error != "CountViolation" || s.State != "ActiveWithError" || s.LastUpdated.IsZero() {
		t.Fatalf("ivan's state = %+v", s)
	}
	alice, err := src.Graph.User(ctx, "alice@contoso.com")
	if err != nil || len(alice.LicenseStates()) != 1 || alice.LicenseStates()[0].Failed() {
		t.Fatalf("alice = %+v, %v", alice, err) // "None" is no error
	}
}

func TestLicenseStateNoneAndNullAreNoError(t *testing.T) {
	t.Parallel()
	for _, e := range []string{"", "None", "none", " None "} {
		if (model.LicenseState{Error: e}).Failed() {
			t.Errorf("%q is an error", e)
		}
	}
	for _, e := range []string{"Other", "Others", "CountViolation"} {
		if !(model.LicenseState{Error: e}).Failed() {
			t.Errorf("%q is no error", e)
		}
	}
}

func TestSubscribedSkusRefusedAndHostile(t *testing.T) {
	t.Parallel()
	tn := start(t, func(w http.ResponseWriter, r *http.Request) {
		sourcetest.JSON(w, http.StatusForbidden, map[string]any{"error": map[string]any{"code": "Authorization_RequestDenied",
			"message": "Insufficient privileges to complete the operation."}})
	}, nil, nil, 5*time.Second)
	_, err := tn.client.SubscribedSkus(context.Background())
	tn.check(t, err, "graph: list subscribed SKUs: ", "HTTP 403 Authorization_RequestDenied: Insufficient privileges to complete the operation. (needs Organization.Read.All)")
	if !errors.Is(err, model.ErrAccessDenied) {
		t.Fatalf("403 is not ErrAccessDenied: %v", err)
	}
	for name, body := range map[string]string{
		"no value":       `{"@odata.context":"x"}`,
		"a SKU, no id":   `{"value":[{"skuPartNumber":"ENTERPRISEPACK"}]}`,
		"a bad GUID":     `{"value":[{"skuId":"not-a-guid","skuPartNumber":"ENTERPRISEPACK"}]}`,
		"HTML":           `<html>PWNED</html>`,
		"no part number": `{"value":[{"skuId":"6fd2c87f-b296-42f0-b197-1e91e994b900"}]}`,
	} {
		tn := start(t, func(w http.ResponseWriter, r *http.Request) {
			sourcetest.Raw(w, 200, "application/json", body)
		}, nil, nil, 5*time.Second)
		if skus, err := tn.client.SubscribedSkus(context.Background()); err == nil {
			t.Errorf("%s: no error, skus %+v", name, skus)
		} else {
			tn.check(t, err, "graph: list subscribed SKUs: ", "")
		}
	}
	tn = start(t, func(w http.ResponseWriter, r *http.Request) {
		sourcetest.Raw(w, 200, "application/json", `{"value":[{"skuId":"6fd2c87f-b296-42f0-b197-1e91e994b900","skuPartNumber":"ENTERPRISE\u001b[31mPACK","consumedUnits":1,"prepaidUnits":{"enabled":2}}]}`)
	}, nil, nil, 5*time.Second)
	skus, err := tn.client.SubscribedSkus(context.Background())
	if err != nil || len(skus) != 1 || skus[0].Free() != 1 {
		t.Fatalf("skus = %+v, %v", skus, err)
	}
	for _, k := range skus {
		for _, r := range k.SkuPartNumber {
			if r < 0x20 {
				t.Fatalf("control character kept: %q", k.SkuPartNumber)
			}
		}
	}
}
