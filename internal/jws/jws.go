// Package jws signs and verifies the compact JSON Web Signatures o365doctor
// sends and the lab checks: client assertions (RFC 7523, private_key_jwt),
// DPoP proofs (RFC 9449), and the keys they carry (RFC 7517 JWKs, RFC 7638
// thumbprints). Only RS256 and ES256, the algorithms Okta and Entra accept
// for these, are implemented; everything else is refused.
package jws

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"strings"
)

// Key is a private signing key: *rsa.PrivateKey or *ecdsa.PrivateKey (P-256).
type Key = crypto.Signer

// Alg is the JWS algorithm of a key: RS256 or ES256.
func Alg(k crypto.PublicKey) (string, error) {
	switch p := k.(type) {
	case *rsa.PublicKey:
		if p.N.BitLen() < 2048 {
			return "", fmt.Errorf("an RSA key of %d bits; Okta and Entra need at least 2048", p.N.BitLen())
		}
		if p.N.BitLen() > maxRSABits {
			return "", fmt.Errorf("an RSA key of %d bits; at most %d are taken", p.N.BitLen(), maxRSABits)
		}
		return "RS256", nil
	case *ecdsa.PublicKey:
		if p.Curve != elliptic.P256() {
			return "", fmt.Errorf("an EC key on %s; only P-256 (ES256) is supported", p.Curve.Params().Name)
		}
		return "ES256", nil
	}
	return "", fmt.Errorf("a %T key; use RSA (RS256) or EC P-256 (ES256)", k)
}

var b64 = base64.RawURLEncoding

// maxRSABits bounds the keys taken: a huge modulus costs seconds to check.
const maxRSABits = 8192

// Sign makes a compact JWS of claims, with header's fields plus alg.
func Sign(key Key, header map[string]any, claims any) (string, error) {
	alg, err := Alg(key.Public())
	if err != nil {
		return "", err
	}
	h := map[string]any{"alg": alg}
	for k, v := range header {
		h[k] = v
	}
	hb, err := json.Marshal(h)
	if err != nil {
		return "", err
	}
	cb, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	input := b64.EncodeToString(hb) + "." + b64.EncodeToString(cb)
	sum := sha256.Sum256([]byte(input))
	sig, err := key.Sign(rand.Reader, sum[:], crypto.SHA256)
	if err != nil {
		return "", err
	}
	if alg == "ES256" {
		// ASN.1 → the fixed 64-byte r‖s of JWS (RFC 7518 §3.4).
		if sig, err = asn1ToRaw(sig); err != nil {
			return "", err
		}
	}
	return input + "." + b64.EncodeToString(sig), nil
}

// Parsed is a compact JWS split and decoded, not yet verified.
type Parsed struct {
	Header  map[string]any
	Claims  map[string]any
	input   string
	sig     []byte
	alg     string
	payload []byte
}

// Parse splits a compact JWS; Verify checks its signature.
func Parse(token string) (*Parsed, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, errors.New("not a compact JWS (three dot-separated parts)")
	}
	hb, err := b64.DecodeString(parts[0])
	if err != nil {
		return nil, errors.New("header is not base64url")
	}
	cb, err := b64.DecodeString(parts[1])
	if err != nil {
		return nil, errors.New("payload is not base64url")
	}
	sig, err := b64.DecodeString(parts[2])
	if err != nil {
		return nil, errors.New("signature is not base64url")
	}
	p := &Parsed{input: parts[0] + "." + parts[1], sig: sig, payload: cb}
	if err := json.Unmarshal(hb, &p.Header); err != nil {
		return nil, errors.New("header is not a JSON object")
	}
	if err := json.Unmarshal(cb, &p.Claims); err != nil {
		return nil, errors.New("payload is not a JSON object")
	}
	p.alg, _ = p.Header["alg"].(string)
	return p, nil
}

// Payload is the raw claims JSON.
func (p *Parsed) Payload() []byte { return p.payload }

