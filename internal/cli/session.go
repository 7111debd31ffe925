package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/o365doctor/o365doctor/internal/checks"
	"github.com/o365doctor/o365doctor/internal/config"
	"github.com/o365doctor/o365doctor/internal/fix"
	"github.com/o365doctor/o365doctor/internal/report"
	"github.com/o365doctor/o365doctor/internal/source/dnsq"
	"github.com/o365doctor/o365doctor/internal/source/graph"
	"github.com/o365doctor/o365doctor/internal/source/okta"
	"github.com/o365doctor/o365doctor/internal/source/realm"
	"github.com/o365doctor/o365doctor/internal/ui"
)

// session is one diagnosis' wiring: the sources, with the one table of
// which can be used, and the fix executor. The CLI and the TUI use the same
// one.
type session struct {
	settings config.Settings
	sources  checks.Sources
	executor *fix.Executor
	okta     *okta.Client  // nil without Okta credentials
	graph    *graph.Client // nil without Graph credentials
	prompt   *promptTarget // where a device code's instructions go
}

// promptTarget is where a sign-in's instructions are shown: stderr, or the
// TUI while it runs.
type promptTarget struct {
	mu sync.Mutex
	to func(string)
}

func (p *promptTarget) say(msg string) {
	p.mu.Lock()
	to := p.to
	p.mu.Unlock()
	to(msg)
}

func (p *promptTarget) set(to func(string)) {
	p.mu.Lock()
	p.to = to
	p.mu.Unlock()
}

// sessionFor reads the settings from the flags and the environment and
// builds the session on them.
func sessionFor(ctx context.Context, f *Factory, conn *connFlags) (config.Settings, *session, error) {
	s, err := conn.settings(f.env)
	if err != nil {
		return s, nil, err
	}
	ses, err := newSession(ctx, f, s)
	return s, ses, err
}

// newSession builds the adapters the settings allow. A source without
// credentials is left out, with the reason its checks will report.
func newSession(ctx context.Context, f *Factory, s config.Settings) (*session, error) {
	// A device code's instructions go to stderr: a person reads them
	// there, and --json stays clean.
	// (The TUI takes them over: on its screen, not under it.)
	prompt := &promptTarget{to: func(msg string) { fmt.Fprintln(f.IO.Err, "o365doctor: "+msg) }}
	s.Prompt = prompt.say
	s.Interactive = f.IO.InTTY || f.IO.ErrTTY
	if s.DebugOn {
		var mu sync.Mutex
		s.Debug = func(line string) {
			mu.Lock()
			defer mu.Unlock()
			fmt.Fprintln(f.IO.Err, "o365doctor debug: "+line)
		}
	}
	// Grants is filled by learnGrants, also after the TUI copied Sources.
	ses := &session{settings: s, sources: checks.Sources{Missing: map[checks.Source]string{}, Grants: map[checks.Source]checks.Grant{}}, prompt: prompt}
	stores := map[string]fix.Store{}
	if ok, why := s.OktaConfigured(); ok {
		c, err := okta.New(ctx, s)
		if err != nil {
			return nil, usageErr("%v", err)
		}
		ses.okta = c
		ses.sources.Okta = c
		stores["okta"] = fix.OktaStore{API: c}
	} else {
		ses.sources.Missing[checks.Okta] = why
	}
	if ok, why := s.GraphConfigured(); ok {
		c, err := graph.New(s)
		if err != nil {
			return nil, usageErr("%v", err)
		}
		ses.graph = c
		ses.sources.Graph = c
		stores["graph"] = fix.GraphStore{API: c}
	} else {
		ses.sources.Missing[checks.Graph] = why
	}
	// Realm discovery and DNS are public: they need no credentials, only
	// where the Microsoft login service and the resolver are.
	if err := publicSources(&ses.sources, s); err != nil {
		return nil, err
	}
	ses.sources.OktaOrg = s.OktaURL
	ses.executor = &fix.Executor{Stores: stores, Journal: fix.OpenJournal(s.JournalPath), Now: f.Now, Invariant: checks.Invariants(ses.sources),
		Target: fix.Target{OktaOrg: s.OktaURL, Tenant: s.TenantID}, ReadOnly: s.ReadOnly,
		InFlight: s.Timeout, Notify: func(msg string) { fmt.Fprintln(f.IO.Err, "o365doctor: "+msg) }}
	return ses, nil
}

// runOptions bound a run: each fact load is one API call (or a few pages)
// and gets the timeout; a check may wait on two loads in a row. A
// tenant-wide check reads every page of two listings: each request is
// bounded by the timeout, the check by the person (Ctrl-C) alone.
func (ses *session) runOptions(subject checks.Subject) checks.RunOptions {
	ro := checks.RunOptions{CheckTimeout: 2 * ses.settings.Timeout, LoadTimeout: ses.settings.Timeout}
	if subject.Kind == checks.ScopeTenant {
		ro.CheckTimeout = 7 * 24 * time.Hour
	}
	return ro
}

