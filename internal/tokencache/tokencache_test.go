package tokencache

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestMain(m *testing.M) {
	keyName = "o365doctor:token-cache:test"
	os.Exit(m.Run())
}

func TestRoundTripEncryptedAndBoundToTheKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state", "tokens.json")
	s, err := Open(path)
	if err != nil {
		t.Skipf("no kernel keyring here: %v", err)
	}
	now := time.Now()
	const tok = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.SECRET-TOKEN-PAYLOAD.signature"
	if err := s.Put("graph|t|c", tok, now.Add(time.Hour), now); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	if strings.Contains(string(b), "SECRET-TOKEN-PAYLOAD") {
		t.Fatal("the token is in the file in clear")
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", st.Mode())
	}
	got, _, ok := s.Get("graph|t|c", now, 5*time.Minute)
	if !ok || got != tok {
		t.Fatalf("get = %q %v", got, ok)
	}
	if _, _, ok := s.Get("graph|t|c", now.Add(56*time.Minute), 5*time.Minute); ok {
		t.Fatal("a token within the margin of its end is served")
	}
	if _, _, ok := s.Get("graph|other", now, 0); ok {
		t.Fatal("another name is served")
	}
	// Another key (the keyring renewed): the file cannot be read.
	if err := forgetKey(); err != nil {
		t.Fatal(err)
	}
	s2, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, ok := s2.Get("graph|t|c", now, 0); ok {
		t.Fatal("read with another key")
	}
}
