package truelayertest

import (
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"time"
)

// Rule is a rule of the real TrueLayer API that the emulator enforces by
// default (truelayer-api.md §7): a rule the emulator did not enforce would let
// a test pass that fails for a real user. Each one can be relaxed, for a test
// written before the rule or a client that cannot follow it yet, with
// WithRelaxed or Server.Relax; relax only with a reason, in a comment.
//
// Two more rules of §7 are not switchable because they never refuse a
// correct client: response_mode is honoured (form_post puts the code only in
// a POST body, query in the redirect URL), and POST /connections/extend
// needs no access token.
type Rule int

const (
	// RuleScopes: each Data API endpoint needs its scopes (TrueLayer docs
	// "Scopes"; the JS client's AVAILABLE_SCOPES): info for /info, accounts
	// for /accounts, accounts+balance, accounts+transactions,
	// accounts+standing_orders, accounts+direct_debits, cards,
	// cards+balance, cards+transactions. /me needs none. A call without
	// its scope answers 403 access_denied naming the missing scope.
	// Relaxed, every endpoint answers whatever was granted. (Not
	// switchable: a refresh token only with offline_access, running
	// balances only with balance.)
	RuleScopes Rule = iota + 1
	// RuleUnattendedLimit: at most 4 calls per account and endpoint in 24
	// hours of the emulator's clock without an X-PSU-IP header holding an
	// IP address (TrueLayer docs reference/get-user-info; PSD2 RTS art.
	// 36(5)); the fifth answers 429 unattended_calls_limit_exceeded with
	// Retry-After. With X-PSU-IP (the user is present) there is no limit.
	// Every endpoint that reaches the bank counts, /accounts, /cards and
	// /info included (per connection); /me does not. WithUnattendedLimit
	// changes the 4.
	RuleUnattendedLimit
	// RuleDateRange: from and to may not be in the future (a date after
	// today, UTC, or a time after now): 400 invalid_date_range, as TrueLayer
	// answered a public integrator (ministryofjustice/laa-apply-for-legal-aid
	// PR #1518). Relaxed, future bounds pass; a from after to is refused
	// either way.
	RuleDateRange
	// RuleProviderCoverage: an auth link's provider_id must be covered by
	// its providers, by id or by a group (uk-ob-all and uk-oauth-all for
	// the Open Banking banks, uk-cs-mock for mock) (TrueLayer docs
	// auth-link-basics); otherwise the dialog redirects with error
	// invalid_request. Under auto-approve, the auto-approved provider must
	// likewise be one the link offers.
	RuleProviderCoverage
	// RuleBankRefusals: banks refuse what real ones refuse: ob-castle
	// answers 403 access_denied for the direct debits of an account that has
	// none, as First Direct does in a public sync tool's tests. That is not
	// a lost consent: the other endpoints keep working. (ob-nova's 501
	// endpoint_not_supported for cards, standing orders and direct debits
	// is what the bank supports, not a rule, and stays.)
	RuleBankRefusals
)

// Rules lists every switchable rule.
func Rules() []Rule {
	return []Rule{RuleScopes, RuleUnattendedLimit, RuleDateRange, RuleProviderCoverage, RuleBankRefusals}
}

func (r Rule) String() string {
	switch r {
	case RuleScopes:
		return "scopes"
	case RuleUnattendedLimit:
		return "unattended_limit"
	case RuleDateRange:
		return "date_range"
	case RuleProviderCoverage:
		return "provider_coverage"
	case RuleBankRefusals:
		return "bank_refusals"
	}
	return "rule(" + strconv.Itoa(int(r)) + ")"
}

// WithRelaxed switches rules off from the start. Strict is the default:
// relax a rule only where a test or a program has a stated reason to.
func WithRelaxed(rules ...Rule) Option {
	return func(s *settings) {
		if s.relaxed == nil {
			s.relaxed = map[Rule]bool{}
		}
		for _, r := range rules {
			s.relaxed[r] = true
		}
	}
}

// Relax switches rules off at run time; restore switches back on those it
// switched off.
func (s *Server) Relax(rules ...Rule) (restore func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var changed []Rule
	for _, r := range rules {
		if !s.relaxed[r] {
			s.relaxed[r] = true
			changed = append(changed, r)
		}
	}
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		for _, r := range changed {
			delete(s.relaxed, r)
		}
	}
}

// Enforces reports whether rule is enforced now.
func (s *Server) Enforces(rule Rule) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return !s.relaxed[rule]
}

