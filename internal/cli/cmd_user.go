package cli

import (
	"context"

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
	opts.Output.register(cmd, "text", "json", "markdown")
	opts.Run.register(cmd, true)
	opts.Run.registerExpect(cmd)
	opts.Conn.registerResolver(cmd, f.env)
	return cmd
}

func runUser(ctx context.Context, opts *UserOptions) error {
	if err := validateUPN(opts.UPN); err != nil {
		return err
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
	return diagnosis{f: f, ses: ses, subject: checks.UserSubject(opts.UPN), out: opts.Output, run: opts.Run}.do(ctx)
}
