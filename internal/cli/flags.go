package cli

import (
	"cmp"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/spf13/cobra"

	"github.com/o365doctor/o365doctor/internal/checks"
	"github.com/o365doctor/o365doctor/internal/config"
	"github.com/o365doctor/o365doctor/internal/fix"
)

// connFlags say where the outside systems are; commands that call an API
// (user, fix, undo) take them.
type connFlags struct {
	OktaURL  string
	GraphURL string
	LoginURL string
	CAFile   string
	Resolver string
	Timeout  time.Duration
	Journal  string
	ReadOnly bool
	timeout  string // O365DOCTOR_TIMEOUT as given, checked by settings
	readOnly string // O365DOCTOR_READ_ONLY as given, checked by settings
	// OktaRateShare is --okta-rate-share; rateShare the environment's.
	OktaRateShare float64
	rateShare     string
	shareFlag     bool // the command takes --okta-rate-share

	// How to sign in (auth.go).
	OktaAuth            string
	OktaClientID        string
	OktaPrivateKey      string // a file, or (from the environment) the key itself
	OktaKeyID           string
	GraphAuth           string
	GraphPublicClientID string
	// Profile is --profile: a profile of the config file (profiles.go).
	Profile string
	// Debug logs every request on stderr.
	Debug bool
	// TokenCache keeps tokens between runs, encrypted (--token-cache).
	TokenCache bool
	cmd        *cobra.Command // for --config and which flags were given
}

func (c *connFlags) register(cmd *cobra.Command, env func(string) string) {
	c.registerSystems(cmd, env)
	c.registerJournal(cmd, env)
	c.readOnly = env("O365DOCTOR_READ_ONLY")
	ro, _ := readOnlyValue(c.readOnly)
	cmd.Flags().BoolVar(&c.ReadOnly, "read-only", ro,
		"refuse every fix and undo before it changes anything [$O365DOCTOR_READ_ONLY]")
}

// registerSystems adds where the systems are and the timeout, for commands
// that change nothing (no journal).
func (c *connFlags) registerSystems(cmd *cobra.Command, env func(string) string) {
	cmd.Flags().StringVar(&c.OktaURL, "okta-url", cmp.Or(env("O365DOCTOR_OKTA_URL"), env("OKTA_CLIENT_ORGURL")), "Okta org URL, e.g. https://contoso.okta.com [$O365DOCTOR_OKTA_URL]; token from $OKTA_API_TOKEN")
	c.rateShare, c.shareFlag = env("O365DOCTOR_OKTA_RATE_SHARE"), true
	def := config.DefaultOktaRateShare
	if v, err := strconv.ParseFloat(c.rateShare, 64); err == nil {
		def = v
	}
	cmd.Flags().Float64Var(&c.OktaRateShare, "okta-rate-share", def,
		"the share of each Okta rate limit a listing may use (0 < share ≤ 1), leaving the rest to the org's other integrations [$O365DOCTOR_OKTA_RATE_SHARE]")
	c.registerOktaAuth(cmd, env)
	c.registerMicrosoft(cmd, env)
}

// registerMicrosoft adds where Microsoft's systems are, the CA file and
// the timeout, for commands that need no Okta (watch).
func (c *connFlags) registerMicrosoft(cmd *cobra.Command, env func(string) string) {
	fl := cmd.Flags()
	fl.StringVar(&c.GraphURL, "graph-url", cmp.Or(env("O365DOCTOR_GRAPH_URL"), config.DefaultGraphURL), "Microsoft Graph base URL [$O365DOCTOR_GRAPH_URL]")
	fl.StringVar(&c.LoginURL, "login-url", cmp.Or(env("O365DOCTOR_LOGIN_URL"), config.DefaultLoginURL), "Microsoft login (authority) URL [$O365DOCTOR_LOGIN_URL]")
	fl.StringVar(&c.CAFile, "ca-file", env("O365DOCTOR_CA_FILE"), "extra trusted CA certificate (PEM) [$O365DOCTOR_CA_FILE]")
	c.registerGraphAuth(cmd, env)
	c.registerTimeout(cmd, env)
	fl.StringVar(&c.Profile, "profile", env("O365DOCTOR_PROFILE"), "a profile of the config file: its Okta org, Entra tenant and their sign-ins [$O365DOCTOR_PROFILE]")
	registerConfigFlag(cmd)
	fl.BoolVar(&c.TokenCache, "token-cache", env("O365DOCTOR_TOKEN_CACHE") != "", "keep access tokens between runs in the state directory, encrypted with a key the OS keyring holds (Linux), so a device-code sign-in is asked once an hour, not every run [$O365DOCTOR_TOKEN_CACHE]")
	fl.BoolVar(&c.Debug, "debug", env("O365DOCTOR_DEBUG") != "", "log every request on stderr: system, method, address without its query, status, time; never a header, body or credential [$O365DOCTOR_DEBUG]")
	c.cmd = cmd
}

