package model

import (
	"slices"
	"testing"
)

func TestBroaderPermissions(t *testing.T) {
	for perm, want := range map[string][]string{
		"okta.users.read":                         {"okta.users.manage"},
		"okta.apps.manage":                        nil,
		"User.Read.All":                           {"User.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"},
		"AuditLog.Read.All":                       {"AuditLog.ReadWrite.All"},
		"User.RevokeSessions.All":                 {"User.ReadWrite.All", "Directory.ReadWrite.All"},
		"Domain-InternalFederation.ReadWrite.All": {"Domain.ReadWrite.All"},
	} {
		if got := BroaderPermissions(perm); !slices.Equal(got, want) {
			t.Errorf("%s: %v, want %v", perm, got, want)
		}
	}
}
