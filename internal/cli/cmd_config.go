package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
)

// exampleConfig is what `config init` writes: every key, commented.
const exampleConfig = `# o365doctor config file (o365doctor config validate checks it).
#
# Secrets are referenced, not written here: env:NAME reads an environment
# variable, file:PATH a file (mode 600). A secret written in this file is
# accepted only while no one else can read the file (chmod 600).

# Profiles: one per tenant. Pick one with --profile NAME or O365DOCTOR_PROFILE;
# preflight and recon take several (--profile a,b or --all-profiles).
profiles:
  contoso:
    domain: contoso.com                 # what preflight and recon check for this tenant
    okta:
      url: https://contoso.okta.com
      auth: private-key                 # api-token (token: below) or private-key (an OAuth service app)
      clientId: 0oa1b2c3d4e5f6g7h8i9    # the service app's client ID
      privateKey: file:~/.config/o365doctor/contoso-okta.pem   # PEM or JWK
      # keyId: o365doctor-2026          # the key's kid, if the app has several
      # token: env:CONTOSO_OKTA_API_TOKEN   # with auth: api-token
      # scopes: [okta.users.read, okta.apps.read]   # default: what the selected checks need
    entra:
      tenant: contoso.onmicrosoft.com   # the tenant ID or its initial domain
      auth: certificate                 # secret, certificate, azure-cli, device-code or auto
      clientId: 11111111-2222-3333-4444-555555555555
      certificate: ~/.config/o365doctor/contoso-graph.pem      # certificate and key, PEM or PKCS#12
      # certificatePassword: env:CONTOSO_CERT_PASSWORD
      # clientSecret: env:CONTOSO_GRAPH_SECRET                  # with auth: secret
    # resolver: 1.1.1.1                 # the DNS resolver to ask
    # readOnly: true                    # refuse every fix for this tenant
    # suppressions: []                  # as below, for this tenant only

# Suppressions: findings accepted for a while, listed as suppressed in every
# report and not counted toward the exit code. Each needs a reason and ends.
suppressions: []
#  - check: identity.entra-without-okta
#    object: svc-backup@contoso.com     # omit for every finding of the check
#    reason: service account, signs in with a certificate
#    expires: 2027-01-31
`

// NewCmdConfig is `o365doctor config init|validate`.
func NewCmdConfig(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Write or check the config file (profiles, suppressions)",
		Args:  args(0, "a subcommand (init, validate)"),
	}
	var force bool
	initCmd := &cobra.Command{
		Use:   "init [PATH]",
		Short: "Write a commented example config file (mode 600; default ~/.config/o365doctor/config.yaml)",
		Args: func(cmd *cobra.Command, a []string) error {
			if len(a) > 1 {
				return usageErr("config init takes at most one path")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, a []string) error {
			path := configPathArg(a, f)
			if path == "" {
				return usageErr("no home directory to write the config file in; give a path")
			}
			if _, err := os.Stat(path); err == nil && !force {
				return usageErr("%s exists; o365doctor config validate checks it (--force overwrites it)", path)
			}
			if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
				return usageErr("config init: %v", err)
			}
			if err := os.WriteFile(path, []byte(exampleConfig), 0o600); err != nil {
				return usageErr("config init: %v", unwrapPathErr(err))
			}
			if err := os.Chmod(path, 0o600); err != nil {
				return usageErr("config init: %v", unwrapPathErr(err))
			}
			fmt.Fprintf(f.IO.Out, "wrote %s: edit the contoso profile, then run o365doctor config validate\n", path)
			return nil
		},
	}
	initCmd.Flags().BoolVar(&force, "force", false, "overwrite an existing file")
	validate := &cobra.Command{
		Use:   "validate [PATH]",
		Short: "Check the config file: unknown keys, bad values and readable secrets are errors, one line each with its line number",
		Args: func(cmd *cobra.Command, a []string) error {
			if len(a) > 1 {
				return usageErr("config validate takes at most one path")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, a []string) error {
			path := configPathArg(a, f)
			if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
				return usageErr("%s: no such file (o365doctor config init writes one)", path)
			}
			cf, err := loadConfig(path, f.env)
			if err != nil {
				return err
			}
			var refs []string
			for _, name := range sortedKeys(cf.Profiles) {
				p := cf.Profiles[name]
				for _, r := range []secretRef{p.OktaToken, p.OktaPrivateKey, p.ClientSecret, p.CertificatePassword} {
					if r.set() && !r.literal() {
						if _, err := r.resolve(path, f.env); err != nil {
							refs = append(refs, err.Error())
						}
					}
				}
			}
			for _, r := range refs {
				fmt.Fprintln(f.IO.Err, "o365doctor: "+r)
			}
			if len(refs) > 0 {
				return silentExit(ExitUsage)
			}
			fmt.Fprintf(f.IO.Out, "%s: ok (%d profile(s): %s; %d suppression(s))\n", path, len(cf.Profiles), strings.Join(sortedKeys(cf.Profiles), ", "), len(cf.Suppressions))
			return nil
		},
	}
	cmd.AddCommand(initCmd, validate)
	return cmd
}

// configPathArg is the path given, else $O365DOCTOR_CONFIG, else the default.
func configPathArg(a []string, f *Factory) string {
	if len(a) == 1 {
		return a[0]
	}
	if p := f.env("O365DOCTOR_CONFIG"); p != "" {
		return p
	}
	return defaultConfigPath(f.env)
}
