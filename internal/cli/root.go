package cli

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/o365doctor/o365doctor/internal/checks"
	"github.com/o365doctor/o365doctor/internal/config"
	"github.com/o365doctor/o365doctor/internal/report"
	"github.com/o365doctor/o365doctor/internal/ui"
)

// Version is set at build time with -ldflags "-X ...cli.Version=v1.2.3".
var Version = "dev"

// Factory carries what commands take from outside: I/O (with the
// environment), the clock, and the TUI runner (tests replace it to drive
// the model without a terminal).
type Factory struct {
	IO  IOStreams
	Now func() time.Time
	// RunTUI runs the interactive program; nil = ui.Run.
	RunTUI func(ctx context.Context, opts ui.Options) ([]checks.Result, error)
}

func (f *Factory) env(key string) string { return f.IO.Getenv(key) }

// Main is the process entry: it runs the command line and returns the exit
// code.
func Main() int {
	// o365doctor reads the environment through Getenv, from a snapshot;
	// the variables the SDKs would read on their own behind its back
	// (OKTA_CLIENT_*, AZURE_REGIONAL_AUTHORITY_NAME, MSAL_FORCE_REGION,
	// proxies, ...) are removed from the process before any client exists.
	// The system's trusted roots take tens of milliseconds to load; load
	// them while the command line is read, not on the way of the first
	// TLS handshake.
	go x509.SystemCertPool() //nolint:errcheck // loaded again, with its error, where used
	io := System()
	env := snapshotEnv()
	io.Getenv = func(k string) string { return env[k] }
	hideSDKEnvironment()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		// After the first Ctrl-C the run winds down; a second one kills
		// the process the default way.
		<-ctx.Done()
		stop()
	}()
	return Run(ctx, os.Args[1:], &Factory{IO: io, Now: time.Now})
}

// hideSDKEnvironment removes from the process the variables the SDKs would
// read on their own (config.SDKEnvironment); o365doctor has read its own
// from a snapshot first.
func hideSDKEnvironment() {
	for _, k := range config.SDKVariablesIn(os.Environ()) {
		os.Unsetenv(k)
	}
}

func snapshotEnv() map[string]string {
	m := map[string]string{}
	for _, kv := range os.Environ() {
		if k, v, ok := strings.Cut(kv, "="); ok {
			m[k] = v
		}
	}
	return m
}

// Run executes one command line and returns the exit code. Errors are
// printed as one line on stderr, masked.
func Run(ctx context.Context, args []string, f *Factory) int {
	if f.Now == nil {
		f.Now = time.Now
	}
	if f.IO.Getenv == nil {
		f.IO.Getenv = func(string) string { return "" }
	}
	root := newRootCmd(f)
	root.SetArgs(args)
	root.SetIn(f.IO.In)
	root.SetOut(f.IO.Out)
	root.SetErr(f.IO.Err)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	var se silentExit
	if errors.As(err, &se) {
		return interrupted(ctx, int(se))
	}
	code := ExitUsage
	var ee *exitError
	switch {
	case errors.As(err, &ee):
		code = ee.code
	case ctx.Err() != nil:
		code = ExitInterrupted
		err = errors.New("interrupted")
	}
	msg := config.Shown(strings.TrimSpace(err.Error()))
	fmt.Fprintf(f.IO.Err, "o365doctor: %s\n", msg)
	return interrupted(ctx, code)
}

// interrupted gives an interrupt its exit code first (docs/output.md): a
// fix that failed because Ctrl-C stopped it exits 130, not 1. A usage
// error stays one.
func interrupted(ctx context.Context, code int) int {
	if ctx.Err() != nil && code != ExitOK && code != ExitUsage {
		return ExitInterrupted
	}
	return code
}

func newRootCmd(f *Factory) *cobra.Command {
	root := &cobra.Command{
		Use:   "o365doctor",
		Short: "Find out why someone cannot sign in to Microsoft 365 federated with Okta, and fix it",
		Long: `o365doctor diagnoses Okta <-> Microsoft 365 (Entra ID) federation: the Okta user
and their Office 365 app assignment, the immutableID both sides hold, and more.
It shows the evidence from both sides and offers previewed, journaled, undoable fixes.

Try it with no tenant at all:  o365doctor demo`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       Version,
	}
	root.SetVersionTemplate("o365doctor {{.Version}} (report schema " + report.SchemaVersion + ")\n")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return usageErr("%v (see --help)", err)
	})
	root.AddCommand(
		NewCmdUser(f, nil),
		NewCmdDemo(f, nil),
		NewCmdPreflight(f, nil),
		NewCmdRecon(f, nil),
		NewCmdWatch(f, nil),
		NewCmdLab(f),
		NewCmdChecks(f, nil),
		NewCmdExplain(f, nil),
		NewCmdFix(f, nil),
		NewCmdUndo(f, nil),
		NewCmdJournal(f, nil),
		NewCmdAuth(f, nil),
		NewCmdConfig(f),
		NewCmdVersion(f, nil),
	)
	return root
}

// args checks the positional arguments and names what is missing.
func args(n int, names string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, a []string) error {
		if len(a) != n {
			return usageErr("%s needs %s (got %d argument(s)); see `%s --help`", cmd.Name(), names, len(a), cmd.CommandPath())
		}
		return nil
	}
}
