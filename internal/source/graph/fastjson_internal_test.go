package graph

import (
	"strings"
	"testing"

	"github.com/o365doctor/o365doctor/internal/jsontest"
	"github.com/o365doctor/o365doctor/internal/source/jsonpage"
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
	// Deep, but within jsonpage.MaxDepth: decoded as encoding/json does.
	pages = append(pages, `{"value":[{"id":"a","zz":`+strings.Repeat("[", 60)+strings.Repeat("]", 60)+`}]}`)
	pages = append(pages, jsontest.Mutations(valid, "TZ+", 5000, 3)...)
	jsontest.SameAsEncodingJSON[leanUserPage](t, pages)
}

// TestDeepPageRefused: a page nested past jsonpage.MaxDepth is a one-line
// error naming the depth, not a stack overflow.
func TestDeepPageRefused(t *testing.T) {
	for _, n := range []int{65, 30_000_000} {
		page := `{"value":[{"id":"a","zz":` + strings.Repeat("[", n) + strings.Repeat("]", n) + `}]}`
		err := jsonpage.Unmarshal([]byte(page), &leanUserPage{})
		if msg := jsonpage.Problem(err, "a JSON object"); !strings.Contains(msg, "nested deeper than 64 levels") {
			t.Errorf("depth %d: %q", n, msg)
		}
	}
}
