package graph

import (
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/o365doctor/o365doctor/internal/config"
	"github.com/o365doctor/o365doctor/internal/tokencache"
)

// credential builds the azidentity credential the settings ask for. Every
// one signs in against --login-url with instance discovery off and through
// the guarded login transport; tokens stay in azidentity's memory cache.
func credential(s config.Settings, login *http.Client) (azcore.TokenCredential, error) {
	client := azcore.ClientOptions{
		Cloud:     cloud.Configuration{ActiveDirectoryAuthorityHost: s.LoginURL + "/"},
		Transport: login,
		Retry:     policy.RetryOptions{MaxRetries: 2},
	}
	secret := func() (azcore.TokenCredential, error) {
		return azidentity.NewClientSecretCredential(s.TenantID, s.ClientID, s.ClientSecret.Reveal(),
			&azidentity.ClientSecretCredentialOptions{ClientOptions: client,
				// Without this MSAL asks the real login.microsoftonline.com
				// which authorities exist, and retries for ~20 s.
				DisableInstanceDiscovery: true})
	}
	certificate := func() (azcore.TokenCredential, error) {
		data, err := os.ReadFile(s.GraphCertificate)
		if err != nil {
			return nil, fmt.Errorf("AZURE_CLIENT_CERTIFICATE_PATH: %v", errors.Unwrap(err))
		}
		certs, key, err := azidentity.ParseCertificates(data, []byte(s.GraphCertificatePassword.Reveal()))
		switch {
		case err != nil && strings.Contains(err.Error(), "private key"):
			return nil, fmt.Errorf("AZURE_CLIENT_CERTIFICATE_PATH %s: no private key beside the certificate; give one file with both (PEM or PKCS#12)", s.GraphCertificate)
		case err != nil && strings.Contains(strings.ToLower(err.Error()), "password"):
			return nil, fmt.Errorf("AZURE_CLIENT_CERTIFICATE_PATH %s: the PKCS#12 file does not open with AZURE_CLIENT_CERTIFICATE_PASSWORD", s.GraphCertificate)
		case err != nil:
			return nil, fmt.Errorf("AZURE_CLIENT_CERTIFICATE_PATH %s: not a certificate and private key (PEM or PKCS#12)", s.GraphCertificate)
		}
		return azidentity.NewClientCertificateCredential(s.TenantID, s.ClientID, certs, key,
			&azidentity.ClientCertificateCredentialOptions{ClientOptions: client, DisableInstanceDiscovery: true})
	}
	azureCLI := func() (azcore.TokenCredential, error) {
		return azidentity.NewAzureCLICredential(&azidentity.AzureCLICredentialOptions{TenantID: s.TenantID})
	}
	deviceCode := func() (azcore.TokenCredential, error) {
		prompt := s.Prompt
		if prompt == nil || !s.Interactive {
			return nil, errors.New("--graph-auth device-code needs a person at a terminal to enter the code (neither stdin nor stderr is one): in cron or CI use a certificate, a secret or the Azure CLI")
		}
		return azidentity.NewDeviceCodeCredential(&azidentity.DeviceCodeCredentialOptions{
			ClientOptions: client, TenantID: s.TenantID, ClientID: cmp.Or(s.GraphPublicClientID, config.GraphCLIClientID),
			DisableInstanceDiscovery: true,
			// The message is Entra's own ("To sign in, use a web browser
			// to open the page … and enter the code …"): on stderr, so
			// --json stays clean and it shows over SSH.
			UserPrompt: func(_ context.Context, m azidentity.DeviceCodeMessage) error {
				prompt(m.Message)
				return nil
			},
		})
	}
	switch s.GraphAuth {
	case "", config.GraphSecret:
		return secret()
	case config.GraphCertificate:
		return certificate()
	case config.GraphAzureCLI:
		return azureCLI()
	case config.GraphDeviceCode:
		return deviceCode()
	case config.GraphAuto:
		// azidentity's default chain's order: a secret, a certificate,
		// the Azure CLI, then a person at the keyboard.
		var chain []azcore.TokenCredential
		for _, c := range []struct {
			ok   bool
			make func() (azcore.TokenCredential, error)
		}{
			{s.ClientID != "" && !s.ClientSecret.Empty(), secret},
			{s.ClientID != "" && s.GraphCertificate != "", certificate},
			{true, azureCLI},
			// A device code waits for a person: not in cron or CI.
			{s.Prompt != nil && s.Interactive, deviceCode},
		} {
			if !c.ok {
				continue
			}
			cred, err := c.make()
			if err != nil {
				return nil, err
			}
			chain = append(chain, cred)
		}
		return azidentity.NewChainedTokenCredential(chain, nil)
	}
	return nil, fmt.Errorf("--graph-auth %q: use secret, certificate, azure-cli, device-code or auto", s.GraphAuth)
}

