package model

// NameSpaceType values of Microsoft home realm discovery: a domain unknown
// to Entra ID, verified and signing in with Entra ID (cloud
// authentication), or verified and sending sign-ins to a federated IdP.
const (
	NamespaceUnknown   = "Unknown"
	NamespaceManaged   = "Managed"
	NamespaceFederated = "Federated"
)

// Realm is what Microsoft's home realm discovery tells anyone, without
// credentials, about the domain of a login: whether Entra ID knows it,
// whether sign-ins go to a federated IdP, and where.
type Realm struct {
	Login               string // the login asked about, as the service echoed it
	DomainName          string // the domain the service matched the login to (for Unknown, the login's own or "")
	NameSpaceType       string // Managed | Federated | Unknown; any other value verbatim, with a note
	FederationBrandName string // the tenant's brand (company) name

	// AuthURL is the federated passive sign-in URL with the WS-Fed query
	// (…/sso/wsfed/passive?username=…&wa=wsignin1.0&wtrealm=…): where a
	// browser sign-in is sent. "" when not Federated, and also when a
	// domain is Federated with no federation configuration.
	AuthURL string
	// ActiveAuthURL is the WS-Trust endpoint rich clients use
	// (…/sso/wsfed/active on Okta, …/2005/usernamemixed on ADFS).
	ActiveAuthURL string
	// MetadataExchangeURL is the WS-MetadataExchange document
	// (…/sso/wsfed/mex on Okta, …/adfs/services/trust/mex on ADFS).
	MetadataExchangeURL string
	FederationProtocol  string // WSTrust (WS-Fed) or SAML20
	// FederationGlobalVersion is getuserrealm.srf's FederationGlobalVersion
	// (-1 on federated domains); nil when the answer had none.
	FederationGlobalVersion *int

	CloudInstanceName string // microsoftonline.com, microsoftonline.us, partner.microsoftonline.cn, …
	CloudAudienceURN  string // urn:federation:MicrosoftOnline (the WS-Fed wtrealm)
	// Cloud names the cloud of CloudInstanceName ("Azure US Government");
	// "" when the instance is not one o365doctor knows: never guessed.
	Cloud string

	// IsViral is true for an unmanaged ("viral", self-service sign-up)
	// tenant; nil when the answer did not say.
	IsViral *bool

	State, UserState int // getuserrealm.srf's State and UserState, as sent

	// Notes are what did not fit: a NameSpaceType outside the three known
	// ones, discovery endpoints that disagree with each other.
	Notes []string
}

// Federated reports whether sign-ins for the domain go to a federated IdP.
func (r Realm) Federated() bool { return r.NameSpaceType == NamespaceFederated }

// Managed reports whether the domain signs in with Entra ID itself.
func (r Realm) Managed() bool { return r.NameSpaceType == NamespaceManaged }

// Known reports whether Entra ID knows the domain at all.
func (r Realm) Known() bool {
	return r.NameSpaceType != NamespaceUnknown && r.NameSpaceType != ""
}

// OpenIDConfig is the OpenID Provider configuration of a tenant
// ({login}/{tenant}/v2.0/.well-known/openid-configuration): the tenant ID
// behind a domain, its region and its cloud.
type OpenIDConfig struct {
	TenantID              string // the GUID in the issuer
	Issuer                string
	AuthorizationEndpoint string
	TokenEndpoint         string
	TenantRegionScope     string // NA, EU, AS, OC, WW, USGov, …
	TenantRegionSubScope  string // GCC, DODCON (GCC High), DOD; "" for most tenants
	CloudInstanceName     string // microsoftonline.com, microsoftonline.us, partner.microsoftonline.cn, …
	CloudGraphHostName    string // graph.windows.net (the retired Azure AD Graph)
	MSGraphHost           string // graph.microsoft.com, graph.microsoft.us, microsoftgraph.chinacloudapi.cn, …
	// Cloud names the cloud and, for US government tenants, the
	// environment ("Azure US Government (GCC High)"); "" when neither the
	// cloud instance nor the login host is one o365doctor knows.
	Cloud string
	// Notes are what did not fit: a cloud instance o365doctor does not
	// know, endpoints on a host of another cloud than the instance named.
	Notes []string
}
