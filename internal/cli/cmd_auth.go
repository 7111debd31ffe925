package cli

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/o365doctor/o365doctor/internal/checks"
	"github.com/o365doctor/o365doctor/internal/config"
	"github.com/o365doctor/o365doctor/internal/fix"
)

// AuthOptions are the inputs of `o365doctor auth status`.
type AuthOptions struct {
	Factory *Factory
	Conn    connFlags
	Output  outputFlags
}

// NewCmdAuth is `o365doctor auth`, with its one subcommand, status.
func NewCmdAuth(f *Factory, runF func(context.Context, *AuthOptions) error) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "auth",
		Short: "What o365doctor signs in as, and what each check and fix may do",
		Args:  args(0, "a subcommand (status)"),
	}
	opts := &AuthOptions{Factory: f}
	status := &cobra.Command{
		Use:   "status",
		Short: "Sign in to Okta and Graph and show whose credentials, until when, and which checks and fixes they allow",
		Long: `Signs in to each system with the configured credentials (flags, environment or
--profile) and shows, for each: the credential in use, whose identity it is
(an Okta admin or service app; an Entra app or signed-in admin), when the
token expires, and the permissions it carries (Okta scopes or the admin's
roles; Graph roles or scp). Then a table of every check and fix against what
it needs: ok, or missing PERMISSION. A check whose permission is missing is
skipped before any call when it runs.

No secret, token or assertion is printed, only what they grant.

Exit codes: 0 every configured system signed in, 1 a sign-in failed or no
system is configured, 2 usage or configuration error.`,
		Example: "  o365doctor auth status\n  o365doctor auth status --profile contoso --json",
		Args:    args(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runAuthStatus(cmd.Context(), opts)
		},
	}
	opts.Conn.registerSystems(status, f.env)
	opts.Output.register(status, "text", "json")
	cmd.AddCommand(status)
	return cmd
}

// AuthSystem is one system's sign-in in `auth status --json`.
type AuthSystem struct {
	System     string `json:"system"` // okta | graph
	Configured bool   `json:"configured"`
	SignedIn   bool   `json:"signedIn"`
	// Credential is the kind (api-token, private-key, secret, certificate,
	// azure-cli, device-code, auto); Identity whose it is.
	Credential string    `json:"credential,omitempty"`
	Identity   string    `json:"identity,omitempty"`
	TokenType  string    `json:"tokenType,omitempty"`
	Expires    time.Time `json:"expires,omitzero"`
	// Roles are an Okta admin's roles; Permissions the scopes or roles
	// the credential carries (known false: they cannot be read).
	Roles       []string `json:"roles,omitempty"`
	Permissions []string `json:"permissions"`
	Known       bool     `json:"permissionsKnown"`
	Error       string   `json:"error,omitempty"`
	Endpoint    string   `json:"endpoint,omitempty"`
}

// AuthNeed is one check's or fix permission's verdict.
type AuthNeed struct {
	ID   string `json:"id"`   // check ID, or the fix permission
	Kind string `json:"kind"` // check | fix
	// Okta and Graph are "ok", "missing PERMISSION[, …]", "not needed",
	// "unknown" (the grant cannot be read) or "not configured".
	Okta  string `json:"okta"`
	Graph string `json:"graph"`
}

// AuthStatus is `auth status --json`.
type AuthStatus struct {
	Profile string       `json:"profile,omitempty"`
	Systems []AuthSystem `json:"systems"`
	Needs   []AuthNeed   `json:"needs"`
}

