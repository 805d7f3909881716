package truelayertest

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/banktui/banktui/truelayer"
)

// Demo provider ids.
const (
	ProviderNorthgate = "ob-northgate" // high-street bank: current, savings, credit card, SOs, DDs
	ProviderNova      = "ob-nova"      // neobank: one account; cards, SOs and DDs are 501
	ProviderCastle    = "ob-castle"    // older history only within 5 minutes of auth; 403 on empty direct debits
	ProviderMock      = "mock"         // TrueLayer's sandbox bank "Mock"
)

// providerSpec is what a demo provider supports.
type providerSpec struct {
	ID, Name, Logo string
	Type           string // "oauth/openbanking" or "credentialssharing"
	Cards          bool   // /cards answers (possibly with an empty list); else 501
	StandingOrders bool
	DirectDebits   bool
	// HistoryDepth: a from older than now-HistoryDepth is invalid_date_range (0 = unlimited).
	HistoryDepth time.Duration
	// SCALimited: history older than 90 days only within 5 minutes of authentication.
	SCALimited bool
	// RefusesEmptyDirectDebits: 403 access_denied for the direct debits of
	// an account that has none (RuleBankRefusals).
	RefusesEmptyDirectDebits bool
	profile                  bankProfile
}

var providers = []providerSpec{
	{
		ID: ProviderNorthgate, Name: "Northgate Bank", Type: "oauth/openbanking",
		Cards: true, StandingOrders: true, DirectDebits: true,
		profile: profileHighStreet,
	},
	{
		ID: ProviderNova, Name: "Nova", Type: "oauth/openbanking",
		HistoryDepth: 2 * 365 * 24 * time.Hour,
		profile:      profileNeobank,
	},
	{
		ID: ProviderCastle, Name: "Castle Bank", Type: "oauth/openbanking",
		Cards: true, StandingOrders: true, DirectDebits: true, SCALimited: true,
		RefusesEmptyDirectDebits: true,
		profile:                  profileCastle,
	},
	{
		ID: ProviderMock, Name: "Mock", Type: "credentialssharing",
		Cards: true, StandingOrders: true, DirectDebits: true,
		profile: profileHighStreet,
	},
}

func providerByID(id string) (*providerSpec, bool) {
	for i := range providers {
		if providers[i].ID == id {
			return &providers[i], true
		}
	}
	return nil, false
}

func (p *providerSpec) scopes() []string {
	sc := []string{truelayer.ScopeInfo, truelayer.ScopeAccounts, truelayer.ScopeBalance,
		truelayer.ScopeTransactions, truelayer.ScopeOfflineAccess}
	if p.Cards {
		sc = append(sc, truelayer.ScopeCards)
	}
	if p.DirectDebits {
		sc = append(sc, truelayer.ScopeDirectDebits)
	}
	if p.StandingOrders {
		sc = append(sc, truelayer.ScopeStandingOrders)
	}
	return sc
}

func (p *providerSpec) logoURL(base string) string {
	return base + "/auth/img/" + p.ID + ".svg"
}

func (p *providerSpec) info(base string) truelayer.ProviderInfo {
	return truelayer.ProviderInfo{
		ProviderID: p.ID, DisplayName: p.Name, LogoURL: p.logoURL(base),
		Scopes: p.scopes(), Country: "uk", ReleaseStage: "general_availability",
	}
}

// matchesType reports whether the provider belongs under /api/providers/{type}.
func (p *providerSpec) matchesType(typ string) bool {
	switch typ {
	case "":
		return true
	case "credentialssharing":
		return p.Type == "credentialssharing"
	case "oauth", "oauth/openbanking":
		return p.Type == "oauth/openbanking"
	}
	return false
}

// shownFor filters the dialog's provider list by the auth link's parameters.
func shownFor(q authRequest) []*providerSpec {
	var out []*providerSpec
	for i := range providers {
		p := &providers[i]
		if slices.Contains(q.DisableProviders, p.ID) {
			continue
		}
		if q.ProviderID != "" {
			if p.ID == q.ProviderID {
				out = append(out, p)
			}
			continue
		}
		if len(q.Providers) == 0 && !q.anyEnableFlag() {
			out = append(out, p)
			continue
		}
		ok := covers(q.Providers, p)
		if p.Type == "credentialssharing" {
			ok = ok || q.EnableMock
		} else {
			ok = ok || q.EnableOpenBanking || q.EnableOAuth
		}
		if ok {
			out = append(out, p)
		}
	}
	return out
}

// mockUser is a TrueLayer mock-bank user (§1.8): johnN/doeN, johnN/ibanN,
// john/eternal, error.<code>/error.
type mockUser struct {
	Username  string
	ErrorCode string // every Data API call fails with it
	Eternal   bool   // extend => no action needed
	IBAN      bool   // accounts carry an IBAN
}

var (
	johnRe  = regexp.MustCompile(`^john([0-9]{0,3})$`)
	errorRe = regexp.MustCompile(`^error\.([a-z_]+)$`)
)

// checkUser validates a username and password; password "" skips the check
// (Connect and auto-approve).
func checkUser(username, password string) (mockUser, bool) {
	if m := errorRe.FindStringSubmatch(username); m != nil {
		return mockUser{Username: username, ErrorCode: m[1]}, password == "" || password == "error"
	}
	m := johnRe.FindStringSubmatch(username)
	if m == nil {
		return mockUser{}, false
	}
	if m[1] != "" {
		n, _ := strconv.Atoi(m[1])
		if n < 1 || n > 100 || strings.HasPrefix(m[1], "0") {
			return mockUser{}, false
		}
	}
	u := mockUser{Username: username}
	switch password {
	case "":
		return u, true
	case "doe" + m[1]:
		return u, true
	case "iban" + m[1]:
		u.IBAN = true
		return u, true
	case "eternal":
		u.Eternal = true
		return u, m[1] == ""
	}
	return mockUser{}, false
}

// errorStatus maps a mock error user's code to its HTTP status (§2.4).
func errorStatus(code string) int {
	switch code {
	case "wrong_credentials", "unauthorized", "invalid_token":
		return 401
	case "account_permanently_locked", "account_temporarily_locked", "mfa_required",
		"user_input_required", "access_denied", "sca_exceeded":
		return 403
	case "account_not_found":
		return 404
	case "request_conflict":
		return 409
	case "wrong_bank":
		return 410
	case "provider_too_many_requests", "provider_request_limit_exceeded", "unattended_calls_limit_exceeded":
		return 429
	case "endpoint_not_supported":
		return 501
	case "provider_error", "connector_overload", "temporarily_unavailable":
		return 503
	case "provider_timeout", "connector_timeout":
		return 504
	case "internal_error", "internal_server_error":
		return 500
	}
	return 400
}
