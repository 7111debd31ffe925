package cli_test

import (
	"encoding/json"
	"strings"
	"testing"
)

// The issue: "--redact leaves no UPN or immutableID in the report". Every
// immutableID a plain run shows as evidence must be gone from the
// redacted one.
func TestPreflightRedactLeavesNoImmutableID(t *testing.T) {
	env, _ := serveLab(t, "bulk", "--users", "300")
	plain, _, _ := run(t, env, "preflight", "--domain", "contoso.com", "--json")
	red, _, _ := run(t, env, "preflight", "--domain", "contoso.com", "--json", "--redact")
	var doc any
	if err := json.Unmarshal([]byte(plain), &doc); err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if f, _ := v["field"].(string); strings.Contains(strings.ToLower(f), "immutableid") {
				if s, _ := v["value"].(string); len(s) > 8 {
					ids[s] = true
				}
			}
			for _, x := range v {
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(doc)
	left := 0
	for id := range ids {
		if strings.Contains(red, id) {
			left++
		}
	}
	if len(ids) == 0 || left > 0 {
		t.Fatalf("%d of %d immutableIDs of the plain report are in the --redact one", left, len(ids))
	}
}
