package config

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/o365doctor/o365doctor/internal/model"
)

// Masked is what every secret turns into wherever it is shown.
const Masked = "***"

// Secret holds a credential. Its formatting and JSON forms are always
// masked, so a Secret that slips into a log line or a report shows "***".
type Secret struct{ value string }

// NewSecret wraps a credential and registers it with the process masker, so
// Mask removes it from any text, even text an SDK built around it.
func NewSecret(v string) Secret {
	RegisterSecret(v)
	return Secret{value: v}
}

// Reveal returns the credential, for the one place that sends it.
func (s Secret) Reveal() string { return s.value }

// Empty reports whether no credential is set.
func (s Secret) Empty() bool { return s.value == "" }

func (s Secret) String() string {
	if s.value == "" {
		return ""
	}
	return Masked
}

// GoString keeps %#v from printing the value.
func (s Secret) GoString() string { return s.String() }

// MarshalJSON masks the value.
func (s Secret) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

// Format covers every verb, including %q and %x.
func (s Secret) Format(f fmt.State, verb rune) { fmt.Fprint(f, s.String()) }

// The process-wide list of known secret values. It is the one piece of
// shared state: a secret must be masked wherever it surfaces, including in
// error strings built by SDKs that know nothing about Secret.
var known struct {
	sync.RWMutex
	values []string
}

// RegisterSecret adds a value to the masker. Short values are ignored: masking
// "a" everywhere would shred the text and a one-letter secret is no secret.
func RegisterSecret(v string) {
	if len(v) < 6 {
		return
	}
	known.Lock()
	defer known.Unlock()
	for _, k := range known.values {
		if k == v {
			return
		}
	}
	known.values = append(known.values, v)
}

// Mask replaces every registered secret, every JWT and every bearer/SSWS
// credential in s with "***". It is the one masking function used by
// reports, previews, logs, error messages and the journal.
func Mask(s string) string {
	known.RLock()
	for _, v := range known.values {
		if strings.Contains(s, v) {
			s = strings.ReplaceAll(s, v, Masked)
		}
	}
	known.RUnlock()
	if strings.Contains(s, "eyJ") {
		s = jwt.ReplaceAllString(s, Masked)
	}
	for _, scheme := range []string{"Bearer ", "bearer ", "SSWS ", "client_secret="} {
		s = maskAfter(s, scheme)
	}
	return s
}

// Shown is a string from outside (a server's message, a value read, an
// error) as o365doctor shows it anywhere: terminal control removed first,
// then secrets masked, so that a credential with a control character
// slipped into it is whole when Mask looks for it.
func Shown(s string) string { return Mask(model.Clean(s)) }

// jwt matches a JSON Web Token (an access or ID token, a client
// assertion): base64url of a JSON header and payload, both starting with
// `{"` ("eyJ"), and a signature that is empty for unsigned tokens. Tokens
// o365doctor obtains are registered; this catches the ones it never saw.
var jwt = regexp.MustCompile(`eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*`)

// maskAfter masks the token that follows each occurrence of prefix.
func maskAfter(s, prefix string) string {
	if !strings.Contains(s, prefix) {
		return s // the usual case: nothing copied
	}
	var b strings.Builder
	for {
		i := strings.Index(s, prefix)
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i+len(prefix)])
		rest := s[i+len(prefix):]
		end := strings.IndexAny(rest, " \t\r\n\"'&,;")
		if end < 0 {
			end = len(rest)
		}
		if end > 0 && rest[:end] != Masked {
			b.WriteString(Masked)
		} else {
			b.WriteString(rest[:end])
		}
		s = rest[end:]
	}
}

// CertSummary shows a certificate the way previews and reports do: by
// SHA-256 thumbprint and expiry, never the base64 body.
func CertSummary(cert *x509.Certificate) string {
	sum := sha256.Sum256(cert.Raw)
	return fmt.Sprintf("sha256:%s… (expires %s)", hex.EncodeToString(sum[:])[:16], cert.NotAfter.UTC().Format("2006-01-02"))
}
