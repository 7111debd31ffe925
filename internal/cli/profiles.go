package cli

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/o365doctor/o365doctor/internal/checks"
)

// Profiles in the config file name a tenant each: the Okta org and how to
// sign in to it, the Entra tenant and how to sign in to it, and what else a
// run of that tenant needs. Secrets are referenced, not stored:
//
//	profiles:
//	  contoso:
//	    okta:
//	      url: https://contoso.okta.com
//	      auth: private-key             # or api-token
//	      clientId: 0oa1b2c3d4e5f6g7h8i9
//	      privateKey: file:~/.config/o365doctor/contoso-okta.pem
//	      keyId: o365doctor-2026
//	    entra:
//	      tenant: contoso.onmicrosoft.com
//	      auth: certificate             # secret, certificate, azure-cli, device-code, auto
//	      clientId: 11111111-2222-3333-4444-555555555555
//	      certificate: ~/.config/o365doctor/contoso-graph.pem
//	    resolver: 1.1.1.1
//	    readOnly: true
//	    suppressions: [...]             # added to the file's own
//
// A secret is "env:NAME" (that environment variable) or "file:PATH" (that
// file's contents); a literal secret is accepted only in a file no one
// else can read.

// profile is one tenant's settings from the config file.
type profile struct {
	Name string
	Line int
	// Domain is what preflight and recon check for this tenant.
	Domain string

	OktaURL, OktaAuth, OktaClientID, OktaKeyID string
	OktaToken, OktaPrivateKey                  secretRef
	OktaScopes                                 []string

	TenantID, ClientID, GraphAuth, Certificate, PublicClientID string
	ClientSecret, CertificatePassword                          secretRef

	GraphURL, LoginURL, CAFile, Resolver string
	ReadOnly                             *bool
	Suppressions                         []checks.Suppression
}

// secretRef is a secret as the config file gives it.
type secretRef struct {
	raw  string
	line int
	key  string // profiles.NAME.okta.token, for messages
}

func (r secretRef) set() bool { return r.raw != "" }

// literal: the file holds the secret itself.
func (r secretRef) literal() bool {
	return r.raw != "" && !strings.HasPrefix(r.raw, "env:") && !strings.HasPrefix(r.raw, "file:")
}

// resolve reads the secret: the variable's value or the file's contents.
func (r secretRef) resolve(path string, env func(string) string) (string, error) {
	switch {
	case r.raw == "":
		return "", nil
	case strings.HasPrefix(r.raw, "env:"):
		name := strings.TrimPrefix(r.raw, "env:")
		v := env(name)
		if v == "" {
			return "", usageErr("config file %s:%d: %s names $%s, which is not set", path, r.line, r.key, name)
		}
		return v, nil
	case strings.HasPrefix(r.raw, "file:"):
		p := expandHome(strings.TrimPrefix(r.raw, "file:"))
		b, err := os.ReadFile(p)
		if err != nil {
			return "", usageErr("config file %s:%d: %s: %s: %v", path, r.line, r.key, p, unwrapPathErr(err))
		}
		if err := privateFile(p); err != nil {
			return "", usageErr("config file %s:%d: %s: %v", path, r.line, r.key, err)
		}
		return strings.TrimSpace(string(b)), nil
	}
	return r.raw, nil
}

func expandHome(p string) string {
	if rest, ok := strings.CutPrefix(p, "~/"); ok {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, rest)
		}
	}
	return p
}

// privateFile refuses a secret's file that others can read.
func privateFile(p string) error {
	st, err := os.Stat(p)
	if err != nil {
		return err
	}
	if st.Mode().Perm()&0o077 != 0 {
		return fmt.Errorf("%s holds a secret and others can read it (mode %04o): run chmod 600 %s", p, st.Mode().Perm(), p)
	}
	return nil
}

