package lab

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"fmt"
	"math/big"
	"sync"
	"time"
)

// signingCert is a named IdP token-signing certificate of the scenario.
type signingCert struct {
	Name string
	DER  []byte
	Cert *x509.Certificate
	// Kid is the Okta key ID: like Okta's, a base64url string.
	Kid string
}

// Base64 is the certificate as Okta's x5c and Graph's signingCertificate
// carry it: standard base64 of the DER, on one line.
func (c *signingCert) Base64() string { return base64.StdEncoding.EncodeToString(c.DER) }

// X5tS256 is the base64url SHA-256 thumbprint (JWK "x5t#S256").
func (c *signingCert) X5tS256() string {
	sum := sha256.Sum256(c.DER)
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// One RSA key signs every lab certificate: generating a 2048-bit key takes
// tens of milliseconds and the certificates differ by serial and validity,
// so their thumbprints differ as real ones do.
var labKey = sync.OnceValues(func() (*rsa.PrivateKey, error) { return rsa.GenerateKey(rand.Reader, 2048) })

func newSigningCert(spec CertSpec, now time.Time) (*signingCert, error) {
	key, err := labKey()
	if err != nil {
		return nil, fmt.Errorf("lab: rsa key: %w", err)
	}
	// Okta's O365 signing certificates are self-signed with this subject
	// (decoded from a recorded office365 app key).
	tmpl := &x509.Certificate{
		SerialNumber: new(big.Int).SetUint64(uint64(hash32(spec.Name))<<20 | uint64(now.Unix()&0xfffff)),
		Subject: pkix.Name{Country: []string{"US"}, Province: []string{"California"}, Locality: []string{"San Francisco"},
			Organization: []string{"Okta"}, OrganizationalUnit: []string{"SSOProvider"}, CommonName: spec.Subject},
		NotBefore: now.Add(-time.Duration(spec.IssuedDays) * 24 * time.Hour).Truncate(time.Second),
		NotAfter:  now.Add(time.Duration(spec.ValidDays) * 24 * time.Hour).Truncate(time.Second),
		KeyUsage:  x509.KeyUsageDigitalSignature,
	}
	tmpl.Issuer = tmpl.Subject
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("lab: certificate %s: %w", spec.Name, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	c := &signingCert{Name: spec.Name, DER: der, Cert: cert}
	c.Kid = c.X5tS256()[:43]
	return c, nil
}

// jwk is an Okta app signing key (GET /api/v1/apps/{id}/credentials/keys),
// shaped as Okta's recorded office365 key (terraform-provider-okta VCR).
type jwk struct {
	Kty         string   `json:"kty"`
	Created     oktaTime `json:"created"`
	LastUpdated oktaTime `json:"lastUpdated"`
	ExpiresAt   oktaTime `json:"expiresAt"`
	Kid         string   `json:"kid"`
	Use         string   `json:"use"`
	X5c         []string `json:"x5c"`
	X5tS256     string   `json:"x5t#S256"`
	E           string   `json:"e"`
	N           string   `json:"n"`
}

func (c *signingCert) jwk() jwk {
	pub := c.Cert.PublicKey.(*rsa.PublicKey)
	return jwk{
		Kty: "RSA", Created: oktaTime{c.Cert.NotBefore}, LastUpdated: oktaTime{c.Cert.NotBefore}, ExpiresAt: oktaTime{c.Cert.NotAfter},
		Kid: c.Kid, Use: "sig", X5c: []string{c.Base64()}, X5tS256: c.X5tS256(),
		E: base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
		N: base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
	}
}
