package cli_test

import (
	"flag"
	"os"
	"regexp"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// What changes from one lab start to the next: times, ports, the lab's
// freshly made certificates and random sign-in IDs.
var unstable = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\dZ`), "<time>"},
	{regexp.MustCompile(`127\.0\.0\.1:\d+`), "127.0.0.1:<port>"},
	{regexp.MustCompile(`SHA-1 [0-9A-F]{40}`), "SHA-1 <thumbprint>"},
	{regexp.MustCompile(`\(correlation [A-Za-z0-9-]+, request [A-Za-z0-9-]+\)`), "(correlation <id>, request <id>)"},
	{regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`), "<guid>"},
}

func stable(s string) string {
	for _, u := range unstable {
		s = u.re.ReplaceAllString(s, u.with)
	}
	return s
}

// The markdown report is a helpdesk ticket: who, when, tenant and org, the
// failing checks with their evidence, the timeline with the correlation and
// request IDs support asks for, and the fix offered. Checked in as a golden
// file for a failing scenario (go test ./internal/cli -run Golden -update
// rewrites it).
func TestMarkdownTicketGolden(t *testing.T) {
	out, stderr, code := run(t, nil, "demo", "--scenario", "immutableid-mismatch", "--format", "markdown")
	if code != 1 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"## o365doctor: user `alice@contoso.com`", "- tenant: ", "- Okta org: ", "### FAIL `identity.immutableid-match`",
		"profile.immutableId", "onPremisesImmutableId", "o365doctor fix identity.immutableid-match --user alice@contoso.com",
		"### Timeline (Okta and Entra, oldest first)", "AADSTS51004", "(correlation ", "### IDs for Microsoft and Okta support",
		"| entra | signIn | AADSTS51004 |", "Passed (33): `federation.realm`"} {
		if !strings.Contains(out, want) {
			t.Errorf("the ticket lacks %q", want)
		}
	}
	if strings.Contains(out, "| PASS |") {
		t.Error("the ticket's table lists passing checks: they belong on the one Passed line")
	}
	got := stable(out)
	const file = "testdata/ticket-immutableid-mismatch.md"
	if *update {
		if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("the markdown ticket differs from %s (run with -update if the change is meant):\n%s", file, got)
	}
}
