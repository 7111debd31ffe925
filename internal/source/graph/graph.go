// Package graph is the narrow adapter over msgraph-sdk-go and azidentity, the
// only package that imports them (their first compile takes minutes). It
// builds the Graph adapter on o365doctor's own HTTP client, points the
// azidentity authority at --login-url with instance discovery off, allows the
// token to be sent to the configured Graph host, and converts SDK types into
// internal/model.
package graph

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	abs "github.com/microsoft/kiota-abstractions-go"
	kauth "github.com/microsoft/kiota-authentication-azure-go"
	khttp "github.com/microsoft/kiota-http-go"
	msgraphsdk "github.com/microsoftgraph/msgraph-sdk-go"
	msgraphcore "github.com/microsoftgraph/msgraph-sdk-go-core"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/models/odataerrors"
	"github.com/microsoftgraph/msgraph-sdk-go/users"

	"github.com/o365doctor/o365doctor/internal/config"
	"github.com/o365doctor/o365doctor/internal/model"
)

// Scope is the application permission scope for Graph.
const Scope = "https://graph.microsoft.com/.default"

// Client reads and writes the Entra ID objects o365doctor needs.
type Client struct {
	sdk     *msgraphsdk.GraphServiceClient
	baseURL string
}

// userSelect is every user property the checks read; Graph returns only a
// default set without $select, and onPremisesImmutableId is not in it.
var userSelect = []string{
	"id", "userPrincipalName", "displayName", "accountEnabled",
	"onPremisesImmutableId", "usageLocation",
}

// New builds a client for s.GraphURL, authenticating with the client-secret
// flow against s.LoginURL.
func New(s config.Settings) (*Client, error) {
	if ok, why := s.GraphConfigured(); !ok {
		return nil, errors.New(why)
	}
	graphURL, err := url.Parse(s.GraphURL)
	if err != nil || graphURL.Host == "" {
		return nil, fmt.Errorf("graph: bad --graph-url %q", s.GraphURL)
	}
	transport := s.HTTPTransport()
	cred, err := azidentity.NewClientSecretCredential(s.TenantID, s.ClientID, s.ClientSecret.Reveal(),
		&azidentity.ClientSecretCredentialOptions{
			ClientOptions: azcore.ClientOptions{
				Cloud:     cloud.Configuration{ActiveDirectoryAuthorityHost: s.LoginURL + "/"},
				Transport: &http.Client{Transport: transport, Timeout: s.Timeout},
				Retry:     policy.RetryOptions{MaxRetries: 2},
			},
			// Without this MSAL asks the real login.microsoftonline.com
			// which authorities exist, and retries for ~20 s.
			DisableInstanceDiscovery: true,
		})
	if err != nil {
		return nil, fmt.Errorf("graph: credential: %s", config.Mask(err.Error()))
	}
	// The provider sends the token only to allowed hosts and otherwise
	// sends none, silently: allow the configured Graph host.
	auth, err := kauth.NewAzureIdentityAuthenticationProviderWithScopesAndValidHosts(cred,
		[]string{Scope}, []string{graphURL.Hostname()})
	if err != nil {
		return nil, fmt.Errorf("graph: auth provider: %v", err)
	}
	httpClient := &http.Client{
		Transport: khttp.NewCustomTransportWithParentTransport(transport,
			msgraphcore.GetDefaultMiddlewaresWithOptions(ptr(msgraphsdk.GetDefaultClientOptions()))...),
		Timeout: s.Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
	adapter, err := msgraphsdk.NewGraphRequestAdapterWithParseNodeFactoryAndSerializationWriterFactoryAndHttpClient(auth, nil, nil, httpClient)
	if err != nil {
		return nil, fmt.Errorf("graph: adapter: %v", err)
	}
	adapter.SetBaseUrl(strings.TrimRight(s.GraphURL, "/"))
	// NewGraphServiceClient writes kiota's package-level backing-store
	// factory (already the same in-memory one by default) on every call,
	// which races with models being decoded by another client: pass nil
	// so nothing global is written, and serialise the serializer
	// registrations it still makes.
	newClientMu.Lock()
	defer newClientMu.Unlock()
	base := msgraphsdk.NewGraphBaseServiceClient(adapter, nil)
	return &Client{sdk: &msgraphsdk.GraphServiceClient{GraphBaseServiceClient: *base}, baseURL: s.GraphURL}, nil
}

var newClientMu sync.Mutex

// User returns the Entra user with this object ID or UPN.
func (c *Client) User(ctx context.Context, idOrUPN string) (model.EntraUser, error) {
	u, err := c.sdk.Users().ByUserId(idOrUPN).Get(ctx, &users.UserItemRequestBuilderGetRequestConfiguration{
		QueryParameters: &users.UserItemRequestBuilderGetQueryParameters{Select: userSelect},
	})
	if err != nil {
		return model.EntraUser{}, wrap(err, "get user %s", idOrUPN)
	}
	return toUser(u), nil
}

func toUser(u models.Userable) model.EntraUser {
	return model.EntraUser{
		ID:                    deref(u.GetId()),
		UserPrincipalName:     deref(u.GetUserPrincipalName()),
		DisplayName:           deref(u.GetDisplayName()),
		AccountEnabled:        u.GetAccountEnabled(),
		OnPremisesImmutableID: deref(u.GetOnPremisesImmutableId()),
		UsageLocation:         deref(u.GetUsageLocation()),
	}
}

// wrap turns an SDK error into one line with Graph's error code; a 404
// wraps model.ErrNotFound.
func wrap(err error, format string, args ...any) error {
	what := fmt.Sprintf(format, args...)
	var oe *odataerrors.ODataError
	if errors.As(err, &oe) {
		code, msg := "", ""
		if m := oe.GetErrorEscaped(); m != nil {
			code, msg = deref(m.GetCode()), deref(m.GetMessage())
		}
		line := config.Mask(fmt.Sprintf("graph: %s: HTTP %d %s: %s", what, oe.ResponseStatusCode, code, msg))
		if oe.ResponseStatusCode == http.StatusNotFound {
			return fmt.Errorf("%s: %w", line, model.ErrNotFound)
		}
		return errors.New(line)
	}
	var ae *abs.ApiError
	if errors.As(err, &ae) {
		line := config.Mask(fmt.Sprintf("graph: %s: HTTP %d", what, ae.ResponseStatusCode))
		if ae.ResponseStatusCode == http.StatusNotFound {
			return fmt.Errorf("%s: %w", line, model.ErrNotFound)
		}
		return errors.New(line)
	}
	return errors.New(config.Mask(fmt.Sprintf("graph: %s: %s", what, oneLine(err.Error()))))
}

// oneLine keeps the first line of azidentity's multi-line errors plus any
// AADSTS code, which is what a person acts on.
func oneLine(s string) string {
	first, rest, _ := strings.Cut(s, "\n")
	if i := strings.Index(rest, "AADSTS"); i >= 0 && !strings.Contains(first, "AADSTS") {
		code := rest[i:]
		if j := strings.IndexAny(code, ":. \n"); j > 0 {
			code = code[:j]
		}
		first += " (" + code + ")"
	}
	return strings.TrimSpace(first)
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func ptr[T any](v T) *T { return &v }
