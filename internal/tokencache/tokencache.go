// Package tokencache keeps access tokens between runs, only when asked
// (--token-cache): each token encrypted (AES-256-GCM, the entry's name as
// associated data) with a key held by the operating system, never on disk
// beside them. On Linux the key is a "user" key in the kernel's user
// keyring (keyctl): it lives until the user's session keyrings go (a
// reboot), after which the file cannot be read and a run signs in again.
// Where no OS key store is available the cache is refused, not written in
// clear.
package tokencache

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// keyName is the key's description in the OS key store (tests use their
// own).
var keyName = "o365doctor:token-cache:v1"

// Store is the cache file and its key.
type Store struct {
	path string
	aead cipher.AEAD
	mu   sync.Mutex
}

type entry struct {
	Expires time.Time `json:"expires"`
	Nonce   []byte    `json:"nonce"`
	Sealed  []byte    `json:"sealed"`
}

// Open opens (or starts) the cache at path with the OS-held key, made on
// first use.
func Open(path string) (*Store, error) {
	key, err := osKey()
	if err != nil {
		return nil, fmt.Errorf("--token-cache: %v; tokens stay in memory (run without --token-cache)", err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Store{path: path, aead: aead}, nil
}

func (s *Store) load() map[string]entry {
	m := map[string]entry{}
	b, err := os.ReadFile(s.path)
	if err == nil {
		_ = json.Unmarshal(b, &m) // a damaged file is an empty cache
	}
	return m
}

// Get returns the token named id if it is cached, readable and valid for
// at least margin more.
func (s *Store) Get(id string, now time.Time, margin time.Duration) (string, time.Time, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.load()[id]
	if !ok || !now.Add(margin).Before(e.Expires) || len(e.Nonce) != s.aead.NonceSize() {
		return "", time.Time{}, false
	}
	plain, err := s.aead.Open(nil, e.Nonce, e.Sealed, []byte(id))
	if err != nil {
		return "", time.Time{}, false // another key (the keyring was renewed): sign in again
	}
	return string(plain), e.Expires, true
}

// Put stores the token named id until expires, dropping expired entries;
// the file is written whole (mode 0600, its directory 0700).
func (s *Store) Put(id, token string, expires, now time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.load()
	for k, e := range m {
		if !now.Before(e.Expires) {
			delete(m, k)
		}
	}
	nonce := make([]byte, s.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return err
	}
	m[id] = entry{Expires: expires, Nonce: nonce, Sealed: s.aead.Seal(nil, nonce, []byte(token), []byte(id))}
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	dir := filepath.Dir(s.path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	if fi, err := os.Lstat(s.path); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
		return errors.New("--token-cache: the cache file is a symbolic link; refused")
	}
	tmp, err := os.CreateTemp(dir, ".tokens-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), s.path)
}
