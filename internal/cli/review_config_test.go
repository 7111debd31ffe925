package cli

import (
	"strings"
	"testing"
)

// Config files that look right but would hide findings or change the
// meaning silently are refused, each naming the line; an empty list of
// suppressions is just that.
func TestConfigEdges(t *testing.T) {
	for name, tc := range map[string]struct{ body, want string }{
		"empty object":  {"suppressions:\n  - check: identity.entra-without-okta\n    object:\n    reason: x\n    expires: 2099-01-01\n", "c.yaml:3: object needs one value"},
		"blank object":  {"suppressions:\n  - check: identity.entra-without-okta\n    object: \"\"\n    reason: x\n    expires: 2099-01-01\n", "c.yaml:2: suppression of identity.entra-without-okta: object is empty"},
		"dup check key": {"suppressions:\n  - check: identity.entra-without-okta\n    check: identity.tenant-service-accounts\n    object: a@b.com\n    reason: x\n    expires: 2099-01-01\n", "c.yaml:3: check is given twice"},
		"dup top key":   {"suppressions:\n  - check: identity.entra-without-okta\n    object: a@b.com\n    reason: x\n    expires: 2099-01-01\nsuppressions: []\n", "c.yaml:6: suppressions is given twice"},
		"reason null":   {"suppressions:\n  - check: identity.entra-without-okta\n    reason: ~\n    expires: 2099-01-01\n", "c.yaml:3: reason needs one value"},
	} {
		_, err := parseConfig("c.yaml", []byte(tc.body))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", name, err, tc.want)
		}
	}
	for _, body := range []string{"suppressions: null\n", "suppressions:\n", "suppressions: []\n", ""} {
		cf, err := parseConfig("c.yaml", []byte(body))
		if err != nil || len(cf.Suppressions) != 0 {
			t.Errorf("%q: %v %v", body, cf.Suppressions, err)
		}
	}
}
