package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/o365doctor/o365doctor/internal/config"
	"github.com/o365doctor/o365doctor/internal/lab"
)

// NewCmdLab is the `o365doctor lab` group.
func NewCmdLab(f *Factory) *cobra.Command {
	cmd := &cobra.Command{Use: "lab", Short: "Run the simulated tenant (Okta, Graph, Microsoft login, DNS) on loopback"}
	cmd.AddCommand(NewCmdLabServe(f, nil), NewCmdLabScenarios(f, nil), NewCmdLabApprove(f))
	return cmd
}

// LabServeOptions are the inputs of `o365doctor lab serve`.
type LabServeOptions struct {
	Factory *Factory
	Lab     labFlags
	Dir     string
	EnvFile string
	Output  outputFlags
}

// NewCmdLabServe is `o365doctor lab serve`.
func NewCmdLabServe(f *Factory, runF func(context.Context, *LabServeOptions) error) *cobra.Command {
	opts := &LabServeOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve a scenario in the foreground and print the exports that point o365doctor at it",
		Long: `Serves the scenario until interrupted and prints, on stdout, shell lines that set
the Okta, Graph and login URLs, the lab's (random, per start) Okta token and Graph
client secret, the lab CA file, a journal inside the lab's directory (so fixes
made against the lab never reach your real journal), and O365DOCTOR_LAB_USER /
O365DOCTOR_LAB_DOMAIN. With --json it prints the same as one JSON object.

  o365doctor lab serve --scenario immutableid-mismatch --env-file lab.env &
  until [ -s lab.env ] || ! kill -0 $! 2>/dev/null; do sleep 0.1; done; . ./lab.env
  o365doctor user "$O365DOCTOR_LAB_USER"

--env-file is written whole, once the lab answers, and removed when it stops;
it must not exist yet. (The loop also ends if the lab fails to start: its
error is on stderr, and . ./lab.env then says there is no such file.)
Fixes change the lab's state in memory (or in --state-file).`,
		Args: args(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runLabServe(cmd.Context(), opts)
		},
	}
	opts.Lab.register(cmd)
	opts.Lab.registerServe(cmd)
	cmd.Flags().StringVar(&opts.Dir, "dir", "", "directory for the lab CA file and journal (default: a temporary one, removed on exit)")
	cmd.Flags().StringVar(&opts.EnvFile, "env-file", "", "also write the export lines to this file, whole, once the lab is ready")
	opts.Output.register(cmd, "text", "json")
	return cmd
}

