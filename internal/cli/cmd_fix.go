package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/o365doctor/o365doctor/internal/checks"
	"github.com/o365doctor/o365doctor/internal/config"
	"github.com/o365doctor/o365doctor/internal/fix"
	"github.com/o365doctor/o365doctor/internal/model"
	"github.com/o365doctor/o365doctor/internal/report"
)

// FixOptions are the inputs of `o365doctor fix`.
type FixOptions struct {
	Factory *Factory
	CheckID string
	UPN     string
	Domain  string
	Resume  string
	PlanID  string
	Confirm string
	Yes     bool
	// UsageLocation is the value of a plan that takes one
	// (graph.set-usage-location).
	UsageLocation string
	Conn          connFlags
	Output        outputFlags
}

// NewCmdFix is `o365doctor fix CHECK-ID --user UPN | --domain D [--yes]`.
func NewCmdFix(f *Factory, runF func(context.Context, *FixOptions) error) *cobra.Command {
	opts := &FixOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "fix CHECK-ID --user UPN | --domain D [--yes] [--confirm SUBJECT]",
		Short: "Show the fix plan for a failing check; apply it with --yes",
		Long: `Runs the check, prints the fix plan (every call, field, value now and value after)
and changes nothing unless --yes is given. With --yes the one executor re-reads
each value (and stops if it moved), journals the step, writes, reads back and
verifies; a plan that fails part-way is rolled back. ` + "`o365doctor undo`" + ` reverses it.
A plan that cannot be undone is applied only with --confirm and its subject.

federation.rollover (with --domain) is the certificate rollover assistant: it
generates a new signing key in Okta when there is none (cannot be undone, but
changes no sign-in), then stages the key as Entra's nextSigningCertificate,
makes it Okta's active key and promotes it in Entra, checking after each step
that realm discovery still sends the domain to Okta and Entra trusts the key
Okta signs with; if not, the steps made are rolled back.

Exit codes: 0 nothing to fix, the plan shown, or the fix applied and verified;
1 the check fails and no plan fixes it, or applying failed; 2 usage error;
3 the check could not run.`,
		Example: "  o365doctor fix identity.immutableid-match --user alice@contoso.com\n  o365doctor fix identity.immutableid-match --user alice@contoso.com --yes\n" +
			"  o365doctor fix federation.mfa-behavior --domain contoso.com --yes\n  o365doctor fix identity.okta-user --user alice@contoso.com --yes --confirm alice@contoso.com\n" +
			"  o365doctor fix license.usage-location --user alice@contoso.com --usage-location DE --yes\n" +
			"  o365doctor fix federation.rollover --domain contoso.com   # the certificate rollover assistant",
		Args: func(cmd *cobra.Command, a []string) error {
			if opts.Resume != "" {
				return args(0, "no check ID with --resume")(cmd, a)
			}
			return args(1, "a check ID (`o365doctor checks` lists them)")(cmd, a)
		},
		RunE: func(cmd *cobra.Command, a []string) error {
			if len(a) == 1 {
				opts.CheckID = a[0]
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runFix(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.UPN, "user", "", "the user's UPN (user checks, and their domain's)")
	fl.StringVar(&opts.Domain, "domain", "", "the domain (domain checks: federation, DNS)")
	fl.StringVar(&opts.Resume, "resume", "", "finish the journal entry a crash or Ctrl-C left INCOMPLETE (`o365doctor journal` lists them)")
	fl.StringVar(&opts.PlanID, "plan", "", "which plan, when the check offers several (default: the first)")
	fl.BoolVar(&opts.Yes, "yes", false, "apply the plan (without it nothing is changed)")
	fl.StringVar(&opts.Confirm, "confirm", "", "the plan's subject (the UPN or domain), typed, to apply a plan that cannot be undone")
	fl.StringVar(&opts.UsageLocation, "usage-location", "", "the country (two letters, ISO 3166-1) for graph.set-usage-location when Okta's profile holds none, or instead of Okta's")
	opts.Conn.register(cmd, f.env)
	opts.Output.register(cmd, "text", "json")
	return cmd
}

// fixOutput is what `fix --json` prints.
type fixOutput struct {
	CheckID string      `json:"checkId"`
	Before  string      `json:"statusBefore"`
	Plan    *report.Fix `json:"plan,omitempty"`
	Applied bool        `json:"applied"`
	Entry   string      `json:"journalEntry,omitempty"`
	After   string      `json:"statusAfter,omitempty"`
	Message string      `json:"message"`
}

func runFix(ctx context.Context, opts *FixOptions) error {
	if opts.Resume != "" {
		return runResume(ctx, opts)
	}
	rollover := opts.CheckID == checks.RolloverPlanID
	if rollover {
		if opts.Domain == "" || opts.UPN != "" {
			return usageErr("fix %s needs --domain D (the federated domain whose signing key is rolled)", checks.RolloverPlanID)
		}
		if opts.PlanID != "" || opts.UsageLocation != "" {
			return usageErr("fix %s chooses its plans itself and takes no --plan or --usage-location", checks.RolloverPlanID)
		}
		opts.CheckID = checks.CertExpiry.ID
	}
	c, ok := checks.Lookup(opts.CheckID)
	if !ok {
		return usageErr("unknown check %q; `o365doctor checks` lists them", opts.CheckID)
	}
	var subject checks.Subject
	switch {
	case opts.UPN != "" && opts.Domain != "":
		return usageErr("fix %s takes --user UPN or --domain D, not both", c.ID)
	case opts.Domain != "":
		if c.Scope != checks.ScopeDomain {
			return usageErr("fix %s is a %s check: give --user UPN", c.ID, c.Scope)
		}
		d, err := normaliseDomain(opts.Domain, "--domain")
		if err != nil {
			return err
		}
		subject = checks.DomainSubject(d)
	case opts.UPN != "":
		if c.Scope != checks.ScopeUser && c.Scope != checks.ScopeDomain {
			return usageErr("fix %s: only user and domain checks have fixes in this version", c.ID)
		}
		if err := validateUPN(opts.UPN); err != nil {
			return err
		}
		subject = checks.UserSubject(opts.UPN)
	default:
		return usageErr("fix %s needs --user UPN or --domain D", c.ID)
	}
	format, err := opts.Output.format()
	if err != nil {
		return err
	}
	asJSON := format == "json"
	f := opts.Factory
	_, ses, err := sessionFor(ctx, f, &opts.Conn)
	if err != nil {
		return err
	}
	check := func() checks.Result {
		return checks.Run(ctx, []*checks.Check{c}, subject, ses.sources, ses.runOptions(subject), nil)[0]
	}
	out := f.IO.Out
	res := check()
	fo := fixOutput{CheckID: c.ID, Before: string(res.Status)}
	emit := func(code int, msg string) error {
		fo.Message = model.CleanLines(config.Mask(msg))
		if asJSON {
			if err := writeJSON(out, fo); err != nil {
				return err
			}
		} else {
			fmt.Fprintln(out, fo.Message)
		}
		if code != ExitOK {
			return silentExit(code)
		}
		return nil
	}
	if ctx.Err() != nil {
		return withCode(ExitInterrupted, errors.New("interrupted"))
	}
	if res.Status == checks.StatusError || res.Status == checks.StatusSkipped {
		return withCode(ExitNothingRan, fmt.Errorf("cannot plan a fix: %s is %s: %s", c.ID, res.Status, res.Message))
	}
	if rollover {
		return runRollover(ctx, opts, c, ses, check, res, &fo, emit, asJSON)
	}
	plans := res.Fixes()
	if len(plans) == 0 {
		if res.Status == checks.StatusPass {
			return emit(ExitOK, fmt.Sprintf("%s is %s: %s\nNothing to fix.", c.ID, report.Label(string(res.Status)), res.Message))
		}
		return emit(ExitFail, fmt.Sprintf("%s is %s: %s\no365doctor has no automatic fix for this finding; `o365doctor explain %s` says what to do.", c.ID, report.Label(string(res.Status)), res.Message, c.ID))
	}
	plan := plans[0]
	if opts.PlanID != "" {
		found := 0
		for _, p := range plans {
			if p.ID == opts.PlanID {
				plan, found = p, found+1
			}
		}
		switch {
		case found == 0:
			return usageErr("check %s offers no plan %q", c.ID, opts.PlanID)
		case found > 1:
			return usageErr("check %s offers %d plans named %q; o365doctor cannot tell which you mean", c.ID, found, opts.PlanID)
		}
	}
	if opts.UsageLocation != "" {
		if plan.Input == nil || plan.Input.Flag != "usage-location" {
			return usageErr("plan %s takes no --usage-location", plan.ID)
		}
		if plan, err = plan.WithInput(opts.UsageLocation); err != nil {
			return usageErr("%v", err)
		}
	}
	applied, err := showAndApply(ctx, opts, c, ses, res, plan, &fo, emit, asJSON)
	if err != nil || !applied {
		return err
	}
	after := check()
	fo.After = string(after.Status)
	msg := fmt.Sprintf("Applied (journal entry %s). %s is now %s: %s", fo.Entry, c.ID, report.Label(string(after.Status)), after.Message)
	if plan.Reversible {
		msg += "\nUndo with: o365doctor undo " + fo.Entry
	} else {
		msg += "\nThis change cannot be undone."
	}
	return emit(ExitOK, msg)
}

// showAndApply prints the plan and, with --yes (and --confirm for a plan
// that cannot be undone), applies it. applied is false when it was only
// shown; err is the exit already emitted, or a usage error.
func showAndApply(ctx context.Context, opts *FixOptions, c *checks.Check, ses *session, res checks.Result, plan fix.Plan,
	fo *fixOutput, emit func(int, string) error, asJSON bool) (applied bool, err error) {
	out := opts.Factory.IO.Out
	shown := report.ConvertFix(plan)
	fo.Plan = &shown
	if !asJSON {
		fmt.Fprintf(out, "%s is %s: %s\n\nPlan %s\n%s\n", c.ID, report.Label(string(res.Status)), config.Shown(res.Message), plan.ID, model.CleanLines(config.Mask(plan.Preview())))
	}
	if plan.Missing() {
		if !opts.Yes {
			return false, emit(ExitOK, fmt.Sprintf("Nothing was changed. This plan needs %s: re-run with --%s and --yes.", plan.Input.Prompt, plan.Input.Flag))
		}
		return false, usageErr("plan %s needs %s: give --%s", plan.ID, plan.Input.Prompt, plan.Input.Flag)
	}
	if !opts.Yes {
		how := "--yes"
		if !plan.Reversible {
			how = "--yes --confirm " + plan.Subject + " (it cannot be undone)"
		}
		return false, emit(ExitOK, "Nothing was changed. Re-run with "+how+" to apply this plan.")
	}
	if ses.settings.ReadOnly {
		return false, emit(ExitFail, "Not applied: "+fix.ErrReadOnly.Error())
	}
	if !plan.Reversible && !strings.EqualFold(strings.TrimSpace(opts.Confirm), plan.Subject) {
		return false, usageErr("plan %s cannot be undone; to apply it, confirm by typing its subject: --confirm %s", plan.ID, plan.Subject)
	}
	entry, err := ses.executor.Apply(ctx, plan)
	if err != nil {
		var stale *fix.StaleError
		switch {
		case errors.As(err, &stale):
			return false, emit(ExitFail, err.Error())
		case ctx.Err() != nil:
			return false, emit(ExitInterrupted, "Interrupted: "+err.Error())
		}
		return false, emit(ExitFail, "Fix failed: "+err.Error())
	}
	fo.Applied, fo.Entry = true, entry.ID
	return true, nil
}

// runRollover is the certificate rollover assistant: a new key in Okta
// when there is none, then the rollover with the federation checked after
// each step.
func runRollover(ctx context.Context, opts *FixOptions, c *checks.Check, ses *session, check func() checks.Result, res checks.Result,
	fo *fixOutput, emit func(int, string) error, asJSON bool) error {
	pick := func(r checks.Result) (fix.Plan, bool) {
		for _, p := range r.Fixes() {
			if p.ID == checks.RolloverPlanID || p.ID == checks.GenerateKeyPlanID {
				return p, true
			}
		}
		return fix.Plan{}, false
	}
	var entries []string
	for range 2 {
		plan, ok := pick(res)
		if !ok {
			if len(entries) > 0 {
				return emit(ExitFail, fmt.Sprintf("Okta's new key was generated (journal entry %s), but no rollover can be planned: %s", entries[0], res.Message))
			}
			if res.Status == checks.StatusPass {
				return emit(ExitOK, fmt.Sprintf("%s is %s: %s\nNothing to roll.", c.ID, report.Label(string(res.Status)), res.Message))
			}
			return emit(ExitFail, fmt.Sprintf("%s is %s: %s\nNo rollover can be planned (it needs the domain federated to the Okta app and Graph's federation).", c.ID, report.Label(string(res.Status)), res.Message))
		}
		// Each phase reports its own outcome: a failed rollover must not
		// show the key generation's entry as the one applied.
		fo.Applied, fo.Entry = false, ""
		applied, err := showAndApply(ctx, opts, c, ses, res, plan, fo, emit, asJSON)
		if err != nil || !applied {
			if err == nil && plan.ID == checks.GenerateKeyPlanID && !asJSON {
				fmt.Fprintln(opts.Factory.IO.Out, "Then: stage the new key as Entra's nextSigningCertificate, make it Okta's active key, promote it in Entra.")
			}
			return err
		}
		entries = append(entries, fo.Entry)
		res = check()
		if plan.ID == checks.RolloverPlanID {
			fo.After = string(res.Status)
			return emit(ExitOK, fmt.Sprintf("Rolled (journal entries %s). %s is now %s: %s\nUndo the rollover with: o365doctor undo %s",
				strings.Join(entries, ", "), c.ID, report.Label(string(res.Status)), res.Message, fo.Entry))
		}
		if !asJSON {
			fmt.Fprintf(opts.Factory.IO.Out, "Generated Okta's new key (journal entry %s).\n\n", fo.Entry)
		}
	}
	return emit(ExitFail, "the rollover did not finish: "+res.Message)
}

// runResume is `fix --resume ID`: the executor finishes the entry.
func runResume(ctx context.Context, opts *FixOptions) error {
	f := opts.Factory
	format, err := opts.Output.format()
	if err != nil {
		return err
	}
	_, ses, err := sessionFor(ctx, f, &opts.Conn)
	if err != nil {
		return err
	}
	entry, err := ses.executor.Resume(ctx, opts.Resume)
	if format == "json" && entry.ID != "" {
		if jerr := writeJSON(f.IO.Out, entry); jerr != nil {
			return jerr
		}
	}
	if err != nil {
		return withCode(ExitFail, err)
	}
	if format != "json" {
		fmt.Fprintf(f.IO.Out, "Resumed and applied: %s (journal entry %s, %d of %d steps)\n", model.Clean(entry.Plan.Title), entry.ID, entry.Applied, len(entry.Plan.Steps))
	}
	return nil
}
