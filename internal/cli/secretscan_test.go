package cli_test

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/o365doctor/o365doctor/internal/lab"
)

// Every command, with each kind of credential and --debug on: no key,
// secret, assertion, proof, device code or token in stdout, stderr, the
// journal or any file written.
func TestNoCredentialReachesOutputOrFiles(t *testing.T) {
	kinds := []struct {
		name string
		opts lab.Options
		env  func(t *testing.T, l *lab.Lab, dir string, env map[string]string)
	}{
		{"api token and client secret", lab.Options{}, func(*testing.T, *lab.Lab, string, map[string]string) {}},
		{"okta private key with DPoP, graph certificate", lab.Options{OktaOAuth: &lab.OktaOAuthOptions{DPoP: true}, GraphAuth: &lab.GraphAuthOptions{Certificate: true}},
			func(t *testing.T, l *lab.Lab, dir string, env map[string]string) {
				app := l.OktaServiceApp()
				key, cert := filepath.Join(dir, "okta.pem"), filepath.Join(dir, "graph.pem")
				writePrivate(t, key, app.PrivateKeyPEM)
				writePrivate(t, cert, l.GraphCertificatePEM())
				delete(env, "OKTA_API_TOKEN")
				delete(env, "AZURE_CLIENT_SECRET")
				env["O365DOCTOR_OKTA_AUTH"], env["OKTA_CLIENT_CLIENTID"], env["OKTA_CLIENT_PRIVATEKEY"], env["OKTA_CLIENT_PRIVATEKEYID"] = "private-key", app.ClientID, key, app.KeyID
				env["O365DOCTOR_GRAPH_AUTH"], env["AZURE_CLIENT_CERTIFICATE_PATH"] = "certificate", cert
			}},
		{"okta key in the environment, graph device code", lab.Options{OktaOAuth: &lab.OktaOAuthOptions{}, GraphAuth: &lab.GraphAuthOptions{AutoApprove: true}},
			func(t *testing.T, l *lab.Lab, dir string, env map[string]string) {
				app := l.OktaServiceApp()
				delete(env, "OKTA_API_TOKEN")
				delete(env, "AZURE_CLIENT_SECRET")
				env["OKTA_CLIENT_AUTHORIZATIONMODE"], env["OKTA_CLIENT_CLIENTID"], env["OKTA_CLIENT_PRIVATEKEY"] = "PrivateKey", app.ClientID, string(app.PrivateKeyPEM)
				env["O365DOCTOR_GRAPH_AUTH"] = "device-code"
				env[ttyIn] = "1"
			}},
		{"graph azure cli", lab.Options{}, func(t *testing.T, l *lab.Lab, dir string, env map[string]string) {
			bin, err := l.WriteAzureCLI(filepath.Join(dir, "bin"))
			if err != nil {
				t.Fatal(err)
			}
			delete(env, "AZURE_CLIENT_SECRET")
			env["O365DOCTOR_GRAPH_AUTH"] = "azure-cli"
			t.Setenv("PATH", bin+":"+os.Getenv("PATH"))
		}},
	}
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			opts := k.opts
			opts.Scenario = mustScenario(t, "immutableid-mismatch")
			l, err := lab.Start(opts)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(l.Close)
			env := labEnv(t, l)
			dir := t.TempDir()
			env["O365DOCTOR_JOURNAL"] = filepath.Join(dir, "journal.jsonl")
			env["XDG_STATE_HOME"] = dir
			k.env(t, l, dir, env)
			upn := l.AffectedUser()
			var all strings.Builder
			for _, args := range [][]string{
				{"user", upn, "--json", "--debug"},
				{"user", upn, "--format", "markdown", "--debug"},
				{"preflight", "--domain", "contoso.com", "--json", "--debug", "--csv", filepath.Join(dir, "users.csv")},
				{"auth", "status", "--debug"},
				{"auth", "status", "--json", "--debug"},
				{"fix", "identity.immutableid-match", "--user", upn, "--yes", "--debug"},
				{"journal", "--debug"},
				{"undo", "--debug"},
				{"user", upn, "--json", "--debug", "--okta-key-id", "wrong"}, // a refusal's message too
			} {
				out, errOut, _ := run(t, env, args...)
				all.WriteString(out + errOut)
			}
			if _, err := os.Stat(env["O365DOCTOR_JOURNAL"]); err != nil {
				t.Fatalf("the fix wrote no journal (%v):\n%.3000s", err, all.String())
			}
			if !strings.Contains(all.String(), "o365doctor debug: okta GET") || !strings.Contains(all.String(), "o365doctor debug: graph GET") {
				t.Fatalf("--debug logged no request:\n%.2000s", all.String())
			}
			files := all.String()
			filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
				if err == nil && !d.IsDir() && !strings.HasSuffix(p, ".pem") && filepath.Base(p) != "az" {
					b, _ := os.ReadFile(p)
					files += string(b)
				}
				return nil
			})
			secrets := l.Secrets()
			if len(secrets) < 3 {
				t.Fatalf("the lab saw only %d credentials", len(secrets))
			}
			for _, s := range secrets {
				for _, piece := range secretPieces(s) {
					if strings.Contains(files, piece) {
						t.Errorf("a credential (%.12s…) reached the output or a file", piece)
					}
				}
			}
		})
	}
}

// secretPieces are what would show a secret leaked: the whole of it, and
// for a PEM key each line of its body and its base64 decoded as a JWS's
// parts would not be.
func secretPieces(s string) []string {
	if !strings.Contains(s, "-----BEGIN") {
		if i := strings.LastIndex(s, "."); i > 0 && strings.Count(s, ".") == 2 {
			return []string{s, s[i+1:]} // a JWS: whole, and its signature
		}
		return []string{s}
	}
	var out []string
	for _, line := range strings.Split(s, "\n") {
		if len(line) >= 40 && !strings.HasPrefix(line, "-----") {
			out = append(out, line)
		}
	}
	if _, err := base64.StdEncoding.DecodeString(strings.Join(out, "")); err != nil {
		return append(out, s)
	}
	return out
}

func writePrivate(t *testing.T, p string, b []byte) {
	t.Helper()
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
}
