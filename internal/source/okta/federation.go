package okta

import (
	"context"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"unicode"

	"github.com/o365doctor/o365doctor/internal/model"
)

// AppKeys lists the app's signing keys (GET
// /api/v1/apps/{id}/credentials/keys; okta.apps.read): each key's kid,
// dates and certificate chain. The active one is the app's
// credentials.signing.kid (model.OktaApp.SigningKid).
func (c *Client) AppKeys(ctx context.Context, appID string) ([]model.SigningKey, error) {
	o := op{what: "list signing keys of app " + appID, noun: "a list of signing keys", perm: "okta.apps.read"}
	if err := checkID(appID); err != nil {
		return nil, o.errorf("%v; not asked", err)
	}
	keys, resp, err := c.sdk.Application.ListApplicationKeys(ctx, appID)
	if err != nil {
		return nil, o.fail(resp, err)
	}
	if len(keys) == 0 && !isJSONList(resp) {
		return nil, o.notA("not a JSON list")
	}
	out := make([]model.SigningKey, 0, len(keys))
	for _, k := range keys {
		if k == nil || k.Kid == "" {
			return nil, o.notA("a key without kid")
		}
		if len(k.X5c) == 0 {
			return nil, o.notA("key " + model.Clean(k.Kid) + " without x5c")
		}
		key := model.SigningKey{Kid: model.Clean(k.Kid), Created: timeOf(k.Created), ExpiresAt: timeOf(k.ExpiresAt)}
		for _, cert := range k.X5c {
			b64, err := certBase64(cert)
			if err != nil {
				return nil, o.notA("key " + key.Kid + ": " + err.Error())
			}
			key.X5C = append(key.X5C, b64)
		}
		out = append(out, key)
	}
	return out, nil
}

// maxMetadataBytes bounds the SAML metadata read: Okta's is about 2 KB a
// certificate.
const maxMetadataBytes = 1 << 20

// AppMetadata reads the app's SAML 2.0 IdP metadata (GET
// /api/v1/apps/{id}/sso/saml/metadata, application/xml; okta.apps.read).
// For the Office 365 app the entityID is the bare external key (exk…) and
// the SSO URLs are the SAML ones, not WS-Fed's (api-facts §Q2); the
// certificates are the signing ones (KeyDescriptor use="signing" or no
// use), base64 DER with the line breaks Okta puts in them removed. The
// SDK has no typed method that returns the body, so the call goes through
// its request executor, decoding into entityDescriptor; a body past
// maxMetadataBytes, not XML, or not an EntityDescriptor is an error. The
// SDK's XML decoder has no charset reader: metadata declaring another
// encoding than UTF-8 (Okta's declares UTF-8) is an error too.
func (c *Client) AppMetadata(ctx context.Context, appID string) (model.SAMLMetadata, error) {
	o := op{what: "get SAML metadata of app " + appID, noun: "SAML metadata", perm: "okta.apps.read"}
	if err := checkID(appID); err != nil {
		return model.SAMLMetadata{}, o.errorf("%v; not asked", err)
	}
	rq := c.sdk.CloneRequestExecutor()
	req, err := rq.WithAccept("application/xml").NewRequest(http.MethodGet, "/api/v1/apps/"+appID+"/sso/saml/metadata", nil)
	if err != nil {
		return model.SAMLMetadata{}, o.fail(nil, err)
	}
	var ed entityDescriptor
	resp, err := rq.Do(context.WithValue(ctx, bodyLimitKey{}, int64(maxMetadataBytes)), req, &ed)
	if err != nil {
		return model.SAMLMetadata{}, o.fail(resp, err)
	}
	// The SDK decodes JSON too, by field name: only XML is metadata.
	if ct := resp.Header.Get("Content-Type"); !strings.Contains(strings.ToLower(ct), "xml") {
		return model.SAMLMetadata{}, o.notA("content type " + model.Clean(firstN(ct, 60)))
	}
	md, err := ed.toModel()
	if err != nil {
		return model.SAMLMetadata{}, o.notA(err.Error())
	}
	return md, nil
}

