package truelayertest_test

// The conformance test: every rule the real TrueLayer API enforces that
// truelayer-api.md §7 lists, checked against the emulator through the real
// truelayer client (raw HTTP only where the client cannot make the
// mistake). A rule the emulator did not enforce would let a test pass here
// that fails for a real user.

import (
	"testing"

	"github.com/banktui/banktui/truelayer/truelayertest"
)

var conformance = []struct {
	rule      string
	source    string             // where the rule comes from (truelayer-api.md §7)
	relaxedBy truelayertest.Rule // the rule that relaxes it; 0: not switchable
	check     func(t *testing.T)
}{
	{"each data endpoint needs its scopes; a missing one is 403 access_denied naming it",
		"docs Scopes (D:scopes); JS client AVAILABLE_SCOPES; the missing-scope code is undocumented (§2.4)",
		truelayertest.RuleScopes, checkScopesPerEndpoint},
	{"a refresh token only with offline_access",
		"docs Scopes (D:scopes); docs generateaccesstoken (D:token)", 0, checkOfflineAccess},
	{"running balances only with the balance scope",
		"docs Scopes (D:scopes): accounts+transactions+balance", 0, checkRunningBalance},
	{"the granted scopes are in the token response (scope string) and the JWT (scope array)",
		"JS test fixtures (decoded JWT); community clients model the token response's scope (§1.4)", 0, checkGrantedScopes},
	{"at most 4 calls per account and endpoint in 24 h without X-PSU-IP; then 429 unattended_calls_limit_exceeded",
		"docs reference/get-user-info; PSD2 RTS art. 36(5); the 429 code from community sources (§2.4)",
		truelayertest.RuleUnattendedLimit, checkUnattendedLimit},
	{"from and to may not be in the future: 400 invalid_date_range",
		"ministryofjustice/laa-apply-for-legal-aid PR #1518", truelayertest.RuleDateRange, checkFutureDates},
	{"from after to: 400 invalid_date_range",
		"docs data-api-errors (D:errors)", 0, checkFromAfterTo},
	{"provider_id must be covered by providers (the provider or a group of it)",
		"docs auth-link-basics (D:authlink)", truelayertest.RuleProviderCoverage, checkProviderCoverage},
	{"response_mode=form_post: the code only in a POST body; query or none: in the redirect URL",
		"JS client README (auth link), IConfig.ts", 0, checkResponseMode},
	{"POST /connections/extend needs no access token, even after the consent lapsed; its actions",
		"docs connection-management, extend integration guide (D:extend, §1.7)", 0, checkExtendWithoutToken},
	{"errors are {error, error_description} (+ optional error_details) everywhere",
		"docs data-api-errors (D:errors); JS client README Errors", 0, checkErrorShape},
	{"a bank may refuse one endpoint of one account (403 access_denied) without losing the consent; some do not support an endpoint (501)",
		"a public sync tool's tests (First Direct refuses direct debits, §7); docs/community: endpoint_not_supported (§2.4)",
		truelayertest.RuleBankRefusals, checkBanksDiffer},
}

func TestConformance(t *testing.T) {
	for _, c := range conformance {
		t.Run(c.rule, c.check)
	}
}

// Every switchable rule is in the table, and relaxing it is tested.
func TestConformanceCoversEveryRule(t *testing.T) {
	for _, r := range truelayertest.Rules() {
		found := false
		for _, c := range conformance {
			found = found || c.relaxedBy == r
		}
		if !found {
			t.Errorf("rule %s has no conformance check", r)
		}
		if relaxChecks[r] == nil {
			t.Errorf("rule %s has no relax check", r)
		}
	}
}
