package cli

import (
	"context"
	"time"

	"github.com/spf13/cobra"

	"github.com/o365doctor/o365doctor/internal/checks"
)

// UserOptions are the inputs of `o365doctor user`.
type UserOptions struct {
	Factory *Factory
	UPN     string
	Conn    connFlags
	Output  outputFlags
	Run     runFlags
	// Since is how far back the login-loop checks read the user's Okta
	// System Log and Entra sign-ins.
	Since time.Duration
}

// NewCmdUser is `o365doctor user UPN`; runF replaces the run function in
// tests (nil = the real one).
func NewCmdUser(f *Factory, runF func(context.Context, *UserOptions) error) *cobra.Command {
	opts := &UserOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "user UPN",
		Short: "Diagnose why one user cannot sign in to Microsoft 365",
		Long: `Runs every user check for UPN (and the checks of the UPN's domain): the Okta user
and its status, the Office 365 app assignment, the immutableID in Okta and in
Entra ID. On a terminal it opens the interactive view (f previews a fix, y
applies it); otherwise, or with --json / --format, it prints the report.

Exit codes: 0 everything ran and nothing failed, 1 at least one fail (--fail-on
warn widens it), 2 usage or configuration error, 3 nothing could run, 4 nothing
failed but some checks ended in error (the run is incomplete), 130 interrupted.`,
		Example: "  o365doctor user alice@contoso.com\n  o365doctor user alice@contoso.com --json > ticket.json\n  o365doctor user alice@contoso.com --format markdown --redact",
		Args:    args(1, "the user's UPN, e.g. alice@contoso.com"),
		RunE: func(cmd *cobra.Command, a []string) error {
			opts.UPN = a[0]
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runUser(cmd.Context(), opts)
		},
	}
	opts.Conn.register(cmd, f.env)
	opts.Output.register(cmd, "text", "json", "markdown", "junit")
	opts.Run.register(cmd, true)
	opts.Run.registerExpect(cmd)
	opts.Conn.registerResolver(cmd, f.env)
	cmd.Flags().DurationVar(&opts.Since, "since", checks.DefaultSince,
		"how far back the login-loop checks read the user's Okta System Log and Entra sign-ins (e.g. 2h, 72h; at most 180 days)")
	return cmd
}

// maxSince is the oldest the Okta System Log answers (E0000053 past it).
const maxSince = 180 * 24 * time.Hour

func runUser(ctx context.Context, opts *UserOptions) error {
	if err := validateUPN(opts.UPN); err != nil {
		return err
	}
	if opts.Since <= 0 || opts.Since > maxSince {
		return usageErr("--since %s: give a duration from 1m to %s (Okta keeps 180 days of System Log), e.g. 24h", opts.Since, maxSince)
	}
	f := opts.Factory
	s, err := opts.Conn.settings(f.env)
	if err != nil {
		return err
	}
	ses, err := newSession(ctx, f, s)
	if err != nil {
		return err
	}
	subject := checks.UserSubject(opts.UPN)
	subject.Since = opts.Since
	return diagnosis{f: f, ses: ses, subject: subject, out: opts.Output, run: opts.Run}.do(ctx)
}
