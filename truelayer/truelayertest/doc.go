// Package truelayertest is an emulator of TrueLayer's auth server and Data
// API v1, with a realistic, deterministic demo bank and fault injection. It
// backs the tests of banktui, its demo mode and `banktui emulator`, and can
// test any TrueLayer client offline.
//
// One loopback listener serves both hosts: the auth server under /auth
// (the dialog at GET /auth/, POST /auth/connect/token, GET
// /auth/api/providers, DELETE /auth/api/delete) and the Data API under /api
// (GET /api/data/v1/...). Point a client at Server.Environment().
//
// In a few lines:
//
//	srv := truelayertest.NewServer(truelayertest.WithAutoApprove("john", "ob-northgate"))
//	defer srv.Close()
//	tok, _ := srv.Connect(truelayertest.DefaultClientID, "john", "ob-northgate", truelayer.DefaultScopes)
//	// ... or the real flow: open an auth link on srv.AuthURL() with PKCE; with
//	// auto-approve the dialog redirects at once with a code to exchange.
//
// See Example for the whole PKCE flow through the truelayer client.
//
// Demo providers: ob-northgate (current, savings and credit card, standing
// orders, direct debits), ob-nova (one account; cards, standing orders and
// direct debits answer 501 endpoint_not_supported; from older than two years
// is invalid_date_range), ob-castle (history older than 90 days only within
// 5 minutes of authentication, else 403 sca_exceeded; no cards; 403
// access_denied for the direct debits of its savings account, which has
// none) and mock. Mock users as in TrueLayer's sandbox: john/doe (john1/doe1
// ... john100/doe100, johnN/ibanN for IBANs), john/eternal, error.<code>/error
// (every Data API call fails with <code>).
//
// The emulator is as strict as the real API (truelayer-api.md §7): scopes
// per endpoint, 4 unattended calls per account and endpoint a day without
// X-PSU-IP, no from/to in the future, provider_id covered by providers,
// banks that refuse what real ones refuse (see Rule). response_mode is
// honoured and /connections/extend needs no access token. A test with a
// reason to can relax a rule: WithRelaxed(RuleUnattendedLimit).
//
// Faults (Inject) switch on and off at run time per endpoint; the request
// log (Requests, PeakConcurrency) records every call; Truth gives the ground
// truth of a demo bank for consistency tests.
package truelayertest