// missingScope refuses a call whose connection lacks one of scopes.
//
// TrueLayer documents no error code for a missing scope, and
// insufficient_scope appears in no TrueLayer source (§2.4), so the emulator
// answers with the documented generic refusal, 403 access_denied, and names
// the scope in the description.
func (s *Server) missingScope(c *connection, scopes []string) *oauthError {
	if !s.Enforces(RuleScopes) {
		return nil
	}
	for _, sc := range scopes {
		if !c.hasScope(sc) {
			return newErr(403, "access_denied", "the connection was not granted the "+sc+
				" scope this endpoint needs: ask for it in the auth link's scope")
		}
	}
	return nil
}

// DefaultUnattendedLimit is how many calls per account and endpoint a bank
// allows in 24 hours without the user present (PSD2 RTS art. 36(5)).
const DefaultUnattendedLimit = 4

// unattendedCall counts a call made without the user present and reports
// whether it is over the limit, and how long until a slot frees up. The
// code unattended_calls_limit_exceeded comes from community sources (older
// copies of TrueLayer's error table and clients, §2.4), not the current
// docs. Calls refused here do not count.
func (s *Server) unattendedCall(r *http.Request, c *connection, now time.Time) (time.Duration, bool) {
	if !s.Enforces(RuleUnattendedLimit) || userPresent(r) || r.URL.Path == "/api/data/v1/me" {
		// /me is TrueLayer's own record of the consent (§2.3), not a call
		// to the bank, whose limit this is (inferred: no source says).
		return 0, false
	}
	key := c.ID + " " + r.URL.Path // the account is in the path
	s.mu.Lock()
	defer s.mu.Unlock()
	limit := s.cfg.unattendedLimit
	calls := s.unattended[key]
	for len(calls) > 0 && now.Sub(calls[0]) >= 24*time.Hour {
		calls = calls[1:]
	}
	if len(calls) >= limit {
		s.unattended[key] = calls
		return calls[0].Add(24 * time.Hour).Sub(now), true
	}
	s.unattended[key] = append(calls, now)
	return 0, false
}

// userPresent: X-PSU-IP holds the end user's IP address. A header that is
// not an address does not say the user is there.
func userPresent(r *http.Request) bool {
	_, err := netip.ParseAddr(r.Header.Get("X-PSU-IP"))
	return err == nil
}

func (s *Server) writeUnattended(w http.ResponseWriter, wait time.Duration) {
	w.Header().Set("Retry-After", strconv.FormatInt(int64(wait/time.Second)+1, 10))
	writeErr(w, newErr(429, "unattended_calls_limit_exceeded", "the bank allows only "+strconv.Itoa(s.cfg.unattendedLimit)+
		" calls a day to this endpoint of this account without the user present (send X-PSU-IP when the user is)"))
}

// groups are the provider groups an auth link's providers may name to
// cover p.
func (p *providerSpec) groups() []string {
	if p.Type == "credentialssharing" {
		return []string{"uk-cs-mock"}
	}
	return []string{"uk-ob-all", "uk-oauth-all"}
}

// covers reports whether an auth link's providers name p or a group of it.
func covers(providers []string, p *providerSpec) bool {
	return slices.ContainsFunc(providers, func(id string) bool {
		return id == p.ID || slices.Contains(p.groups(), id)
	})
}

// coverageError refuses an auth link whose provider_id its providers do not
// cover, or an auto-approve provider the link does not offer.
func (s *Server) coverageError(req authRequest, providerID string, auto bool) *oauthError {
	p, ok := providerByID(providerID)
	if !ok || !s.Enforces(RuleProviderCoverage) {
		return nil
	}
	if req.ProviderID != "" && !covers(req.Providers, p) {
		return newErr(400, "invalid_request", "provider_id "+providerID+
			" is not covered by providers: add "+providerID+" or its group ("+p.groups()[0]+") to providers")
	}
	if auto && !slices.ContainsFunc(shownFor(req), func(q *providerSpec) bool { return q.ID == providerID }) {
		return newErr(400, "invalid_request", "the auto-approved provider "+providerID+" is not offered by this auth link")
	}
	return nil
}

// bankRefusal is a refusal of the bank behind the connection, for
// RuleBankRefusals.
func (s *Server) bankRefusal(b *bank, a *acct, directDebits bool) *oauthError {
	if directDebits && b.provider.RefusesEmptyDirectDebits && len(a.dds) == 0 && s.Enforces(RuleBankRefusals) {
		return newErr(403, "access_denied", b.provider.Name+" refused access to the direct debits of this account")
	}
	return nil
}
