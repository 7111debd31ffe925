package lab

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"time"
)

// oktaCustomDomain is one custom URL domain of the org, shaped as Okta's
// Custom Domains API documents it (GET /api/v1/domains answers
// {"domains": [...]}): the DNS records Okta asks for are the
// _oktaverification TXT and a CNAME to {org}.customdomains.okta.com (the
// target public zones show for Okta custom domains). Okta manages the
// certificate here (certificateSourceType OKTA_MANAGED).
func (l *Lab) oktaCustomDomain(r *http.Request) map[string]any {
	name := l.Scenario.Okta.CustomDomain
	id := oktaID("OcD", l.Scenario.Name+"|"+name)
	return map[string]any{
		"id": id, "domain": name, "validationStatus": "VERIFIED", "certificateSourceType": "OKTA_MANAGED",
		"brandId": oktaID("bnd", l.Scenario.Name),
		"dnsRecords": []any{
			map[string]any{"recordType": "TXT", "fqdn": "_oktaverification." + name, "values": []string{stableHex("verify|" + name)}},
			map[string]any{"recordType": "CNAME", "fqdn": name, "values": []string{l.Scenario.Okta.Org + ".customdomains.okta.com"}},
		},
		"publicCertificate": map[string]any{"subject": "CN=" + name, "fingerprint": stableHex("fingerprint|" + name), "expiration": otime(l.now().Add(60 * 24 * time.Hour))},
		"_links": map[string]any{
			"self":  map[string]any{"href": l.base(r) + "/api/v1/domains/" + id, "hints": map[string]any{"allow": []string{"GET", "PUT", "DELETE"}}},
			"brand": map[string]any{"href": l.base(r) + "/api/v1/brands/" + oktaID("bnd", l.Scenario.Name), "hints": map[string]any{"allow": []string{"GET"}}},
		},
	}
}

// oktaListDomains is GET /api/v1/domains: the org's custom domains (none
// unless the scenario names okta.customDomain).
func (l *Lab) oktaListDomains(w http.ResponseWriter, r *http.Request) {
	out := []any{}
	if l.Scenario.Okta.CustomDomain != "" {
		out = append(out, l.oktaCustomDomain(r))
	}
	writeJSON(w, http.StatusOK, map[string]any{"domains": out})
}

func (l *Lab) oktaGetDomain(w http.ResponseWriter, r *http.Request) {
	if l.Scenario.Okta.CustomDomain != "" {
		if d := l.oktaCustomDomain(r); d["id"] == r.PathValue("domainId") {
			writeJSON(w, http.StatusOK, d)
			return
		}
	}
	oktaNotFound(w, r.PathValue("domainId"), "Domain")
}

// stableHex is 40 hex digits derived from the seed.
func stableHex(seed string) string {
	sum := sha256.Sum256([]byte(seed))
	return hex.EncodeToString(sum[:20])
}