func runLabServe(ctx context.Context, opts *LabServeOptions) error {
	f := opts.Factory
	format, err := opts.Output.format()
	if err != nil {
		return err
	}
	if opts.EnvFile != "" {
		// The file is removed when the lab stops: never someone else's.
		if _, err := os.Lstat(opts.EnvFile); err == nil {
			return usageErr("--env-file %s already exists; remove it (a lab that was not stopped cleanly leaves it) or name another file", opts.EnvFile)
		}
	}
	started := time.Now()
	l, err := opts.Lab.start(f)
	if err != nil {
		return err
	}
	defer l.Close()
	if ctx.Err() != nil { // Ctrl-C while a large lab was being built
		return withCode(ExitInterrupted, errors.New("interrupted before the lab was ready"))
	}
	dir := opts.Dir
	if dir == "" {
		if dir, err = os.MkdirTemp("", "o365doctor-lab-"); err != nil {
			return err
		}
		defer os.RemoveAll(dir)
	}
	caFile, err := l.WriteCA(dir)
	if err != nil {
		return err
	}
	// The journal's line last: a script may read up to it.
	lines, err := opts.Lab.authExports(l, dir, l.Exports(caFile))
	if err != nil {
		return err
	}
	lines = append(lines, "export O365DOCTOR_JOURNAL="+filepath.Join(dir, "journal.jsonl"))
	if format == "json" {
		env := map[string]string{}
		for _, line := range lines {
			k, v, _ := strings.Cut(strings.TrimPrefix(line, "export "), "=")
			env[k] = v
		}
		enc := json.NewEncoder(f.IO.Out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(env); err != nil {
			return err
		}
	} else {
		for _, line := range lines {
			fmt.Fprintln(f.IO.Out, line)
		}
	}
	if opts.EnvFile != "" {
		if err := writeFileAtomic(opts.EnvFile, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
			return withCode(ExitUsage, fmt.Errorf("--env-file: %w", err))
		}
		defer os.Remove(opts.EnvFile)
	}
	sc := l.Scenario
	fmt.Fprintf(f.IO.Err, "# o365doctor lab: scenario %s (%s)\n# okta %s  graph %s  login %s  dns %s\n# started in %s%s; serving until interrupted (Ctrl-C)\n",
		sc.Name, sc.Summary, l.OktaURL, l.GraphURL, l.LoginURL, l.DNSAddr, time.Since(started).Round(time.Millisecond), opts.Lab.describe(l))
	<-ctx.Done()
	return nil
}

// writeFileAtomic writes the file whole or not at all: a reader never sees
// half of it, and an interrupt never leaves half of it.
func writeFileAtomic(path string, data []byte, mode os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// LabScenariosOptions are the inputs of `o365doctor lab scenarios`.
type LabScenariosOptions struct {
	Factory *Factory
	Output  outputFlags
}

// NewCmdLabScenarios is `o365doctor lab scenarios`.
func NewCmdLabScenarios(f *Factory, runF func(*LabScenariosOptions) error) *cobra.Command {
	opts := &LabScenariosOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "scenarios",
		Short: "List the built-in scenarios and the checks each is meant to trip",
		Args:  args(0, "no arguments"),
		RunE: func(*cobra.Command, []string) error {
			if runF != nil {
				return runF(opts)
			}
			return runLabScenarios(opts)
		},
	}
	opts.Output.register(cmd, "text", "json")
	return cmd
}

type scenarioInfo struct {
	Name         string   `json:"name"`
	Summary      string   `json:"summary"`
	Trips        []string `json:"trips"`
	AffectedUser string   `json:"affectedUser"`
}

func runLabScenarios(opts *LabScenariosOptions) error {
	format, err := opts.Output.format()
	if err != nil {
		return err
	}
	out := opts.Factory.IO.Out
	var list []scenarioInfo
	for _, name := range lab.ScenarioNames() {
		sc, err := lab.LoadScenario(name)
		if err != nil {
			return err
		}
		list = append(list, scenarioInfo{Name: sc.Name, Summary: sc.Summary, Trips: append([]string{}, sc.Trips...), AffectedUser: sc.AffectedUser})
	}
	if format == "json" {
		return writeJSON(out, list)
	}
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	for _, sc := range list {
		trips := strings.Join(sc.Trips, ",")
		if trips == "" {
			trips = "(none: every check passes)"
		}
		fmt.Fprintf(tw, "%s\t%s\ttrips: %s\n", sc.Name, sc.Summary, trips)
	}
	return tw.Flush()
}

// NewCmdLabApprove is `o365doctor lab approve CODE`: the admin entering a
// device code at microsoft.com/devicelogin, for the lab that
// O365DOCTOR_LOGIN_URL names (on loopback only).
func NewCmdLabApprove(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:     "approve CODE",
		Short:   "Approve a device code sign-in waiting on the lab (as the admin at microsoft.com/devicelogin)",
		Example: "  . ./lab.env; o365doctor lab approve K7QXBZKMA",
		Args:    args(1, "the code the sign-in printed"),
		RunE: func(cmd *cobra.Command, a []string) error {
			login := f.env("O365DOCTOR_LOGIN_URL")
			u, err := url.Parse(login)
			if login == "" || err != nil || u.Scheme != "https" || !net.ParseIP(u.Hostname()).IsLoopback() {
				return usageErr("O365DOCTOR_LOGIN_URL %q is not a lab on loopback; source the lab's exports (. ./lab.env) first", login)
			}
			s := config.Settings{CAFile: f.env("O365DOCTOR_CA_FILE"), Timeout: 10 * time.Second}
			if err := s.Validate(); err != nil {
				return usageErr("%v", err)
			}
			resp, err := s.HTTPClient().PostForm(strings.TrimRight(login, "/")+"/__lab/approve", url.Values{"code": {a[0]}})
			if err != nil {
				return fmt.Errorf("lab approve: %w", err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				return withCode(ExitFail, fmt.Errorf("lab approve: no sign-in is waiting with the code %q", a[0]))
			}
			fmt.Fprintf(f.IO.Out, "approved %s\n", a[0])
			return nil
		},
	}
}
