package truelayer

import (
	"slices"
	"strings"
)

// What the client does to follow the rules the real API enforces
// (truelayer-api.md §7) beyond sending well-formed requests: learn the
// granted scopes, never retry the unattended-access limit, extend without
// an access token (extend.go), cover provider_id by providers (AuthLink).

// codeUnattendedLimit is the 429 a bank answers once the calls made without
// the user present (no X-PSU-IP) have used up its daily budget (PSD2 RTS
// art. 36(5): 4 per account and endpoint a day). The code comes from
// community sources, not the current docs.
const codeUnattendedLimit = "unattended_calls_limit_exceeded"

// GrantedScopes returns the scopes the connection was granted, which may be
// fewer than were asked for: the token response's scope when the server
// sent one (RFC 6749 §5.1), else the access token's scope claim (TrueLayer's
// JWTs carry it as an array). nil means the token says nothing about its
// scopes: neither field is there and the access token is not a JWT.
//
// A refresh answer may leave scope out; the JWT then still says. Call only
// the endpoints whose scopes were granted: TrueLayer refuses the others with
// 403 access_denied (the scope each endpoint needs is in the docs' "Scopes"
// table, §1.3 of banktui's notes).
func (t *Token) GrantedScopes() []string {
	if t == nil {
		return nil
	}
	if s := strings.Fields(t.Scope); len(s) > 0 {
		return s
	}
	if c, err := ParseClaims(t.AccessToken); err == nil && len(c.Scope) > 0 {
		return slices.Clone(c.Scope)
	}
	return nil
}

// HasScopes reports whether the token was granted every one of scopes (see
// GrantedScopes). A token that says nothing about its scopes has none.
func (t *Token) HasScopes(scopes ...string) bool {
	granted := t.GrantedScopes()
	for _, s := range scopes {
		if !slices.Contains(granted, s) {
			return false
		}
	}
	return true
}
