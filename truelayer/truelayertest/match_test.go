package truelayertest

import "testing"

func TestMatchEndpoint(t *testing.T) {
	for _, c := range []struct {
		pattern, path string
		want          bool
	}{
		{"", "/api/data/v1/me", true},
		{"", "/auth/connect/token", true},
		{"/data/v1/me", "/api/data/v1/me", true},
		{"/data/v1/me", "/api/data/v1/info", false},
		{"/connect/token", "/auth/connect/token", true},
		{"/auth/connect/token", "/auth/connect/token", true},
		{"/api/data/v1/me", "/api/data/v1/me", true},
		{"/data/v1/accounts/*/transactions", "/api/data/v1/accounts/abc/transactions", true},
		{"/data/v1/accounts/*/transactions", "/api/data/v1/accounts/abc/transactions/pending", false},
		{"/data/v1/accounts/*/transactions", "/api/data/v1/accounts/abc/balance", false},
		{"/data/v1/**", "/api/data/v1/accounts/abc/balance", true},
		{"/data/v1/**", "/api/data/v1", true},
		{"/data/v1/**", "/auth/connect/token", false},
		{"/data/v1/accounts/*/**", "/api/data/v1/accounts/abc/transactions/pending", true},
		{"/data/v1/accounts/*/**", "/api/data/v1/accounts", false},
		{"/data/v1/cards/**", "/api/data/v1/accounts/x", false},
	} {
		if got := matchEndpoint(c.pattern, c.path); got != c.want {
			t.Errorf("matchEndpoint(%q, %q) = %t, want %t", c.pattern, c.path, got, c.want)
		}
	}
}
