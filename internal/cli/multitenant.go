package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/o365doctor/o365doctor/internal/config"
)

// tenantRun is one profile's part of a several-tenant run.
type tenantRun struct {
	profile string
	out     bytes.Buffer
	code    int
	err     string // why the tenant printed no report
}

// profilesToRun are the profiles --profile a,b,c or --all-profiles name;
// nil when the run is of one tenant (or none named).
func profilesToRun(flag string, all bool, configPath string, env func(string) string) ([]string, error) {
	names := profileNames(flag)
	if all {
		if len(names) > 0 {
			return nil, usageErr("--all-profiles and --profile %s: give one of them", flag)
		}
		cf, err := loadConfig(configPath, env)
		if err != nil {
			return nil, err
		}
		if len(cf.Profiles) == 0 {
			return nil, usageErr("--all-profiles: the config file has no profiles (o365doctor config init writes an example)")
		}
		return sortedKeys(cf.Profiles), nil
	}
	if len(names) < 2 {
		return nil, nil
	}
	for i, n := range names {
		for _, m := range names[:i] {
			if m == n {
				return nil, usageErr("--profile %s: %s is named twice", flag, n)
			}
		}
	}
	return names, nil
}

// profileDomain is the domain a profile's tenant is checked for.
func profileDomain(name, configPath string, env func(string) string) (string, error) {
	cf, err := loadConfig(configPath, env)
	if err != nil {
		return "", err
	}
	p, ok := cf.Profiles[name]
	if !ok {
		return "", usageErr("--profile %s: no such profile in %s (it has: %s)", name, cf.Path, strings.Join(sortedKeys(cf.Profiles), ", "))
	}
	if p.Domain == "" {
		return "", usageErr("profile %s has no domain: give --domain, or domain: in the profile (%s:%d)", name, cf.Path, p.Line)
	}
	return p.Domain, nil
}

// runTenants runs one per profile, each writing its report into its own
// buffer, then prints them as one: a JSON array of the reports, or a
// section per tenant (markdown, text). Each tenant's failures stay its
// own; the exit code is the most pressing of theirs (interrupted, usage,
// a failure, an incomplete run, nothing ran, all well).
func runTenants(ctx context.Context, f *Factory, names []string, format string, one func(ctx context.Context, name string, f *Factory) error) error {
	if format == "junit" {
		return usageErr("--format junit is for one tenant; run each profile on its own, or use --json")
	}
	runs := make([]*tenantRun, len(names))
	for i, name := range names {
		r := &tenantRun{profile: name}
		runs[i] = r
		sub := *f
		sub.IO.Out, sub.IO.OutTTY = &r.out, false
		err := one(ctx, name, &sub)
		var se silentExit
		var ee *exitError
		switch {
		case err == nil:
		case errors.As(err, &se):
			r.code = int(se)
		case errors.As(err, &ee):
			r.code, r.err = ee.code, oneLineErr(err)
			fmt.Fprintf(f.IO.Err, "o365doctor: profile %s: %s\n", name, r.err)
		default:
			r.code, r.err = ExitUsage, oneLineErr(err)
			fmt.Fprintf(f.IO.Err, "o365doctor: profile %s: %s\n", name, r.err)
		}
		if ctx.Err() != nil {
			break
		}
	}
	w := f.IO.Out
	switch format {
	case "json":
		// Every tenant has its element: its report, or why it has none.
		var docs []string
		for _, r := range runs {
			if r == nil {
				continue
			}
			if r.out.Len() == 0 {
				b, _ := json.MarshalIndent(map[string]any{"profile": r.profile, "error": r.err, "exitCode": r.code}, "  ", "  ")
				docs = append(docs, "  "+string(b))
				continue
			}
			docs = append(docs, strings.TrimSpace(r.out.String()))
		}
		fmt.Fprintf(w, "[\n%s\n]\n", strings.Join(docs, ",\n"))
	default:
		for i, r := range runs {
			if r == nil {
				continue
			}
			if i > 0 {
				fmt.Fprintln(w)
			}
			if format == "markdown" {
				fmt.Fprintf(w, "# Tenant: profile %s\n\n", r.profile)
			} else {
				fmt.Fprintf(w, "=== profile %s ===\n", r.profile)
			}
			if r.out.Len() == 0 {
				fmt.Fprintf(w, "No report: %s (exit %d)\n", r.err, r.code)
			}
			w.Write(r.out.Bytes())
		}
	}
	code := ExitOK
	rank := map[int]int{ExitOK: 0, ExitNothingRan: 1, ExitIncomplete: 2, ExitFail: 3, ExitUsage: 4, ExitInterrupted: 5}
	for _, r := range runs {
		if r != nil && rank[r.code] > rank[code] {
			code = r.code
		}
	}
	if code != ExitOK {
		return silentExit(code)
	}
	return nil
}

func oneLineErr(err error) string {
	return config.Shown(strings.Join(strings.Fields(err.Error()), " "))
}