// entityDescriptor is what o365doctor reads of SAML 2.0 metadata. Only the
// root is matched with its namespace; the elements under it by local name.
type entityDescriptor struct {
	XMLName  xml.Name `xml:"urn:oasis:names:tc:SAML:2.0:metadata EntityDescriptor"`
	EntityID string   `xml:"entityID,attr"`
	IDP      []struct {
		Keys []struct {
			Use   string   `xml:"use,attr"`
			Certs []string `xml:"KeyInfo>X509Data>X509Certificate"`
		} `xml:"KeyDescriptor"`
		SSO []struct {
			Location string `xml:"Location,attr"`
		} `xml:"SingleSignOnService"`
	} `xml:"IDPSSODescriptor"`
}

func (ed *entityDescriptor) toModel() (model.SAMLMetadata, error) {
	out := model.SAMLMetadata{EntityID: model.Clean(strings.TrimSpace(ed.EntityID))}
	if out.EntityID == "" {
		return model.SAMLMetadata{}, errors.New("no entityID")
	}
	if len(ed.IDP) == 0 {
		return model.SAMLMetadata{}, errors.New("no IDPSSODescriptor")
	}
	seen := map[string]bool{}
	for _, idp := range ed.IDP {
		for _, sso := range idp.SSO {
			loc := model.Clean(strings.TrimSpace(sso.Location))
			if loc != "" && !seen[loc] {
				seen[loc] = true
				out.SSOURLs = append(out.SSOURLs, loc)
			}
		}
		for _, k := range idp.Keys {
			if use := strings.TrimSpace(k.Use); use != "" && !strings.EqualFold(use, "signing") {
				continue // encryption keys
			}
			for _, cert := range k.Certs {
				b64, err := certBase64(cert)
				if err != nil {
					return model.SAMLMetadata{}, err
				}
				out.Certificates = append(out.Certificates, b64)
			}
		}
	}
	if len(out.Certificates) == 0 {
		return model.SAMLMetadata{}, errors.New("no signing certificate")
	}
	return out, nil
}

// certBase64 returns a certificate's base64 DER on one line, the white
// space PEM-style wrapping leaves in it removed, refusing text that is not
// base64.
func certBase64(s string) (string, error) {
	b64 := strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
	if b64 == "" {
		return "", errors.New("an empty certificate")
	}
	if _, err := base64.StdEncoding.DecodeString(b64); err != nil {
		return "", fmt.Errorf("a certificate that is not base64 (%s)", model.Clean(firstN(b64, 16)))
	}
	return b64, nil
}

// checkID refuses, before anything is sent, an Okta object ID that could
// change the path it is put in: Okta IDs are letters and digits (0oa…,
// 00u…), and "..", "/" or "?" in one would lead the request elsewhere.
func checkID(id string) error {
	if id == "" {
		return errors.New("no app ID given")
	}
	if len(id) > 64 {
		return fmt.Errorf("%q is not an Okta ID", model.Clean(firstN(id, 64))+"...")
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return fmt.Errorf("%q is not an Okta ID", model.Clean(id))
		}
	}
	return nil
}

func firstN(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// bodyLimitKey carries, in a request's context, a tighter bound on its
// answer than config.MaxBodyBytes; limitBody applies it. It travels in
// the context because the SDK passes nothing else down to the transport.
type bodyLimitKey struct{}

// limitBody ends a body past limit with a *badAnswer, announced
// (Content-Length) or streamed.
func limitBody(req *http.Request, resp *http.Response) (*http.Response, error) {
	limit, ok := req.Context().Value(bodyLimitKey{}).(int64)
	if !ok {
		return resp, nil
	}
	tooLarge := &badAnswer{fmt.Sprintf("the answer is larger than %d KiB, more than o365doctor reads of it", limit>>10)}
	if resp.ContentLength > limit {
		resp.Body.Close()
		return nil, tooLarge
	}
	resp.Body = &limitedBody{ReadCloser: resp.Body, left: limit, tooLarge: tooLarge}
	return resp, nil
}

type limitedBody struct {
	io.ReadCloser
	left     int64
	tooLarge error
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.left < 0 {
		return 0, b.tooLarge
	}
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1]
	}
	n, err := b.ReadCloser.Read(p)
	b.left -= int64(n)
	if b.left < 0 {
		return 0, b.tooLarge
	}
	return n, err
}
