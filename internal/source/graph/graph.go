// Package graph is the narrow adapter over msgraph-sdk-go and azidentity, the
// only package that imports them (their first compile takes minutes). It
// builds the Graph adapter on o365doctor's own HTTP client, points the
// azidentity authority at --login-url with instance discovery off, allows the
// token to be sent to the configured Graph host, and converts SDK types into
// internal/model.
package graph

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	azlog "github.com/Azure/azure-sdk-for-go/sdk/azcore/log"
	kauth "github.com/microsoft/kiota-authentication-azure-go"
	khttp "github.com/microsoft/kiota-http-go"
	msgraphsdk "github.com/microsoftgraph/msgraph-sdk-go"
	msgraphcore "github.com/microsoftgraph/msgraph-sdk-go-core"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/users"

	"github.com/o365doctor/o365doctor/internal/config"
	"github.com/o365doctor/o365doctor/internal/model"
	"github.com/o365doctor/o365doctor/internal/tokencache"
)

// Scope is the application permission scope for Graph.
const Scope = "https://graph.microsoft.com/.default"

// Client reads and writes the Entra ID objects o365doctor needs.
type Client struct {
	sdk     *msgraphsdk.GraphServiceClient
	baseURL *url.URL // the configured Graph URL: every nextLink must stay on it
	cred    azcore.TokenCredential
}

// userSelect is every user property the checks read; Graph returns only a
// default set without $select, and onPremisesImmutableId is not in it.
var userSelect = []string{
	"id", "userPrincipalName", "displayName", "accountEnabled",
	"onPremisesImmutableId", "usageLocation",
	"assignedLicenses", "licenseAssignmentStates",
	"lastPasswordChangeDateTime", "signInSessionsValidFromDateTime", "onPremisesSyncEnabled",
}

// New builds a client for s.GraphURL, authenticating with the client-secret
// flow against s.LoginURL. Both the sign-in and the Graph traffic go
// through config's guarded transports: no redirect is followed (azidentity
// would re-post the client secret to wherever a token endpoint points), a
// rate-limit wait longer than the run allows ends the call, bodies are
// bounded.
func New(s config.Settings) (*Client, error) {
	if ok, why := s.GraphConfigured(); !ok {
		return nil, errors.New("graph: " + why)
	}
	graphURL, err := url.Parse(strings.TrimRight(s.GraphURL, "/"))
	if err != nil || graphURL.Host == "" {
		return nil, fmt.Errorf("graph: bad --graph-url %q", s.GraphURL)
	}
	// AZURE_SDK_GO_LOGGING=all, read in an init function before Main can
	// unset it, would log every request to stderr.
	quietAzureLog.Do(func() { azlog.SetListener(nil) })

	login := s.HTTPClientFor(config.Login)
	login.Transport = noteRefusals{next: login.Transport}
	cred, err := credential(s, login)
	if err != nil {
		return nil, errors.New(oneLine("graph: credential: " + config.Mask(err.Error())))
	}
	if s.TokenCache != "" {
		store, err := tokencache.Open(s.TokenCache)
		if err != nil {
			return nil, errors.New(oneLine("graph: " + err.Error()))
		}
		cred = cachingCredential{next: cred, store: store,
			id: "graph|" + s.LoginURL + "|" + s.TenantID + "|" + cmp.Or(s.GraphAuth, config.GraphSecret) + "|" + s.ClientID}
	}
	// The provider sends the token only to allowed hosts and otherwise
	// sends none, silently: allow the configured Graph host.
	auth, err := kauth.NewAzureIdentityAuthenticationProviderWithScopesAndValidHosts(maskingCredential{cred},
		[]string{Scope}, []string{graphURL.Hostname()})
	if err != nil {
		return nil, fmt.Errorf("graph: auth provider: %v", err)
	}
	httpClient := s.HTTPClientFor(config.Graph)
	httpClient.Transport = khttp.NewCustomTransportWithParentTransport(answerGuard{next: httpClient.Transport},
		msgraphcore.GetDefaultMiddlewaresWithOptions(ptr(msgraphsdk.GetDefaultClientOptions()))...)
	adapter, err := msgraphsdk.NewGraphRequestAdapterWithParseNodeFactoryAndSerializationWriterFactoryAndHttpClient(auth, nil, nil, httpClient)
	if err != nil {
		return nil, fmt.Errorf("graph: adapter: %v", err)
	}
	adapter.SetBaseUrl(graphURL.String())
	// NewGraphServiceClient writes kiota's package-level backing-store
	// factory (already the same in-memory one by default) on every call,
	// which races with models being decoded by another client: pass nil
	// so nothing global is written, and serialise the serializer
	// registrations it still makes.
	newClientMu.Lock()
	defer newClientMu.Unlock()
	base := msgraphsdk.NewGraphBaseServiceClient(adapter, nil)
	return &Client{sdk: &msgraphsdk.GraphServiceClient{GraphBaseServiceClient: *base}, baseURL: graphURL, cred: maskingCredential{cred}}, nil
}

