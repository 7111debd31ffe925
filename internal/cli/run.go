package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/o365doctor/o365doctor/internal/checks"
	"github.com/o365doctor/o365doctor/internal/config"
	"github.com/o365doctor/o365doctor/internal/fix"
	"github.com/o365doctor/o365doctor/internal/model"
	"github.com/o365doctor/o365doctor/internal/report"
	"github.com/o365doctor/o365doctor/internal/source/graph"
	"github.com/o365doctor/o365doctor/internal/source/okta"
	"github.com/o365doctor/o365doctor/internal/ui"
)

// session is one diagnosis' wiring: sources, the checks to run, the fix
// executor. The CLI and the TUI use the same one.
type session struct {
	settings config.Settings
	sources  checks.Sources
	executor *fix.Executor
	oktaOrg  string
}

// newSession builds the adapters the settings allow. A source without
// credentials is left nil with the reason its checks will report.
func newSession(ctx context.Context, f *Factory, s config.Settings) (*session, error) {
	ses := &session{settings: s, oktaOrg: s.OktaURL}
	stores := map[string]fix.Store{}
	if ok, why := s.OktaConfigured(); ok {
		c, err := okta.New(ctx, s)
		if err != nil {
			return nil, usageErr("%v", err)
		}
		ses.sources.Okta = c
		stores["okta"] = fix.OktaStore{API: c}
	} else {
		ses.sources.OktaWhy = why
	}
	if ok, why := s.GraphConfigured(); ok {
		c, err := graph.New(s)
		if err != nil {
			return nil, usageErr("%v", err)
		}
		ses.sources.Graph = c
	} else {
		ses.sources.GraphWhy = why
	}
	ses.executor = &fix.Executor{Stores: stores, Journal: fix.OpenJournal(s.JournalPath), Now: f.Now}
	return ses, nil
}

// session builds the settings from the flags and environment, then the
// session over them.
func (g *globalOptions) session(ctx context.Context, f *Factory) (*session, error) {
	s, err := g.settings(f.IO.Getenv)
	if err != nil {
		return nil, err
	}
	return newSession(ctx, f, s)
}

// subjectFor returns a user subject with fresh facts: a re-run after a fix
// must not see the values memoised before it.
func (ses *session) subjectFor(upn string) *checks.Subject {
	return &checks.Subject{UPN: upn, Domain: model.DomainOf(upn), Facts: checks.NewFacts(ses.sources, ses.settings.Timeout)}
}

func (ses *session) runOptions() checks.RunOptions {
	return checks.RunOptions{CheckTimeout: 2 * ses.settings.Timeout}
}

// validateUPN rejects what cannot be a user principal name.
func validateUPN(upn string) error {
	local, domain, ok := strings.Cut(upn, "@")
	if !ok || local == "" || domain == "" || strings.ContainsAny(upn, " \t/\\") || strings.Count(upn, "@") != 1 || !strings.Contains(domain, ".") {
		return usageErr("%q is not a user principal name: give it as name@domain, for example alice@contoso.com", upn)
	}
	return nil
}

// diagnoseUser runs the user checks for upn and shows them: the TUI on a
// terminal, otherwise the report in the chosen format. It ends with the
// documented exit code.
func diagnoseUser(ctx context.Context, f *Factory, g *globalOptions, ses *session, upn string, title string) error {
	format, err := g.format()
	if err != nil {
		return err
	}
	if g.FailOn != "fail" && g.FailOn != "warn" {
		return usageErr("--fail-on %q: use fail or warn", g.FailOn)
	}
	list, err := checks.Select(checks.All(), []checks.Scope{checks.ScopeUser, checks.ScopeDomain},
		checks.SplitList(g.Only), checks.SplitList(g.Skip))
	if err != nil {
		return usageErr("%v", err)
	}
	if len(list) == 0 {
		return usageErr("--only/--skip left no check to run")
	}
	meta := report.Meta{Version: Version, SubjectKind: "user", SubjectName: upn,
		Tenant: ses.settings.TenantID, OktaOrg: ses.oktaOrg, Now: f.Now()}
	var results []checks.Result
	if format == "" && f.IO.OutTTY && !g.NoTUI {
		opts := ui.Options{
			Title:      title,
			Subject:    upn,
			Tenant:     ses.settings.TenantID,
			OktaOrg:    ses.oktaOrg,
			Checks:     list,
			NewSubject: func() *checks.Subject { return ses.subjectFor(upn) },
			RunOptions: ses.runOptions(),
			Executor:   ses.executor,
			In:         f.IO.In,
			Out:        f.IO.Out,
		}
		run := f.RunTUI
		if run == nil {
			run = ui.Run
		}
		results, err = run(ctx, opts)
		if err != nil {
			return withCode(ExitUsage, fmt.Errorf("terminal UI: %w", err))
		}
	} else {
		results = checks.Run(ctx, list, ses.subjectFor(upn), ses.runOptions(), nil)
		if err := report.Write(f.IO.Out, report.New(meta, results), format); err != nil {
			return err
		}
	}
	if code := report.New(meta, results).ExitCode(g.FailOn == "warn"); code != 0 {
		return silentExit(code)
	}
	return nil
}
