package jws

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"math/big"
	"strings"
	"testing"
	"time"
)

func TestRevJWKOdd(t *testing.T) {
	rk, _ := rsa.GenerateKey(rand.Reader, 2048)
	n := b64.EncodeToString(rk.N.Bytes())
	cases := []string{
		`{"kty":"RSA","n":"` + n + `","e":"AA","d":"AQ","p":"AQ","q":"AQ"}`,
		`{"kty":"RSA","n":"` + n + `","e":"AQAB","d":"AA","p":"AA","q":"AA"}`,
		`{"kty":"RSA","n":"AA","e":"AQAB","d":"AQ","p":"Aw","q":"BQ"}`,
		`{"kty":"RSA","n":"Dw","e":"AQAB","d":"AQ","p":"Aw","q":"BQ"}`,
		`{"kty":"RSA","n":"` + strings.Repeat("_", 200000) + `","e":"AQAB","d":"AQ","p":"Aw","q":"BQ"}`,
		`{"kty":"EC","crv":"P-256","x":"` + strings.Repeat("A", 43) + `","y":"` + strings.Repeat("A", 43) + `","d":"AQ"}`,
		`{"kty":"EC","crv":"P-256","x":"","y":"","d":"AQ"}`,
		`{"kty":"oct","k":"c2VjcmV0c2VjcmV0","d":"AQ"}`,
		`{"keys":[]}`,
		`{"keys":[{"kty":"RSA"},{"kty":"RSA"}]}`,
		`{"keys":null,"kty":"RSA","d":"x"}`,
		`{garbage SECRETSECRET`,
		`[1,2]`,
		`{"kty":"RSA","n":"` + n + `","e":"AQAB","d":"AQ","p":"AQ","q":"AQ", "kid": 5}`,
	}
	for i, c := range cases {
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("case %d panics: %v", i, r)
				}
			}()
			start := time.Now()
			_, _, err := ParsePrivateKey([]byte(c))
			t.Logf("case %d: %v (%v)", i, err, time.Since(start))
		}()
	}
}

func TestRevVerifyOdd(t *testing.T) {
	ek, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tok, _ := Sign(ek, map[string]any{"typ": "dpop+jwt"}, map[string]any{"a": 1})
	p, err := Parse(tok)
	if err != nil {
		t.Fatal(err)
	}
	// RSA pub with tiny E, huge N
	huge := &rsa.PublicKey{N: new(bigInt).Lsh(bigOne(), 70000), E: 3}
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("panic: %v", r)
		}
	}()
	t.Log(p.Verify(huge))
	// JWK huge e from header
	var j JWK
	_ = json.Unmarshal([]byte(`{"kty":"RSA","n":"AQ","e":"/////w"}`), &j)
	pub, err := j.Public()
	t.Log(pub, err)
	if pub != nil {
		t.Log(p.Verify(pub))
	}
	_ = json.Unmarshal([]byte(`{"kty":"RSA","n":"AQ","e":"gAAAAA"}`), &j)
	pub, err = j.Public()
	t.Logf("%+v %v", pub, err)
	for _, s := range []string{"..", "a.b.c", "e30.e30.", "bnVsbA.bnVsbA.", "W10.e30.", "e30.bnVsbA."} {
		p, err := Parse(s)
		t.Logf("%q: %v %v", s, p, err)
		if p != nil {
			t.Log(p.Verify(&ek.PublicKey), p.String("x"))
		}
	}
}

type bigInt = big.Int

func bigOne() *big.Int { return big.NewInt(1) }
