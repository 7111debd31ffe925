package graph_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/o365doctor/o365doctor/internal/config"
	"github.com/o365doctor/o365doctor/internal/lab"
	"github.com/o365doctor/o365doctor/internal/lab/labtest"
	"github.com/o365doctor/o365doctor/internal/source/graph"
)

func TestDeviceCodeSignIn(t *testing.T) {
	t.Parallel()
	l := labtest.StartWith(t, "immutableid-mismatch", lab.Options{GraphAuth: &lab.GraphAuthOptions{AutoApprove: true}})
	s := l.Settings()
	s.GraphAuth, s.ClientSecret, s.Interactive = config.GraphDeviceCode, config.Secret{}, true
	var prompts []string
	s.Prompt = func(m string) { prompts = append(prompts, m) }
	c, err := graph.New(s)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	info, err := c.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !info.Delegated || !info.Known || !strings.Contains(info.Identity, l.AdminUPN()) {
		t.Fatalf("token = %+v", info)
	}
	if _, err := c.User(ctx, "alice@contoso.com"); err != nil {
		t.Fatal(err)
	}
	if len(prompts) != 1 || !strings.Contains(prompts[0], "enter the code") {
		t.Fatalf("prompts = %q (one sign-in for the whole run)", prompts)
	}
}

func TestCertificateSignIn(t *testing.T) {
	t.Parallel()
	l := labtest.StartWith(t, "immutableid-mismatch", lab.Options{GraphAuth: &lab.GraphAuthOptions{Certificate: true}})
	dir := t.TempDir()
	cert := filepath.Join(dir, "app.pem")
	if err := os.WriteFile(cert, l.GraphCertificatePEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	s := l.Settings()
	s.GraphAuth, s.ClientSecret, s.GraphCertificate = config.GraphCertificate, config.Secret{}, cert
	c, err := graph.New(s)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.User(context.Background(), "alice@contoso.com"); err != nil {
		t.Fatal(err)
	}
	// Another certificate: Entra's AADSTS700027, one line, no key.
	other := labtest.StartWith(t, "immutableid-mismatch", lab.Options{GraphAuth: &lab.GraphAuthOptions{Certificate: true}})
	if err := os.WriteFile(cert, other.GraphCertificatePEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err = graph.New(s)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.User(context.Background(), "alice@contoso.com")
	if err == nil || !strings.Contains(err.Error(), "AADSTS700027") || strings.Contains(err.Error(), "PRIVATE KEY") {
		t.Fatalf("another certificate: %v", err)
	}
	// A certificate without its key: refused before any call.
	pemOnly := l.GraphCertificatePEM()
	certOnly := pemOnly[:strings.Index(string(pemOnly), "-----BEGIN PRIVATE KEY")]
	if err := os.WriteFile(cert, certOnly, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := graph.New(s); err == nil || !strings.Contains(err.Error(), "no private key") {
		t.Fatalf("certificate without key: %v", err)
	}
}

// Nobody at a terminal: a device code is refused before any request,
// never a wait of the code's 15 minutes.
func TestDeviceCodeNeedsAPerson(t *testing.T) {
	t.Parallel()
	l := labtest.StartWith(t, "immutableid-mismatch", lab.Options{GraphAuth: &lab.GraphAuthOptions{AutoApprove: true}})
	s := l.Settings()
	s.GraphAuth, s.ClientSecret, s.Prompt = config.GraphDeviceCode, config.Secret{}, func(string) {}
	if _, err := graph.New(s); err == nil || !strings.Contains(err.Error(), "needs a person at a terminal") {
		t.Fatalf("err = %v", err)
	}
	if n := l.Requests("login POST /{tenant}/oauth2/v2.0/devicecode"); n != 0 {
		t.Fatalf("%d device codes asked for", n)
	}
}
