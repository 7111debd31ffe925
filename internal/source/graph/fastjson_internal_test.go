package graph

import (
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"testing"

	fastjson "github.com/segmentio/encoding/json"
)

// TestFastJSONDecodesAsEncodingJSON holds segmentio/encoding/json, which
// decodes the bulk user pages, to the standard library's result on edge
// cases and random mutations of a page (the Okta adapter's test does the
// same for app users).
func TestFastJSONDecodesAsEncodingJSON(t *testing.T) {
	pages := []string{
		`{}`, `null`, `[]`, `{"value":null}`, `{"value":[]}`, `{"value":[null]}`, `{"value":[{}]} x`,
		`{"value":[{"id":"a","ID":"b","userPrincipalName":null,"accountEnabled":"yes"}]}`,
		`{"value":[{"id":"a","accountEnabled":null,"onPremisesSyncEnabled":1}]}`,
		`{"value":[{"id":"a","assignedLicenses":[null,{"skuId":null,"disabledPlans":null},{"skuId":5}]}]}`,
		`{"value":[{"id":"a","lastPasswordChangeDateTime":"2026-13-01T00:00:00Z"}]}`,
		`{"value":[{"id":"a","lastPasswordChangeDateTime":"2026-01-01T00:00:00.1234567+01:00"}]}`,
		`{"value":[{"id":"a","signInSessionsValidFromDateTime":null,"lastPasswordChangeDateTime":""}]}`,
		`{"@odata.count":1e3,"value":[]}`, `{"@odata.count":-1,"value":[]}`, `{"@odata.count":"7","value":[]}`,
		`{"@odata.nextLink":5,"value":[]}`, `{"@ODATA.NEXTLINK":"x","value":[]}`,
		"{\"value\":[{\"id\":\"a\xff\",\"displayName\":\"\\ud83d\\ude00 \\ud800\"}]}",
	}
	valid := `{"@odata.context":"https://graph/$metadata#users","@odata.count":2,"@odata.nextLink":"https://graph/v1.0/users?$skiptoken=x",` +
		`"value":[{"id":"6e7b","userPrincipalName":"u@contoso.com","displayName":"U","accountEnabled":true,"onPremisesImmutableId":"abc==",` +
		`"usageLocation":"US","assignedLicenses":[{"skuId":"6fd2c87f-b296-42f0-b197-1e91e994b900","disabledPlans":[]}],` +
		`"licenseAssignmentStates":[{"skuId":"6fd2c87f-b296-42f0-b197-1e91e994b900","assignedByGroup":null,"state":"Active","error":"None",` +
		`"disabledPlans":[],"lastUpdatedDateTime":"2026-01-01T00:00:00Z"}],"lastPasswordChangeDateTime":"2026-01-01T00:00:00Z",` +
		`"signInSessionsValidFromDateTime":"2026-01-01T00:00:00Z","onPremisesSyncEnabled":null}]}`
	rng := rand.New(rand.NewPCG(3, 4))
	for range 5000 {
		b := []byte(valid)
		for range 1 + rng.IntN(3) {
			switch i := rng.IntN(len(b)); rng.IntN(3) {
			case 0:
				const alphabet = "{}[]\",:\\ 0-.eEtfnuTZ+\x00\xff"
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
		var std, fast leanUserPage
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
