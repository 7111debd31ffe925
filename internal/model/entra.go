package model

import (
	"strings"
	"time"
)

// Entra domain authentication types (Graph domain.authenticationType).
const (
	AuthManaged   = "Managed"
	AuthFederated = "Federated"
)

// EntraDomain is one of the tenant's domains (GET /domains/{id}).
type EntraDomain struct {
	ID                 string // the domain name: contoso.com
	AuthenticationType string // Managed | Federated
	IsDefault          bool
	IsInitial          bool // contoso.onmicrosoft.com
	IsVerified         bool
	IsRoot             bool
	SupportedServices  []string // Email, OfficeCommunicationsOnline, Intune, ...
}

// Federated reports whether the domain's sign-ins go to a federated IdP
// (compared case-insensitively: Graph's casing is not a contract).
func (d EntraDomain) Federated() bool { return strings.EqualFold(d.AuthenticationType, AuthFederated) }

// FindDomain returns the tenant's domain of that name, compared without
// case.
func FindDomain(domains []EntraDomain, name string) (EntraDomain, bool) {
	for _, d := range domains {
		if strings.EqualFold(d.ID, name) {
			return d, true
		}
	}
	return EntraDomain{}, false
}

// DNSRecord is one record Entra asks the domain to publish
// (domains/{id}/verificationDnsRecords or serviceConfigurationRecords).
type DNSRecord struct {
	Type    string // recordType: Txt, Mx, CName, Srv (Graph's casing)
	Label   string // the owner name: contoso.com, autodiscover.contoso.com
	Service string // supportedService: Email, Intune, OfficeCommunicationsOnline, None
	// Value is the record's data: text (Txt), mailExchange (Mx),
	// canonicalName (CName), nameTarget (Srv).
	Value      string
	Preference int // Mx preference, Srv priority
	// Srv only: _service._protocol, port and weight.
	SRVService, SRVProtocol string
	Port, Weight            int
	Optional                bool
	TTL                     int
}

// Federation is a domain's internalDomainFederation
// (GET /domains/{id}/federationConfiguration, Graph v1.0).
type Federation struct {
	ID                  string
	DisplayName         string
	IssuerURI           string
	PassiveSignInURI    string
	ActiveSignInURI     string
	SignOutURI          string
	MetadataExchangeURI string
	// SigningCertificate and NextSigningCertificate are base64 DER, as
	// Graph holds them.
	SigningCertificate              string
	NextSigningCertificate          string
	FederatedIdpMfaBehavior         string // "" when never set
	PromptLoginBehavior             string
	PreferredAuthenticationProtocol string // wsFed | saml
	// CertificateUpdateResult is signingCertificateUpdateStatus
	// .certificateUpdateResult, as Graph writes it ("Success" and
	// "success" both occur).
	CertificateUpdateResult string
	CertificateUpdateRun    time.Time
}

// Graph federatedIdpMfaBehavior values.
const (
	MFAAcceptIfDoneByIdP = "acceptIfMfaDoneByFederatedIdp"
	MFAEnforceByIdP      = "enforceMfaByFederatedIdp"
	MFARejectByIdP       = "rejectMfaByFederatedIdp"
)

// Organization is the tenant (GET /organization).
type Organization struct {
	ID              string // the tenant ID
	DisplayName     string
	VerifiedDomains []VerifiedDomain
}

// VerifiedDomain is one of organization.verifiedDomains.
type VerifiedDomain struct {
	Name      string
	Type      string // Managed | Federated
	IsDefault bool
	IsInitial bool
}

// InitialDomain returns the tenant's *.onmicrosoft.com domain, "" when the
// organization lists none.
func (o Organization) InitialDomain() string {
	for _, d := range o.VerifiedDomains {
		if d.IsInitial {
			return d.Name
		}
	}
	return ""
}

// DirectoryObject is a reference to a user, group or service principal
// (a role member, a rollout policy's appliesTo).
type DirectoryObject struct {
	ID   string
	Kind string // user | group | servicePrincipal | device | ... (from @odata.type)
	// Name is the UPN of a user, else the displayName.
	Name string
}

// RolloutPolicy is an Entra staged-rollout policy
// (GET /policies/featureRolloutPolicies, appliesTo expanded).
type RolloutPolicy struct {
	ID                      string
	DisplayName             string
	Feature                 string // passwordHashSync, passThroughAuthentication, seamlessSso, emailAsAlternateId, certificateBasedAuthentication, ...
	IsEnabled               bool
	IsAppliedToOrganization bool
	AppliesTo               []DirectoryObject
}

// RoleMembers is an activated directory role and its members
// (GET /directoryRoles, /directoryRoles/{id}/members).
type RoleMembers struct {
	RoleID         string
	RoleTemplateID string
	DisplayName    string // Global Administrator
	Members        []DirectoryObject
}

// SigningKey is one of an Okta app's signing keys
// (GET /api/v1/apps/{id}/credentials/keys): a JWK with its certificate.
type SigningKey struct {
	Kid       string
	Created   time.Time
	ExpiresAt time.Time
	// X5C is the certificate chain, base64 DER, leaf first.
	X5C []string
}

// SAMLMetadata is what o365doctor reads from an Okta app's SAML metadata
// (GET /api/v1/apps/{id}/sso/saml/metadata): for the Office 365 app the
// entityID is the bare external key (exk…).
type SAMLMetadata struct {
	EntityID     string
	SSOURLs      []string
	Certificates []string // base64 DER, signing use
}
