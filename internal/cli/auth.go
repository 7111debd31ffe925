package cli

import (
	"cmp"
	"errors"
	"io/fs"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/o365doctor/o365doctor/internal/config"
)

// registerOktaAuth adds how to sign in to Okta. The Okta SDK's own
// variables (OKTA_CLIENT_AUTHORIZATIONMODE, OKTA_CLIENT_CLIENTID,
// OKTA_CLIENT_PRIVATEKEY, OKTA_CLIENT_PRIVATEKEYID, OKTA_CLIENT_SCOPES) are
// their twins: Main reads them before it hides them from the SDK.
func (c *connFlags) registerOktaAuth(cmd *cobra.Command, env func(string) string) {
	fl := cmd.Flags()
	fl.StringVar(&c.OktaAuth, "okta-auth", cmp.Or(env("O365DOCTOR_OKTA_AUTH"), oktaModeOf(env("OKTA_CLIENT_AUTHORIZATIONMODE"))),
		"how to sign in to Okta: api-token (OKTA_API_TOKEN) or private-key (an OAuth service app) [$O365DOCTOR_OKTA_AUTH, $OKTA_CLIENT_AUTHORIZATIONMODE]")
	fl.StringVar(&c.OktaClientID, "okta-client-id", env("OKTA_CLIENT_CLIENTID"), "the Okta service app's client ID [$OKTA_CLIENT_CLIENTID]")
	fl.StringVar(&c.OktaPrivateKey, "okta-private-key", "", "the service app's private key: a PEM or JWK file, mode 600 [$OKTA_CLIENT_PRIVATEKEY: the file or the key itself]")
	fl.StringVar(&c.OktaKeyID, "okta-key-id", env("OKTA_CLIENT_PRIVATEKEYID"), "the key's ID (kid) at Okta, if the app has several [$OKTA_CLIENT_PRIVATEKEYID]")
}

// registerGraphAuth adds how to sign in to Graph.
func (c *connFlags) registerGraphAuth(cmd *cobra.Command, env func(string) string) {
	fl := cmd.Flags()
	fl.StringVar(&c.GraphAuth, "graph-auth", env("O365DOCTOR_GRAPH_AUTH"),
		"how to sign in to Graph: secret (AZURE_CLIENT_SECRET), certificate (AZURE_CLIENT_CERTIFICATE_PATH), azure-cli (az login's account), device-code (an admin at a keyboard), auto (those in that order) [$O365DOCTOR_GRAPH_AUTH] (default: secret, or certificate when only a certificate is set)")
	fl.StringVar(&c.GraphPublicClientID, "graph-client-id-public", cmp.Or(env("O365DOCTOR_GRAPH_PUBLIC_CLIENT_ID"), config.GraphCLIClientID),
		"the public client a device-code sign-in uses (default: Microsoft Graph Command Line Tools) [$O365DOCTOR_GRAPH_PUBLIC_CLIENT_ID]")
}

// oktaModeOf maps the Okta SDK's authorization modes onto --okta-auth.
func oktaModeOf(mode string) string {
	switch strings.ToLower(mode) {
	case "privatekey":
		return config.OktaPrivateKey
	case "ssws":
		return config.OktaAPIToken
	}
	return mode
}