// runOptions are the session's, with the diagnosis' snapshot.
func (d *diagnosis) runOptions() checks.RunOptions {
	ro := d.ses.runOptions(d.subject)
	ro.Snapshot = d.snapshot
	ro.Now = d.f.Now
	ro.Suppressions = d.suppressions
	return ro
}

// diagnosis is one run of checks about a subject, shown in the TUI or as a
// report.
type diagnosis struct {
	f       *Factory
	ses     *session
	subject checks.Subject
	title   string // an extra header line (the demo names its scenario)
	// snapshot is where a tenant listing keeps what it read (preflight).
	snapshot checks.SnapshotOptions
	// suppressions are the config file's.
	suppressions []checks.Suppression
	out          outputFlags
	run          runFlags
	// progress, if set, receives news from long checks; progressDone
	// ends it before anything else is printed.
	progress     func(checks.Progress)
	progressDone func()
	// public runs only the checks that need no credentials (recon).
	public bool
	// csvPath, when set, receives the affected users as CSV (preflight).
	csvPath string
}

// do runs the checks and shows them: the TUI on a terminal, otherwise the
// report in the chosen format. It ends with the documented exit code:
// interrupted runs print no report (or, with JSON, one marked interrupted)
// and exit 130.
func (d diagnosis) do(ctx context.Context) error {
	format, err := d.out.format()
	if err != nil {
		return err
	}
	if err := d.run.validate(); err != nil {
		return err
	}
	cf, err := loadConfig(d.run.config(), d.f.env)
	if err != nil {
		return err
	}
	// Suppressed findings stay in every output, the TUI's too, marked;
	// they no longer count toward a check's status or the exit code.
	d.suppressions = cf.Suppressions
	d.subject.Expect = d.run.Expect
	list, err := d.run.selectChecks(d.subject)
	if err != nil {
		return err
	}
	if d.public {
		if list = checks.Public(list); len(list) == 0 {
			return usageErr("--only/--skip left no check that runs without credentials")
		}
	}
	if p := d.ses.settings.Profile; p != "" {
		d.suppressions = append(d.suppressions, cf.Profiles[p].Suppressions...)
	}
	tui := format == "" && d.f.IO.OutTTY && !d.run.NoTUI
	// The CSV file is made before the run, so a path that cannot be
	// written is refused at once, not after a long listing.
	var csvFile *os.File
	if d.csvPath != "" {
		if csvFile, err = os.CreateTemp(filepath.Dir(d.csvPath), ".o365doctor-csv-*"); err != nil {
			return usageErr("--csv %s: %v", d.csvPath, errors.Unwrap(err))
		}
		defer os.Remove(csvFile.Name()) // a no-op once renamed
		defer csvFile.Close()
	}
	// What each credential grants, read from its token before any check
	// runs (after every local refusal: a bad --csv path costs no request):
	// a check whose permission is missing is skipped, saying which,
	// instead of meeting a 403.
	if !d.public && !tui {
		if err := d.ses.learnGrants(ctx, list); err != nil {
			return err
		}
	}
	var results []checks.Result
	if tui {
		opts := ui.Options{
			Title: d.title, Subject: d.subject, Tenant: d.ses.settings.TenantID, OktaOrg: d.ses.settings.OktaURL,
			Checks: list, Sources: d.ses.sources, RunOptions: d.runOptions(), Executor: d.ses.executor,
			In: d.f.IO.In, Out: d.f.IO.Out, Version: Version,
		}
		if !d.public && d.ses.prompt != nil {
			// Behind the view: it shows at once, the checks wait.
			// A refused sign-in then shows as the checks' errors and the
			// banner.
			opts.Prepare = func(ctx context.Context) { _ = d.ses.learnGrants(ctx, list) }
			// A device code's instructions on the view's own lines.
			notices := make(chan string, 4)
			opts.Notices = notices
			d.ses.prompt.set(func(msg string) {
				select {
				case notices <- msg:
				default:
				}
			})
		}
		run := d.f.RunTUI
		if run == nil {
			run = ui.Run
		}
		if results, err = run(ctx, opts); err != nil {
			return withCode(ExitUsage, fmt.Errorf("terminal UI: %w", err))
		}
	} else {
		ro := d.runOptions()
		ro.OnProgress = d.progress
		results = checks.Run(ctx, list, d.subject, d.ses.sources, ro, nil)
		if d.progressDone != nil {
			d.progressDone()
		}
	}
	interrupted := ctx.Err() != nil
	for _, r := range results {
		interrupted = interrupted || r.Interrupted
	}
	rep := report.New(report.Meta{Version: Version, Subject: d.subject, Tenant: d.ses.settings.TenantID, Profile: d.ses.settings.Profile,
		OktaOrg: d.ses.settings.OktaURL, Now: d.f.Now(), Interrupted: interrupted, Redact: d.run.Redact}, results)
	switch {
	case interrupted && format != "json":
		if !tui {
			fmt.Fprintln(d.f.IO.Err, "o365doctor: interrupted; no report (with --json, an interrupted run prints one marked \"interrupted\")")
		}
	case !tui:
		if err := report.Write(d.f.IO.Out, rep, format); err != nil {
			return err
		}
	}
	if csvFile != nil && !interrupted {
		if err := report.WriteCSV(csvFile, rep); err != nil {
			return fmt.Errorf("--csv %s: %w", d.csvPath, err)
		}
		if err := csvFile.Close(); err != nil {
			return fmt.Errorf("--csv %s: %w", d.csvPath, err)
		}
		if err := os.Rename(csvFile.Name(), d.csvPath); err != nil {
			return fmt.Errorf("--csv %s: %w", d.csvPath, err)
		}
	}
	if code := rep.ExitCode(d.run.FailOn == "warn"); code != ExitOK {
		return silentExit(code)
	}
	return nil
}

