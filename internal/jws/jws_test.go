package jws

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"strings"
	"testing"
)

func TestSignAndVerify(t *testing.T) {
	rk, _ := rsa.GenerateKey(rand.Reader, 2048)
	ek, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	for _, k := range []Key{rk, ek} {
		tok, err := Sign(k, map[string]any{"kid": "k1"}, map[string]any{"iss": "me", "exp": 123})
		if err != nil {
			t.Fatal(err)
		}
		p, err := Parse(tok)
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Verify(k.Public()); err != nil {
			t.Fatalf("%T: %v", k, err)
		}
		if n, ok := p.Number("exp"); p.String("iss") != "me" || !ok || n != 123 || p.Header["kid"] != "k1" {
			t.Fatalf("claims %v header %v", p.Claims, p.Header)
		}
		// Another key, or a changed payload, does not verify.
		other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if p.Verify(other.Public()) == nil {
			t.Fatalf("%T: verified with another key", k)
		}
		parts := strings.Split(tok, ".")
		forged, _ := Parse(parts[0] + "." + b64.EncodeToString([]byte(`{"iss":"you"}`)) + "." + parts[2])
		if forged.Verify(k.Public()) == nil {
			t.Fatalf("%T: a changed payload verified", k)
		}
	}
}

func TestPS256VerifiesWithAnRSAKey(t *testing.T) {
	k, _ := rsa.GenerateKey(rand.Reader, 2048)
	input := b64.EncodeToString([]byte(`{"alg":"PS256","typ":"JWT"}`)) + "." + b64.EncodeToString([]byte(`{"sub":"x"}`))
	sum := sha256.Sum256([]byte(input))
	sig, err := rsa.SignPSS(rand.Reader, k, 5, sum[:], nil)
	if err != nil {
		t.Fatal(err)
	}
	p, err := Parse(input + "." + b64.EncodeToString(sig))
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Verify(k.Public()); err != nil {
		t.Fatal(err)
	}
}

// RFC 7638 §3.1's example key and thumbprint.
func TestThumbprintRFC7638(t *testing.T) {
	j := JWK{Kty: "RSA", E: "AQAB", N: "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"}
	pub, err := j.Public()
	if err != nil {
		t.Fatal(err)
	}
	got, err := Thumbprint(pub)
	if err != nil || got != "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs" {
		t.Fatalf("thumbprint = %q, %v", got, err)
	}
}

func TestParsePrivateKey(t *testing.T) {
	rk, _ := rsa.GenerateKey(rand.Reader, 2048)
	ek, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	pkcs8, _ := x509.MarshalPKCS8PrivateKey(ek)
	sec1, _ := x509.MarshalECPrivateKey(ek)
	good := map[string][]byte{
		"PKCS#1": pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(rk)}),
		"PKCS#8": pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8}),
		"SEC 1":  pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: sec1}),
	}
	// A private JWK of each kind, and a set holding one.
	pubR, _ := PublicJWK(rk.Public(), "r1")
	pubR.D, pubR.P, pubR.Q = b64.EncodeToString(rk.D.Bytes()), b64.EncodeToString(rk.Primes[0].Bytes()), b64.EncodeToString(rk.Primes[1].Bytes())
	pubE, _ := PublicJWK(ek.Public(), "e1")
	pubE.D = b64.EncodeToString(ek.D.FillBytes(make([]byte, 32)))
	jr, _ := json.Marshal(pubR)
	je, _ := json.Marshal(map[string]any{"keys": []JWK{pubE}})
	good["RSA JWK"], good["EC JWK set"] = jr, je
	for name, b := range good {
		k, kid, err := ParsePrivateKey(b)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if _, err := Sign(k, nil, map[string]any{}); err != nil {
			t.Fatalf("%s: sign: %v", name, err)
		}
		if strings.Contains(name, "JWK") && kid == "" {
			t.Fatalf("%s: no kid", name)
		}
	}
	small, _ := rsa.GenerateKey(rand.Reader, 1024)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	p384der, _ := x509.MarshalPKCS8PrivateKey(p384)
	cert := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte{1, 2, 3}})
	pubOnly, _ := json.Marshal(pubE)
	var noD JWK
	_ = json.Unmarshal(pubOnly, &noD)
	noD.D = ""
	noDJSON, _ := json.Marshal(noD)
	bad := map[string][]byte{
		"text":         []byte("SECRETSECRET not a key"),
		"certificate":  cert,
		"encrypted":    pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: []byte("SECRETSECRET")}),
		"garbage PEM":  pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte("SECRETSECRET")}),
		"RSA 1024":     pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(small)}),
		"P-384":        pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: p384der}),
		"public JWK":   noDJSON,
		"broken JSON":  []byte(`{"kty":"RSA","d":"SECRETSECRET"`),
		"odd JWK":      []byte(`{"kty":"RSA","n":"AQAB","e":"AQAB","d":"SECRETSECRET","p":"AQ","q":"AQ"}`),
		"huge e":       []byte(`{"kty":"RSA","n":"AQAB","e":"AQABAQABAQAB","d":"SECRETSECRET"}`),
		"EC off curve": []byte(`{"kty":"EC","crv":"P-256","x":"` + strings.Repeat("A", 43) + `","y":"` + strings.Repeat("A", 43) + `","d":"SECRETSECRET"}`),
	}
	for name, b := range bad {
		_, _, err := ParsePrivateKey(b)
		if err == nil {
			t.Errorf("%s: accepted", name)
			continue
		}
		if strings.Contains(err.Error(), "SECRET") || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: %q quotes the input or is not one line", name, err)
		}
	}
}

func TestParseRefusesMalformed(t *testing.T) {
	for _, s := range []string{"", "a.b", "a.b.c.d", "!!.e30.", "e30.!!.", "e30.e30.!!", "W10.e30.", "e30.W10."} {
		if _, err := Parse(s); err == nil {
			t.Errorf("Parse(%q) accepted", s)
		}
	}
}
