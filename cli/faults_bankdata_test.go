package cli

// The rows of the fault matrix where the bank answers, but with data that
// cannot be taken at face value (issue 12 point 5): a balance without a
// usable amount, two transactions under one id, a new transaction reusing
// a stored one's provider id, a malformed transaction, an answer too big.
// The store is read back through ledger to check each row's promise.

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/banktui/banktui/ledger"
	"github.com/banktui/banktui/truelayer"
)

// faulty is the account every bank-data row damages: one account, so one
// error line.
const faulty = "Current Account"

func bankDataRows() []faultRow {
	return []faultRow{
		{name: "a null balance after a good one", args: []string{"balance"}, code: exitFailure,
			phrases: []string{faulty, "balance without an amount", "the last good balance is shown", "try again"},
			stdout:  []string{"the bank sent a balance without an amount"}, after: keepsStore | keepsTokens | stillWorks,
			setup:  func(fx *faultEnv) { fx.onBalance(func(b map[string]any) { b["current"] = nil }) },
			verify: func(t *testing.T, fx *faultEnv, r result) { fx.lastGoodBalanceShown(t, r, ledger.SyncErrBadBalance) }},
		{name: "a malformed balance after a good one", args: []string{"balance", "--json"}, code: exitFailure,
			phrases: []string{faulty, "cannot read", `invalid amount "abc"`, "try again"},
			stdout:  []string{`invalid amount \"abc\"`}, after: keepsStore | keepsTokens | stillWorks,
			setup:  func(fx *faultEnv) { fx.onBalance(func(b map[string]any) { b["current"] = "abc" }) },
			verify: func(t *testing.T, fx *faultEnv, r result) { fx.lastGoodBalanceShown(t, r, `invalid amount "abc"`) }},
		{name: "two transactions under one id in one answer", args: []string{"sync", "--json"}, code: exitOK,
			stdout: []string{`"duplicate_ids": 1`}, after: keepsStore | keepsTokens | stillWorks,
			setup: func(fx *faultEnv) {
				fx.copied()
				fx.onTransactions(func(rows []any) []any {
					return append(rows, fx.another(rows, func(map[string]any) {}))
				})
			},
			verify: func(t *testing.T, fx *faultEnv, _ result) {
				first := fx.firstRow
				fx.mustHold(t, fx.storedRows(), map[string]string{
					first.ID:        first.Amount.String() + " " + first.Description,
					first.ID + "#2": anotherAmount + " " + anotherDescription,
				})
			}},
		{name: "a new transaction reusing a stored one's provider id, synced twice", code: exitOK,
			after: keepsStore | keepsTokens | stillWorks,
			setup: func(fx *faultEnv) {
				fx.copied() // its provider ids too
				fx.onTransactions(func(rows []any) []any {
					return append(rows, fx.another(rows, func(x map[string]any) { x["transaction_id"] = "reused-provider-id" }))
				})
				fx.run = func() result {
					r := fx.h.run("sync")
					if r.code != exitOK {
						return r
					}
					fx.rowsBetween = fx.storedRows()
					return fx.h.run("sync") // the bug flipped the rows back and forth
				}
			},
			verify: func(t *testing.T, fx *faultEnv, _ result) {
				first := fx.firstRow
				want := map[string]string{
					first.ID:             first.Amount.String() + " " + first.Description,
					"reused-provider-id": anotherAmount + " " + anotherDescription,
				}
				t.Run("after the first sync", func(t *testing.T) { fx.mustHold(t, fx.rowsBetween, want) })
				t.Run("after the second", func(t *testing.T) { fx.mustHold(t, fx.storedRows(), want) })
			}},
		{name: "a malformed transaction (its amount an object)", args: []string{"sync"}, code: exitFailure,
			phrases: []string{faulty, "cannot read", "none of it was used", "invalid amount", "try again"},
			after:   keepsStore | keepsTokens | stillWorks,
			setup: func(fx *faultEnv) {
				fx.copied()
				fx.onTransactions(func(rows []any) []any {
					good := fx.another(rows, func(x map[string]any) { x["transaction_id"] = "good-row-of-a-bad-answer" })
					bad := fx.another(rows, func(x map[string]any) {
						x["transaction_id"], x["amount"] = "bad-row", map[string]any{"value": "-1.00"}
					})
					return append(append([]any{good}, rows...), bad) // the bad row last: the rest already streamed
				})
			},
			verify: func(t *testing.T, fx *faultEnv, _ result) {
				if v, ok := fx.storedRows()["good-row-of-a-bad-answer"]; ok {
					t.Errorf("a row of the malformed answer was stored: %s", v.Description)
				}
			}},
		{name: "a huge transactions answer", args: []string{"sync"}, code: exitFailure,
			phrases: []string{faulty, "larger than the limit of 32 MiB"}, after: keepsStore | keepsTokens | stillWorks,
			setup: func(fx *faultEnv) {
				// Streamed transactions may be larger (truelayer.DefaultMaxStreamedBytes);
				// the row lowers that limit rather than send 512 MiB.
				fx.h.adjust = func(f *Factory) {
					f.clientOptions = []truelayer.Option{truelayer.WithMaxStreamedBytes(truelayer.DefaultMaxResponseBytes)}
				}
				fx.fr.on("/api/data/v1/accounts/"+fx.accountID(faulty)+"/transactions", huge)
			}},
	}
}

// The row another adds: a different transaction from the one it copies.
const (
	anotherAmount      = "-1234.56"
	anotherDescription = "ANOTHER ROW"
)