// applyAuth fills the sign-in settings from the flags and the environment,
// then from --profile if one is named.
func (c *connFlags) applyAuth(s *config.Settings, env func(string) string) error {
	if c.Profile != "" {
		// The environment's credentials are another tenant's: neither
		// read nor judged.
		return c.applyProfile(s, env)
	}
	s.OktaAuth = oktaModeOf(c.OktaAuth)
	switch s.OktaAuth {
	case "", config.OktaAPIToken, config.OktaPrivateKey:
	default:
		return usageErr("--okta-auth %q: use api-token or private-key", c.OktaAuth)
	}
	s.OktaClientID, s.OktaKeyID = c.OktaClientID, c.OktaKeyID
	s.OktaScopes = splitScopes(env("OKTA_CLIENT_SCOPES"))
	keyFlag := "--okta-private-key"
	key := c.OktaPrivateKey
	if key == "" {
		key, keyFlag = env("OKTA_CLIENT_PRIVATEKEY"), "OKTA_CLIENT_PRIVATEKEY"
	}
	if key != "" {
		k, err := readKey(keyFlag, key)
		if err != nil {
			return err
		}
		s.OktaPrivateKey, s.OktaPrivateKeyFrom = k, keyFlag
	}
	if s.OktaAuth == "" && s.OktaToken.Empty() && s.OktaClientID != "" && !s.OktaPrivateKey.Empty() {
		s.OktaAuth = config.OktaPrivateKey
	}
	if s.OktaAuth == config.OktaPrivateKey {
		s.OktaToken = config.Secret{} // the flow asked for is the one that runs
	}
	s.GraphCertificate = env("AZURE_CLIENT_CERTIFICATE_PATH")
	s.GraphCertificatePassword = config.NewSecret(env("AZURE_CLIENT_CERTIFICATE_PASSWORD"))
	s.GraphPublicClientID = c.GraphPublicClientID
	s.GraphAuth = strings.ToLower(c.GraphAuth)
	if s.GraphAuth == "" && s.ClientSecret.Empty() && s.GraphCertificate != "" {
		s.GraphAuth = config.GraphCertificate
	}
	return checkGraphAuth(s.GraphAuth, "--graph-auth")
}

func checkGraphAuth(v, where string) error {
	switch v {
	case "", config.GraphSecret, config.GraphCertificate, config.GraphAzureCLI, config.GraphDeviceCode, config.GraphAuto:
		return nil
	}
	return usageErr("%s %q: use secret, certificate, azure-cli, device-code or auto", where, v)
}

// readKey reads a private key given as a file or, from the environment,
// as the key itself (what OKTA_CLIENT_PRIVATEKEY holds for the Okta SDK).
func readKey(where, v string) (config.Secret, error) {
	t := strings.TrimSpace(v)
	if strings.HasPrefix(t, "-----BEGIN") || strings.HasPrefix(t, "{") {
		if where == "--okta-private-key" {
			return config.Secret{}, usageErr("--okta-private-key takes a file; give the key itself in OKTA_CLIENT_PRIVATEKEY, or its file here")
		}
		config.RegisterSecret(t)
		return config.NewSecret(t), nil
	}
	p := expandHome(t)
	b, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return config.Secret{}, usageErr("%s %s: no such file (give the service app's private key, PEM or JWK)", where, p)
	}
	if err != nil {
		return config.Secret{}, usageErr("%s %s: %v", where, p, unwrapPathErr(err))
	}
	if err := privateFile(p); err != nil {
		return config.Secret{}, usageErr("%s: %v", where, err)
	}
	k := strings.TrimSpace(string(b))
	config.RegisterSecret(k)
	return config.NewSecret(k), nil
}

func splitScopes(v string) []string {
	return strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' })
}