// parseProfiles reads profiles: NAME: {...}.
func parseProfiles(path string, n *yaml.Node) (map[string]profile, error) {
	if n.Kind == yaml.ScalarNode && (n.Tag == "!!null" || n.Value == "") {
		return nil, nil
	}
	if n.Kind != yaml.MappingNode {
		return nil, usageErr("config file %s:%d: profiles are keys, one per tenant (profiles: NAME: …)", path, n.Line)
	}
	out := map[string]profile{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, val := n.Content[i], n.Content[i+1]
		name := key.Value
		if _, dup := out[name]; dup {
			return nil, usageErr("config file %s:%d: profile %s is given twice", path, key.Line, name)
		}
		if name == "" || strings.ContainsAny(name, ", \t") {
			return nil, usageErr("config file %s:%d: profile name %q: use letters, digits, - and _", path, key.Line, name)
		}
		p := profile{Name: name, Line: key.Line}
		pre := "profiles." + name
		err := fields(path, pre, val, map[string]func(*yaml.Node) error{
			"okta": func(v *yaml.Node) error {
				return fields(path, pre+".okta", v, map[string]func(*yaml.Node) error{
					"url":        scalar(path, &p.OktaURL),
					"auth":       scalar(path, &p.OktaAuth),
					"clientId":   scalar(path, &p.OktaClientID),
					"keyId":      scalar(path, &p.OktaKeyID),
					"token":      secret(path, pre+".okta.token", &p.OktaToken),
					"privateKey": secret(path, pre+".okta.privateKey", &p.OktaPrivateKey),
					"scopes":     list(path, &p.OktaScopes),
				})
			},
			"entra": func(v *yaml.Node) error {
				return fields(path, pre+".entra", v, map[string]func(*yaml.Node) error{
					"tenant":              scalar(path, &p.TenantID),
					"clientId":            scalar(path, &p.ClientID),
					"auth":                scalar(path, &p.GraphAuth),
					"clientSecret":        secret(path, pre+".entra.clientSecret", &p.ClientSecret),
					"certificate":         scalar(path, &p.Certificate),
					"certificatePassword": secret(path, pre+".entra.certificatePassword", &p.CertificatePassword),
					"publicClientId":      scalar(path, &p.PublicClientID),
					"graphUrl":            scalar(path, &p.GraphURL),
					"loginUrl":            scalar(path, &p.LoginURL),
				})
			},
			"domain":   scalar(path, &p.Domain),
			"caFile":   scalar(path, &p.CAFile),
			"resolver": scalar(path, &p.Resolver),
			"readOnly": func(v *yaml.Node) error {
				var b bool
				if v.Kind != yaml.ScalarNode || v.Decode(&b) != nil {
					return usageErr("config file %s:%d: readOnly is true or false", path, v.Line)
				}
				p.ReadOnly = &b
				return nil
			},
			"suppressions": func(v *yaml.Node) error {
				s, err := parseSuppressions(path, v)
				p.Suppressions = s
				return err
			},
		})
		if err != nil {
			return nil, err
		}
		out[name] = p
	}
	return out, nil
}

// fields walks a mapping, each key by its handler; an unknown key, a
// repeated one or a null value is an error naming its line.
func fields(path, where string, n *yaml.Node, handlers map[string]func(*yaml.Node) error) error {
	if n.Kind != yaml.MappingNode {
		return usageErr("config file %s:%d: %s is keys (%s)", path, n.Line, where, strings.Join(sortedKeys(handlers), ", "))
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, val := n.Content[i], n.Content[i+1]
		h, ok := handlers[key.Value]
		if !ok {
			return usageErr("config file %s:%d: unknown key %q in %s (the keys are: %s)", path, key.Line, key.Value, where, strings.Join(sortedKeys(handlers), ", "))
		}
		if seen[key.Value] {
			return usageErr("config file %s:%d: %s.%s is given twice", path, key.Line, where, key.Value)
		}
		seen[key.Value] = true
		if val.Tag == "!!null" {
			return usageErr("config file %s:%d: %s.%s has no value", path, key.Line, where, key.Value)
		}
		if err := h(val); err != nil {
			return err
		}
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

func scalar(path string, dst *string) func(*yaml.Node) error {
	return func(v *yaml.Node) error {
		if v.Kind != yaml.ScalarNode {
			return usageErr("config file %s:%d: expected one value", path, v.Line)
		}
		*dst = strings.TrimSpace(v.Value)
		return nil
	}
}

func secret(path, key string, dst *secretRef) func(*yaml.Node) error {
	return func(v *yaml.Node) error {
		if v.Kind != yaml.ScalarNode || strings.TrimSpace(v.Value) == "" {
			return usageErr("config file %s:%d: %s: give env:NAME or file:PATH", path, v.Line, key)
		}
		*dst = secretRef{raw: strings.TrimSpace(v.Value), line: v.Line, key: key}
		return nil
	}
}

func list(path string, dst *[]string) func(*yaml.Node) error {
	return func(v *yaml.Node) error {
		if v.Kind != yaml.SequenceNode {
			return usageErr("config file %s:%d: expected a list ([a, b])", path, v.Line)
		}
		for _, item := range v.Content {
			if item.Kind != yaml.ScalarNode {
				return usageErr("config file %s:%d: expected a value", path, item.Line)
			}
			*dst = append(*dst, strings.TrimSpace(item.Value))
		}
		return nil
	}
}

// literalSecrets are the profile's secrets written into the file itself.
func (p profile) literalSecrets() []secretRef {
	var out []secretRef
	for _, r := range []secretRef{p.OktaToken, p.OktaPrivateKey, p.ClientSecret, p.CertificatePassword} {
		if r.literal() {
			out = append(out, r)
		}
	}
	return out
}

// profileNames splits --profile a,b,c.
func profileNames(v string) []string {
	var out []string
	for _, n := range strings.Split(v, ",") {
		if n = strings.TrimSpace(n); n != "" {
			out = append(out, n)
		}
	}
	return out
}