// registerResolver adds --resolver, for the commands that run DNS checks;
// the others still read O365DOCTOR_RESOLVER. O365DOCTOR_LAB_NAMESERVERS
// (the lab's nameservers on loopback ports) is read from the environment
// only.
func (c *connFlags) registerResolver(cmd *cobra.Command, env func(string) string) {
	cmd.Flags().StringVar(&c.Resolver, "resolver", env("O365DOCTOR_RESOLVER"), "DNS resolver to ask, IP[:port] (default: the first nameserver of /etc/resolv.conf) [$O365DOCTOR_RESOLVER]")
}

func (c *connFlags) registerTimeout(cmd *cobra.Command, env func(string) string) {
	c.timeout = env("O365DOCTOR_TIMEOUT")
	def := config.DefaultTimeout
	if d, err := time.ParseDuration(c.timeout); err == nil {
		def = d
	}
	cmd.Flags().DurationVar(&c.Timeout, "timeout", def, "timeout of each API call [$O365DOCTOR_TIMEOUT]")
}

func (c *connFlags) registerJournal(cmd *cobra.Command, env func(string) string) {
	cmd.Flags().StringVar(&c.Journal, "journal", cmp.Or(env("O365DOCTOR_JOURNAL"), fix.DefaultJournalPath(env)), "fix journal file [$O365DOCTOR_JOURNAL]")
}

// settings builds the run's settings from the flags and the environment.
// readOnlyValue reads O365DOCTOR_READ_ONLY. A safety switch fails
// closed: a value that is neither on nor off is an error, never "off".
func readOnlyValue(v string) (on, ok bool) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "1", "true", "yes", "y", "on":
		return true, true
	case "", "0", "false", "no", "n", "off":
		return false, true
	}
	return true, false
}

func (c *connFlags) settings(env func(string) string) (config.Settings, error) {
	if _, err := strconv.ParseFloat(c.rateShare, 64); c.rateShare != "" && err != nil {
		return config.Settings{}, usageErr("O365DOCTOR_OKTA_RATE_SHARE=%q is not a number (for example 0.5)", c.rateShare)
	}
	if c.shareFlag && (c.OktaRateShare <= 0 || c.OktaRateShare > 1) {
		return config.Settings{}, usageErr("--okta-rate-share %v: give a share above 0 and at most 1 (0.5 leaves half of each Okta rate limit to the org's other integrations)", c.OktaRateShare)
	}
	if _, ok := readOnlyValue(c.readOnly); !ok {
		return config.Settings{}, usageErr("O365DOCTOR_READ_ONLY=%q is neither on (1, true, yes, on) nor off (0, false, no, off)", c.readOnly)
	}
	if c.timeout != "" {
		if _, err := time.ParseDuration(c.timeout); err != nil {
			return config.Settings{}, usageErr("O365DOCTOR_TIMEOUT=%q is not a duration (for example 30s)", c.timeout)
		}
	}
	s := config.Settings{
		OktaURL:      c.OktaURL,
		OktaToken:    config.NewSecret(cmp.Or(env("OKTA_API_TOKEN"), env("OKTA_CLIENT_TOKEN"))),
		GraphURL:     c.GraphURL,
		LoginURL:     c.LoginURL,
		TenantID:     env("AZURE_TENANT_ID"),
		ClientID:     env("AZURE_CLIENT_ID"),
		ClientSecret: config.NewSecret(env("AZURE_CLIENT_SECRET")),
		CAFile:       c.CAFile,
		Resolver:     cmp.Or(c.Resolver, env("O365DOCTOR_RESOLVER")),
		Nameservers:  env("O365DOCTOR_LAB_NAMESERVERS"),
		Timeout:      c.Timeout,
		JournalPath:  c.Journal,
		ReadOnly:     c.ReadOnly,
		DebugOn:      c.Debug,
		TokenCache:   tokenCachePath(c.TokenCache, env),
		// watch registers no Okta flags: the default share.
		OktaRateShare: cmp.Or(c.OktaRateShare, config.DefaultOktaRateShare),
	}
	if err := c.applyAuth(&s, env); err != nil {
		return config.Settings{}, err
	}
	if err := s.Validate(); err != nil {
		return config.Settings{}, usageErr("%v", err)
	}
	return s, nil
}

// outputFlags choose the output format.
type outputFlags struct {
	JSON    bool
	Format  string
	formats []string // what this command can print
}

// register adds --json and --format; formats are the ones the command
// prints (the first is its default).
func (o *outputFlags) register(cmd *cobra.Command, formats ...string) {
	o.formats = formats
	cmd.Flags().BoolVar(&o.JSON, "json", false, "print JSON (same as --format json)")
	cmd.Flags().StringVar(&o.Format, "format", "", "output format: "+strings.Join(formats, ", "))
}

