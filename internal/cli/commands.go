package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/o365doctor/o365doctor/internal/checks"
	"github.com/o365doctor/o365doctor/internal/config"
	"github.com/o365doctor/o365doctor/internal/fix"
	"github.com/o365doctor/o365doctor/internal/lab"
	"github.com/o365doctor/o365doctor/internal/report"
)

// args checks the positional arguments and names what is missing.
func args(n int, names string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, a []string) error {
		if len(a) != n {
			return usageErr("%s needs %s (got %d argument(s)); see `o365doctor %s --help`", cmd.Name(), names, len(a), cmd.Name())
		}
		return nil
	}
}

func newUserCmd(f *Factory, g *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "user UPN",
		Short: "Diagnose why one user cannot sign in to Microsoft 365",
		Long: `Runs every user check for UPN: the Okta user and its status, the Office 365 app
assignment, the immutableID in Okta and in Entra ID.
On a terminal it opens the interactive view (f previews a fix, y applies it);
otherwise, or with --json / --format, it prints the report.

Exit codes: 0 no failing check, 1 at least one fail (--fail-on warn widens it),
2 usage or configuration error, 3 nothing could run.`,
		Example: "  o365doctor user alice@contoso.com\n  o365doctor user alice@contoso.com --json > ticket.json",
		Args:    args(1, "the user's UPN, e.g. alice@contoso.com"),
		RunE: func(cmd *cobra.Command, a []string) error {
			if err := validateUPN(a[0]); err != nil {
				return err
			}
			ses, err := g.session(cmd.Context(), f)
			if err != nil {
				return err
			}
			return diagnoseUser(cmd.Context(), f, g, ses, a[0], "")
		},
	}
}

func newDemoCmd(f *Factory, g *globalOptions) *cobra.Command {
	var user string
	lo := &labFlags{}
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run o365doctor against the built-in simulated tenant (no credentials needed)",
		Long: `Starts the lab (a simulated Okta org and Entra ID tenant on loopback) and diagnoses
the scenario's affected user. Fixes change only the lab and are journaled in a
temporary journal that is removed when the demo ends.`,
		Args: args(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			l, err := lo.start(f)
			if err != nil {
				return err
			}
			defer l.Close()
			sc := l.Scenario
			s := l.Settings()
			s.Timeout = g.Timeout
			dir, err := os.MkdirTemp("", "o365doctor-demo-")
			if err != nil {
				return err
			}
			defer os.RemoveAll(dir)
			s.JournalPath = dir + "/journal.jsonl"
			if err := s.Validate(); err != nil {
				return err
			}
			ses, err := newSession(cmd.Context(), f, s)
			if err != nil {
				return err
			}
			upn := user
			if upn == "" {
				upn = l.AffectedUser()
			}
			if err := validateUPN(upn); err != nil {
				return err
			}
			return diagnoseUser(cmd.Context(), f, g, ses, upn, "demo · scenario "+sc.Name+": "+sc.Summary)
		},
	}
	lo.register(cmd)
	cmd.Flags().StringVar(&user, "user", "", "UPN to diagnose (default: the scenario's affected user)")
	return cmd
}

