package okta_test

// The app's signing keys and SAML metadata, against the lab and against
// servers that answer what Okta never should.

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	sdk "github.com/okta/okta-sdk-golang/v2/okta"

	"github.com/o365doctor/o365doctor/internal/lab/labtest"
	"github.com/o365doctor/o365doctor/internal/model"
	"github.com/o365doctor/o365doctor/internal/source/okta"
	"github.com/o365doctor/o365doctor/internal/source/sourcetest"
)

func TestKeysAndMetadataAgainstLab(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	l := labtest.Start(t, "healthy")
	c, err := okta.New(ctx, l.Settings())
	if err != nil {
		t.Fatal(err)
	}
	apps, err := c.Office365Apps(ctx)
	if err != nil || len(apps) != 1 {
		t.Fatalf("apps = %+v, %v", apps, err)
	}
	app := apps[0]
	if app.SigningKid == "" || strings.Join(app.Features, ",") != "PUSH_NEW_USERS,PUSH_PROFILE_UPDATES,PUSH_USER_DEACTIVATION,REACTIVATE_USERS" {
		t.Fatalf("app kid %q, features %v", app.SigningKid, app.Features)
	}
	// The recorded office365 app links no metadata (api-facts §Q1a): the
	// adapter asks /sso/saml/metadata without being led there.
	raw, _, err := okta.SDK(c).Application.GetApplication(ctx, app.ID, sdk.NewApplication(), nil)
	if err != nil {
		t.Fatal(err)
	}
	links, _ := raw.(*sdk.Application).Links.(map[string]any)
	if _, ok := links["metadata"]; ok || links["users"] == nil || links["groups"] == nil || links["appLinks"] == nil || links["deactivate"] == nil {
		t.Fatalf("_links = %v", links)
	}
	keys, err := c.AppKeys(ctx, app.ID)
	if err != nil || len(keys) != 1 {
		t.Fatalf("keys = %+v, %v", keys, err)
	}
	k := keys[0]
	if k.Kid != app.SigningKid || len(k.X5C) != 1 || k.Created.IsZero() || !k.ExpiresAt.After(k.Created) {
		t.Fatalf("key = %+v", k)
	}
	der, _ := base64.StdEncoding.DecodeString(k.X5C[0])
	cert, err := x509.ParseCertificate(der)
	if err != nil || !cert.NotAfter.Equal(k.ExpiresAt) {
		t.Fatalf("x5c[0]: %v (expires %s, key says %s)", err, cert.NotAfter, k.ExpiresAt)
	}

	md, err := c.AppMetadata(ctx, app.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(md.EntityID, "exk") || len(md.SSOURLs) != 1 || md.SSOURLs[0] != l.OktaURL+"/app/office365/"+md.EntityID+"/sso/saml" ||
		len(md.Certificates) != 1 || md.Certificates[0] != k.X5C[0] {
		t.Fatalf("metadata = %+v", md)
	}

	for name, call := range map[string]func() error{
		"AppKeys":     func() error { _, err := c.AppKeys(ctx, "0oaNOSUCHAPP00000000"); return err },
		"AppMetadata": func() error { _, err := c.AppMetadata(ctx, "0oaNOSUCHAPP00000000"); return err },
	} {
		if err := call(); !errors.Is(err, model.ErrNotFound) || !strings.Contains(err.Error(), "E0000007") {
			t.Errorf("%s of an unknown app: %v", name, err)
		}
	}
}

func TestAppKeysOfRotation(t *testing.T) {
	t.Parallel()
	l := labtest.Start(t, "cert-mismatch")
	c, err := okta.New(context.Background(), l.Settings())
	if err != nil {
		t.Fatal(err)
	}
	apps, err := c.Office365Apps(context.Background())
	if err != nil || len(apps) != 1 {
		t.Fatal(err)
	}
	keys, err := c.AppKeys(context.Background(), apps[0].ID)
	if err != nil || len(keys) == 0 || keys[0].Kid != apps[0].SigningKid {
		t.Fatalf("keys = %+v, %v; signing kid %s", keys, err, apps[0].SigningKid)
	}
}

// fedCalls are the two reads, for the hostile servers.
var fedCalls = []oktaCall{
	{"AppKeys", "okta: list signing keys of app 0oa1: ", true, func(ctx context.Context, c *okta.Client) error {
		_, err := c.AppKeys(ctx, "0oa1")
		return err
	}},
	{"AppMetadata", "okta: get SAML metadata of app 0oa1: ", false, func(ctx context.Context, c *okta.Client) error {
		_, err := c.AppMetadata(ctx, "0oa1")
		return err
	}},
}

// TestKeysAndMetadataRefused: a 403 is model.ErrAccessDenied naming
// okta.apps.read; a 404 without an Okta error is not ErrNotFound.
func TestKeysAndMetadataRefused(t *testing.T) {
	t.Parallel()
	for _, fc := range fedCalls {
		t.Run(fc.name, func(t *testing.T) {
			t.Parallel()
			srv := sourcetest.Start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				sourcetest.JSON(w, http.StatusForbidden, map[string]any{"errorCode": "E0000006", "errorSummary": "You do not have permission to perform the requested action"})
			}))
			c, s := client(t, srv, 5*time.Second)
			err := fc.call(context.Background(), c)
			checkLine(t, err, fc.what+"HTTP 403 E0000006 You do not have permission to perform the requested action (needs okta.apps.read)", "", s)
			if !errors.Is(err, model.ErrAccessDenied) {
				t.Fatalf("%v is not ErrAccessDenied", err)
			}
		})
		t.Run(fc.name+"/404 not Okta", func(t *testing.T) {
			t.Parallel()
			srv := sourcetest.Start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				sourcetest.Raw(w, http.StatusNotFound, "text/html", "<h1>Not Found</h1>")
			}))
			c, s := client(t, srv, 5*time.Second)
			err := fc.call(context.Background(), c)
			checkLine(t, err, fc.what, "", s)
			if errors.Is(err, model.ErrNotFound) {
				t.Fatalf("a 404 without an Okta error reads as not found: %v", err)
			}
		})
	}
}

