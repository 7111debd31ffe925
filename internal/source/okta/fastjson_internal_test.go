package okta

import (
	"strings"
	"testing"

	"github.com/o365doctor/o365doctor/internal/jsontest"
)

// The bulk pages are decoded by segmentio/encoding/json, a drop-in
// replacement for encoding/json four times faster on a page of app users
// (docs/performance.md). TestFastJSONDecodesAsEncodingJSON holds it to the
// standard library's result on pages built to find where decoders differ
// (duplicate, case-folded and escaped keys, nulls, wrong types, escapes,
// invalid UTF-8, deep and broken JSON) and on thousands of random
// mutations of a real page: the same value, or an error from both.
func TestFastJSONDecodesAsEncodingJSON(t *testing.T) {
	pages := []string{
		`[]`, `null`, `{}`, `[null]`, `[{}]`, ` [ {"id":"a"} ] `, `[{"id":"a"}] x`, `[{"id":"a"},]`, "\ufeff[]",
		`[{"id":"a","ID":"b","Id":null,"ſcope":"USER","status":"\u0041CTIVE\ud800","syncState":"\"q\"\\/"}]`,
		`[{"id":"a","credentials":{"userName":"x"},"credentials":{},"credentials":{"USERNAME":"y"}}]`,
		`[{"id":"a","credentials":{"userName":"x"},"credentials":null}]`,
		`[{"id":"a","credentials":"x"}]`, `[{"id":5}]`, `[{"id":true}]`, `[{"id":["a"]}]`, `[{"id":{"a":1}}]`,
		`[{"id":"a","profile":{"immutableId":"x","immutableId":"y","licenses":["A",1,null,{"b":[]}],"n":1e400}}]`,
		`[{"id":"a","profile":"text"}]`, `[{"id":"a","profile":[1,2]}]`, `[{"id":"a","profile":1.5e3}]`,
		`[{"id":"a","_embedded":{"user":{"status":"ACTIVE"}},"_embedded":{"user":null}}]`,
		`[{"id":"a","_embedded":{"user":{"status":{"x":1}}}}]`, `[{"id":"a","_embedded":[]}]`, `[{"id":"a","_embedded":{"user":"x"}}]`,
		"[{\"id\":\"a\xff\xfe\",\"scope\":\"\xc3\"}]", "[{\"id\":\"tab\there\"}]", `[{"id":"\u00"}]`, `[{"id":"a"`, `[{"id":"a",}]`,
		`[{"id":"a","x":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}]`, `[{"id":01}]`, `[{"id":"a","n":-}]`,
		`[{"id":"a","n":1.}]`, `[{"id":"a","n":.5}]`, `[{"id":"a","n":tru}]`, `[{"id":"a","n":nul}]`, `[{"id":"a","n":NaN}]`,
	}
	valid := `[{"id":"00u1","scope":"USER","status":"PROVISIONED","syncState":"SYNCHRONIZED","credentials":{"userName":"u@contoso.com"},` +
		`"profile":{"immutableId":"abc==","licenses":["ENTERPRISEPACK"],"usageLocation":"US"},"_links":{"app":{"href":"https://x/api/v1/apps/0oa"}},` +
		`"_embedded":{"user":{"id":"00u1","status":"ACTIVE","profile":{"login":"u@contoso.com","mobilePhone":null}}}}]`
	// Deep, but within jsonpage.MaxDepth: decoded as encoding/json does.
	pages = append(pages, `[{"id":"a","profile":{"x":`+strings.Repeat("[", 60)+strings.Repeat("]", 60)+`}}]`)
	pages = append(pages, jsontest.Mutations(valid, "", 5000, 1)...)
	jsontest.SameAsEncodingJSON[[]leanAppUser](t, pages)
}

// TestDeepPageRefused: a page nested past jsonpage.MaxDepth (which the
// fast decoder would take quadratic time or its whole stack over) is a
// one-line error, at once.
func TestDeepPageRefused(t *testing.T) {
	for _, n := range []int{65, 20_000, 5_000_000} {
		page := `[{"id":"a","profile":{"x":` + strings.Repeat("[", n) + strings.Repeat("]", n) + `}}]`
		_, err := decodeAppUsers("0oa1", []byte(page))
		if err == nil || !strings.Contains(err.Error(), "nested deeper than 64 levels") {
			t.Errorf("depth %d: %v", n, err)
		}
	}
}
