package truelayer

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"time"
)

// Claims are the payload of a TrueLayer access token (a JWT). ParseClaims
// reads them without checking the signature: use them to schedule refreshes
// and label connections, never to make security decisions.
type Claims struct {
	Subject        string    // sub: the credentials id
	ClientID       string    // client_id
	Scope          []string  // scope (a list, or a space-separated string)
	ExpiresAt      time.Time // exp
	NotBefore      time.Time // nbf
	IssuedAt       time.Time // iat
	AuthTime       time.Time // auth_time: when the user authenticated at the bank
	Issuer         string    // iss
	Audience       []string  // aud
	ConnectorID    string    // connector_id: the provider, e.g. "mock"
	CredentialsKey string    // credentials_key
	Raw            map[string]any
}

// ErrNotJWT: the token is not a decodable JWT (opaque tokens are legal; they
// just cannot be checked locally).
var ErrNotJWT = errors.New("truelayer: access token is not a JWT")

// ParseClaims decodes the payload of a JWT access token without verifying
// it. Errors never quote the token.
func ParseClaims(accessToken string) (*Claims, error) {
	parts := strings.Split(accessToken, ".")
	if len(parts) != 3 || parts[1] == "" {
		return nil, ErrNotJWT
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return nil, ErrNotJWT
	}
	var raw map[string]any
	if err := json.Unmarshal(payload, &raw); err != nil || raw == nil {
		return nil, ErrNotJWT
	}
	c := &Claims{
		Subject:        str(raw["sub"]),
		ClientID:       str(raw["client_id"]),
		Scope:          strList(raw["scope"]),
		ExpiresAt:      unix(raw["exp"]),
		NotBefore:      unix(raw["nbf"]),
		IssuedAt:       unix(raw["iat"]),
		AuthTime:       unix(raw["auth_time"]),
		Issuer:         str(raw["iss"]),
		Audience:       strList(raw["aud"]),
		ConnectorID:    str(raw["connector_id"]),
		CredentialsKey: str(raw["credentials_key"]),
		Raw:            raw,
	}
	return c, nil
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func strList(v any) []string {
	switch x := v.(type) {
	case string:
		return strings.Fields(x)
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// unix reads a NumericDate (seconds, possibly fractional); zero if absent or absurd.
func unix(v any) time.Time {
	f, ok := v.(float64)
	if !ok || math.IsNaN(f) || math.IsInf(f, 0) || f <= 0 || f > 1e11 {
		return time.Time{}
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC()
}

// ValidateToken is the JS client's validateToken with a clock-skew margin:
// true when accessToken is a JWT whose exp is more than skew after now (and
// whose nbf, if any, is not more than skew after now). No signature check.
func ValidateToken(accessToken string, now time.Time, skew time.Duration) bool {
	c, err := ParseClaims(accessToken)
	if err != nil || c.ExpiresAt.IsZero() {
		return false
	}
	if !c.NotBefore.IsZero() && c.NotBefore.After(now.Add(skew)) {
		return false
	}
	return now.Add(skew).Before(c.ExpiresAt)
}
