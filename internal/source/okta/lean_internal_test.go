package okta

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/okta/okta-sdk-golang/v2/okta"
)

// TestLeanAppUserCleansAsTheSDKPathDoes: a page whose app users carry
// terminal control sequences in profile keys and values (nested in
// objects and lists), an embedded user whose status is not a string, and
// no embedded user at all gives the model the SDK's typed decode gives
// through toAppUser, with nothing left to clean.
func TestLeanAppUserCleansAsTheSDKPathDoes(t *testing.T) {
	body := []byte(`[
	 {"id":"0ua1","scope":"USER","status":"ACTIVE","syncState":"SYNCHRONIZED","credentials":{"userName":"a@contoso.com"},
	  "profile":{"immutableId":"abc","licenses":["ENTERPRISEPACK"],"usageLocation":"US"},"_embedded":{"user":{"status":"ACTIVE","profile":{"x":1}}}},
	 {"id":"0ua2\u001b[31m","status":"ACTIVE","credentials":{"userName":"b\u0007@contoso.com"},
	  "profile":{"immutable\u001b]0;t\u0007Id":"x\u009b2Jy","licenses":["E5\u202e",7,null,{"k\u0001":"v\u0002"}],"n":null},"_embedded":{"user":{"status":5}}},
	 {"id":"0ua3","profile":"not an object","_embedded":{}},
	 {"id":"0ua4","profile":{"nested":{"deep":["ok",{"bad\u0000":"\u001b[0m"}]}}}
	]`)
	lean, err := decodeAppUsers("0oa1", body)
	if err != nil {
		t.Fatal(err)
	}
	var typed []*okta.AppUser
	if err := json.Unmarshal(body, &typed); err != nil {
		t.Fatal(err)
	}
	if len(lean) != len(typed) {
		t.Fatalf("%d lean, %d typed", len(lean), len(typed))
	}
	for i := range typed {
		want := toAppUser("0oa1", typed[i])
		if !reflect.DeepEqual(lean[i], want) {
			t.Errorf("app user %d:\nlean:  %#v\ntyped: %#v", i, lean[i], want)
		}
	}
	for i, au := range lean {
		if !isCleanValue(au.Profile) {
			t.Errorf("app user %d: a control character survived: %#v", i, au.Profile)
		}
	}
}