// TestHostileAppIDs: an app ID that could change the request's path is
// refused before anything is sent.
func TestHostileAppIDs(t *testing.T) {
	t.Parallel()
	srv := sourcetest.Start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { sourcetest.JSON(w, http.StatusOK, []any{}) }))
	c, _ := client(t, srv, 5*time.Second)
	for _, id := range []string{"", "..", "../users", "0oa1/../../users", "0oa1?limit=1", "0oa1#x", "%2e%2e", "0oa 1", "0oa\x1b[2J", strings.Repeat("a", 65)} {
		_, err1 := c.AppKeys(context.Background(), id)
		_, err2 := c.AppMetadata(context.Background(), id)
		for _, err := range []error{err1, err2} {
			if err == nil || !strings.HasSuffix(err.Error(), "; not asked") || strings.ContainsAny(err.Error(), "\x1b\n") {
				t.Errorf("app id %q: %v", id, err)
			}
		}
	}
	if n := len(srv.Requests()); n != 0 {
		t.Fatalf("%d requests for hostile app IDs", n)
	}
}

const goodMetadata = `<?xml version="1.0" encoding="UTF-8"?><md:EntityDescriptor entityID="exk95v14r3VTCIXdc1d7" xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata"><md:IDPSSODescriptor WantAuthnRequestsSigned="false" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>TUlJ
RGpD
Q0Fx</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor><md:KeyDescriptor use="encryption"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>RU5D</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor><md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://contoso.okta.com/app/office365/exk95v14r3VTCIXdc1d7/sso/saml"/><md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://contoso.okta.com/app/office365/exk95v14r3VTCIXdc1d7/sso/saml"/></md:IDPSSODescriptor></md:EntityDescriptor>`

