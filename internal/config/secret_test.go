package config

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

func TestSecretNeverFormats(t *testing.T) {
	s := NewSecret("00abcdefSECRETtoken")
	for _, out := range []string{
		fmt.Sprint(s), fmt.Sprintf("%v %s %q %x %#v %+v", s, s, s, s, s, s),
	} {
		if strings.Contains(out, "SECRET") {
			t.Errorf("formatted secret leaked: %q", out)
		}
	}
	b, err := json.Marshal(struct{ T Secret }{s})
	if err != nil || strings.Contains(string(b), "SECRET") || !strings.Contains(string(b), Masked) {
		t.Errorf("json = %s, %v", b, err)
	}
	if s.Reveal() != "00abcdefSECRETtoken" {
		t.Errorf("Reveal lost the value")
	}
}

func TestMask(t *testing.T) {
	NewSecret("registered-secret-value")
	cases := []struct{ in, want string }{
		{"token registered-secret-value failed", "token *** failed"},
		{"Authorization: SSWS 00xyz123 end", "Authorization: SSWS *** end"},
		{`{"auth":"Bearer eyJ0eXAi.abc.def"}`, `{"auth":"Bearer ***"}`},
		{"grant_type=client_credentials&client_secret=s3cr3t&scope=x", "grant_type=client_credentials&client_secret=***&scope=x"},
		{"nothing to hide", "nothing to hide"},
		{"Bearer ***", "Bearer ***"},
		// A JWT is masked wherever it stands, registered or not.
		{"token eyJ0eXAiOiJKV1QifQ.eyJzdWIiOiJ4In0.c2ln-_x expired", "token *** expired"},
		{"unsigned eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0. end", "unsigned *** end"},
		{"assertion=eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJ4In0.sig&x=1", "assertion=***&x=1"},
		{"eyJ alone is no token", "eyJ alone is no token"},
	}
	for _, c := range cases {
		if got := Mask(c.in); got != c.want {
			t.Errorf("Mask(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
