package checks

import (
	"crypto/sha1" //nolint:gosec // Entra and Okta name certificates by SHA-1 thumbprint; it is an identifier here, not a security check
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"strings"
	"time"

	"github.com/o365doctor/o365doctor/internal/fix"
)

// ObjectKind is the kind of thing a finding is about.
type ObjectKind string

const (
	ObjUser        ObjectKind = "user"        // a person: Okta user, Entra user
	ObjAppUser     ObjectKind = "appuser"     // a person's assignment to an Okta app
	ObjDomain      ObjectKind = "domain"      // a DNS / Entra domain
	ObjApp         ObjectKind = "app"         // an Okta app instance
	ObjGroup       ObjectKind = "group"       // an Okta or Entra group
	ObjPolicy      ObjectKind = "policy"      // an Okta sign-on rule, a Conditional Access policy
	ObjSKU         ObjectKind = "sku"         // a Microsoft 365 license SKU
	ObjCertificate ObjectKind = "certificate" // a signing certificate
	ObjTenant      ObjectKind = "tenant"      // the Entra tenant
	ObjOrg         ObjectKind = "org"         // the Okta org
)

// Object is what a finding is about: a kind, a stable ID (what suppressions
// and CSV rows key on) and a name for people.
type Object struct {
	Kind ObjectKind
	ID   string
	Name string
}

// Personal reports whether the object's ID and name are personal data
// (a UPN, a login), which --redact masks.
func (o Object) Personal() bool { return o.Kind == ObjUser || o.Kind == ObjAppUser }

// Label is "user alice@contoso.com": the kind and the name (or ID).
func (o Object) Label() string {
	name := o.Name
	if name == "" {
		name = o.ID
	}
	if name == "" {
		return string(o.Kind)
	}
	return kindLabel(o.Kind) + " " + name
}

func kindLabel(k ObjectKind) string {
	if k == ObjAppUser {
		return "app user"
	}
	return string(k)
}

// Finding is one statement about one object: its status, a line a person
// can act on, the evidence, and the plans that would fix it.
type Finding struct {
	Object   Object
	Status   Status
	Message  string
	Evidence []Evidence
	Fixes    []fix.Plan
	// Suppressed is set when a suppression of the config file accepts
	// the finding (ApplySuppressions).
	Suppressed *Suppressed
}

// Evidence is what a finding rests on: a Value, a Comparison or an Event.
type Evidence interface{ evidence() }

// Read is one value as read from one system: which system, object and
// field, the value, and the call it came from. Personal marks personal data
// (UPN, immutableID, name) so --redact can mask it consistently.
type Read struct {
	System   string // okta | entra | dns | microsoft
	Object   Object
	Field    string // profile.immutableId
	Value    string // "" is blank
	Source   string // the call: GET /api/v1/users/{id}
	Personal bool
	// Cert, when set, is the certificate the value is: reports show it
	// by thumbprint, subject and expiry, never its base64 body.
	Cert *Certificate
}

// Value is evidence of one value.
type Value struct{ Read }

// Comparison is evidence that two or more systems (Okta and Entra, or each
// authoritative nameserver) hold equal or different values for one thing.
type Comparison struct {
	What  string // what is compared: "immutableID"
	Sides []Read
	Equal bool
}

// Event is evidence of something that happened, for timelines: an Okta
// System Log event, an Entra sign-in. Code is what support asks for
// (AADSTS50133, E0000047), with the correlation and request IDs.
type Event struct {
	Time          time.Time
	System        string // okta | entra
	Type          string // user.authentication.sso, signIn
	Outcome       string // SUCCESS, FAILURE, ...
	Code          string
	Message       string
	Actor         string // who, personal data
	Target        string
	CorrelationID string
	RequestID     string
}

func (Value) evidence()      {}
func (Comparison) evidence() {}
func (Event) evidence()      {}

// Compare builds a comparison of the sides' values; equal when all are
// equal and not blank (two blanks match nothing).
func Compare(what string, sides ...Read) Comparison {
	eq := len(sides) > 1
	for _, s := range sides {
		if s.Value == "" || s.Value != sides[0].Value {
			eq = false
		}
	}
	return Comparison{What: what, Sides: sides, Equal: eq}
}

// Certificate is a certificate as people compare it.
type Certificate struct {
	SHA1      string // hex, upper case, as Entra and Okta show thumbprints
	SHA256    string // hex, lower case
	Subject   string
	NotBefore time.Time
	NotAfter  time.Time
}

// CertificateOf summarises a parsed certificate.
func CertificateOf(c *x509.Certificate) *Certificate {
	s1 := sha1.Sum(c.Raw) //nolint:gosec // a thumbprint, see the import
	s256 := sha256.Sum256(c.Raw)
	return &Certificate{
		SHA1:      strings.ToUpper(hex.EncodeToString(s1[:])),
		SHA256:    hex.EncodeToString(s256[:]),
		Subject:   c.Subject.String(),
		NotBefore: c.NotBefore.UTC(),
		NotAfter:  c.NotAfter.UTC(),
	}
}
