package fix_test

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/o365doctor/o365doctor/internal/checks"
	"github.com/o365doctor/o365doctor/internal/fix"
	"github.com/o365doctor/o365doctor/internal/lab/labtest"
	"github.com/o365doctor/o365doctor/internal/source/graph"
)

// The certificate rollover on cert-expiring: Okta's new key is generated,
// then staged in Entra, activated in Okta and promoted in Entra; after
// every step (and every step of the undo) realm discovery still sends the
// domain to Okta, Entra trusts the key Okta signs with, and Entra's
// signingCertificate is a valid certificate. A plan that activates the
// key in Okta before Entra trusts it is stopped after that step and rolled
// back.
func TestRolloverKeepsSignInsWorking(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	const domain = "contoso.com"
	l := labtest.Start(t, "cert-expiring")
	src, oc := labtest.Sources(t, l.Settings())
	gc, err := graph.New(l.Settings())
	if err != nil {
		t.Fatal(err)
	}
	run := func(c *checks.Check) checks.Result {
		return checks.Run(ctx, []*checks.Check{c}, checks.DomainSubject(domain), src, checks.RunOptions{}, nil)[0]
	}
	planOf := func(r checks.Result, id string) fix.Plan {
		t.Helper()
		for _, p := range r.Fixes() {
			if p.ID == id {
				return p
			}
		}
		t.Fatalf("%s %s: no plan %s among %+v", r.Status, r.Message, id, r.Fixes())
		return fix.Plan{}
	}
	x := &fix.Executor{Stores: map[string]fix.Store{"graph": fix.GraphStore{API: gc}, "okta": fix.OktaStore{API: oc}}, Invariant: checks.Invariants(src),
		Journal: fix.OpenJournal(filepath.Join(t.TempDir(), "j.jsonl"))}

	r := run(checks.CertExpiry)
	gen := planOf(r, checks.GenerateKeyPlanID)
	if r.Status != checks.StatusWarn || gen.Reversible {
		t.Fatalf("cert-expiry %s, generate plan %+v", r.Status, gen)
	}
	if _, err := x.Apply(ctx, gen); err != nil {
		t.Fatal(err)
	}
	roll := planOf(run(checks.CertExpiry), checks.RolloverPlanID)
	if len(roll.Steps) != 3 || roll.Steps[0].Field != "nextSigningCertificate" || roll.Steps[1].Field != fix.SigningKidField || roll.Steps[2].Field != "signingCertificate" {
		t.Fatalf("rollover steps %+v", roll.Steps)
	}

	// A wrong order: Okta signs with the new key before Entra trusts it.
	wrong := roll
	wrong.Steps = []fix.Step{roll.Steps[1], roll.Steps[0], roll.Steps[2]}
	x.Between = checks.FederationAgrees(src, domain)
	e, err := x.Apply(ctx, wrong)
	if err == nil || !strings.Contains(err.Error(), "after step 1") || !strings.Contains(err.Error(), "the federation does not trust the key Okta signs with") ||
		e.Steps[0].State != fix.StepCompensated {
		t.Fatalf("wrong order: %v, entry %+v", err, e.Steps)
	}
	if err := checks.FederationAgrees(src, domain)(ctx, 0); err != nil {
		t.Fatalf("after the wrong order was rolled back: %v", err)
	}

	var seen []string
	agree := checks.FederationAgrees(src, domain)
	x.Between = func(ctx context.Context, done int) error {
		err := agree(ctx, done)
		fed, _, ferr := gc.Federation(ctx, domain)
		der, derr := base64.StdEncoding.DecodeString(fed.SigningCertificate)
		if _, perr := x509.ParseCertificate(der); ferr != nil || derr != nil || perr != nil {
			err = fmt.Errorf("Entra's signingCertificate is not a certificate: %v %v %v", ferr, derr, perr)
		}
		seen = append(seen, fmt.Sprint(done, err))
		return err
	}
	if _, err := x.Apply(ctx, roll); err != nil {
		t.Fatal(err)
	}
	for _, c := range []*checks.Check{checks.SigningKeys, checks.CertExpiry, checks.ConfigMatch} {
		if r := run(c); r.Status != checks.StatusPass {
			t.Errorf("after the rollover %s: %s %s", c.ID, r.Status, r.Message)
		}
	}
	if _, err := x.Undo(ctx, ""); err != nil {
		t.Fatal(err)
	}
	if want := []string{"1 <nil>", "2 <nil>", "3 <nil>", "1 <nil>", "2 <nil>", "3 <nil>"}; !slices.Equal(seen, want) {
		t.Fatalf("the federation after each step: %q", seen)
	}
	if r := run(checks.CertExpiry); r.Status != checks.StatusWarn {
		t.Fatalf("after undo cert-expiry: %s %s", r.Status, r.Message)
	}
}