// publicSources adds realm discovery and DNS, the sources that need no
// credentials. A resolver that cannot be used (no /etc/resolv.conf) leaves
// DNS missing with the reason, its checks skipped; a malformed --resolver
// or O365DOCTOR_LAB_NAMESERVERS is a usage error.
func publicSources(src *checks.Sources, s config.Settings) error {
	rc, err := realm.New(s)
	if err != nil {
		return usageErr("%v", err)
	}
	src.Realm = rc
	ns, err := dnsq.ParseNameservers(s.Nameservers)
	if err != nil {
		return usageErr("O365DOCTOR_LAB_NAMESERVERS: %v", err)
	}
	dc, err := dnsq.New(dnsq.Config{Resolver: s.Resolver, Nameservers: ns, Timeout: dnsTimeout(s.Timeout)})
	switch {
	case err != nil && s.Resolver != "":
		return usageErr("--resolver %q: %v", s.Resolver, err)
	case err != nil:
		if src.Missing == nil {
			src.Missing = map[checks.Source]string{}
		}
		src.Missing[checks.DNS] = fmt.Sprintf("%v; set --resolver (O365DOCTOR_RESOLVER)", err)
	default:
		src.DNS = dc.Named()
	}
	return nil
}

// dnsTimeout is one DNS query's: the API timeout is for HTTP calls that
// may take seconds; a resolver answers in milliseconds or not at all.
func dnsTimeout(api time.Duration) time.Duration {
	return min(api, dnsq.DefaultTimeout)
}

// learnGrants asks for each system's token (a service app asks only for
// the selected checks' Okta scopes) and records what it grants. A sign-in
// that fails records nothing: the checks then fail with its error.
func (ses *session) learnGrants(ctx context.Context, list []*checks.Check) error {
	ctx, cancel := context.WithTimeout(ctx, ses.signInTimeout())
	defer cancel()
	if ses.sources.Grants == nil {
		ses.sources.Grants = map[checks.Source]checks.Grant{}
	}
	var wg sync.WaitGroup
	var oktaGrant, graphGrant *checks.Grant
	var refused error
	if ses.okta != nil && ses.settings.OktaAuth == config.OktaPrivateKey {
		ses.okta.SetScopes(checks.ScopesOf(list, checks.Okta))
		wg.Add(1)
		go func() {
			defer wg.Done()
			info, err := ses.okta.Auth(ctx)
			if err == nil {
				oktaGrant = &checks.Grant{Perms: info.Scopes, Whose: "the service app's token"}
			} else if re := (*okta.RefusedError)(nil); errors.As(err, &re) && re.Code == "invalid_client" {
				// The key, its ID or the client ID is not what Okta
				// holds: a configuration error, before any check.
				refused = err
			}
		}()
	}
	if ses.graph != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if info, err := ses.graph.Token(ctx); err == nil && info.Known {
				whose := "the app's token"
				if info.Delegated {
					whose = "the signed-in admin's token"
				}
				graphGrant = &checks.Grant{Perms: info.Permissions, Whose: whose, Delegated: info.Delegated}
			}
		}()
	}
	wg.Wait()
	if refused != nil {
		return usageErr("%v", refused)
	}
	if oktaGrant != nil {
		ses.sources.Grants[checks.Okta] = *oktaGrant
	}
	if graphGrant != nil {
		ses.sources.Grants[checks.Graph] = *graphGrant
	}
	return nil
}

// signInTimeout bounds a sign-in before the run: the run's timeout, or the
// device code's life (15 minutes) when a person signs in on another device.
func (ses *session) signInTimeout() time.Duration {
	switch ses.settings.GraphAuth {
	case config.GraphDeviceCode:
		return 15 * time.Minute
	case config.GraphAuto:
		if ses.settings.Interactive {
			return 15 * time.Minute
		}
	}
	return ses.settings.Timeout
}
