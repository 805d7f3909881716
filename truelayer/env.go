package truelayer

import (
	"fmt"
	"slices"
	"strings"
)

// Environment is a pair of TrueLayer hosts: the auth server and the API.
// Any TrueLayer-compatible server (the truelayertest emulator, say) can be
// described by one with custom URLs.
type Environment struct {
	Name    string // "live", "sandbox" or "custom"
	AuthURL string // auth server base, e.g. https://auth.truelayer.com
	APIURL  string // API base; the Data API is under {APIURL}/data/v1
}

// The two TrueLayer environments.
var (
	Live = Environment{
		Name:    "live",
		AuthURL: "https://auth.truelayer.com",
		APIURL:  "https://api.truelayer.com",
	}
	Sandbox = Environment{
		Name:    "sandbox",
		AuthURL: "https://auth.truelayer-sandbox.com",
		APIURL:  "https://api.truelayer-sandbox.com",
	}
)

// StatusURL is the base of the provider status API.
const StatusURL = "https://status-api.truelayer.com"

// SandboxClientPrefix starts every sandbox client id.
const SandboxClientPrefix = "sandbox-"

// EnvironmentFor returns Sandbox for a client id starting "sandbox-", else Live.
func EnvironmentFor(clientID string) Environment {
	if strings.HasPrefix(clientID, SandboxClientPrefix) {
		return Sandbox
	}
	return Live
}

// EnvironmentNamed returns the environment called name ("live" or "sandbox").
func EnvironmentNamed(name string) (Environment, error) {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "live", "production":
		return Live, nil
	case "sandbox":
		return Sandbox, nil
	}
	return Environment{}, fmt.Errorf("truelayer: unknown environment %q (want live or sandbox)", name)
}

// Scopes.
const (
	ScopeInfo           = "info"
	ScopeAccounts       = "accounts"
	ScopeBalance        = "balance"
	ScopeTransactions   = "transactions"
	ScopeCards          = "cards"
	ScopeOfflineAccess  = "offline_access"
	ScopeDirectDebits   = "direct_debits"
	ScopeStandingOrders = "standing_orders"
)

// AvailableScopes lists every scope the auth server knows.
var AvailableScopes = []string{
	ScopeOfflineAccess, ScopeInfo, ScopeAccounts, ScopeTransactions,
	ScopeBalance, ScopeCards, ScopeDirectDebits, ScopeStandingOrders,
}

// DefaultScopes are the scopes AuthLink asks for when given none: identity,
// accounts, balances, cards, transactions and a refresh token. Standing
// orders and direct debits are scopes of their own (banktui adds both:
// auth.DefaultScopes); without them their endpoints are refused.
var DefaultScopes = []string{
	ScopeInfo, ScopeAccounts, ScopeBalance, ScopeCards, ScopeTransactions, ScopeOfflineAccess,
}

// ValidateScopes reports the first scope that TrueLayer does not know.
func ValidateScopes(scopes []string) error {
	for _, s := range scopes {
		if !slices.Contains(AvailableScopes, s) {
			return fmt.Errorf("truelayer: provided scope is not valid: %q (known: %s)", s, strings.Join(AvailableScopes, " "))
		}
	}
	return nil
}