func newLabCmd(f *Factory, g *globalOptions) *cobra.Command {
	cmd := &cobra.Command{Use: "lab", Short: "Run the simulated tenant (Okta, Graph, Microsoft login) on loopback"}
	var caDir string
	lo := &labFlags{}
	serve := &cobra.Command{
		Use:   "serve",
		Short: "Serve a scenario in the foreground and print the exports that point o365doctor at it",
		Long: `Serves the scenario until interrupted and prints shell lines to stdout:

  eval "$(o365doctor lab serve --scenario immutableid-mismatch &)"   # or copy them

They set the Okta, Graph and login URLs, the lab's (random, per start) Okta token
and Graph client secret, the lab CA file, and O365DOCTOR_LAB_USER /
O365DOCTOR_LAB_DOMAIN. Fixes change the lab's state in memory.`,
		Args: args(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			started := time.Now()
			l, err := lo.start(f)
			if err != nil {
				return err
			}
			defer l.Close()
			sc := l.Scenario
			dir := caDir
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
			for _, line := range l.Exports(caFile) {
				fmt.Fprintln(f.IO.Out, line)
			}
			fmt.Fprintf(f.IO.Err, "# o365doctor lab: scenario %s (%s)\n# okta %s  graph %s  login %s  dns %s\n# started in %s%s; serving until interrupted (Ctrl-C)\n",
				sc.Name, sc.Summary, l.OktaURL, l.GraphURL, l.LoginURL, l.DNSAddr, time.Since(started).Round(time.Millisecond), lo.describe(l))
			<-cmd.Context().Done()
			return nil
		},
	}
	lo.register(serve)
	lo.registerServe(serve)
	serve.Flags().StringVar(&caDir, "ca-dir", "", "directory for the lab CA file (default: a temporary one, removed on exit)")
	list := &cobra.Command{
		Use:   "scenarios",
		Short: "List the built-in scenarios and the checks each is meant to trip",
		Args:  args(0, "no arguments"),
		RunE: func(*cobra.Command, []string) error {
			tw := tabwriter.NewWriter(f.IO.Out, 0, 0, 2, ' ', 0)
			for _, name := range lab.ScenarioNames() {
				sc, err := lab.LoadScenario(name)
				if err != nil {
					return err
				}
				trips := strings.Join(sc.Trips, ",")
				if trips == "" {
					trips = "(none: every check passes)"
				}
				fmt.Fprintf(tw, "%s\t%s\ttrips: %s\n", sc.Name, sc.Summary, trips)
			}
			return tw.Flush()
		},
	}
	cmd.AddCommand(serve, list)
	return cmd
}

func newChecksCmd(f *Factory, g *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "checks",
		Short: "List the registry of checks",
		Args:  args(0, "no arguments"),
		RunE: func(*cobra.Command, []string) error {
			format, err := g.format()
			if err != nil {
				return err
			}
			return writeChecks(f, checks.All(), format)
		},
	}
}

type checkInfo struct {
	ID         string          `json:"id"`
	Title      string          `json:"title"`
	Area       string          `json:"area"`
	Scope      checks.Scope    `json:"scope"`
	Severity   checks.Severity `json:"severity"`
	Needs      []checks.Source `json:"needs"`
	Doc        string          `json:"doc"`
	References []string        `json:"references"`
}

func writeChecks(f *Factory, list []*checks.Check, format string) error {
	switch format {
	case "json":
		out := []checkInfo{}
		for _, c := range list {
			out = append(out, checkInfo{c.ID, c.Title, c.Area, c.Scope, c.Severity, c.Needs, c.Doc, c.References})
		}
		enc := json.NewEncoder(f.IO.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	case "markdown", "md":
		fmt.Fprint(f.IO.Out, ChecksDoc())
		return nil
	}
	tw := tabwriter.NewWriter(f.IO.Out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSCOPE\tSEVERITY\tNEEDS\tTITLE")
	for _, c := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", c.ID, c.Scope, c.Severity, needs(c), c.Title)
	}
	return tw.Flush()
}

// ChecksDoc is docs/checks.md: the table, then each check's doc, all from
// the registry (a test fails when the file is stale).
func ChecksDoc() string {
	var b strings.Builder
	b.WriteString("# Checks\n\nGenerated by `o365doctor checks --format markdown`; do not edit.\n\n")
	b.WriteString(ChecksTable(checks.All()))
	for _, c := range checks.All() {
		fmt.Fprintf(&b, "\n## `%s` — %s\n\nscope %s · severity %s · needs %s\n\n%s\n", c.ID, c.Title, c.Scope, c.Severity, needs(c), c.Doc)
		if len(c.References) > 0 {
			b.WriteString("\nReferences:\n\n")
			for _, r := range c.References {
				fmt.Fprintf(&b, "- <%s>\n", r)
			}
		}
	}
	return b.String()
}

// ChecksTable is the README's check table, generated from the registry.
func ChecksTable(list []*checks.Check) string {
	var b strings.Builder
	b.WriteString("| check | scope | severity | needs | what it finds |\n| --- | --- | --- | --- | --- |\n")
	for _, c := range list {
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s |\n", c.ID, c.Scope, c.Severity, needs(c), c.Title)
	}
	return b.String()
}

func needs(c *checks.Check) string {
	var s []string
	for _, n := range c.Needs {
		s = append(s, string(n))
	}
	if len(s) == 0 {
		return "-"
	}
	return strings.Join(s, ", ")
}

func newExplainCmd(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "explain CHECK-ID",
		Short: "Explain a check: why it matters, what its fix does, sources",
		Args:  args(1, "a check ID (`o365doctor checks` lists them)"),
		RunE: func(_ *cobra.Command, a []string) error {
			c, ok := checks.Lookup(a[0])
			if !ok {
				return usageErr("unknown check %q; `o365doctor checks` lists them", a[0])
			}
			fmt.Fprintf(f.IO.Out, "%s — %s\nscope %s · severity %s · needs %s\n\n%s\n", c.ID, c.Title, c.Scope, c.Severity, needs(c), c.Doc)
			if len(c.References) > 0 {
				fmt.Fprintln(f.IO.Out, "\nReferences:")
				for _, r := range c.References {
					fmt.Fprintln(f.IO.Out, "  "+r)
				}
			}
			return nil
		},
	}
}

