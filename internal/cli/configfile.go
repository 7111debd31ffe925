package cli

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/o365doctor/o365doctor/internal/checks"
)

// The config file ($O365DOCTOR_CONFIG, --config, else
// $XDG_CONFIG_HOME/o365doctor/config.yaml or ~/.config/o365doctor/config.yaml)
// holds, for now, the suppressions: findings accepted for a while, each
// with its reason and an expiry.
//
//	suppressions:
//	  - check: identity.entra-without-okta
//	    object: svc-backup@contoso.com   # a finding's object (UPN, ID or name); omit for every finding of the check
//	    reason: service account, signs in with a certificate
//	    expires: 2027-01-31                  # through the end of that day, UTC
//
// Unknown keys, a check that does not exist, a missing reason or an expiry
// that is not a date are errors naming the line.

type configFile struct {
	Path         string
	Suppressions []checks.Suppression
	Profiles     map[string]profile
}

// defaultConfigPath is where the config file is looked for when no path is
// given.
func defaultConfigPath(env func(string) string) string {
	dir := env("XDG_CONFIG_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return ""
		}
		dir = filepath.Join(home, ".config")
	}
	return filepath.Join(dir, "o365doctor", "config.yaml")
}

// loadConfig reads the config file: path if given (it must exist), else
// $O365DOCTOR_CONFIG (likewise), else the default path if there is one.
func loadConfig(path string, env func(string) string) (configFile, error) {
	explicit := path != ""
	if !explicit {
		path = env("O365DOCTOR_CONFIG")
		explicit = path != ""
	}
	if !explicit {
		path = defaultConfigPath(env)
		if path == "" {
			return configFile{}, nil
		}
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) && !explicit {
		return configFile{}, nil
	}
	if err != nil {
		return configFile{}, usageErr("config file %s: %v", path, errors.Unwrap(err))
	}
	cf, err := parseConfig(path, b)
	if err != nil {
		return cf, err
	}
	for _, name := range sortedKeys(cf.Profiles) {
		if lits := cf.Profiles[name].literalSecrets(); len(lits) > 0 {
			if err := privateFile(path); err != nil {
				return cf, usageErr("config file %s:%d: %s is a secret written in the file, %v; or reference it (env:NAME, file:PATH)", path, lits[0].line, lits[0].key, err)
			}
		}
	}
	return cf, nil
}

// unwrapPathErr drops the path an *fs.PathError repeats.
func unwrapPathErr(err error) error {
	if u := errors.Unwrap(err); u != nil {
		return u
	}
	return err
}

func parseConfig(path string, b []byte) (configFile, error) {
	cf := configFile{Path: path}
	if len(bytes.TrimSpace(b)) == 0 {
		return cf, nil
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return cf, usageErr("config file %s: not YAML: %s", path, oneLineYAML(err))
	}
	if len(doc.Content) == 0 {
		return cf, nil
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return cf, usageErr("config file %s:%d: expected keys (profiles:, suppressions:)", path, root.Line)
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		key, val := root.Content[i], root.Content[i+1]
		if seen[key.Value] {
			return cf, usageErr("config file %s:%d: %s is given twice", path, key.Line, key.Value)
		}
		seen[key.Value] = true
		switch key.Value {
		case "suppressions":
			sups, err := parseSuppressions(path, val)
			if err != nil {
				return cf, err
			}
			cf.Suppressions = sups
		case "profiles":
			profiles, err := parseProfiles(path, val)
			if err != nil {
				return cf, err
			}
			cf.Profiles = profiles
		default:
			return cf, usageErr("config file %s:%d: unknown key %q (the keys are: profiles, suppressions)", path, key.Line, key.Value)
		}
	}
	return cf, nil
}

func parseSuppressions(path string, n *yaml.Node) ([]checks.Suppression, error) {
	if n.Kind == yaml.ScalarNode && (n.Tag == "!!null" || n.Value == "") {
		return nil, nil // "suppressions:" with none yet
	}
	if n.Kind != yaml.SequenceNode {
		return nil, usageErr("config file %s:%d: suppressions is a list (- check: …)", path, n.Line)
	}
	var out []checks.Suppression
	for _, item := range n.Content {
		if item.Kind != yaml.MappingNode {
			return nil, usageErr("config file %s:%d: a suppression has check, reason, expires and maybe object", path, item.Line)
		}
		s := checks.Suppression{Line: item.Line}
		var expires string
		seen := map[string]bool{}
		for i := 0; i+1 < len(item.Content); i += 2 {
			key, val := item.Content[i], item.Content[i+1]
			if val.Kind != yaml.ScalarNode || val.Tag == "!!null" {
				return nil, usageErr("config file %s:%d: %s needs one value", path, val.Line, key.Value)
			}
			if seen[key.Value] {
				return nil, usageErr("config file %s:%d: %s is given twice in one suppression", path, key.Line, key.Value)
			}
			seen[key.Value] = true
			switch key.Value {
			case "check":
				s.Check = strings.TrimSpace(val.Value)
			case "object":
				s.Object = strings.TrimSpace(val.Value)
			case "reason":
				s.Reason = strings.TrimSpace(val.Value)
			case "expires":
				expires = strings.TrimSpace(val.Value)
			default:
				return nil, usageErr("config file %s:%d: unknown key %q in a suppression (check, object, reason, expires)", path, key.Line, key.Value)
			}
		}
		if seen["object"] && s.Object == "" {
			return nil, usageErr("config file %s:%d: suppression of %s: object is empty; name the user or object, or leave the key out to accept every finding of the check", path, item.Line, s.Check)
		}
		if _, ok := checks.Lookup(s.Check); !ok {
			return nil, usageErr("config file %s:%d: suppression of %q: no such check (o365doctor checks lists them)", path, item.Line, s.Check)
		}
		if s.Reason == "" {
			return nil, usageErr("config file %s:%d: suppression of %s: give the reason it is accepted (reason: …)", path, item.Line, s.Check)
		}
		day, err := time.Parse(time.DateOnly, expires)
		if err != nil {
			return nil, usageErr("config file %s:%d: suppression of %s: expires %q: give a date, YYYY-MM-DD (a suppression always ends)", path, item.Line, s.Check, expires)
		}
		s.Expires = day.Add(24*time.Hour - time.Nanosecond) // the end of that day, UTC
		out = append(out, s)
	}
	return out, nil
}

// oneLineYAML is a YAML error on one line, without the library's prefix.
func oneLineYAML(err error) string {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	return strings.Join(strings.Fields(msg), " ")
}
