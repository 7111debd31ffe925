package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/o365doctor/o365doctor/internal/checks"
	"github.com/o365doctor/o365doctor/internal/model"
)

// WatchOptions are the inputs of `o365doctor watch`.
type WatchOptions struct {
	Factory *Factory
	Domain  string
	Expect  string
	Every   time.Duration
	For     time.Duration
	JSON    bool
	Conn    connFlags
}

// minWatchEvery keeps watch from hammering Microsoft's public endpoints.
const minWatchEvery = time.Second

// NewCmdWatch is `o365doctor watch DOMAIN`.
func NewCmdWatch(f *Factory, runF func(context.Context, *WatchOptions) error) *cobra.Command {
	opts := &WatchOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "watch DOMAIN",
		Short: "After a federation change, wait until Microsoft shows the domain as expected",
		Long: `Polls Microsoft's home realm discovery for DOMAIN (and, with Graph credentials,
the domain's authentication type in Entra ID) every --every until the domain
shows as --expect says: federated (to an Okta Office 365 app) or managed.
Without --expect, it waits for what Entra ID says the domain is (Graph
credentials needed). A federation change takes from a minute to hours to reach
realm discovery; watch prints each change it sees with the time elapsed.

Exit codes: 0 the expected state shows, 1 --for ran out first, 2 usage or
configuration error, 4 realm discovery failed 5 times in a row, 130
interrupted.`,
		Example: "  o365doctor watch contoso.com --expect federated\n  o365doctor watch contoso.com --expect managed --every 1m --for 2h\n  o365doctor watch contoso.com --expect federated --json",
		Args:    args(1, "a domain, e.g. contoso.com"),
		RunE: func(cmd *cobra.Command, a []string) error {
			opts.Domain = a[0]
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runWatch(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Expect, "expect", "", "what the domain should become: federated or managed (default: what Entra ID says)")
	fl.DurationVar(&opts.Every, "every", 30*time.Second, "time between two polls (at least 1s)")
	fl.DurationVar(&opts.For, "for", 24*time.Hour, "give up after this long (exit 1)")
	fl.BoolVar(&opts.JSON, "json", false, "print each observation as one JSON object per line")
	opts.Conn.registerMicrosoft(cmd, f.env)
	return cmd
}

// observation is what watch saw at one poll.
type observation struct {
	Elapsed   string `json:"elapsed"`
	Realm     string `json:"realm,omitempty"`   // NameSpaceType
	AuthURL   string `json:"authUrl,omitempty"` // without its query
	Entra     string `json:"entra,omitempty"`   // authenticationType
	Error     string `json:"error,omitempty"`
	Holds     bool   `json:"holds"`
	Expect    string `json:"expect"`
	ExpectSrc string `json:"expectedBy"`
	// Result is set on the last line: holds, timeout (--for ran out) or
	// error (realm discovery failed maxWatchErrors times in a row).
	Result  string `json:"result,omitempty"`
	notOkta bool   // federated, but not to an Okta Office 365 app
}

// maxWatchErrors ends a watch whose every poll fails: a broken login URL
// or network is not "not yet".
const maxWatchErrors = 5

func (o observation) state() string {
	if o.Error != "" {
		return "error: " + o.Error
	}
	s := "realm discovery: " + o.Realm
	if o.AuthURL != "" {
		s += " (" + o.AuthURL + ")"
	}
	if o.notOkta {
		s += ", not an Okta Office 365 app"
	}
	if o.Entra != "" {
		s += "; Entra ID: " + o.Entra
	}
	return s
}

func runWatch(ctx context.Context, opts *WatchOptions) error {
	domain, err := normaliseDomain(opts.Domain, "watch's argument")
	if err != nil {
		return err
	}
	expect, err := parseExpect(opts.Expect)
	if err != nil {
		return err
	}
	switch {
	case opts.Every < minWatchEvery:
		return usageErr("--every %s: poll at most once a second (Microsoft's endpoints are shared)", opts.Every)
	case opts.For <= 0:
		return usageErr("--for %s: give a positive duration, for example 2h", opts.For)
	}
	f := opts.Factory
	s, err := opts.Conn.settings(f.env)
	if err != nil {
		return err
	}
	ses, err := newSession(ctx, f, s)
	if err != nil {
		return err
	}
	src := ses.sources
	by := "--expect"
	if expect == "" {
		if src.Graph == nil {
			return usageErr("watch needs --expect federated|managed (or Graph credentials, to wait for what Entra ID says the domain is)")
		}
		domains, err := src.Graph.Domains(ctx)
		if err != nil {
			return withCode(ExitUsage, fmt.Errorf("reading the domain from Entra ID: %v; give --expect", err))
		}
		d, ok := model.FindDomain(domains, domain)
		if !ok {
			return usageErr("%s is not a domain of the tenant; give --expect federated|managed", domain)
		}
		expect, by = strings.ToLower(d.AuthenticationType), "Entra ID"
	}
	out := f.IO.Out
	start := time.Now()
	deadline := time.NewTimer(opts.For)
	defer deadline.Stop()
	tick := time.NewTicker(opts.Every)
	defer tick.Stop()
	if !opts.JSON {
		fmt.Fprintf(out, "watching %s until it shows %s (expected by %s), every %s for up to %s\n", domain, expect, by, opts.Every, opts.For)
	}
	last, errorsInARow := "", 0
	var o observation
	show := func(o observation) {
		if opts.JSON {
			b, _ := json.Marshal(o)
			fmt.Fprintln(out, string(b))
		} else {
			fmt.Fprintf(out, "+%-8s %s\n", o.Elapsed, o.state())
		}
	}
	// end prints the last observation as the JSON's final line (text
	// says it in a sentence) and returns the exit.
	end := func(result string, code int, text string) error {
		if opts.JSON {
			o.Result = result
			show(o)
		} else {
			fmt.Fprintln(out, text)
		}
		if code == ExitOK {
			return nil
		}
		return silentExit(code)
	}
	for {
		o = observe(ctx, src, domain, expect)
		o.Elapsed, o.Expect, o.ExpectSrc = time.Since(start).Round(time.Second).String(), expect, by
		if ctx.Err() != nil {
			return silentExit(ExitInterrupted)
		}
		if o.Holds {
			return end("holds", ExitOK, fmt.Sprintf("+%-8s %s\n%s is %s after %s", o.Elapsed, o.state(), domain, expect, o.Elapsed))
		}
		if st := o.state(); st != last {
			last = st
			show(o)
		}
		if errorsInARow = map[bool]int{true: errorsInARow + 1, false: 0}[o.Error != ""]; errorsInARow >= maxWatchErrors {
			return end("error", ExitIncomplete, fmt.Sprintf("realm discovery failed %d times in a row; giving up: %s", errorsInARow, o.Error))
		}
		select {
		case <-ctx.Done():
			return silentExit(ExitInterrupted)
		case <-deadline.C:
			return end("timeout", ExitFail, fmt.Sprintf("%s is still not %s after %s; last seen: %s", domain, expect, opts.For, last))
		case <-tick.C:
		}
	}
}

// observe polls realm discovery (and Entra ID when Graph is there) once.
func observe(ctx context.Context, src checks.Sources, domain, expect string) observation {
	var o observation
	r, err := src.Realm.UserRealm(ctx, "o365doctor-realm-probe@"+domain)
	if err != nil {
		o.Error = err.Error()
		return o
	}
	o.Realm = r.NameSpaceType
	if r.Federated() {
		o.AuthURL = checks.Endpoint(r.AuthURL)
	}
	realmHolds := false
	switch expect {
	case "federated":
		realmHolds = r.Federated() && checks.IsOktaAuthURL(r.AuthURL)
		o.notOkta = r.Federated() && !realmHolds
	case "managed":
		realmHolds = r.Managed()
	}
	entraHolds := true
	if src.Graph != nil {
		domains, err := src.Graph.Domains(ctx)
		switch d, ok := model.FindDomain(domains, domain); {
		case err != nil && !errors.Is(err, context.Canceled):
			o.Entra = "(unread: " + err.Error() + ")"
		case ok:
			o.Entra = d.AuthenticationType
			entraHolds = strings.EqualFold(d.AuthenticationType, expect)
		default:
			o.Entra = "(not a domain of the tenant)"
		}
	}
	o.Holds = realmHolds && entraHolds
	return o
}