func newFixCmd(f *Factory, g *globalOptions) *cobra.Command {
	var user, planID, confirm string
	var yes bool
	cmd := &cobra.Command{
		Use:   "fix CHECK-ID --user UPN [--yes]",
		Short: "Show the fix plan for a failing check; apply it with --yes",
		Long: `Runs the check, prints the fix plan (every call, field, value now and value after)
and changes nothing unless --yes is given. With --yes the one executor re-reads
each value (and stops if it moved), journals the step, writes, reads back and
verifies; a plan that fails part-way is rolled back. ` + "`o365doctor undo`" + ` reverses it.`,
		Example: "  o365doctor fix identity.immutableid-match --user alice@contoso.com\n  o365doctor fix identity.immutableid-match --user alice@contoso.com --yes",
		Args:    args(1, "a check ID (`o365doctor checks` lists them)"),
		RunE: func(cmd *cobra.Command, a []string) error {
			c, ok := checks.Lookup(a[0])
			if !ok {
				return usageErr("unknown check %q; `o365doctor checks` lists them", a[0])
			}
			if user == "" {
				return usageErr("fix %s needs --user UPN", c.ID)
			}
			if err := validateUPN(user); err != nil {
				return err
			}
			format, err := g.format()
			if err != nil {
				return err
			}
			ses, err := g.session(cmd.Context(), f)
			if err != nil {
				return err
			}
			return runFix(cmd, f, ses, c, user, planID, confirm, yes, format == "json")
		},
	}
	cmd.Flags().StringVar(&user, "user", "", "the user's UPN")
	cmd.Flags().StringVar(&planID, "plan", "", "which plan, when the check offers several (default: the first)")
	cmd.Flags().BoolVar(&yes, "yes", false, "apply the plan (without it nothing is changed)")
	cmd.Flags().StringVar(&confirm, "confirm", "", "the plan's ID, to apply a plan that cannot be undone")
	return cmd
}

type fixOutput struct {
	CheckID string        `json:"checkId"`
	Before  checks.Status `json:"statusBefore"`
	Plan    *fix.Plan     `json:"plan,omitempty"`
	Applied bool          `json:"applied"`
	Entry   string        `json:"journalEntry,omitempty"`
	After   checks.Status `json:"statusAfter,omitempty"`
	Message string        `json:"message"`
}

