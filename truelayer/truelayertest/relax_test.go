package truelayertest_test

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/banktui/banktui/truelayer"
	"github.com/banktui/banktui/truelayer/truelayertest"
)

// relaxChecks make, for each rule, the call the rule refuses; relaxed
// reports whether it was allowed.
var relaxChecks = map[truelayertest.Rule]func(t *testing.T, srv *truelayertest.Server) (allowed bool){
	truelayertest.RuleScopes: func(t *testing.T, srv *truelayertest.Server) bool {
		acct, _ := northgateIDs(srv)
		api := apiClient(srv, connect(t, srv, "john", truelayertest.ProviderNorthgate, truelayer.DefaultScopes...))
		_, err := api.DirectDebits(context.Background(), acct)
		return err == nil
	},
	truelayertest.RuleUnattendedLimit: func(t *testing.T, srv *truelayertest.Server) bool {
		api := unattendedClient(srv, connect(t, srv, "john", truelayertest.ProviderNorthgate))
		for range truelayertest.DefaultUnattendedLimit {
			if _, err := api.Accounts(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
		_, err := api.Accounts(context.Background())
		return err == nil
	},
	truelayertest.RuleDateRange: func(t *testing.T, srv *truelayertest.Server) bool {
		acct, _ := northgateIDs(srv)
		api := apiClient(srv, connect(t, srv, "john", truelayertest.ProviderNorthgate))
		_, err := api.Transactions(context.Background(), acct, today.AddDate(0, 0, -7), today.AddDate(0, 0, 1))
		return err == nil
	},
	truelayertest.RuleProviderCoverage: func(t *testing.T, srv *truelayertest.Server) bool {
		srv.SetAutoApprove("john", "")
		landed, err := srv.Authorize(context.Background(), rawLink(srv, url.Values{"provider_id": {"ob-nova"}}), "", "", "")
		return err == nil && landed.Query().Get("code") != ""
	},
	truelayertest.RuleBankRefusals: func(t *testing.T, srv *truelayertest.Server) bool {
		savings := srv.Truth("john", truelayertest.ProviderCastle).Accounts[1].ID
		_, err := apiClient(srv, connect(t, srv, "john", truelayertest.ProviderCastle)).DirectDebits(context.Background(), savings)
		return err == nil
	},
}

// Each rule refuses by default, allows when relaxed from the start or at
// run time, and refuses again once restored.
func TestRelaxedRules(t *testing.T) {
	for _, rule := range truelayertest.Rules() {
		check := relaxChecks[rule]
		if check == nil {
			continue // TestConformanceCoversEveryRule reports it
		}
		t.Run(rule.String(), func(t *testing.T) {
			if check(t, newServer(t)) {
				t.Error("allowed by default")
			}
			if srv := newServer(t, truelayertest.WithRelaxed(rule)); !check(t, srv) || srv.Enforces(rule) {
				t.Error("refused with WithRelaxed")
			}
			srv := newServer(t)
			restore := srv.Relax(rule)
			if !check(t, srv) {
				t.Error("refused after Relax")
			}
			restore()
			srv.AdvanceClock(time.Hour) // fresh tokens' worth of time; nothing else changes
			if !srv.Enforces(rule) || check(t, srv) {
				t.Error("allowed after restore")
			}
		})
	}
}

func TestUnattendedLimitOption(t *testing.T) {
	ctx := context.Background()
	srv := newServer(t, truelayertest.WithUnattendedLimit(2))
	api := unattendedClient(srv, connect(t, srv, "john", truelayertest.ProviderNorthgate))
	for i := range 3 {
		_, err := api.Accounts(ctx)
		if (err == nil) != (i < 2) {
			t.Errorf("call %d with a limit of 2: %v", i+1, err)
		}
	}
	if off := newServer(t, truelayertest.WithUnattendedLimit(0)); off.Enforces(truelayertest.RuleUnattendedLimit) {
		t.Error("WithUnattendedLimit(0) still enforces the limit")
	}
}
