package checks

import (
	"context"
	"fmt"
	"testing"

	"github.com/o365doctor/o365doctor/internal/model"
)

// syntheticTenant is n users on both sides with a few percent of each
// defect the tenant checks look for, built as the listing builds it.
func syntheticTenant(n int) *Tenant {
	app := model.OktaApp{ID: "0oa1", Label: "Office 365", Features: []string{"PUSH_NEW_USERS"}}
	t := newTenant(app)
	e5 := "06ebc4ee-1bb5-47dd-8120-11324bc54e06"
	for i := range n {
		upn := fmt.Sprintf("user%06d@contoso.com", i)
		anchor := fmt.Sprintf("anchor%06d==", i)
		e := TenantEntra{ID: fmt.Sprintf("id-%d", i), UPN: upn, ImmutableID: anchor, UsageLocation: "US", Licensed: true, Direct: []string{e5}, Held: []string{e5}}
		o := TenantOkta{UserID: fmt.Sprintf("00u%d", i), UserName: upn, ImmutableID: anchor, UserStatus: "ACTIVE", Licenses: []string{"SPE_E5"}, UsageLocation: "US"}
		switch i % 100 {
		case 1:
			o.ImmutableID = "other" + anchor
		case 2:
			o.UserStatus = "SUSPENDED"
		case 3:
			e.UsageLocation = ""
		case 4:
			o.Licenses = nil
		case 5:
			e.Licensed, e.Direct, e.Held = false, nil, nil
		}
		t.addEntra(e)
		if i%100 != 6 {
			t.addOkta(o)
		}
	}
	return t
}

// BenchmarkTenantChecks100k is what the tenant checks take after the
// listing (the tail of a 100 000-user preflight): the eight checks on one
// tenant, side by side as Run runs them.
func BenchmarkTenantChecks100k(b *testing.B) {
	skus := []model.SKU{{SkuID: "06ebc4ee-1bb5-47dd-8120-11324bc54e06", SkuPartNumber: "SPE_E5", Enabled: 200000, ConsumedUnits: 100}}
	var list []*Check
	for _, c := range All() {
		if c.Scope == ScopeTenant {
			list = append(list, c)
		}
	}
	for b.Loop() {
		b.StopTimer()
		t := syntheticTenant(100_000)
		f := NewFacts(context.Background(), TenantSubject("contoso.com"), Sources{}, 0)
		for ref, v := range map[FactRef]any{TenantFact: t, SubscribedSkusFact: skus} {
			done := make(chan struct{})
			close(done)
			f.calls[ref] = &call{done: done, val: v}
		}
		b.StartTimer()
		done := make(chan []Finding, len(list))
		for _, c := range list {
			go func() {
				pass := &Pass{Check: c, Subject: f.subject, Facts: f}
				if err := c.Run(context.Background(), pass); err != nil {
					b.Errorf("%s: %v", c.ID, err)
				}
				done <- pass.findings
			}()
		}
		found := 0
		for range list {
			found += len(<-done)
		}
		if found < 5000 {
			b.Fatalf("%d findings", found)
		}
	}
}
