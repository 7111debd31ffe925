package cli

import (
	"cmp"
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/o365doctor/o365doctor/internal/checks"
	"github.com/o365doctor/o365doctor/internal/fix"
	"github.com/o365doctor/o365doctor/internal/model"
)

// PreflightOptions are the inputs of `o365doctor preflight`.
type PreflightOptions struct {
	Factory  *Factory
	Domain   string
	Conn     connFlags
	Output   outputFlags
	Run      runFlags
	CSV      string
	Progress bool
	// Resume continues an interrupted listing from its snapshot;
	// KeepSnapshot keeps the snapshot after a run that completed.
	Resume, KeepSnapshot bool
	// AllProfiles runs every profile of the config file.
	AllProfiles bool
}

// NewCmdPreflight is `o365doctor preflight --domain D`.
func NewCmdPreflight(f *Factory, runF func(context.Context, *PreflightOptions) error) *cobra.Command {
	opts := &PreflightOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "preflight --domain DOMAIN",
		Short: "Before and after go-live: the domain's DNS, federation and Okta app, and everyone who would be locked out",
		Long: `Runs every domain and tenant-wide check for DOMAIN:
- DNS: verification TXT, MX, autodiscover, SPF, device registration, DKIM,
  DMARC, propagation across the authoritative nameservers, split horizon;
- federation: realm discovery (judged against --expect, else what Entra ID
  says the domain is), the tenant, Entra's federation configuration against
  the Okta app (endpoints, issuer, signing keys and their expiry, MFA
  behaviour), every federated domain covered, staged rollout, privileged
  accounts in the domain, and whether the domains still to federate can be;
- the Okta Office 365 app: one active instance, WS-Fed, provisioning;
- every Entra ID user of the domain who has no Office 365 app user in Okta
  (one finding per user), read page by page (Okta allows 500 app users a
  page, Graph 999 users): a tenant of 100 000 users takes a few hundred
  requests; progress goes to stderr on a terminal.
A check whose credentials are missing is skipped, naming what to grant.

Exit codes as for user: 0, 1 (a check fails), 2, 3, 4, 130.`,
		Example: "  o365doctor preflight --domain contoso.com\n  o365doctor preflight --domain contoso.com --expect managed\n  o365doctor preflight --domain contoso.com --json > preflight.json",
		Args:    args(0, "no arguments (the domain goes in --domain)"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runPreflight(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Domain, "domain", "", "the domain to check, e.g. contoso.com")
	cmd.Flags().BoolVar(&opts.Progress, "progress", false, "show the listing's progress on stderr even with --json (a line every few seconds when stderr is not a terminal)")
	cmd.Flags().BoolVar(&opts.Resume, "resume", false, "continue an interrupted tenant listing from the pages it had read (kept, mode 0600, beside the fix journal under the state directory)")
	cmd.Flags().BoolVar(&opts.KeepSnapshot, "keep-snapshot", false, "keep the listing's snapshot after a run that completed (it is deleted otherwise)")
	cmd.Flags().StringVar(&opts.CSV, "csv", "", "also write the affected users to this CSV file (mode 0600; masked with --redact)")
	cmd.Flags().BoolVar(&opts.AllProfiles, "all-profiles", false, "run for every profile of the config file, one combined report (as --profile a,b,c does)")
	opts.Conn.registerSystems(cmd, f.env)
	opts.Output.register(cmd, "text", "json", "markdown", "junit")
	opts.Run.register(cmd, true)
	opts.Run.registerExpect(cmd)
	opts.Conn.registerResolver(cmd, f.env)
	return cmd
}

func runPreflight(ctx context.Context, opts *PreflightOptions) error {
	f := opts.Factory
	names, err := profilesToRun(opts.Conn.Profile, opts.AllProfiles, configFlag(opts.Conn.cmd), f.env)
	if err != nil {
		return err
	}
	if names != nil {
		if opts.CSV != "" {
			return usageErr("--csv is for one tenant; run each profile on its own")
		}
		format, err := opts.Output.format()
		if err != nil {
			return err
		}
		return runTenants(ctx, f, names, format, func(ctx context.Context, name string, sub *Factory) error {
			one := *opts
			one.Factory, one.AllProfiles, one.Conn.Profile = sub, false, name
			if one.Domain == "" {
				if one.Domain, err = profileDomain(name, configFlag(opts.Conn.cmd), f.env); err != nil {
					return err
				}
			}
			return runPreflight(ctx, &one)
		})
	}
	if opts.Domain == "" && opts.Conn.Profile != "" {
		if opts.Domain, err = profileDomain(opts.Conn.Profile, configFlag(opts.Conn.cmd), f.env); err != nil {
			return err
		}
	}
	if opts.Domain == "" {
		return usageErr("preflight needs --domain, for example --domain contoso.com")
	}
	domain, display, err := normaliseDomainShown(opts.Domain, "--domain")
	if err != nil {
		return err
	}
	s, err := opts.Conn.settings(f.env)
	if err != nil {
		return err
	}
	ses, err := newSession(ctx, f, s)
	if err != nil {
		return err
	}
	subject := checks.TenantSubject(domain)
	subject.Display = display
	d := diagnosis{f: f, ses: ses, subject: subject, out: opts.Output, run: opts.Run, csvPath: opts.CSV,
		snapshot: checks.SnapshotOptions{Dir: snapshotDir(f.env), Resume: opts.Resume, Keep: opts.KeepSnapshot}}
	// Progress on a terminal's stderr, unless the output is a document
	// for a program (--json, junit); --progress asks for it anyway.
	format, err := opts.Output.format()
	if err != nil {
		return err
	}
	if opts.Progress || f.IO.ErrTTY && format != "json" && format != "junit" {
		p := &progressLine{w: f, plain: !f.IO.ErrTTY}
		d.progress, d.progressDone = p.show, p.done
	}
	return d.do(ctx)
}

// normaliseDomain accepts a domain (any case, a trailing dot, an IDN) or a
// UPN (its domain) and returns the form to query: lower-case ASCII, IDN
// labels in punycode.
func normaliseDomain(in, what string) (string, error) {
	ascii, _, err := normaliseDomainShown(in, what)
	return ascii, err
}

// normaliseDomainShown is normaliseDomain with the form to show people:
// the Unicode form of an internationalised domain, "" when it is the same.
func normaliseDomainShown(in, what string) (ascii, display string, err error) {
	if strings.TrimSpace(in) == "" {
		return "", "", usageErr("%s is empty: give a domain, for example contoso.com", what)
	}
	ascii, display, err = model.NormaliseDomain(in)
	if err != nil {
		return "", "", usageErr("%s: %v", what, err)
	}
	if display == ascii {
		display = ""
	}
	return ascii, display, nil
}

// progressLine shows the tenant listing's progress on one terminal line:
// each side read so far and the time it has taken.
type progressLine struct {
	w     *Factory
	mu    sync.Mutex
	shown bool
	start time.Time
	read  map[string]int
	total map[string]int
	eta   time.Duration
	order []string
	// plain: stderr is no terminal: a whole line at most every 5 s.
	plain bool
	last  time.Time
}

func (p *progressLine) show(pr checks.Progress) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.read == nil {
		p.read, p.total, p.start = map[string]int{}, map[string]int{}, time.Now()
	}
	if pr.Waiting {
		line := fmt.Sprintf("%s, about %s", pr.What, pr.ETA.Round(time.Second))
		if p.plain {
			fmt.Fprintln(p.w.IO.Err, "o365doctor: "+line)
		} else {
			fmt.Fprint(p.w.IO.Err, "\r\033[K"+line)
			p.shown = true
		}
		return
	}
	if _, seen := p.read[pr.What]; !seen {
		p.order = append(p.order, pr.What)
	}
	p.read[pr.What], p.total[pr.What] = pr.Done, pr.Total
	if pr.ETA > 0 || pr.What == "Okta app users" {
		p.eta = pr.ETA
	}
	parts := make([]string, 0, len(p.order))
	for _, what := range p.order {
		part := fmt.Sprintf("%s %d", what, p.read[what])
		if t := p.total[what]; t > 0 {
			part += fmt.Sprintf(" of ~%d", t)
		}
		parts = append(parts, part)
	}
	line := fmt.Sprintf("reading %s · %s", strings.Join(parts, " · "), time.Since(p.start).Round(time.Second))
	if p.eta > 0 {
		line += fmt.Sprintf(" · about %s left", p.eta.Round(time.Second))
	}
	if p.plain {
		if time.Since(p.last) >= 5*time.Second {
			fmt.Fprintln(p.w.IO.Err, "o365doctor: "+line)
			p.last = time.Now()
		}
		return
	}
	fmt.Fprint(p.w.IO.Err, "\r\033[K"+line)
	p.shown = true
}

func (p *progressLine) done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.shown {
		fmt.Fprint(p.w.IO.Err, "\r\033[K")
	}
}

// snapshotDir is where tenant listings keep their snapshots: beside the
// fix journal ($O365DOCTOR_JOURNAL, else under $XDG_STATE_HOME or
// ~/.local/state/o365doctor).
func snapshotDir(env func(string) string) string {
	return filepath.Join(filepath.Dir(cmp.Or(env("O365DOCTOR_JOURNAL"), fix.DefaultJournalPath(env))), "snapshots")
}
