package lab

import (
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"hash/fnv"
)

// hash32 is a stable small hash of a name, for derived numbers.
func hash32(s string) uint32 {
	h := fnv.New32a()
	h.Write([]byte(s))
	return h.Sum32()
}

const idAlphabet = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

// oktaID makes a 20-character Okta object ID with the given 3-character
// prefix (00u user, 0oa app, 00g group), stable for the same seed.
func oktaID(prefix, seed string) string {
	sum := sha256.Sum256([]byte(prefix + "|" + seed))
	b := []byte(prefix)
	for i := 0; len(b) < 20; i++ {
		b = append(b, idAlphabet[int(sum[i])%len(idAlphabet)])
	}
	return string(b)
}

// guid makes a version-4-shaped GUID, stable for the same seed, the way
// Entra object IDs look.
func guid(seed string) string {
	s := sha256.Sum256([]byte(seed))
	s[6] = s[6]&0x0f | 0x40
	s[8] = s[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", s[0:4], s[4:6], s[6:8], s[8:10], s[10:16])
}

// randomToken returns n characters from idAlphabet, for credentials and
// request IDs that must differ per lab start.
func randomToken(n int) string {
	buf := make([]byte, n)
	_, _ = rand.Read(buf) // never fails since Go 1.24
	for i := range buf {
		buf[i] = idAlphabet[int(buf[i])%len(idAlphabet)]
	}
	return string(buf)
}
