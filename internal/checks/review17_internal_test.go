package checks

import (
	"context"
	"fmt"
	"iter"
	"strings"
	"testing"

	"github.com/o365doctor/o365doctor/internal/model"
)

// Listings whose every anchor is held by two users on each side: both
// listing goroutines record anchors held twice at the same time.
type twiceOkta struct {
	OktaAPI
	n int
}

func (f twiceOkta) AppUserListing(ctx context.Context, appID, _ string) iter.Seq2[model.AppUserPage, error] {
	return func(yield func(model.AppUserPage, error) bool) {
		for p := 0; p < f.n/200; p++ {
			var us []model.AppUser
			for i := p * 200; i < (p+1)*200; i++ {
				us = append(us, model.AppUser{UserID: fmt.Sprint(i), UserName: fmt.Sprintf("u%d@contoso.com", i), UserStatus: "ACTIVE",
					Profile: map[string]any{"immutableId": fmt.Sprintf("a%d", i/2)}})
			}
			if !yield(model.AppUserPage{Users: us}, nil) {
				return
			}
		}
	}
}

type twiceGraph struct {
	GraphAPI
	n int
}

func (f twiceGraph) UserListing(ctx context.Context, domain, _ string) iter.Seq2[model.EntraUserPage, error] {
	return func(yield func(model.EntraUserPage, error) bool) {
		for p := 0; p < f.n/200; p++ {
			var us []model.EntraUser
			for i := p * 200; i < (p+1)*200; i++ {
				us = append(us, model.EntraUser{ID: fmt.Sprint(i), UserPrincipalName: fmt.Sprintf("u%d@contoso.com", i), OnPremisesImmutableID: fmt.Sprintf("a%d", i/2)})
			}
			if !yield(model.EntraUserPage{Users: us, Count: -1}, nil) {
				return
			}
		}
	}
}

// TestAnchorsHeldTwiceOnBothSides: the two sides list at the same time and
// each records its anchors held twice in its own set (one shared set was
// written by both: "concurrent map writes", under -race at once); every
// user is then reported, by the Entra side's count first.
func TestAnchorsHeldTwiceOnBothSides(t *testing.T) {
	const n = 20_000
	for range 5 {
		f := NewFacts(context.Background(), TenantSubject("contoso.com"), Sources{Okta: twiceOkta{n: n}, Graph: twiceGraph{n: n}}, 0)
		tenant, err := loadTenant(context.Background(), f, model.OktaApp{ID: "0oa1"})
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		close(done)
		f.calls[TenantFact] = &call{done: done, val: tenant}
		pass := &Pass{Check: TenantImmutableID, Subject: f.subject, Facts: f}
		if err := TenantImmutableID.Run(context.Background(), pass); err != nil {
			t.Fatal(err)
		}
		if len(pass.findings) != n || !strings.Contains(pass.findings[0].Message, "is held by 2 Entra ID users") {
			t.Fatalf("%d findings, the first %q", len(pass.findings), pass.findings[0].Message)
		}
	}
}
