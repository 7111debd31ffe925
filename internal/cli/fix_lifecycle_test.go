package cli_test

import (
	"strings"
	"testing"

	"github.com/o365doctor/o365doctor/internal/lab"
	"github.com/o365doctor/o365doctor/internal/lab/labtest"
)

// The Okta lifecycle fixes of identity.okta-user: the check fails, the
// fix applies, the check passes; unsuspend undoes to SUSPENDED and the
// check fails again; unlock and activate cannot be undone and need the
// subject typed.
func TestOktaLifecycleFixes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, plan, before, after string
		lab                       func(t *testing.T) *lab.Lab
		reversible                bool
	}{
		{"unsuspend", "okta.unsuspend-user", "SUSPENDED", "ACTIVE", func(t *testing.T) *lab.Lab {
			return labtest.StartText(t, "name: t\nbase: healthy\nokta:\n  users:\n    - {login: alice@contoso.com, status: SUSPENDED}\n")
		}, true},
		{"unlock", "okta.unlock-user", "LOCKED_OUT", "ACTIVE", func(t *testing.T) *lab.Lab { return labtest.Start(t, "locked-out") }, false},
		// Activation without a password leaves the user PROVISIONED until
		// they finish Okta's email: the check says so, still failing.
		{"activate", "okta.activate-user", "STAGED", "PROVISIONED", func(t *testing.T) *lab.Lab {
			return labtest.StartText(t, "name: t\nbase: staged-user\naffectedUser: alice@contoso.com\nokta:\n  users:\n    - {login: alice@contoso.com, status: STAGED}\n")
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			l := tc.lab(t)
			env := labEnv(t, l)
			const upn = "alice@contoso.com"
			check := func(want string) {
				t.Helper()
				r := decode(t, mustRun(t, env, -1, "user", upn, "--json", "--only", "identity.okta-user"))
				if got := result(t, r, "identity.okta-user").Status; got != want {
					t.Fatalf("identity.okta-user = %s, want %s", got, want)
				}
			}
			check("fail")
			if !tc.reversible {
				out, _, code := run(t, env, "fix", "identity.okta-user", "--user", upn, "--yes", "--confirm", "bob@contoso.com")
				if code != 2 || len(labtest.Writes(l)) != 0 {
					t.Fatalf("a wrong subject typed: exit %d, writes %v\n%s", code, labtest.Writes(l), out)
				}
			}
			args := []string{"fix", "identity.okta-user", "--user", upn, "--yes"}
			if !tc.reversible {
				args = append(args, "--confirm", "Alice@Contoso.com")
			}
			out := mustRun(t, env, 0, args...)
			if !strings.Contains(out, "Plan "+tc.plan) || !strings.Contains(out, "status: "+tc.before+" → "+tc.after) {
				t.Fatalf("fix: %s", out)
			}
			if tc.after == "PROVISIONED" {
				if !strings.Contains(out, "is now FAIL") || !strings.Contains(out, "PROVISIONED: activation pending") {
					t.Fatalf("activate: %s", out)
				}
				return
			}
			check("pass")
			out, _, code := run(t, env, "undo")
			if !tc.reversible {
				if code != 1 {
					t.Fatalf("undo of an irreversible fix: exit %d %s", code, out)
				}
				return
			}
			if code != 0 || !strings.Contains(out, "status: ACTIVE → SUSPENDED") {
				t.Fatalf("undo: exit %d %s", code, out)
			}
			check("fail")
		})
	}
}

// --read-only: fix and undo refuse before any request that changes state.
func TestReadOnlyChangesNothing(t *testing.T) {
	t.Parallel()
	l := labtest.Start(t, "immutableid-mismatch")
	env := labEnv(t, l)
	env["O365DOCTOR_READ_ONLY"] = "1"
	out, _, code := run(t, env, "fix", "identity.immutableid-match", "--user", "alice@contoso.com", "--yes")
	if code != 1 || !strings.Contains(out, "read-only") {
		t.Fatalf("fix: exit %d %s", code, out)
	}
	if _, errOut, code := run(t, env, "undo", "--read-only"); code != 1 || !strings.Contains(errOut, "read-only") {
		t.Fatalf("undo: exit %d %s", code, errOut)
	}
	// A value that is neither on nor off fails closed: a usage error.
	env["O365DOCTOR_READ_ONLY"] = "enabled"
	if _, errOut, code := run(t, env, "fix", "identity.immutableid-match", "--user", "alice@contoso.com", "--yes"); code != 2 || !strings.Contains(errOut, "O365DOCTOR_READ_ONLY") {
		t.Fatalf("O365DOCTOR_READ_ONLY=enabled: exit %d %s", code, errOut)
	}
	if w := labtest.Writes(l); len(w) != 0 {
		t.Fatalf("state-changing requests: %v", w)
	}
}

