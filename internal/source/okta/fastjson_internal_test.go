package okta

import (
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"testing"

	fastjson "github.com/segmentio/encoding/json"
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
	rng := rand.New(rand.NewPCG(1, 2))
	for range 5000 {
		b := []byte(valid)
		for range 1 + rng.IntN(3) {
			switch i := rng.IntN(len(b)); rng.IntN(3) {
			case 0:
				const alphabet = "{}[]\",:\\ 0-.eEtfnu\x00\xff"
				b[i] = alphabet[rng.IntN(len(alphabet))]
			case 1:
				b = append(b[:i], b[i+1:]...)
			default:
				b = append(b[:i], append([]byte{b[rng.IntN(len(b))]}, b[i:]...)...)
			}
		}
		pages = append(pages, string(b))
	}
	decoded, refused := 0, 0
	for _, p := range pages {
		var std, fast []*leanAppUser
		errStd := json.Unmarshal([]byte(p), &std)
		errFast := fastjson.Unmarshal([]byte(p), &fast)
		if errStd == nil {
			decoded++
		} else {
			refused++
		}
		if (errStd == nil) != (errFast == nil) {
			t.Errorf("%q: encoding/json %v, fast %v", p, errStd, errFast)
			continue
		}
		if errStd == nil && !reflect.DeepEqual(std, fast) {
			t.Errorf("%q: decoded differently:\nstd  %#v\nfast %#v", p, std, fast)
		}
	}
	if decoded < 500 || refused < 500 {
		t.Fatalf("%d pages decoded, %d refused: the mutations do not exercise both", decoded, refused)
	}
}
