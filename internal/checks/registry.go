package checks

import (
	"fmt"
	"slices"
	"strings"
)

// All is the registry, in report order. An explicit list, no init()
// self-registration: what runs is what is written here.
func All() []*Check {
	var all []*Check
	all = append(all, dnsChecks...)
	all = append(all, RealmToOkta)
	all = append(all, federationChecks...)
	all = append(all, OneActiveApp, SignOnModeWSFed, Provisioning)
	all = append(all, OktaUserStatus, O365Assignment, EntraUserEnabled, ImmutableIDMatch, ImmutableIDUnique, SyncState, EntraUsersWithoutOkta,
		TenantImmutableID, TenantOktaStatus, TenantUsername, TenantServiceAccounts)
	all = append(all, licenseChecks...)
	all = append(all, loginLoopChecks...)
	return all
}

// Public keeps the checks that need no credentials: every source they
// need is public (realm discovery, DNS).
func Public(list []*Check) []*Check {
	var out []*Check
	for _, c := range list {
		public := true
		for _, n := range c.Needs {
			public = public && n.info().Public
		}
		if public {
			out = append(out, c)
		}
	}
	return out
}

// ForUserTicket drops the DNS checks from a user's run: a user's ticket
// gets the federation and Okta app of their domain (a stale certificate
// shows up first as one user's ticket), not its mail and device records,
// which do not stop a sign-in (recon and preflight show those).
func ForUserTicket(list []*Check) []*Check {
	return slices.DeleteFunc(slices.Clone(list), func(c *Check) bool { return c.Area == AreaDNS })
}

// Lookup finds a check by ID.
func Lookup(id string) (*Check, bool) {
	for _, c := range All() {
		if c.ID == id {
			return c, true
		}
	}
	return nil, false
}

// Select filters checks by scope and by --only / --skip, each a list of
// check IDs or areas. An unknown ID or area is an error, so a typo does not
// silently run nothing.
func Select(list []*Check, scopes []Scope, only, skip []string) ([]*Check, error) {
	known := map[string]bool{}
	for _, c := range list {
		known[c.ID], known[string(c.Area)] = true, true
	}
	for _, name := range append(append([]string{}, only...), skip...) {
		if !known[name] {
			return nil, fmt.Errorf("unknown check or area %q; `o365doctor checks` lists them", name)
		}
	}
	matches := func(c *Check, names []string) bool {
		for _, n := range names {
			if n == c.ID || n == string(c.Area) {
				return true
			}
		}
		return false
	}
	var out []*Check
	for _, c := range list {
		inScope := len(scopes) == 0
		for _, s := range scopes {
			inScope = inScope || c.Scope == s
		}
		if !inScope || (len(only) > 0 && !matches(c, only)) || matches(c, skip) {
			continue
		}
		out = append(out, c)
	}
	return out, nil
}

// SplitList splits a comma-separated flag value.
func SplitList(vals []string) []string {
	var out []string
	for _, v := range vals {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}
