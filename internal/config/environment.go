package config

import (
	"slices"
	"strings"
)

// sdkVariable is an environment variable (or, with prefix, a family of them)
// that an SDK under the adapters reads on its own at run time. where is
// module@version/file:line in the module cache (`go env GOMODCACHE`), as
// of the versions in go.mod; environment_test.go checks each reference.
type sdkVariable struct {
	name   string
	prefix bool
	where  string
}

const (
	azidentity = "github.com/Azure/azure-sdk-for-go/sdk/azidentity@v1.15.0/"
	azinternal = "github.com/Azure/azure-sdk-for-go/sdk/internal@v1.13.0/"
	msal       = "github.com/AzureAD/microsoft-authentication-library-for-go@v1.10.1/"
	envconfig  = "github.com/kelseyhightower/envconfig@v1.4.0/"
)

var sdkVariables = []sdkVariable{
	// On the path o365doctor uses (ClientSecretCredential → MSAL → azcore).

	// Rewrites the authority host to a regional one: sign-in against
	// --login-url (or the lab) fails after 4 s with "unable to resolve an
	// endpoint".
	{name: "AZURE_REGIONAL_AUTHORITY_NAME", where: azidentity + "confidential_client.go:72"},
	// MSAL's own switch for the same rewrite.
	{name: "MSAL_FORCE_REGION", where: msal + "apps/confidential/confidential.go:334"},
	// With the region "TryAutoDetect": the region, or else MSAL asks the
	// Azure instance metadata service at 169.254.169.254 (authority.go:744).
	{name: "REGION_NAME", where: msal + "apps/internal/oauth/ops/authority/authority.go:734"},
	// The authority when none is configured (o365doctor always passes
	// --login-url's).
	{name: "AZURE_AUTHORITY_HOST", where: azidentity + "azidentity.go:76"},
	// "all" logs every request to stderr. Read in an init function, before
	// Main runs, so unsetting it is too late: graph.New also turns the
	// Azure SDK's log listener off.
	{name: "AZURE_SDK_GO_LOGGING", where: azinternal + "log/log.go:93"},
	// Proxies, through net/http's ProxyFromEnvironment in the transports
	// the SDKs build when given none: azcore's default transport (here),
	// MSAL's shared.DefaultClient (http.DefaultTransport) and its region
	// detection client. o365doctor's transports have Proxy = nil and every
	// SDK gets one of them; unsetting covers a client an SDK builds anyway.
	// net/http reads these once, at the first proxied request.
	{name: "HTTP_PROXY", where: azinternal + "transport/transport.go:20"},
	{name: "http_proxy", where: azinternal + "transport/transport.go:20"},
	{name: "HTTPS_PROXY", where: azinternal + "transport/transport.go:20"},
	{name: "https_proxy", where: azinternal + "transport/transport.go:20"},
	{name: "NO_PROXY", where: azinternal + "transport/transport.go:20"},
	{name: "no_proxy", where: azinternal + "transport/transport.go:20"},
	{name: "REQUEST_METHOD", where: azinternal + "transport/transport.go:20"},

	// The Okta SDK: okta.NewClient (okta.go:81) runs envconfig.Process("okta")
	// (okta.go:234) over its whole config struct, which reads each field's
	// full key (envconfig.go:193) and its tag name (envconfig.go:195). The
	// adapter pins every option after that, but a malformed number makes
	// the SDK print "error parsing" to stdout (okta.go:236), breaking --json.
	// OKTA_API_TOKEN, o365doctor's own, is in none of these families.
	//
	// The tag names (config.go:37-63): OKTA_CLIENT_ORGURL, OKTA_CLIENT_TOKEN,
	// OKTA_CLIENT_CACHE_*, OKTA_CLIENT_PROXY_*, OKTA_CLIENT_RATE_LIMIT_*, ...
	{name: "OKTA_CLIENT_", prefix: true, where: envconfig + "envconfig.go:195"},
	{name: "OKTA_TESTING_", prefix: true, where: envconfig + "envconfig.go:195"},
	// The full keys: prefix, struct path, tag (OKTA_OKTA_CLIENT_OKTA_CLIENT_TOKEN).
	{name: "OKTA_OKTA_", prefix: true, where: envconfig + "envconfig.go:193"},
	// Untagged fields: envconfig walks into config.HttpClient (*http.Client:
	// OKTA_HTTPCLIENT_TIMEOUT, ..._TRANSPORT, ...) and names the rest.
	{name: "OKTA_HTTPCLIENT_", prefix: true, where: envconfig + "envconfig.go:193"},
	{name: "OKTA_USERAGENTEXTRA", where: envconfig + "envconfig.go:193"},
	{name: "OKTA_CACHEMANAGER", where: envconfig + "envconfig.go:193"},
	{name: "OKTA_PRIVATEKEYSIGNER", where: envconfig + "envconfig.go:193"},

	// Span limits of OpenTelemetry's auto-instrumentation tracer, to which
	// kiota's spans would go (OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT, ...).
	{name: "OTEL_", prefix: true, where: "go.opentelemetry.io/otel/trace@v1.37.0/auto.go:649"},

	// Read only by credentials o365doctor does not build (EnvironmentCredential,
	// DefaultAzureCredential, WorkloadIdentityCredential, AzurePipelinesCredential,
	// MSAL's managed identity). Listed so no future credential picks them up.
	// AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET are also
	// o365doctor's own settings: Main reads them before it unsets them.
	{name: "AZURE_TENANT_ID", where: azidentity + "environment_credential.go:79"},
	{name: "AZURE_CLIENT_ID", where: azidentity + "environment_credential.go:83"},
	{name: "AZURE_ADDITIONALLY_ALLOWED_TENANTS", where: azidentity + "environment_credential.go:90"},
	{name: "AZURE_CLIENT_SECRET", where: azidentity + "environment_credential.go:94"},
	{name: "AZURE_CLIENT_CERTIFICATE_PATH", where: azidentity + "environment_credential.go:107"},
	{name: "AZURE_CLIENT_CERTIFICATE_PASSWORD", where: azidentity + "environment_credential.go:114"},
	{name: "AZURE_CLIENT_SEND_CERTIFICATE_CHAIN", where: azidentity + "environment_credential.go:126"},
	{name: "AZURE_USERNAME", where: azidentity + "environment_credential.go:135"},
	{name: "AZURE_PASSWORD", where: azidentity + "environment_credential.go:136"},
	{name: "AZURE_TOKEN_CREDENTIALS", where: azidentity + "default_azure_credential.go:109"},
	{name: "AZURE_FEDERATED_TOKEN_FILE", where: azidentity + "workload_identity.go:87"},
	{name: "AZURE_KUBERNETES_TOKEN_PROXY", where: azidentity + "internal/customtokenproxy/transport.go:87"},
	{name: "AZURE_KUBERNETES_SNI_NAME", where: azidentity + "internal/customtokenproxy/transport.go:89"},
	{name: "AZURE_KUBERNETES_CA_FILE", where: azidentity + "internal/customtokenproxy/transport.go:90"},
	{name: "AZURE_KUBERNETES_CA_DATA", where: azidentity + "internal/customtokenproxy/transport.go:91"},
	{name: "SYSTEM_OIDCREQUESTURI", where: azidentity + "azure_pipelines_credential.go:79"},
	{name: "IDENTITY_ENDPOINT", where: msal + "apps/managedidentity/managedidentity.go:358"},
	{name: "IDENTITY_HEADER", where: msal + "apps/managedidentity/managedidentity.go:359"},
	{name: "IDENTITY_SERVER_THUMBPRINT", where: msal + "apps/managedidentity/managedidentity.go:360"},
	{name: "MSI_ENDPOINT", where: msal + "apps/managedidentity/managedidentity.go:361"},
	{name: "MSI_SECRET", where: msal + "apps/managedidentity/managedidentity.go:362"},
	{name: "IMDS_ENDPOINT", where: msal + "apps/managedidentity/managedidentity.go:363"},
	{name: "DEFAULT_IDENTITY_CLIENT_ID", where: msal + "apps/managedidentity/azure_ml.go:23"},
}