// cachingCredential keeps the token between runs (--token-cache): a
// device-code sign-in is asked once until the token ends.
type cachingCredential struct {
	next  azcore.TokenCredential
	store *tokencache.Store
	id    string
}

func (c cachingCredential) GetToken(ctx context.Context, opts policy.TokenRequestOptions) (azcore.AccessToken, error) {
	id := c.id + "|" + strings.Join(opts.Scopes, " ") + "|" + opts.TenantID + "|" + opts.Claims + fmt.Sprint(opts.EnableCAE)
	now := time.Now()
	if tok, exp, ok := c.store.Get(id, now, 5*time.Minute); ok && opts.Claims == "" {
		config.RegisterSecret(tok)
		return azcore.AccessToken{Token: tok, ExpiresOn: exp}, nil
	}
	tok, err := c.next.GetToken(ctx, opts)
	if err == nil {
		_ = c.store.Put(id, tok.Token, tok.ExpiresOn, now) // a cache that cannot be written is only slower
	}
	return tok, err
}

// TokenInfo is what the Graph token in use grants, read from its claims
// (the token came from the configured authority over TLS; its signature
// is Graph's to check, not ours).
type TokenInfo struct {
	// Known is false when the token is not a JWT whose claims parse.
	Known     bool
	Delegated bool      // a signed-in person's (scp), not the app's (roles)
	Identity  string    // the app's name and ID, or the person's UPN
	Expires   time.Time //
	// Permissions are the roles (application permissions) or the scp
	// (delegated scopes) it carries.
	Permissions []string
}

// Token gets (or reuses) the token and reads what it grants.
func (c *Client) Token(ctx context.Context) (TokenInfo, error) {
	// EnableCAE as kiota asks: the same token (and, for a person, the
	// same sign-in) as the requests use, not a second one.
	tok, err := c.cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{Scope}, EnableCAE: true})
	if err != nil {
		return TokenInfo{}, errors.New(oneLine("graph: sign-in: " + err.Error()))
	}
	parts := strings.Split(tok.Token, ".")
	var claims struct {
		Roles   []string `json:"roles"`
		Scp     string   `json:"scp"`
		AppID   string   `json:"appid"`
		AppName string   `json:"app_displayname"`
		UPN     string   `json:"upn"`
		Name    string   `json:"unique_name"`
		IDType  string   `json:"idtyp"`
	}
	info := TokenInfo{Expires: tok.ExpiresOn}
	if len(parts) != 3 {
		return info, nil
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil || json.Unmarshal(payload, &claims) != nil {
		return info, nil
	}
	info.Known = claims.Roles != nil || claims.Scp != ""
	if claims.Scp != "" || claims.IDType == "user" {
		info.Delegated = true
		info.Identity = cmp.Or(claims.UPN, claims.Name, "a signed-in user") + " (delegated, app " + claims.AppID + ")"
		info.Permissions = strings.Fields(claims.Scp)
	} else {
		info.Identity = strings.TrimSpace(claims.AppName + " (app " + claims.AppID + ")")
		info.Permissions = claims.Roles
	}
	return info, nil
}