// TestMetadataShapes: Okta's recorded shape (charset ISO-8859-1 in the
// content type, line breaks in the certificate, an encryption key beside
// the signing one) reads; anything else is an error naming it.
func TestMetadataShapes(t *testing.T) {
	t.Parallel()
	serve := func(ct, body string) (*okta.Client, *sourcetest.Server) {
		srv := sourcetest.Start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/api/v1/apps/0oa1/sso/saml/metadata" || r.Header.Get("Accept") != "application/xml" {
				sourcetest.JSON(w, http.StatusNotFound, map[string]any{"errorCode": "E0000007", "errorSummary": "Not found: " + r.URL.Path})
				return
			}
			sourcetest.Raw(w, http.StatusOK, ct, body)
		}))
		c, _ := client(t, srv, 5*time.Second)
		return c, srv
	}
	c, _ := serve("application/xml;charset=ISO-8859-1", goodMetadata)
	md, err := c.AppMetadata(context.Background(), "0oa1")
	if err != nil {
		t.Fatal(err)
	}
	want := model.SAMLMetadata{EntityID: "exk95v14r3VTCIXdc1d7", SSOURLs: []string{"https://contoso.okta.com/app/office365/exk95v14r3VTCIXdc1d7/sso/saml"},
		Certificates: []string{"TUlJRGpDQ0Fx"}}
	if fmt.Sprint(md) != fmt.Sprint(want) {
		t.Fatalf("metadata = %+v\nwant %+v", md, want)
	}

	for name, a := range map[string]struct{ ct, body, want string }{
		"empty":          {"application/xml", "", "no entityID"},
		"html":           {"text/html", "<html><body>Sign in</body></html>", "content type text/html"},
		"json":           {"application/json", `{"EntityID":"exk1"}`, "content type application/json"},
		"html as xml":    {"application/xml", "<html><body>Sign in</body></html>", "not SAML metadata"},
		"not XML":        {"application/xml", "<md:EntityDescriptor entityID=", "not XML"},
		"unclosed":       {"application/xml", `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="exk1"><md:IDPSSODescriptor>`, "not XML"},
		"wrong ns":       {"application/xml", strings.ReplaceAll(goodMetadata, "urn:oasis:names:tc:SAML:2.0:metadata", "urn:evil"), "not SAML metadata"},
		"no entityID":    {"application/xml", strings.Replace(goodMetadata, `entityID="exk95v14r3VTCIXdc1d7"`, "", 1), "no entityID"},
		"no IDP":         {"application/xml", `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="exk1"></md:EntityDescriptor>`, "no IDPSSODescriptor"},
		"no signing key": {"application/xml", strings.Replace(goodMetadata, `use="signing"`, `use="encryption"`, 1), "no signing certificate"},
		"bad base64":     {"application/xml", strings.Replace(goodMetadata, "TUlJ", "*!!!", 1), "a certificate that is not base64"},
		"entity bomb": {"application/xml", `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>` +
			`<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="&lol2;"/>`, "not XML"},
		"latin-1 prolog": {"application/xml", strings.Replace(goodMetadata, `encoding="UTF-8"`, `encoding="ISO-8859-1"`, 1), "encoding"},
		"deep":           {"application/xml", `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="exk1">` + strings.Repeat("<a>", 20000) + strings.Repeat("</a>", 20000) + `</md:EntityDescriptor>`, "the answer is not SAML metadata"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c, srv := serve(a.ct, a.body)
			_, err := c.AppMetadata(context.Background(), "0oa1")
			if err == nil || !strings.HasPrefix(err.Error(), "okta: get SAML metadata of app 0oa1: ") || !strings.Contains(err.Error(), a.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("error = %v, want one containing %q", err, a.want)
			}
			if n := len(srv.Requests()); n != 1 {
				t.Fatalf("%d requests", n)
			}
		})
	}
}