func runFix(cmd *cobra.Command, f *Factory, ses *session, c *checks.Check, upn, planID, confirm string, yes, asJSON bool) error {
	ctx := cmd.Context()
	out := f.IO.Out
	res := checks.RunOne(ctx, c, ses.subjectFor(upn), ses.runOptions())
	fo := fixOutput{CheckID: c.ID, Before: res.Status}
	emit := func(msg string) error {
		fo.Message = config.Mask(msg)
		if asJSON {
			enc := json.NewEncoder(out)
			enc.SetIndent("", "  ")
			return enc.Encode(fo)
		}
		fmt.Fprintln(out, fo.Message)
		return nil
	}
	if res.Status == checks.Error || res.Status == checks.Skipped {
		return withCode(ExitNothingRan, fmt.Errorf("cannot plan a fix: %s is %s: %s", c.ID, res.Status, res.Message))
	}
	if len(res.Fixes) == 0 {
		return emit(fmt.Sprintf("%s is %s: %s\nno fix to apply", c.ID, res.Status, res.Message))
	}
	plan := res.Fixes[0]
	if planID != "" {
		found := false
		for _, p := range res.Fixes {
			if p.ID == planID {
				plan, found = p, true
			}
		}
		if !found {
			return usageErr("check %s offers no plan %q", c.ID, planID)
		}
	}
	fo.Plan = &plan
	if !asJSON {
		fmt.Fprintf(out, "%s is %s: %s\n\nPlan %s\n%s\n", c.ID, res.Status, config.Mask(res.Message), plan.ID, config.Mask(plan.Preview()))
	}
	if !yes {
		return emit("Nothing was changed. Re-run with --yes to apply this plan.")
	}
	if !plan.Reversible && confirm != plan.ID {
		return usageErr("plan %s cannot be undone; to apply it anyway add --confirm %s", plan.ID, plan.ID)
	}
	entry, err := ses.executor.Apply(ctx, plan)
	if err != nil {
		var stale *fix.StaleError
		if errors.As(err, &stale) {
			return withCode(ExitFail, err)
		}
		return withCode(ExitFail, fmt.Errorf("fix failed: %w", err))
	}
	fo.Applied, fo.Entry = true, entry.ID
	after := checks.RunOne(ctx, c, ses.subjectFor(upn), ses.runOptions())
	fo.After = after.Status
	return emit(fmt.Sprintf("Applied (journal entry %s). %s is now %s: %s\nUndo with: o365doctor undo %s", entry.ID, c.ID, report.Label(after.Status), after.Message, entry.ID))
}

func newUndoCmd(f *Factory, g *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "undo [JOURNAL-ID]",
		Short: "Reverse the last applied fix, or the named journal entry",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, a []string) error {
			ses, err := g.session(cmd.Context(), f)
			if err != nil {
				return err
			}
			id := ""
			if len(a) == 1 {
				id = a[0]
			}
			entry, err := ses.executor.Undo(cmd.Context(), id)
			if err != nil {
				return withCode(ExitFail, err)
			}
			fmt.Fprintf(f.IO.Out, "Undone: %s (journal entry %s reverses %s)\n", strings.TrimPrefix(entry.Plan.Title, "Undo: "), entry.ID, entry.Undoes)
			for _, st := range entry.Plan.Steps {
				fmt.Fprintf(f.IO.Out, "  %s\n", config.Mask(st.Describe()))
			}
			return nil
		},
	}
}

func newJournalCmd(f *Factory, g *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "journal",
		Short: "List the fixes and undos o365doctor has made",
		Args:  args(0, "no arguments"),
		RunE: func(*cobra.Command, []string) error {
			format, err := g.format()
			if err != nil {
				return err
			}
			entries, err := fix.OpenJournal(g.Journal).Entries()
			if err != nil {
				return withCode(ExitUsage, err)
			}
			if format == "json" {
				if entries == nil {
					entries = []fix.Entry{}
				}
				enc := json.NewEncoder(f.IO.Out)
				enc.SetIndent("", "  ")
				return enc.Encode(entries)
			}
			if len(entries) == 0 {
				fmt.Fprintf(f.IO.Out, "The journal %s is empty.\n", g.Journal)
				return nil
			}
			tw := tabwriter.NewWriter(f.IO.Out, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tTIME\tKIND\tSTATE\tSUBJECT\tTITLE")
			for _, e := range entries {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", e.ID, e.Time.Format("2006-01-02 15:04:05Z"), e.Kind, e.State, e.Plan.Subject, e.Plan.Title)
			}
			return tw.Flush()
		},
	}
}

func newVersionCmd(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  args(0, "no arguments"),
		RunE: func(*cobra.Command, []string) error {
			fmt.Fprintf(f.IO.Out, "o365doctor %s (report schema %s)\n", Version, report.SchemaVersion)
			return nil
		},
	}
}