// copied is the transaction the row copies: the newest settled one stored
// for the faulty account (so the next sync's answer holds it again).
func (fx *faultEnv) copied() {
	fx.t.Helper()
	rows := fx.storedRows()
	for _, v := range rows {
		if v.Timestamp.After(fx.firstRow.Timestamp) {
			fx.firstRow = v
		}
	}
	fx.rowsBefore = len(rows)
}

// another is a copy of the copied row as the bank sends it in rows, with
// another amount and description, changed further by change.
func (fx *faultEnv) another(rows []any, change func(x map[string]any)) map[string]any {
	x := map[string]any{}
	for _, r := range rows {
		if orig := r.(map[string]any); orig["transaction_id"] == fx.firstRow.ID {
			for k, v := range orig {
				x[k] = v
			}
		}
	}
	if len(x) == 0 {
		fx.t.Errorf("the bank's answer lacks %s, the row to copy", fx.firstRow.ID)
	}
	x["amount"], x["description"] = json.Number(anotherAmount), anotherDescription
	change(x)
	return x
}

// onBalance changes each balance the bank sends for the faulty account.
func (fx *faultEnv) onBalance(change func(b map[string]any)) {
	fx.fr.on("/api/data/v1/accounts/"+fx.accountID(faulty)+"/balance", rewriteJSON(func(v any) {
		for _, b := range v.(map[string]any)["results"].([]any) {
			change(b.(map[string]any))
		}
	}))
}

// onTransactions changes the settled transactions the bank sends for the
// faulty account (when it sends any).
func (fx *faultEnv) onTransactions(change func(rows []any) []any) {
	fx.fr.on("/api/data/v1/accounts/"+fx.accountID(faulty)+"/transactions", rewriteJSON(func(v any) {
		answer := v.(map[string]any)
		if rows, _ := answer["results"].([]any); len(rows) > 0 {
			answer["results"] = change(rows)
		}
	}))
}

// openStore opens the ledger the runs share (none runs meanwhile).
func (fx *faultEnv) openStore() *ledger.Store {
	fx.t.Helper()
	st, err := ledger.Open(fx.h.paths().LedgerDB)
	if err != nil {
		fx.t.Fatal(err)
	}
	return st
}

// accountID is the id of the stored account called name.
func (fx *faultEnv) accountID(name string) string {
	fx.t.Helper()
	st := fx.openStore()
	defer st.Close()
	views, err := st.Accounts(context.Background())
	if err != nil {
		fx.t.Fatal(err)
	}
	for _, v := range views {
		if v.DisplayName == name {
			return v.ID
		}
	}
	fx.t.Fatalf("no stored account %q", name)
	return ""
}

// storedRows are the settled transactions stored for the faulty account,
// by id.
func (fx *faultEnv) storedRows() map[string]ledger.TxView {
	fx.t.Helper()
	id := fx.accountID(faulty)
	st := fx.openStore()
	defer st.Close()
	views, err := st.Transactions(context.Background(), ledger.TxQuery{AccountIDs: []string{id}})
	if err != nil {
		fx.t.Fatal(err)
	}
	rows := map[string]ledger.TxView{}
	for _, v := range views {
		if !v.Pending {
			rows[v.ID] = v
		}
	}
	return rows
}

// mustHold fails unless rows hold want ("amount description" by id), and
// beside them exactly the rows stored before the fault: one new row, no
// row merged, changed or lost.
func (fx *faultEnv) mustHold(t *testing.T, rows map[string]ledger.TxView, want map[string]string) {
	t.Helper()
	for id, w := range want {
		v, ok := rows[id]
		if got := v.Amount.String() + " " + v.Description; !ok || got != w {
			t.Errorf("stored %s: %q (present: %v), want %q", id, got, ok, w)
		}
	}
	if len(rows) != fx.rowsBefore+1 {
		t.Errorf("%d rows stored for %s, want the %d before and one more", len(rows), faulty, fx.rowsBefore)
	}
}

// lastGoodBalanceShown checks that the faulty account still has the
// balance stored before, and says why: its sync_error holds mark, and a
// table shows that figure beside the note.
func (fx *faultEnv) lastGoodBalanceShown(t *testing.T, r result, mark string) {
	t.Helper()
	id := fx.accountID(faulty)
	var lastGood, currency string
	for _, b := range parseBalance(t, fx.balances).Results {
		if b.AccountID == id {
			lastGood, currency = b.Current.String(), b.Currency
			if !strings.HasPrefix(strings.TrimSpace(r.stdout), "{") && !tableShows(r.stdout, ledger.FormatMoney(*b.Current, currency)) {
				t.Errorf("the table's line for %s lacks the last good figure %s and its note:\n%s",
					faulty, ledger.FormatMoney(*b.Current, currency), r.stdout)
			}
		}
	}
	for _, b := range parseBalance(t, fx.h.must("balance", "--offline", "--json").stdout).Results {
		switch {
		case b.AccountID == id && (b.Current == nil || b.Current.String() != lastGood || !strings.Contains(b.SyncError, mark)):
			t.Errorf("%s: stored balance %v, note %q; want the last good %s, noted %q", faulty, b.Current, b.SyncError, lastGood, mark)
		case b.AccountID != id && b.SyncError != "":
			t.Errorf("account %s, not damaged, is noted %q", b.AccountID, b.SyncError)
		}
	}
}

// tableShows reports whether the balance table's line of the faulty
// account shows figure and says it is the last good one.
func tableShows(table, figure string) bool {
	for _, line := range strings.Split(table, "\n") {
		if strings.Contains(line, faulty) {
			return strings.Contains(line, figure) && strings.Contains(line, "last good")
		}
	}
	return false
}
