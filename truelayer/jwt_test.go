package truelayer

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"
)

// makeJWT builds an unsigned-looking JWT with the given claims (the
// signature is never checked).
func makeJWT(t testing.TB, claims map[string]any) string {
	t.Helper()
	enc := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return base64.RawURLEncoding.EncodeToString(b)
	}
	return enc(map[string]any{"alg": "RS256", "typ": "JWT", "kid": "k"}) + "." + enc(claims) + ".c2lnbmF0dXJl"
}

func TestParseClaims(t *testing.T) {
	// Claims as in the JS client's (expired) fixture token.
	tok := makeJWT(t, map[string]any{
		"nbf": 1500000000, "exp": 1500003600, "iss": "https://auth.truelayer.com",
		"aud":       []string{"https://auth.truelayer.com/resources", "resource_api"},
		"client_id": "test", "sub": "creds-1", "auth_time": 1499999990, "idp": "idsrv",
		"connector_id": "mock", "credentials_key": "ck", "scope": []string{"info", "accounts"}, "amr": []string{"pwd"},
	})
	c, err := ParseClaims(tok)
	if err != nil {
		t.Fatal(err)
	}
	if c.Subject != "creds-1" || c.ClientID != "test" || c.ConnectorID != "mock" || c.CredentialsKey != "ck" ||
		c.Issuer != "https://auth.truelayer.com" || !reflect.DeepEqual(c.Scope, []string{"info", "accounts"}) ||
		!reflect.DeepEqual(c.Audience, []string{"https://auth.truelayer.com/resources", "resource_api"}) ||
		!c.ExpiresAt.Equal(time.Unix(1500003600, 0)) || !c.NotBefore.Equal(time.Unix(1500000000, 0)) ||
		!c.AuthTime.Equal(time.Unix(1499999990, 0)) || c.Raw["idp"] != "idsrv" {
		t.Errorf("claims = %+v", c)
	}
	// scope and aud as plain strings.
	c, err = ParseClaims(makeJWT(t, map[string]any{"scope": "info accounts", "aud": "x", "exp": 1.5e9 + 0.25}))
	if err != nil || !reflect.DeepEqual(c.Scope, []string{"info", "accounts"}) || !reflect.DeepEqual(c.Audience, []string{"x"}) ||
		c.ExpiresAt.Nanosecond() != 250000000 {
		t.Errorf("string claims = %+v, %v", c, err)
	}
}

func TestParseClaimsRejectsNonJWT(t *testing.T) {
	for _, s := range []string{"", "test_access_token", "a.b", "a..c", "a.!!!.c", "a." + base64.RawURLEncoding.EncodeToString([]byte("[1]")) + ".c",
		"a." + base64.RawURLEncoding.EncodeToString([]byte("null")) + ".c"} {
		if _, err := ParseClaims(s); !errors.Is(err, ErrNotJWT) {
			t.Errorf("ParseClaims(%q) err = %v", s, err)
		}
	}
}

func TestValidateToken(t *testing.T) {
	now := time.Date(2026, 11, 28, 22, 0, 0, 0, time.UTC)
	exp := now.Add(time.Minute)
	tok := makeJWT(t, map[string]any{"exp": exp.Unix(), "nbf": now.Add(-time.Hour).Unix()})
	cases := []struct {
		name  string
		token string
		now   time.Time
		skew  time.Duration
		want  bool
	}{
		{"valid", tok, now, 0, true},
		{"valid within skew", tok, now, 30 * time.Second, true},
		{"expires inside skew", tok, now, 2 * time.Minute, false},
		{"expired", tok, exp.Add(time.Second), 0, false},
		{"exactly at exp", tok, exp, 0, false},
		{"not yet valid", makeJWT(t, map[string]any{"exp": now.Add(2 * time.Hour).Unix(), "nbf": now.Add(time.Hour).Unix()}), now, time.Minute, false},
		{"no exp", makeJWT(t, map[string]any{"sub": "x"}), now, 0, false},
		{"opaque", "test_access_token", now, 0, false},
		{"string exp", makeJWT(t, map[string]any{"exp": "never"}), now, 0, false},
	}
	for _, c := range cases {
		if got := ValidateToken(c.token, c.now, c.skew); got != c.want {
			t.Errorf("%s: ValidateToken = %v, want %v", c.name, got, c.want)
		}
	}
}
