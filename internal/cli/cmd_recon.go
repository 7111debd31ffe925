package cli

import (
	"cmp"
	"context"
	"strings"

	"github.com/spf13/cobra"

	"github.com/o365doctor/o365doctor/internal/checks"
	"github.com/o365doctor/o365doctor/internal/config"
)

// ReconOptions are the inputs of `o365doctor recon`.
type ReconOptions struct {
	Factory  *Factory
	Target   string // a domain, or a UPN (realm discovery is asked about it)
	LoginURL string
	CAFile   string
	Resolver string
	Conn     connFlags // --timeout only
	Output   outputFlags
	Run      runFlags
	// Profile and AllProfiles take the domain (and resolver, login URL,
	// CA file) from the config file's profiles; never a credential.
	Profile     string
	AllProfiles bool
	cmd         *cobra.Command
}

// NewCmdRecon is `o365doctor recon DOMAIN|UPN`.
func NewCmdRecon(f *Factory, runF func(context.Context, *ReconOptions) error) *cobra.Command {
	opts := &ReconOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "recon DOMAIN|UPN",
		Short: "What anyone can see of a domain from outside: no credentials asked or read",
		Long: `Runs every check that needs no credentials for DOMAIN (or the domain of UPN):
the DNS checks (verification TXT, MX, autodiscover, SPF, device registration,
DKIM, DMARC, propagation, split horizon) and Microsoft's home realm discovery
(is the domain known, managed or federated, and where are its sign-ins sent;
with --expect, is it what the phase of a change needs). It never asks for,
reads or sends a credential, whatever the environment holds.

Exit codes as for user: 0, 1 (a check fails), 2, 3, 4, 130.`,
		Example: "  o365doctor recon contoso.com\n  o365doctor recon alice@contoso.com --json\n  o365doctor recon --all-profiles --format markdown",
		Args: func(cmd *cobra.Command, a []string) error {
			if len(a) > 1 || len(a) == 0 && opts.Profile == "" && !opts.AllProfiles {
				return usageErr("recon needs a domain or a UPN, e.g. contoso.com (or --profile / --all-profiles: their domains); see `o365doctor recon --help`")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, a []string) error {
			if len(a) == 1 {
				opts.Target = a[0]
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runRecon(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.LoginURL, "login-url", cmp.Or(f.env("O365DOCTOR_LOGIN_URL"), config.DefaultLoginURL), "Microsoft login (authority) URL [$O365DOCTOR_LOGIN_URL]")
	fl.StringVar(&opts.CAFile, "ca-file", f.env("O365DOCTOR_CA_FILE"), "extra trusted CA certificate (PEM) [$O365DOCTOR_CA_FILE]")
	fl.StringVar(&opts.Resolver, "resolver", f.env("O365DOCTOR_RESOLVER"), "DNS resolver to ask, IP[:port] (default: the first nameserver of /etc/resolv.conf) [$O365DOCTOR_RESOLVER]")
	opts.Conn.registerTimeout(cmd, f.env)
	opts.Output.register(cmd, "text", "json", "markdown")
	opts.Run.register(cmd, true)
	opts.Run.registerExpect(cmd)
	fl.StringVar(&opts.Profile, "profile", f.env("O365DOCTOR_PROFILE"), "check the domain of this profile of the config file (several: a,b,c) [$O365DOCTOR_PROFILE]")
	fl.BoolVar(&opts.AllProfiles, "all-profiles", false, "check the domain of every profile of the config file, one combined report")
	opts.cmd = cmd
	return cmd
}

// reconProfiles runs recon for each named profile's domain.
func reconProfiles(ctx context.Context, opts *ReconOptions) (bool, error) {
	f := opts.Factory
	names, err := profilesToRun(opts.Profile, opts.AllProfiles, configFlag(opts.cmd), f.env)
	if err != nil {
		return true, err
	}
	if names == nil && opts.Profile == "" {
		return false, nil
	}
	if names == nil {
		names = profileNames(opts.Profile)
	}
	cf, err := loadConfig(configFlag(opts.cmd), f.env)
	if err != nil {
		return true, err
	}
	one := func(ctx context.Context, name string, sub *Factory) error {
		p, ok := cf.Profiles[name]
		if !ok {
			return usageErr("--profile %s: no such profile in %s (it has: %s)", name, cf.Path, strings.Join(sortedKeys(cf.Profiles), ", "))
		}
		o := *opts
		o.Factory, o.Profile, o.AllProfiles = sub, "", false
		if o.Target == "" {
			if p.Domain == "" {
				return usageErr("profile %s has no domain: give the domain, or domain: in the profile (%s:%d)", name, cf.Path, p.Line)
			}
			o.Target = p.Domain
		}
		changed := func(flag string) bool { return opts.cmd != nil && opts.cmd.Flags().Changed(flag) }
		if p.Resolver != "" && !changed("resolver") {
			o.Resolver = p.Resolver
		}
		if p.LoginURL != "" && !changed("login-url") {
			o.LoginURL = p.LoginURL
		}
		if p.CAFile != "" && !changed("ca-file") {
			o.CAFile = expandHome(p.CAFile)
		}
		return runRecon(ctx, &o)
	}
	if len(names) == 1 {
		return true, one(ctx, names[0], f)
	}
	format, err := opts.Output.format()
	if err != nil {
		return true, err
	}
	return true, runTenants(ctx, f, names, format, one)
}

func runRecon(ctx context.Context, opts *ReconOptions) error {
	if done, err := reconProfiles(ctx, opts); done {
		return err
	}
	domain, display, err := normaliseDomainShown(opts.Target, "recon's argument")
	if err != nil {
		return err
	}
	subject := checks.DomainSubject(domain)
	subject.Display = display
	if strings.Contains(opts.Target, "@") {
		if err := validateUPN(opts.Target); err != nil {
			return err
		}
		subject.UPN = opts.Target // realm discovery answers for this login
	}
	f := opts.Factory
	// Only what the public checks need: no Okta URL, no token, no secret.
	s := config.Settings{LoginURL: opts.LoginURL, CAFile: opts.CAFile, Timeout: opts.Conn.Timeout,
		Resolver: cmp.Or(opts.Resolver, f.env("O365DOCTOR_RESOLVER")), Nameservers: f.env("O365DOCTOR_LAB_NAMESERVERS")}
	if err := s.Validate(); err != nil {
		return usageErr("%v", err)
	}
	// No executor: recon changes nothing (the TUI says so if asked).
	ses := &session{settings: s, sources: checks.Sources{Missing: map[checks.Source]string{
		checks.Okta:  "recon uses no credentials (o365doctor preflight does)",
		checks.Graph: "recon uses no credentials (o365doctor preflight does)",
	}}}
	if err := publicSources(&ses.sources, s); err != nil {
		return err
	}
	return diagnosis{f: f, ses: ses, subject: subject, out: opts.Output, run: opts.Run, public: true}.do(ctx)
}