// TestMetadataBounded: metadata past 1 MiB is refused, announced or
// streamed, long before config.MaxBodyBytes.
func TestMetadataBounded(t *testing.T) {
	t.Parallel()
	huge := goodMetadata[:strings.Index(goodMetadata, "</md:EntityDescriptor>")] + strings.Repeat("<!-- padding -->", 70000) + "</md:EntityDescriptor>"
	for name, h := range map[string]http.HandlerFunc{
		"streamed": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusOK)
			for i := 0; i < len(huge); i += 4096 {
				_, _ = w.Write([]byte(huge[i:min(i+4096, len(huge))]))
				w.(http.Flusher).Flush()
			}
		},
		"announced": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/xml")
			w.Header().Set("Content-Length", strconv.Itoa(len(huge)))
			w.WriteHeader(http.StatusOK)
			_, _ = w.Write([]byte(huge))
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := sourcetest.Start(t, h)
			c, s := client(t, srv, 5*time.Second)
			_, err := c.AppMetadata(context.Background(), "0oa1")
			checkLine(t, err, "okta: get SAML metadata of app 0oa1: the answer is larger than 1024 KiB", "", s)
		})
	}
	// The bound is the metadata's own: other answers keep MaxBodyBytes.
	srv := sourcetest.Start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		keys := []any{}
		for i := range 3000 {
			keys = append(keys, map[string]any{"kid": "k" + strconv.Itoa(i), "x5c": []string{strings.Repeat("QUFB", 100)}})
		}
		sourcetest.JSON(w, http.StatusOK, keys)
	}))
	c, _ := client(t, srv, 5*time.Second)
	if keys, err := c.AppKeys(context.Background(), "0oa1"); err != nil || len(keys) != 3000 {
		t.Fatalf("%d keys (over 1 MiB of them): %v", len(keys), err)
	}
}

// TestKeysShapes: keys without kid or x5c, or with an x5c that is not
// base64, and answers that are not a list are errors naming it.
func TestKeysShapes(t *testing.T) {
	t.Parallel()
	for name, a := range map[string]struct{ body, want string }{
		"object":        {`{"kid":"k1","x5c":["QUFB"]}`, "the answer is not a list of signing keys"},
		"null":          {`null`, "not a JSON list"},
		"empty body":    {``, "not a JSON list"},
		"no kid":        {`[{"x5c":["QUFB"]}]`, "a key without kid"},
		"no x5c":        {`[{"kid":"k1"}]`, "key k1 without x5c"},
		"bad x5c":       {`[{"kid":"k1","x5c":["%%%"]}]`, "key k1: a certificate that is not base64"},
		"x5c of a type": {`[{"kid":"k1","x5c":[5]}]`, "the answer is not a list of signing keys"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := sourcetest.Start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				sourcetest.Raw(w, http.StatusOK, "application/json", a.body)
			}))
			c, s := client(t, srv, 5*time.Second)
			_, err := c.AppKeys(context.Background(), "0oa1")
			checkLine(t, err, "okta: list signing keys of app 0oa1: ", a.want, s)
		})
	}
	srv := sourcetest.Start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sourcetest.Raw(w, http.StatusOK, "application/json", "[]")
	}))
	c, _ := client(t, srv, 5*time.Second)
	if keys, err := c.AppKeys(context.Background(), "0oa1"); err != nil || len(keys) != 0 {
		t.Fatalf("no keys: %v %v", keys, err)
	}
	evil := "\x1b]0;PWNED\a\x1b[2J"
	srv = sourcetest.Start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sourcetest.JSON(w, http.StatusOK, []any{map[string]any{"kid": "k1" + evil, "x5c": []string{"QU\nFB"}, "created": "2026-03-27T07:35:34.000Z"}})
	}))
	c, _ = client(t, srv, 5*time.Second)
	keys, err := c.AppKeys(context.Background(), "0oa1")
	if err != nil || len(keys) != 1 || keys[0].Kid != "k1" || keys[0].X5C[0] != "QUFB" || keys[0].Created.IsZero() {
		t.Fatalf("keys = %+v, %v", keys, err)
	}
}