var quietAzureLog sync.Once

var newClientMu sync.Mutex

// User returns the Entra user with this object ID or UPN.
func (c *Client) User(ctx context.Context, idOrUPN string) (model.EntraUser, error) {
	o := op{what: "get user " + idOrUPN, noun: "a user", perm: permUsers}
	u, err := c.sdk.Users().ByUserId(idOrUPN).Get(ctx, &users.UserItemRequestBuilderGetRequestConfiguration{
		QueryParameters: &users.UserItemRequestBuilderGetQueryParameters{Select: userSelect},
	})
	if err != nil {
		return model.EntraUser{}, o.fail(err)
	}
	if u == nil || deref(u.GetId()) == "" {
		return model.EntraUser{}, o.notA("no id")
	}
	return toUser(u), nil
}

// toUser copies every string through model.Clean: display names and other
// attributes are set by people and may not steer a terminal.
func toUser(u models.Userable) model.EntraUser {
	return model.EntraUser{
		ID:                    model.Clean(deref(u.GetId())),
		UserPrincipalName:     model.Clean(deref(u.GetUserPrincipalName())),
		DisplayName:           model.Clean(deref(u.GetDisplayName())),
		AccountEnabled:        u.GetAccountEnabled(),
		OnPremisesImmutableID: model.Clean(deref(u.GetOnPremisesImmutableId())),
		UsageLocation:         model.Clean(deref(u.GetUsageLocation())),
		Licenses:              toUserLicenses(u),
		Sessions:              model.UserSessions{LastPasswordChange: timeUTC(u.GetLastPasswordChangeDateTime()), SessionsValidFrom: timeUTC(u.GetSignInSessionsValidFromDateTime())},
		SyncedFromAD:          deref(u.GetOnPremisesSyncEnabled()),
	}
}

func timeUTC(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func ptr[T any](v T) *T { return &v }

// UsersByImmutableID returns the users whose onPremisesImmutableId is
// immutableID (GET /users?$filter=onPremisesImmutableId eq '...', a basic
// filter: no ConsistencyLevel needed). Entra ID keeps the anchor unique,
// so one page of a few users is all there can be; an answer holding a
// user with another anchor is refused (a server that ignored the filter).
func (c *Client) UsersByImmutableID(ctx context.Context, immutableID string) ([]model.EntraUser, error) {
	o := op{what: "find users by onPremisesImmutableId", noun: "a list of users", perm: permUsers}
	if immutableID == "" {
		return nil, o.errorf("an empty immutableID; not asked")
	}
	filter := "onPremisesImmutableId eq '" + strings.ReplaceAll(immutableID, "'", "''") + "'"
	page, err := c.sdk.Users().Get(ctx, &users.UsersRequestBuilderGetRequestConfiguration{
		QueryParameters: &users.UsersRequestBuilderGetQueryParameters{
			Filter: &filter, Select: userSelect, Top: ptr(int32(10)),
		},
	})
	if err != nil {
		return nil, o.fail(err)
	}
	if page == nil || page.GetValue() == nil {
		return nil, o.notA("no value")
	}
	out := make([]model.EntraUser, 0, len(page.GetValue()))
	for _, u := range page.GetValue() {
		if u == nil || deref(u.GetId()) == "" {
			return nil, o.notA("a user without id")
		}
		eu := toUser(u)
		if eu.OnPremisesImmutableID != immutableID {
			return nil, o.notA("user " + eu.ID + " has another onPremisesImmutableId than asked")
		}
		out = append(out, eu)
	}
	return out, nil
}