// format resolves --json / --format: "" means the default (the TUI, where
// the command has one).
func (o *outputFlags) format() (string, error) {
	f := strings.ToLower(o.Format)
	if f == "md" {
		f = "markdown"
	}
	if o.JSON {
		if f != "" && f != "json" {
			return "", usageErr("--json and --format %s disagree", o.Format)
		}
		f = "json"
	}
	if f == "" {
		return "", nil
	}
	for _, known := range o.formats {
		if f == known {
			return f, nil
		}
	}
	return "", usageErr("--format %q: use %s", o.Format, strings.Join(o.formats, ", "))
}

// runFlags choose which checks run and what fails the run.
type runFlags struct {
	FailOn     string
	Only, Skip []string
	NoTUI      bool
	Redact     bool
	// Expect is --expect, on commands that judge a domain's federation.
	Expect string
	cmd    *cobra.Command // for --config
}

// config is --config: the config file (profiles, suppressions).
func (r *runFlags) config() string { return configFlag(r.cmd) }

// registerConfigFlag adds --config once: commands with run and connection
// flags share it.
func registerConfigFlag(cmd *cobra.Command) {
	if cmd.Flags().Lookup("config") == nil {
		cmd.Flags().String("config", "", "config file: profiles and suppressions [$O365DOCTOR_CONFIG] (default ~/.config/o365doctor/config.yaml, if it exists)")
	}
}

// configFlag is the command's --config.
func configFlag(cmd *cobra.Command) string {
	if cmd == nil {
		return ""
	}
	if f := cmd.Flags().Lookup("config"); f != nil {
		return f.Value.String()
	}
	return ""
}

// registerExpect adds --expect, for commands that judge the domain's
// federation against the phase of a change.
func (r *runFlags) registerExpect(cmd *cobra.Command) {
	cmd.Flags().StringVar(&r.Expect, "expect", "", "what the domain should be: federated or managed (default: what Entra ID says it is)")
}

func (r *runFlags) register(cmd *cobra.Command, withTUI bool) {
	fl := cmd.Flags()
	fl.StringVar(&r.FailOn, "fail-on", "fail", "exit 1 on: fail, or warn")
	fl.StringSliceVar(&r.Only, "only", nil, "run only these checks or areas (comma-separated)")
	fl.StringSliceVar(&r.Skip, "skip", nil, "skip these checks or areas (comma-separated)")
	if withTUI {
		fl.BoolVar(&r.NoTUI, "no-tui", false, "print the report instead of opening the interactive view")
	} else {
		r.NoTUI = true
	}
	registerConfigFlag(cmd)
	r.cmd = cmd
	fl.BoolVar(&r.Redact, "redact", false, "mask personal data (UPNs, immutableIDs, names) in the report, the same value always the same way")
}

func (r *runFlags) validate() error {
	if r.FailOn != "fail" && r.FailOn != "warn" {
		return usageErr("--fail-on %q: use fail or warn", r.FailOn)
	}
	e, err := parseExpect(r.Expect)
	r.Expect = e
	return err
}

// parseExpect reads --expect: federated, managed, or "".
func parseExpect(s string) (string, error) {
	switch e := strings.ToLower(strings.TrimSpace(s)); e {
	case "", "federated", "managed":
		return e, nil
	}
	return "", usageErr("--expect %q: use federated or managed", s)
}

// selectChecks picks the subject's checks, filtered by --only/--skip.
func (r *runFlags) selectChecks(subject checks.Subject) ([]*checks.Check, error) {
	only := checks.SplitList(r.Only)
	list, err := checks.Select(checks.All(), subject.Scopes(), only, checks.SplitList(r.Skip))
	if err != nil {
		return nil, usageErr("%v", err)
	}
	// --only dns asks a user's run for the DNS checks too.
	if subject.Kind == checks.ScopeUser && len(only) == 0 {
		list = checks.ForUserTicket(list)
	}
	if len(list) == 0 {
		return nil, usageErr("--only/--skip left no %s check to run", subject.Kind)
	}
	return list, nil
}

// validateUPN rejects what cannot be a user principal name.
func validateUPN(upn string) error {
	// Control, format (bidi overrides, zero-width) and invalid characters
	// would be shown as something else than what is looked up: refused.
	for _, r := range upn {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == utf8Error || !unicode.IsPrint(r) {
			return usageErr("the user principal name contains a control, invisible or invalid character (%U): give it as name@domain, for example alice@contoso.com", r)
		}
	}
	local, domain, ok := strings.Cut(upn, "@")
	if !ok || local == "" || domain == "" || strings.ContainsAny(upn, " \t/\\\"'<>()[]{},;:") || strings.Count(upn, "@") != 1 ||
		!strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") || strings.Contains(domain, "..") || len(upn) > 256 {
		return usageErr("%q is not a user principal name: give it as name@domain, for example alice@contoso.com", upn)
	}
	return nil
}

const utf8Error = '\uFFFD'

// tokenCachePath is the token cache's file, beside the journal in the
// state directory; "" when not asked for.
func tokenCachePath(on bool, env func(string) string) string {
	if !on {
		return ""
	}
	return filepath.Join(filepath.Dir(cmp.Or(env("O365DOCTOR_JOURNAL"), fix.DefaultJournalPath(env))), "tokens.json")
}
