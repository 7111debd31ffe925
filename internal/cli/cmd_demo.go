package cli

import (
	"context"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/o365doctor/o365doctor/internal/checks"
)

// DemoOptions are the inputs of `o365doctor demo`.
type DemoOptions struct {
	Factory *Factory
	User    string
	Lab     labFlags
	Conn    connFlags // --timeout only
	Output  outputFlags
	Run     runFlags
}

// NewCmdDemo is `o365doctor demo`.
func NewCmdDemo(f *Factory, runF func(context.Context, *DemoOptions) error) *cobra.Command {
	opts := &DemoOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run o365doctor against the built-in simulated tenant (no credentials needed)",
		Long: `Starts the lab (a simulated Okta org and Entra ID tenant on loopback) and diagnoses
the scenario's affected user. Fixes change only the lab and are journaled in a
temporary journal that is removed when the demo ends.`,
		Example: "  o365doctor demo\n  o365doctor demo --scenario not-assigned --json",
		Args:    args(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runDemo(cmd.Context(), opts)
		},
	}
	opts.Lab.register(cmd)
	cmd.Flags().StringVar(&opts.User, "user", "", "UPN to diagnose (default: the scenario's affected user)")
	opts.Conn.registerTimeout(cmd, f.env)
	opts.Output.register(cmd, "text", "json", "markdown")
	opts.Run.register(cmd, true)
	return cmd
}

func runDemo(ctx context.Context, opts *DemoOptions) error {
	f := opts.Factory
	if err := opts.Run.validate(); err != nil {
		return err
	}
	if _, err := opts.Output.format(); err != nil {
		return err
	}
	l, err := opts.Lab.start(f)
	if err != nil {
		return err
	}
	defer l.Close()
	upn := opts.User
	if upn == "" {
		upn = l.AffectedUser()
	}
	if err := validateUPN(upn); err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "o365doctor-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	s := l.Settings()
	s.Timeout = opts.Conn.Timeout
	s.JournalPath = filepath.Join(dir, "journal.jsonl")
	if err := s.Validate(); err != nil {
		return usageErr("%v", err)
	}
	ses, err := newSession(ctx, f, s)
	if err != nil {
		return err
	}
	sc := l.Scenario
	return diagnosis{f: f, ses: ses, subject: checks.UserSubject(upn), title: "demo · scenario " + sc.Name + ": " + sc.Summary,
		out: opts.Output, run: opts.Run}.do(ctx)
}