// Verify checks the signature with pub; the header's alg must be the key's.
func (p *Parsed) Verify(pub crypto.PublicKey) error {
	alg, err := Alg(pub)
	if err != nil {
		return err
	}
	// An RSA key also verifies PS256, which MSAL signs certificate
	// assertions with.
	if p.alg != alg && (alg != "RS256" || p.alg != "PS256") {
		return fmt.Errorf("signed with %q, the key is for %s", p.alg, alg)
	}
	sum := sha256.Sum256([]byte(p.input))
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if p.alg == "PS256" {
			if rsa.VerifyPSS(k, crypto.SHA256, sum[:], p.sig, nil) != nil {
				return errors.New("signature does not verify")
			}
			return nil
		}
		if rsa.VerifyPKCS1v15(k, crypto.SHA256, sum[:], p.sig) != nil {
			return errors.New("signature does not verify")
		}
	case *ecdsa.PublicKey:
		if len(p.sig) != 64 {
			return errors.New("signature does not verify")
		}
		r, s := new(big.Int).SetBytes(p.sig[:32]), new(big.Int).SetBytes(p.sig[32:])
		if !ecdsa.Verify(k, sum[:], r, s) {
			return errors.New("signature does not verify")
		}
	}
	return nil
}

// String claim, "" if absent or not a string.
func (p *Parsed) String(name string) string { s, _ := p.Claims[name].(string); return s }

// Number claim (NumericDate), false if absent or not a number.
func (p *Parsed) Number(name string) (int64, bool) {
	f, ok := p.Claims[name].(float64)
	return int64(f), ok
}

func asn1ToRaw(der []byte) ([]byte, error) {
	var sig struct{ R, S *big.Int }
	if _, err := asn1.Unmarshal(der, &sig); err != nil {
		return nil, err
	}
	out := make([]byte, 64)
	sig.R.FillBytes(out[:32])
	sig.S.FillBytes(out[32:])
	return out, nil
}

// JWK is a JSON Web Key, public or private (RSA or EC P-256).
type JWK struct {
	Kty string `json:"kty"`
	Kid string `json:"kid,omitempty"`
	Use string `json:"use,omitempty"`
	Alg string `json:"alg,omitempty"`
	// RSA
	N string `json:"n,omitempty"`
	E string `json:"e,omitempty"`
	D string `json:"d,omitempty"`
	P string `json:"p,omitempty"`
	Q string `json:"q,omitempty"`
	// EC
	Crv string `json:"crv,omitempty"`
	X   string `json:"x,omitempty"`
	Y   string `json:"y,omitempty"`
}

// PublicJWK is the public half of k as a JWK.
func PublicJWK(k crypto.PublicKey, kid string) (JWK, error) {
	switch p := k.(type) {
	case *rsa.PublicKey:
		return JWK{Kty: "RSA", Kid: kid, N: b64.EncodeToString(p.N.Bytes()), E: b64.EncodeToString(big.NewInt(int64(p.E)).Bytes())}, nil
	case *ecdsa.PublicKey:
		if p.Curve != elliptic.P256() {
			return JWK{}, errors.New("only EC P-256 keys are supported")
		}
		ecdh, err := p.ECDH()
		if err != nil {
			return JWK{}, err
		}
		raw := ecdh.Bytes() // 0x04 ‖ X ‖ Y
		return JWK{Kty: "EC", Kid: kid, Crv: "P-256", X: b64.EncodeToString(raw[1:33]), Y: b64.EncodeToString(raw[33:])}, nil
	}
	return JWK{}, fmt.Errorf("a %T key; use RSA or EC P-256", k)
}

// Public is the JWK's public key.
func (j JWK) Public() (crypto.PublicKey, error) {
	switch j.Kty {
	case "RSA":
		n, err1 := b64.DecodeString(j.N)
		e, err2 := b64.DecodeString(j.E)
		if len(n) > maxRSABits/8 {
			return nil, fmt.Errorf("RSA JWK: a modulus of more than %d bits", maxRSABits)
		}
		if err1 != nil || err2 != nil || len(n) == 0 || len(e) == 0 || len(e) > 4 {
			return nil, errors.New("RSA JWK: n or e is missing or not base64url")
		}
		return &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}, nil
	case "EC":
		if j.Crv != "P-256" {
			return nil, fmt.Errorf("EC JWK on curve %q; only P-256 is supported", j.Crv)
		}
		x, err1 := b64.DecodeString(j.X)
		y, err2 := b64.DecodeString(j.Y)
		if err1 != nil || err2 != nil || len(x) != 32 || len(y) != 32 {
			return nil, errors.New("EC JWK: x or y is missing or not 32 bytes of base64url")
		}
		raw := append(append([]byte{4}, x...), y...)
		pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), raw)
		if err != nil {
			return nil, errors.New("EC JWK: the point is not on P-256")
		}
		return pub, nil
	}
	return nil, fmt.Errorf("JWK of kty %q; use RSA or EC", j.Kty)
}

