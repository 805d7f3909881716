package truelayertest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
)

// accessClaims are the claims of the emulator's access tokens, shaped like
// TrueLayer's (§1.4): sub is the credentials id, scope an array.
type accessClaims struct {
	Issuer        string   `json:"iss"`
	Audience      string   `json:"aud"`
	Subject       string   `json:"sub"`
	ClientID      string   `json:"client_id"`
	Scope         []string `json:"scope"`
	NotBefore     int64    `json:"nbf"`
	IssuedAt      int64    `json:"iat"`
	ExpiresAt     int64    `json:"exp"`
	AuthTime      int64    `json:"auth_time"`
	IdP           string   `json:"idp"`
	ConnectorID   string   `json:"connector_id"`
	CredentialsID string   `json:"credentials_key"`
	ID            string   `json:"jti"`
}

var jwtHeader = base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))

// signJWT returns an HS256 JWT of c under key.
func signJWT(key []byte, c accessClaims) string {
	payload, _ := json.Marshal(c) // plain struct: cannot fail
	unsigned := jwtHeader + "." + base64.RawURLEncoding.EncodeToString(payload)
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(unsigned))
	return unsigned + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

var errBadToken = errors.New("malformed or forged access token")

// parseJWT checks the signature and decodes the claims; time checks are the caller's.
func parseJWT(key []byte, token string) (accessClaims, error) {
	var c accessClaims
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return c, errBadToken
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return c, errBadToken
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(parts[0] + "." + parts[1]))
	if !hmac.Equal(sig, mac.Sum(nil)) {
		return c, errBadToken
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return c, errBadToken
	}
	if err := json.Unmarshal(payload, &c); err != nil {
		return c, errBadToken
	}
	return c, nil
}

// HashToken is how the request log (Request.TokenHash) names a bearer
// token: compare HashToken(tok.AccessToken) with a logged hash to tell
// which token a call used, without the token itself appearing anywhere.
func HashToken(tok string) string { return tokenHash(tok) }

// tokenHash names a secret in logs without revealing it.
func tokenHash(tok string) string {
	if tok == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(tok))
	return base64.RawURLEncoding.EncodeToString(sum[:9])
}