func runAuthStatus(ctx context.Context, opts *AuthOptions) error {
	f := opts.Factory
	format, err := opts.Output.format()
	if err != nil {
		return err
	}
	s, ses, err := sessionFor(ctx, f, &opts.Conn)
	if err != nil {
		return err
	}
	st := AuthStatus{Profile: s.Profile}
	ctx, cancel := context.WithTimeout(ctx, ses.signInTimeout())
	defer cancel()
	ok, oktaWhy := s.OktaConfigured()
	oktaSys := AuthSystem{System: "okta", Configured: ok, Endpoint: s.OktaURL, Error: oktaWhy}
	ok, graphWhy := s.GraphConfigured()
	graphSys := AuthSystem{System: "graph", Configured: ok, Endpoint: s.GraphURL, Error: graphWhy}
	var wg sync.WaitGroup
	graphDelegated := false
	if ses.okta != nil {
		oktaSys.Credential = cmp.Or(s.OktaAuth, config.OktaAPIToken)
		wg.Add(1)
		go func() {
			defer wg.Done()
			ses.okta.SetScopes(checks.ScopesOf(checks.All(), checks.Okta))
			info, err := ses.okta.Auth(ctx)
			if err != nil {
				oktaSys.Error = config.Shown(err.Error())
				return
			}
			oktaSys.SignedIn, oktaSys.Identity, oktaSys.TokenType, oktaSys.Expires = true, info.Identity, info.TokenType, info.Expires
			oktaSys.Roles, oktaSys.Permissions, oktaSys.Known = info.Roles, info.Scopes, true
			if info.Method == config.OktaPrivateKey {
				// What the fixes could do: the token a fix asks for
				// (reads and the manage scopes), as granted.
				if w, err := ses.okta.WriteScopes(ctx); err == nil {
					for _, sc := range w {
						if !slices.Contains(oktaSys.Permissions, sc) {
							oktaSys.Permissions = append(oktaSys.Permissions, sc)
						}
					}
				}
			}
		}()
	}
	if ses.graph != nil {
		graphSys.Credential = cmp.Or(s.GraphAuth, config.GraphSecret)
		wg.Add(1)
		go func() {
			defer wg.Done()
			info, err := ses.graph.Token(ctx)
			if err != nil {
				graphSys.Error = config.Shown(err.Error())
				return
			}
			graphSys.SignedIn, graphSys.Identity, graphSys.Expires = true, info.Identity, info.Expires
			graphSys.TokenType, graphSys.Permissions, graphSys.Known = "Bearer", info.Permissions, info.Known
			graphDelegated = info.Delegated
		}()
	}
	wg.Wait()
	if graphSys.Permissions == nil {
		graphSys.Permissions = []string{}
	}
	if oktaSys.Permissions == nil {
		oktaSys.Permissions = []string{}
	}
	st.Systems = []AuthSystem{oktaSys, graphSys}
	grant := map[checks.Source]AuthSystem{checks.Okta: oktaSys, checks.Graph: graphSys}
	verdict := func(src checks.Source, perms []string) string {
		if len(perms) == 0 {
			return "not needed"
		}
		sys := grant[src]
		if len(perms) == 1 && strings.HasSuffix(perms[0], " (delegated)") && !graphDelegated {
			return "delegated sign-in only"
		}
		switch {
		case !sys.Configured:
			return "not configured"
		case !sys.SignedIn:
			return "sign-in failed"
		case !sys.Known:
			return "unknown"
		}
		g := checks.Grant{Perms: sys.Permissions}
		var missing []string
		for _, p := range perms {
			if !g.Allows(p) {
				missing = append(missing, p)
			}
		}
		if len(missing) > 0 {
			return "missing " + strings.Join(missing, ", ")
		}
		return "ok"
	}
	for _, c := range checks.All() {
		need := map[checks.Source][]string{}
		for _, p := range c.Permissions {
			if !p.Optional {
				need[p.Source] = append(need[p.Source], p.Name)
			}
		}
		if len(need[checks.Okta])+len(need[checks.Graph]) == 0 {
			continue // DNS and realm discovery need no credential
		}
		st.Needs = append(st.Needs, AuthNeed{ID: c.ID, Kind: "check", Okta: verdict(checks.Okta, need[checks.Okta]), Graph: verdict(checks.Graph, need[checks.Graph])})
	}
	for _, p := range []struct {
		perm string
		src  checks.Source
	}{{fix.PermOktaApps, checks.Okta}, {fix.PermOktaUsers, checks.Okta}, {fix.PermGraphUsers, checks.Graph},
		{fix.PermGraphRevokeSessions, checks.Graph}, {fix.PermGraphFederation, checks.Graph}} {
		n := AuthNeed{ID: p.perm, Kind: "fix", Okta: "not needed", Graph: "not needed"}
		v := verdict(p.src, []string{p.perm})
		if p.src == checks.Okta {
			n.Okta = v
		} else {
			n.Graph = v
		}
		st.Needs = append(st.Needs, n)
	}
	if format == "json" {
		enc := json.NewEncoder(f.IO.Out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(st); err != nil {
			return err
		}
	} else {
		writeAuthText(f, st)
	}
	signedIn := 0
	for _, sys := range st.Systems {
		if sys.Configured && !sys.SignedIn {
			return silentExit(ExitFail)
		}
		if sys.SignedIn {
			signedIn++
		}
	}
	if signedIn == 0 {
		return silentExit(ExitFail)
	}
	return nil
}

func writeAuthText(f *Factory, st AuthStatus) {
	w := f.IO.Out
	if st.Profile != "" {
		fmt.Fprintf(w, "profile %s\n\n", st.Profile)
	}
	for _, sys := range st.Systems {
		title := map[string]string{"okta": "Okta", "graph": "Microsoft Graph"}[sys.System]
		fmt.Fprintf(w, "%s  %s\n", title, sys.Endpoint)
		switch {
		case !sys.Configured:
			fmt.Fprintf(w, "  not configured: %s\n\n", sys.Error)
			continue
		case !sys.SignedIn:
			fmt.Fprintf(w, "  credential   %s\n  SIGN-IN FAILED  %s\n\n", sys.Credential, sys.Error)
			continue
		}
		fmt.Fprintf(w, "  credential   %s (%s)\n", sys.Credential, sys.TokenType)
		fmt.Fprintf(w, "  identity     %s\n", sys.Identity)
		if len(sys.Roles) > 0 {
			fmt.Fprintf(w, "  roles        %s\n", strings.Join(sys.Roles, ", "))
		}
		if sys.Expires.IsZero() {
			fmt.Fprintf(w, "  expires      while in use (Okta revokes an API token unused for 30 days)\n")
		} else {
			fmt.Fprintf(w, "  expires      %s (in %s)\n", sys.Expires.UTC().Format(time.RFC3339), time.Until(sys.Expires).Round(time.Minute))
		}
		perms := "(cannot be read from the token)"
		if sys.Known {
			p := slices.Clone(sys.Permissions)
			slices.Sort(p)
			perms = strings.Join(p, ", ")
			if perms == "" {
				perms = "(none)"
			}
		}
		fmt.Fprintf(w, "  grants       %s\n\n", perms)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CHECK / FIX\tOKTA\tGRAPH")
	for _, n := range st.Needs {
		id := n.ID
		if n.Kind == "fix" {
			id = "fix needing " + n.ID
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", id, dash(n.Okta), dash(n.Graph))
	}
	tw.Flush()
}

func dash(v string) string {
	if v == "not needed" {
		return "-"
	}
	return v
}