// applyProfile replaces the connection settings with the profile's: each
// tenant's settings come from its profile alone (the environment's
// credentials are another tenant's), except flags given on the command line.
func (c *connFlags) applyProfile(s *config.Settings, env func(string) string) error {
	names := profileNames(c.Profile)
	if len(names) != 1 {
		return usageErr("--profile %q: this command takes one profile (preflight and recon take several)", c.Profile)
	}
	cf, err := loadConfig(configFlag(c.cmd), env)
	if err != nil {
		return err
	}
	p, ok := cf.Profiles[names[0]]
	if !ok {
		where := cmp.Or(cf.Path, defaultConfigPath(env))
		if len(cf.Profiles) == 0 {
			return usageErr("--profile %s: %s has no profiles (o365doctor config init writes an example)", names[0], where)
		}
		return usageErr("--profile %s: no such profile in %s (it has: %s)", names[0], where, strings.Join(sortedKeys(cf.Profiles), ", "))
	}
	given := func(flag string) bool { return c.cmd != nil && c.cmd.Flags().Changed(flag) }
	at := func(line int) string { return cf.Path + ":" + strconv.Itoa(line) }
	s.Profile = p.Name
	// A flag given on the command line wins; otherwise the profile's
	// value, or none (never the environment's).
	set := func(dst *string, flag, flagValue, v string) {
		if given(flag) {
			*dst = flagValue
		} else {
			*dst = v
		}
	}
	set(&s.OktaURL, "okta-url", c.OktaURL, p.OktaURL)
	set(&s.OktaAuth, "okta-auth", oktaModeOf(c.OktaAuth), oktaModeOf(p.OktaAuth))
	set(&s.OktaClientID, "okta-client-id", c.OktaClientID, p.OktaClientID)
	set(&s.OktaKeyID, "okta-key-id", c.OktaKeyID, p.OktaKeyID)
	s.OktaPrivateKey, s.OktaPrivateKeyFrom = config.Secret{}, ""
	s.GraphCertificate, s.GraphCertificatePassword, s.GraphPublicClientID = "", config.Secret{}, config.GraphCLIClientID
	if given("graph-client-id-public") {
		s.GraphPublicClientID = c.GraphPublicClientID
	}
	s.OktaScopes = p.OktaScopes
	switch s.OktaAuth {
	case "", config.OktaAPIToken, config.OktaPrivateKey:
	default:
		return usageErr("config file %s: profiles.%s.okta.auth %q: use api-token or private-key", at(p.Line), p.Name, p.OktaAuth)
	}
	tok, err := p.OktaToken.resolve(cf.Path, env)
	if err != nil {
		return err
	}
	s.OktaToken = config.NewSecret(tok)
	if given("okta-private-key") {
		k, err := readKey("--okta-private-key", c.OktaPrivateKey)
		if err != nil {
			return err
		}
		s.OktaPrivateKey, s.OktaPrivateKeyFrom = k, "--okta-private-key"
	} else if p.OktaPrivateKey.set() {
		key, err := p.OktaPrivateKey.resolve(cf.Path, env)
		if err != nil {
			return err
		}
		config.RegisterSecret(key)
		s.OktaPrivateKey, s.OktaPrivateKeyFrom = config.NewSecret(key), "profile "+p.Name+"'s okta.privateKey"
	}
	if s.OktaAuth == "" && s.OktaToken.Empty() && s.OktaClientID != "" && !s.OktaPrivateKey.Empty() {
		s.OktaAuth = config.OktaPrivateKey
	}
	if s.OktaAuth == config.OktaPrivateKey {
		s.OktaToken = config.Secret{}
	}
	s.TenantID, s.ClientID = p.TenantID, p.ClientID
	set(&s.GraphAuth, "graph-auth", strings.ToLower(c.GraphAuth), strings.ToLower(p.GraphAuth))
	if err := checkGraphAuth(s.GraphAuth, "config file "+at(p.Line)+": profiles."+p.Name+".entra.auth"); err != nil {
		return err
	}
	secret, err := p.ClientSecret.resolve(cf.Path, env)
	if err != nil {
		return err
	}
	s.ClientSecret = config.NewSecret(secret)
	s.GraphCertificate = expandHome(p.Certificate)
	pw, err := p.CertificatePassword.resolve(cf.Path, env)
	if err != nil {
		return err
	}
	s.GraphCertificatePassword = config.NewSecret(pw)
	if s.GraphAuth == "" && s.ClientSecret.Empty() && s.GraphCertificate != "" {
		s.GraphAuth = config.GraphCertificate
	}
	if p.PublicClientID != "" && !given("graph-client-id-public") {
		s.GraphPublicClientID = p.PublicClientID
	}
	set(&s.GraphURL, "graph-url", c.GraphURL, cmp.Or(p.GraphURL, config.DefaultGraphURL))
	set(&s.LoginURL, "login-url", c.LoginURL, cmp.Or(p.LoginURL, config.DefaultLoginURL))
	if p.CAFile != "" && !given("ca-file") {
		s.CAFile = expandHome(p.CAFile)
	}
	if p.Resolver != "" && !given("resolver") {
		s.Resolver = p.Resolver
	}
	if p.ReadOnly != nil && *p.ReadOnly {
		s.ReadOnly = true // a profile can only tighten it
	}
	return nil
}
