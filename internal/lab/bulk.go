package lab

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// bulkDefects are the defects a bulk scenario can give a stated fraction of
// its generated users.
var bulkDefects = set(
	"immutableid-mismatch",    // Okta app user immutableId differs from Entra's
	"immutableid-blank-entra", // Entra onPremisesImmutableId empty
	"immutableid-blank-okta",  // Okta app user immutableId empty
	"not-assigned",            // Okta user not assigned to the Office 365 app
	"no-okta-user",            // Entra user with no Okta user
	"locked-out",              // Okta user LOCKED_OUT
	"staged",                  // Okta user STAGED
	"usage-location-missing",  // Entra usageLocation empty
	"license-wipe-risk",       // Okta app user has no licenses, Entra has some
	"service-account",         // Entra only: enabled, unlicensed, no Okta user
	"shared-mailbox",          // Entra only: sign-in disabled, unlicensed, a mailbox
)

// BulkUserUPN is the UPN of generated user i (1-based).
func BulkUserUPN(i int, domain string) string { return fmt.Sprintf("user%06d@%s", i, domain) }

// generateBulk adds b.Users users, deterministic for b.Seed: user i gets the
// defect whose cumulative fraction its draw falls in, or none.
func (st *state) generateBulk(b BulkSpec, created oktaTime, now time.Time, daysAgo func(float64) time.Time) error {
	domain := firstNonEmpty(b.Domain, st.scenario.Domain)
	app := st.appByKey[b.App]
	if app == nil && len(st.apps) > 0 {
		app = st.apps[0]
	}
	if domain == "" || app == nil {
		return fmt.Errorf("lab: bulk needs a domain and an Office 365 app")
	}
	names := sortedKeys(b.Defects)
	rng := rand.New(rand.NewPCG(uint64(b.Seed), 0x0365d0c))
	license := ""
	if len(st.skus) > 0 {
		license = st.skus[0].SkuPartNumber
	}
	st.oktaUsers = growOkta(st.oktaUsers, b.Users)
	st.entraUsers = growEntra(st.entraUsers, b.Users)
	for i := 1; i <= b.Users; i++ {
		upn := BulkUserUPN(i, domain)
		defect := ""
		r, acc := rng.Float64(), 0.0
		for _, n := range names {
			acc += b.Defects[n]
			if r < acc {
				defect = n
				break
			}
		}
		immutable := guid("imm:" + upn)[:24]
		oktaImm, entraImm := immutable, immutable
		status := "ACTIVE"
		usage := "US"
		oktaLicenses := []any{license}
		switch defect {
		case "immutableid-mismatch":
			oktaImm = guid("old:" + upn)[:24]
		case "immutableid-blank-entra":
			entraImm = ""
		case "immutableid-blank-okta":
			oktaImm = ""
		case "locked-out":
			status = "LOCKED_OUT"
		case "staged":
			status = "STAGED"
		case "usage-location-missing":
			usage = ""
		case "license-wipe-risk":
			oktaLicenses = []any{}
		}
		if st.bulkDefects == nil {
			st.bulkDefects = map[string]string{}
		}
		st.bulkDefects[upn] = defect
		name := fmt.Sprintf("User %06d", i)
		nonPerson := defect == "service-account" || defect == "shared-mailbox"
		if defect != "no-okta-user" && !nonPerson {
			spec := OktaUserSpec{Login: upn, Email: upn, FirstName: "User", LastName: fmt.Sprintf("%06d", i), Status: status}
			if defect != "not-assigned" {
				profile := map[string]any{"usageLocation": "US"}
				if oktaImm != "" {
					profile["immutableId"] = oktaImm
				}
				if license != "" {
					profile["licenses"] = oktaLicenses
				}
				spec.Assignments = []AssignmentSpec{{App: app.key, Scope: "USER", Status: "PROVISIONED", SyncState: "SYNCHRONIZED", UserName: upn, Profile: profile}}
			}
			st.addOktaUser(spec, created, now, daysAgo)
		}
		es := EntraUserSpec{UPN: upn, DisplayName: name, ImmutableID: entraImm, UsageLocation: usage}
		if license != "" && !nonPerson {
			es.Licenses = []string{license}
		}
		switch defect {
		case "service-account":
			es.DisplayName = fmt.Sprintf("Service account %06d", i)
		case "shared-mailbox":
			es.DisplayName = fmt.Sprintf("Shared mailbox %06d", i)
			es.AccountEnabled = new(false)
		}
		st.addEntraUser(es, now, daysAgo)
	}
	return nil
}

func growOkta(s []*oktaUser, n int) []*oktaUser {
	out := make([]*oktaUser, len(s), len(s)+n)
	copy(out, s)
	return out
}

func growEntra(s []*entraUser, n int) []*entraUser {
	out := make([]*entraUser, len(s), len(s)+n)
	copy(out, s)
	return out
}

// BulkDefect is the defect the bulk scenario gave the generated user ("" a
// healthy one): the oracle of the tenant-wide tests.
func (l *Lab) BulkDefect(upn string) string {
	l.state.mu.RLock()
	defer l.state.mu.RUnlock()
	return l.state.bulkDefects[upn]
}