// mustRun runs the CLI and fails unless it exits want (-1: 0 or 1).
func mustRun(t *testing.T, env map[string]string, want int, args ...string) string {
	t.Helper()
	out, errOut, code := run(t, env, args...)
	if (want == -1 && code > 1) || (want >= 0 && code != want) {
		t.Fatalf("%v: exit %d\n%s%s", args, code, out, errOut)
	}
	return out
}

// A domain fix: fix --domain applies, the check passes, undo restores.
func TestDomainFixByDomain(t *testing.T) {
	t.Parallel()
	l := labtest.Start(t, "mfa-double-prompt")
	env := labEnv(t, l)
	out := mustRun(t, env, 0, "fix", "federation.mfa-behavior", "--domain", "contoso.com", "--yes")
	if !strings.Contains(out, "Plan graph.accept-okta-mfa") || !strings.Contains(out, "rejectMfaByFederatedIdp → acceptIfMfaDoneByFederatedIdp") || !strings.Contains(out, "is now PASS") {
		t.Fatalf("fix: %s", out)
	}
	out = mustRun(t, env, 0, "undo")
	if !strings.Contains(out, "acceptIfMfaDoneByFederatedIdp → rejectMfaByFederatedIdp") {
		t.Fatalf("undo: %s", out)
	}
	if _, _, code := run(t, env, "fix", "federation.mfa-behavior", "--domain", "contoso.com", "--user", "alice@contoso.com"); code != 2 {
		t.Fatalf("--user and --domain together: exit %d", code)
	}
	if _, _, code := run(t, env, "fix", "identity.okta-user", "--domain", "contoso.com"); code != 2 {
		t.Fatalf("a user check by --domain: exit %d", code)
	}
}

// A fix whose write permission the app lacks is refused before any write,
// naming the permission (the lab's token carries the scenario's roles).
func TestFixNamesAMissingPermissionFirst(t *testing.T) {
	t.Parallel()
	l := labtest.StartText(t, "name: t\nbase: immutableid-blank-entra\ntenant:\n  appRoles: [User.Read.All, Directory.Read.All, Domain.Read.All, Organization.Read.All, AuditLog.Read.All, Policy.Read.All, GroupMember.Read.All, RoleManagement.Read.Directory]\n")
	env := labEnv(t, l)
	out, _, code := run(t, env, "fix", "identity.immutableid-match", "--user", l.AffectedUser(), "--yes", "--confirm", l.AffectedUser())
	if code != 1 || !strings.Contains(out, "the credentials lack graph User.ReadWrite.All") || !strings.Contains(out, "needs User.ReadWrite.All") {
		t.Fatalf("exit %d: %s", code, out)
	}
	if w := labtest.Writes(l); len(w) != 0 {
		t.Fatalf("writes before the permission check: %v", w)
	}
}

// fix --resume takes a journal ID and no check; an unknown ID is one line.
func TestFixResumeArguments(t *testing.T) {
	t.Parallel()
	l := labtest.Start(t, "healthy")
	env := labEnv(t, l)
	if _, errOut, code := run(t, env, "fix", "--resume", "20260101T000000Z-abcdef"); code != 1 || !strings.Contains(errOut, "no journal entry 20260101T000000Z-abcdef") {
		t.Fatalf("unknown entry: exit %d %s", code, errOut)
	}
	if _, _, code := run(t, env, "fix", "identity.okta-user", "--resume", "x"); code != 2 {
		t.Fatalf("a check ID with --resume: exit %d", code)
	}
}