// private is the JWK's private key, if it holds one.
func (j JWK) private() (Key, error) {
	if j.D == "" {
		return nil, errors.New("the JWK holds no private key (no \"d\")")
	}
	d, err := b64.DecodeString(j.D)
	if err != nil {
		return nil, errors.New("the JWK's \"d\" is not base64url")
	}
	pub, err := j.Public()
	if err != nil {
		return nil, err
	}
	switch p := pub.(type) {
	case *rsa.PublicKey:
		pb, err1 := b64.DecodeString(j.P)
		qb, err2 := b64.DecodeString(j.Q)
		if err1 != nil || err2 != nil || len(pb) == 0 || len(qb) == 0 {
			return nil, errors.New("the RSA JWK needs its primes \"p\" and \"q\"")
		}
		k := &rsa.PrivateKey{PublicKey: *p, D: new(big.Int).SetBytes(d), Primes: []*big.Int{new(big.Int).SetBytes(pb), new(big.Int).SetBytes(qb)}}
		if err := k.Validate(); err != nil {
			return nil, errors.New("the RSA JWK's private parts do not match its public key")
		}
		k.Precompute()
		return k, nil
	case *ecdsa.PublicKey:
		k, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), d)
		if err != nil || !k.PublicKey.Equal(p) {
			return nil, errors.New("the EC JWK's \"d\" does not match its x and y")
		}
		return k, nil
	}
	return nil, errors.New("unsupported JWK")
}

// Thumbprint is the RFC 7638 SHA-256 thumbprint of the key, base64url.
func Thumbprint(k crypto.PublicKey) (string, error) {
	j, err := PublicJWK(k, "")
	if err != nil {
		return "", err
	}
	var canon string
	if j.Kty == "RSA" {
		canon = fmt.Sprintf(`{"e":%q,"kty":"RSA","n":%q}`, j.E, j.N)
	} else {
		canon = fmt.Sprintf(`{"crv":"P-256","kty":"EC","x":%q,"y":%q}`, j.X, j.Y)
	}
	sum := sha256.Sum256([]byte(canon))
	return b64.EncodeToString(sum[:]), nil
}

// ParsePrivateKey reads a private key given as PEM (PKCS#1, PKCS#8 or SEC 1)
// or as a JWK (a key object, or a set with one key); kid is the JWK's, if any.
// Errors never quote the input.
func ParsePrivateKey(data []byte) (key Key, kid string, err error) {
	if len(data) > 64<<10 {
		return nil, "", errors.New("larger than any private key (64 KB)")
	}
	s := strings.TrimSpace(string(data))
	if strings.HasPrefix(s, "{") {
		var set struct {
			Keys []JWK `json:"keys"`
		}
		var j JWK
		if json.Unmarshal([]byte(s), &set) == nil && len(set.Keys) > 0 {
			if len(set.Keys) != 1 {
				return nil, "", fmt.Errorf("a JWK set of %d keys; give the one private key", len(set.Keys))
			}
			j = set.Keys[0]
		} else if err := json.Unmarshal([]byte(s), &j); err != nil {
			return nil, "", errors.New("starts with { but is not a JSON Web Key")
		}
		k, err := j.private()
		if err != nil {
			return nil, "", err
		}
		if _, err := Alg(k.Public()); err != nil {
			return nil, "", err
		}
		return k, j.Kid, nil
	}
	block, _ := pem.Decode([]byte(s))
	if block == nil {
		return nil, "", errors.New("neither PEM (-----BEGIN PRIVATE KEY-----) nor a JWK ({...})")
	}
	if strings.Contains(block.Type, "ENCRYPTED") || block.Headers["Proc-Type"] != "" {
		return nil, "", errors.New("the PEM key is encrypted; give it unencrypted (openssl pkey -in KEY -out PLAIN)")
	}
	var parsed any
	switch block.Type {
	case "RSA PRIVATE KEY":
		parsed, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		parsed, err = x509.ParseECPrivateKey(block.Bytes)
	case "PRIVATE KEY":
		parsed, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case "CERTIFICATE", "PUBLIC KEY", "RSA PUBLIC KEY":
		return nil, "", fmt.Errorf("the PEM holds a %s, not a private key", strings.ToLower(block.Type))
	default:
		return nil, "", fmt.Errorf("a PEM %q block; give a PRIVATE KEY", block.Type)
	}
	if err != nil {
		return nil, "", errors.New("the PEM private key does not parse")
	}
	k, ok := parsed.(Key)
	if !ok {
		return nil, "", fmt.Errorf("a %T key; use RSA or EC P-256", parsed)
	}
	if _, err := Alg(k.Public()); err != nil {
		return nil, "", err
	}
	return k, "", nil
}
