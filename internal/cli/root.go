package cli

import (
	"context"
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
	"github.com/o365doctor/o365doctor/internal/fix"
	"github.com/o365doctor/o365doctor/internal/ui"
)

// Version is set at build time with -ldflags "-X ...cli.Version=v1.2.3".
var Version = "dev"

// Factory carries what commands take from outside: I/O, the clock, and the
// TUI runner (tests replace it to drive the model without a terminal).
type Factory struct {
	IO  IOStreams
	Now func() time.Time
	// RunTUI runs the interactive program; nil = ui.Run.
	RunTUI func(ctx context.Context, opts ui.Options) ([]checks.Result, error)
}

// globalOptions are the flags every command shares.
type globalOptions struct {
	OktaURL    string
	GraphURL   string
	LoginURL   string
	Resolver   string
	CAFile     string
	Journal    string
	Timeout    time.Duration
	JSON       bool
	Format     string
	FailOn     string
	Only, Skip []string
	NoTUI      bool
}

// Main is the process entry: it runs the command line and returns the exit
// code.
func Main() int {
	// The Okta SDK reads OKTA_CLIENT_* itself and, on a malformed number,
	// prints to stdout (breaking --json). o365doctor reads the two it
	// honours through Getenv and hides the rest from the SDK.
	io := System()
	env := snapshotEnv()
	io.Getenv = func(k string) string { return env[k] }
	for k := range env {
		if strings.HasPrefix(k, "OKTA_CLIENT_") {
			os.Unsetenv(k)
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return Run(ctx, os.Args[1:], &Factory{IO: io, Now: time.Now})
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
		return int(se)
	}
	code := ExitUsage
	var ee *exitError
	if errors.As(err, &ee) {
		code = ee.code
	}
	msg := config.Mask(strings.TrimSpace(err.Error()))
	msg = strings.ReplaceAll(msg, "\n", "; ")
	fmt.Fprintf(f.IO.Err, "o365doctor: %s\n", msg)
	return code
}

func newRootCmd(f *Factory) *cobra.Command {
	g := &globalOptions{}
	env := f.IO.Getenv
	root := &cobra.Command{
		Use:   "o365doctor",
		Short: "Find out why someone cannot sign in to Microsoft 365 federated with Okta, and fix it",
		Long: `o365doctor diagnoses Okta <-> Microsoft 365 (Entra ID) federation: the Okta user
and their Office 365 app assignment, the immutableID both sides hold, and more.
It shows the evidence side by side and offers previewed, journaled, undoable fixes.

Try it with no tenant at all:  o365doctor demo`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       Version,
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return usageErr("%v (see --help)", err)
	})
	pf := root.PersistentFlags()
	pf.StringVar(&g.OktaURL, "okta-url", firstNonEmpty(env("O365DOCTOR_OKTA_URL"), env("OKTA_CLIENT_ORGURL")), "Okta org URL, e.g. https://contoso.okta.com [$O365DOCTOR_OKTA_URL]; token from $OKTA_API_TOKEN")
	pf.StringVar(&g.GraphURL, "graph-url", firstNonEmpty(env("O365DOCTOR_GRAPH_URL"), config.DefaultGraphURL), "Microsoft Graph base URL [$O365DOCTOR_GRAPH_URL]")
	pf.StringVar(&g.LoginURL, "login-url", firstNonEmpty(env("O365DOCTOR_LOGIN_URL"), config.DefaultLoginURL), "Microsoft login (authority) URL [$O365DOCTOR_LOGIN_URL]")
	pf.StringVar(&g.Resolver, "resolver", env("O365DOCTOR_RESOLVER"), "DNS resolver host:port (default: the system's) [$O365DOCTOR_RESOLVER]")
	pf.StringVar(&g.CAFile, "ca-file", env("O365DOCTOR_CA_FILE"), "extra trusted CA certificate (PEM) [$O365DOCTOR_CA_FILE]")
	pf.StringVar(&g.Journal, "journal", firstNonEmpty(env("O365DOCTOR_JOURNAL"), fix.DefaultJournalPath(env)), "fix journal file [$O365DOCTOR_JOURNAL]")
	pf.DurationVar(&g.Timeout, "timeout", envDuration(env, "O365DOCTOR_TIMEOUT", config.DefaultTimeout), "timeout of each API call [$O365DOCTOR_TIMEOUT]")
	pf.BoolVar(&g.JSON, "json", false, "print JSON (same as --format json)")
	pf.StringVar(&g.Format, "format", "", "output format: text, json, markdown (default: the TUI on a terminal, text otherwise)")
	pf.StringVar(&g.FailOn, "fail-on", "fail", "exit 1 on: fail, or warn")
	pf.StringSliceVar(&g.Only, "only", nil, "run only these checks or areas (comma-separated)")
	pf.StringSliceVar(&g.Skip, "skip", nil, "skip these checks or areas (comma-separated)")
	pf.BoolVar(&g.NoTUI, "no-tui", false, "print the report instead of opening the interactive view")

	root.AddCommand(
		newUserCmd(f, g),
		newDemoCmd(f, g),
		newLabCmd(f, g),
		newChecksCmd(f, g),
		newExplainCmd(f),
		newFixCmd(f, g),
		newUndoCmd(f, g),
		newJournalCmd(f, g),
		newVersionCmd(f),
	)
	return root
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// envDuration reads a duration env twin; a malformed value falls back to
// the default here and is reported by settings() as a usage error.
func envDuration(env func(string) string, key string, def time.Duration) time.Duration {
	if v := env(key); v != "" {
		if d, err := time.ParseDuration(v); err == nil {
			return d
		}
	}
	return def
}

// format resolves --json / --format: "" means the TUI may open.
func (g *globalOptions) format() (string, error) {
	f := strings.ToLower(g.Format)
	if g.JSON {
		if f != "" && f != "json" {
			return "", usageErr("--json and --format %s disagree", g.Format)
		}
		f = "json"
	}
	switch f {
	case "", "text", "json", "markdown", "md":
		return f, nil
	}
	return "", usageErr("--format %q: use text, json or markdown", g.Format)
}

// settings builds the run's settings from the flags and the environment.
func (g *globalOptions) settings(env func(string) string) (config.Settings, error) {
	if v := env("O365DOCTOR_TIMEOUT"); v != "" {
		if _, err := time.ParseDuration(v); err != nil {
			return config.Settings{}, usageErr("O365DOCTOR_TIMEOUT=%q is not a duration (for example 30s)", v)
		}
	}
	s := config.Settings{
		OktaURL:      g.OktaURL,
		OktaToken:    config.NewSecret(firstNonEmpty(env("OKTA_API_TOKEN"), env("OKTA_CLIENT_TOKEN"))),
		GraphURL:     g.GraphURL,
		LoginURL:     g.LoginURL,
		TenantID:     env("AZURE_TENANT_ID"),
		ClientID:     env("AZURE_CLIENT_ID"),
		ClientSecret: config.NewSecret(env("AZURE_CLIENT_SECRET")),
		Resolver:     g.Resolver,
		CAFile:       g.CAFile,
		Timeout:      g.Timeout,
		JournalPath:  g.Journal,
	}
	if err := s.Validate(); err != nil {
		return config.Settings{}, usageErr("%v", err)
	}
	return s, nil
}
