package model

import "strings"

// BroaderPermissions are the permissions that include perm: a ReadWrite
// for its Read, Directory.Read.All for the directory reads it includes, an
// okta.*.manage scope for its read, and the broader permissions Microsoft
// lists beside each write o365doctor's fixes make ("least privileged /
// higher privileged" of PATCH user, revokeSignInSessions, PATCH
// internalDomainFederation). One table for auth status, the checks'
// grants and the fix executor.
func BroaderPermissions(perm string) []string {
	if rest, ok := strings.CutSuffix(perm, ".read"); ok && strings.HasPrefix(perm, "okta.") {
		return []string{rest + ".manage"}
	}
	var out []string
	if strings.Contains(perm, ".Read.") {
		out = append(out, strings.Replace(perm, ".Read.", ".ReadWrite.", 1))
	}
	switch perm {
	case "User.Read.All", "GroupMember.Read.All", "Group.Read.All", "Domain.Read.All", "Organization.Read.All", "RoleManagement.Read.Directory":
		out = append(out, "Directory.Read.All", "Directory.ReadWrite.All")
	case "Policy.Read.AuthenticationMethod":
		out = append(out, "Policy.ReadWrite.AuthenticationMethod")
	// The fixes' writes.
	case "User.ReadWrite.All":
		out = append(out, "Directory.ReadWrite.All")
	case "User.RevokeSessions.All":
		out = append(out, "User.ReadWrite.All", "Directory.ReadWrite.All")
	case "Domain-InternalFederation.ReadWrite.All":
		out = append(out, "Domain.ReadWrite.All")
	}
	return out
}
