package config

import (
	"strings"
	"testing"
	"time"
)

// TestValidateRefusesUserInfo: an address with user:password@ is refused
// in one line that never shows the password, even when the rest of the
// address does not parse.
func TestValidateRefusesUserInfo(t *testing.T) {
	for _, tc := range []struct{ okta, graph, login, flag string }{
		{okta: "https://admin:hunter2secret@127.0.0.1:8443", flag: "--okta-url"},
		{graph: "https://hunter2secret@graph.example/v1.0", flag: "--graph-url"},
		{login: "https://u:hunter2secret@login.example", flag: "--login-url"},
		{okta: "https://admin:hunter2secret@[::1", flag: "--okta-url"},
		{okta: "https://admin:hunter2%zzsecret@host", flag: "--okta-url"},
	} {
		s := Settings{OktaURL: tc.okta, GraphURL: tc.graph, LoginURL: tc.login, Timeout: time.Second}
		err := s.Validate()
		if err == nil {
			t.Fatalf("%+v accepted", tc)
		}
		msg := err.Error()
		if strings.Contains(msg, "hunter2") || strings.Contains(msg, "\n") || !strings.HasPrefix(msg, tc.flag+" ") {
			t.Fatalf("error = %q", msg)
		}
	}
	s := Settings{OktaURL: "https://admin:hunter2secret@127.0.0.1:8443", Timeout: time.Second}
	if err := s.Validate(); err == nil || err.Error() != `--okta-url "https://***@127.0.0.1:8443": must not contain a user name or password (user:password@); credentials have their own settings` {
		t.Fatalf("error = %v", err)
	}
	s = Settings{OktaURL: "https://contoso.okta.com/", Timeout: time.Second}
	if err := s.Validate(); err != nil || s.OktaURL != "https://contoso.okta.com" {
		t.Fatalf("plain address: %v %q", err, s.OktaURL)
	}
}