// SDKEnvironment returns the environment variables that the SDKs under the
// adapters (okta-sdk-golang, azidentity, azcore, MSAL, kiota,
// msgraph-sdk-go) read on their own at run time, and the prefixes of whole
// families of them. The CLI's Main reads o365doctor's own variables
// (O365DOCTOR_*, OKTA_API_TOKEN, AZURE_TENANT_ID, AZURE_CLIENT_ID,
// AZURE_CLIENT_SECRET) first, then unsets these before it builds a client,
// so the environment steers no SDK behind the program's back (STYLE.md).
//
// Read by the same libraries but left alone, being no SDK setting: OS
// (Windows' name for the User-Agent: azcore runtime/policy_telemetry.go:75),
// SYSTEMROOT and ProgramData (Windows paths, for credentials not built),
// GODEBUG and DEBUG_HTTP2_GOROUTINES (Go's HTTP/2 debugging), and HOME/USER
// (os/user.Current, through which the Okta SDK finds ~/.okta/okta.yaml, a
// file whose every option the adapter overrides).
func SDKEnvironment() (names []string, prefixes []string) {
	for _, v := range sdkVariables {
		if v.prefix {
			prefixes = append(prefixes, v.name)
		} else {
			names = append(names, v.name)
		}
	}
	return names, prefixes
}

// SDKVariablesIn returns the names in environ (os.Environ's "NAME=value"
// form) that SDKEnvironment lists by name or prefix: what Main unsets.
func SDKVariablesIn(environ []string) []string {
	names, prefixes := SDKEnvironment()
	var out []string
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		if slices.Contains(names, name) || slices.ContainsFunc(prefixes, func(p string) bool { return strings.HasPrefix(name, p) }) {
			out = append(out, name)
		}
	}
	return out
}
