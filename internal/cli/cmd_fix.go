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
	Conn    connFlags
	Output  outputFlags
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

Exit codes: 0 nothing to fix, the plan shown, or the fix applied and verified;
1 the check fails and no plan fixes it, or applying failed; 2 usage error;
3 the check could not run.`,
		Example: "  o365doctor fix identity.immutableid-match --user alice@contoso.com\n  o365doctor fix identity.immutableid-match --user alice@contoso.com --yes\n  o365doctor fix federation.mfa-behavior --domain contoso.com --yes\n  o365doctor fix identity.okta-user --user alice@contoso.com --yes --confirm alice@contoso.com",
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
	s, ses, err := sessionFor(ctx, f, &opts.Conn)
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
	shown := report.ConvertFix(plan)
	fo.Plan = &shown
	if !asJSON {
		fmt.Fprintf(out, "%s is %s: %s\n\nPlan %s\n%s\n", c.ID, report.Label(string(res.Status)), model.Clean(config.Mask(res.Message)), plan.ID, model.CleanLines(config.Mask(plan.Preview())))
	}
	if !opts.Yes {
		return emit(ExitOK, "Nothing was changed. Re-run with --yes to apply this plan.")
	}
	if s.ReadOnly {
		return emit(ExitFail, "Not applied: "+fix.ErrReadOnly.Error())
	}
	if !plan.Reversible && !strings.EqualFold(strings.TrimSpace(opts.Confirm), plan.Subject) {
		return usageErr("plan %s cannot be undone; to apply it, confirm by typing its subject: --confirm %s", plan.ID, plan.Subject)
	}
	entry, err := ses.executor.Apply(ctx, plan)
	if err != nil {
		var stale *fix.StaleError
		switch {
		case errors.As(err, &stale):
			return emit(ExitFail, err.Error())
		case ctx.Err() != nil:
			return emit(ExitInterrupted, "Interrupted: "+err.Error())
		}
		return emit(ExitFail, "Fix failed: "+err.Error())
	}
	fo.Applied, fo.Entry = true, entry.ID
	after := check()
	fo.After = string(after.Status)
	msg := fmt.Sprintf("Applied (journal entry %s). %s is now %s: %s", entry.ID, c.ID, report.Label(string(after.Status)), after.Message)
	if plan.Reversible {
		msg += "\nUndo with: o365doctor undo " + entry.ID
	} else {
		msg += "\nThis change cannot be undone."
	}
	return emit(ExitOK, msg)
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
