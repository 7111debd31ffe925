package checks

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/o365doctor/o365doctor/internal/model"
)

// Where the federation facts come from, for evidence.
const (
	srcDomains     = "GET /domains"
	srcFederation  = "GET /domains/{id}/federationConfiguration"
	srcOrg         = "GET /organization"
	srcRollouts    = "GET /policies/featureRolloutPolicies?$expand=appliesTo"
	srcRoles       = "GET /directoryRoles, /directoryRoles/{id}/members"
	srcOktaKeys    = "GET /api/v1/apps/{id}/credentials/keys"
	srcOktaMeta    = "GET /api/v1/apps/{id}/sso/saml/metadata"
	srcOpenID      = "GET /{domain}/v2.0/.well-known/openid-configuration"
	permDomains    = "Domain.Read.All"
	permOrg        = "Organization.Read.All"
	permPolicy     = "Policy.Read.HybridAuthentication"
	permRoles      = "RoleManagement.Read.Directory"
	permOktaApps   = "okta.apps.read"
	permOktaDomain = "okta.domains.read"
)

var (
	// EntraDomainsFact are the tenant's domains.
	EntraDomainsFact = &Fact[[]model.EntraDomain]{
		Name: "the tenant's domains",
		Load: func(ctx context.Context, f *Facts) ([]model.EntraDomain, error) {
			if err := f.need(Graph); err != nil {
				return nil, err
			}
			return f.src.Graph.Domains(ctx)
		},
	}

	// FederationFact is the subject domain's internalDomainFederation;
	// nil when it has none.
	FederationFact = &Fact[*model.Federation]{
		Name: "the domain's federation configuration",
		Load: func(ctx context.Context, f *Facts) (*model.Federation, error) {
			if err := f.need(Graph); err != nil {
				return nil, err
			}
			fed, ok, err := f.src.Graph.Federation(ctx, f.subject.Domain)
			if err != nil || !ok {
				return nil, err
			}
			return &fed, nil
		},
	}

	// OrganizationFact is the tenant.
	OrganizationFact = &Fact[model.Organization]{
		Name: "the tenant",
		Load: func(ctx context.Context, f *Facts) (model.Organization, error) {
			if err := f.need(Graph); err != nil {
				return model.Organization{}, err
			}
			return f.src.Graph.Organization(ctx)
		},
	}

	// OpenIDFact is Microsoft's public OpenID configuration for the
	// subject's domain: the tenant it belongs to, and its cloud.
	OpenIDFact = &Fact[model.OpenIDConfig]{
		Name: "the domain's OpenID configuration",
		Load: func(ctx context.Context, f *Facts) (model.OpenIDConfig, error) {
			if err := f.need(Realm); err != nil {
				return model.OpenIDConfig{}, err
			}
			return f.src.Realm.OpenIDConfig(ctx, f.subject.Domain)
		},
	}

	// AppKeysFact are the signing keys of the domain's Office 365 app.
	AppKeysFact = &Fact[[]model.SigningKey]{
		Name:     "the Office 365 app's signing keys",
		Requires: []FactRef{Office365AppFact},
		Load: func(ctx context.Context, f *Facts) ([]model.SigningKey, error) {
			app, err := Office365AppFact.Get(ctx, f)
			if err != nil {
				return nil, err
			}
			return f.src.Okta.AppKeys(ctx, app.ID)
		},
	}

	// AppMetadataFact is the SAML metadata of the domain's Office 365 app:
	// its external key (entityID) and the certificate it publishes.
	AppMetadataFact = &Fact[model.SAMLMetadata]{
		Name:     "the Office 365 app's metadata",
		Requires: []FactRef{Office365AppFact},
		Load: func(ctx context.Context, f *Facts) (model.SAMLMetadata, error) {
			app, err := Office365AppFact.Get(ctx, f)
			if err != nil {
				return model.SAMLMetadata{}, err
			}
			return f.src.Okta.AppMetadata(ctx, app.ID)
		},
	}

	// RolloutPoliciesFact are the tenant's staged-rollout policies.
	RolloutPoliciesFact = &Fact[[]model.RolloutPolicy]{
		Name: "the staged-rollout policies",
		Load: func(ctx context.Context, f *Facts) ([]model.RolloutPolicy, error) {
			if err := f.need(Graph); err != nil {
				return nil, err
			}
			return f.src.Graph.RolloutPolicies(ctx)
		},
	}

	// RoleMembersFact are the activated directory roles and their members.
	RoleMembersFact = &Fact[[]model.RoleMembers]{
		Name: "the directory roles' members",
		Load: func(ctx context.Context, f *Facts) ([]model.RoleMembers, error) {
			if err := f.need(Graph); err != nil {
				return nil, err
			}
			return f.src.Graph.RoleMembers(ctx)
		},
	}
)

// domainObject is the finding object of a domain.
func domainObject(d string) Object { return Object{Kind: ObjDomain, ID: d, Name: d} }

// parseCert reads a base64 DER certificate as Graph and Okta hold them
// (whitespace tolerated).
func parseCert(b64 string) (*x509.Certificate, error) {
	clean := strings.Join(strings.Fields(b64), "")
	if clean == "" {
		return nil, errors.New("no certificate")
	}
	der, err := base64.StdEncoding.DecodeString(clean)
	if err != nil {
		return nil, fmt.Errorf("not base64: %v", err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("not an X.509 certificate: %v", err)
	}
	return c, nil
}

// certRead is a Read of a certificate: the value is its SHA-256
// thumbprint (what is compared), Cert what people read.
func certRead(system string, obj Object, field, b64, source string) Read {
	r := Read{System: system, Object: obj, Field: field, Source: source}
	if b64 == "" {
		return r
	}
	c, err := parseCert(b64)
	if err != nil {
		r.Value = "(unreadable: " + err.Error() + ")"
		return r
	}
	r.Cert = CertificateOf(c)
	r.Value = r.Cert.SHA256
	return r
}

// activeKey is the app's signing key in use (credentials.signing.kid), or
// false when the app names none of its keys.
func activeKey(app model.OktaApp, keys []model.SigningKey) (model.SigningKey, bool) {
	for _, k := range keys {
		if k.Kid == app.SigningKid && app.SigningKid != "" {
			return k, true
		}
	}
	if app.SigningKid == "" && len(keys) == 1 {
		return keys[0], true
	}
	return model.SigningKey{}, false
}

// keyLeaf is a key's certificate, base64 DER.
func keyLeaf(k model.SigningKey) string {
	if len(k.X5C) == 0 {
		return ""
	}
	return k.X5C[0]
}

// sameCert compares two base64 DER certificates by content.
func sameCert(a, b string) bool {
	ca, err1 := parseCert(a)
	cb, err2 := parseCert(b)
	return err1 == nil && err2 == nil && ca.Equal(cb)
}
