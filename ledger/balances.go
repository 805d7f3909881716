package ledger

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/banktui/banktui/truelayer"
)

// BalanceSnapshot is one stored balance of an account or card.
type BalanceSnapshot struct {
	FetchedAt          time.Time
	Currency           string
	Current, Available truelayer.Amount
	Raw                json.RawMessage // the balance as the bank sent it
}

// BalanceHistory returns every balance snapshot of an account or card, oldest first.
func (s *Store) BalanceHistory(ctx context.Context, accountID string) ([]BalanceSnapshot, error) {
	rows, err := s.db.QueryContext(ctx, `
SELECT b.fetched_at, b.currency, b.current, b.available, b.raw
FROM balances b JOIN accounts a ON a.rid = b.account_rid
WHERE a.id = ? ORDER BY b.fetched_at, b.id`, accountID)
	if err != nil {
		return nil, fmt.Errorf("ledger: balance history: %w", err)
	}
	defer rows.Close()
	var out []BalanceSnapshot
	for rows.Next() {
		var b BalanceSnapshot
		var at int64
		var cur, avail, raw string
		if err := rows.Scan(&at, &b.Currency, &cur, &avail, &raw); err != nil {
			return nil, err
		}
		b.FetchedAt = time.UnixMilli(at)
		b.Current, b.Available = amountFromText(cur), amountFromText(avail)
		b.Raw = json.RawMessage(raw)
		out = append(out, b)
	}
	return out, rows.Err()
}

// ErrBadBalance: the bank's balance had no current or available amount
// (null, or missing). It is not stored: the last good balance stays,
// marked by the account's SyncError (SyncErrBadBalance).
var ErrBadBalance = errors.New("ledger: the bank sent a balance without an amount; the last good balance is kept")

// balanceRecord is a balance snapshot to store.
type balanceRecord struct {
	Currency               string
	Current, Available     truelayer.Amount
	Overdraft, CreditLimit *truelayer.Amount
	Raw                    []byte
}

// saveBalance appends a balance snapshot.
func (s *Store) saveBalance(ctx context.Context, accountID string, b balanceRecord) error {
	micro, _ := toMicro(b.Current)
	return s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `
INSERT INTO balances (account_rid, fetched_at, currency, current, current_micro, available, overdraft, credit_limit, raw)
SELECT rid, ?, ?, ?, ?, ?, ?, ?, ? FROM accounts WHERE id = ?`,
			s.now().UnixMilli(), b.Currency, b.Current.String(), micro, b.Available.String(),
			optText(b.Overdraft), optText(b.CreditLimit), string(b.Raw), accountID)
		return err
	})
}

// CurrencyTotal sums the latest balances of one currency. Cards count as
// money owed: their current balance (positive when the bank reports debt) is
// subtracted.
type CurrencyTotal struct {
	Currency string
	Total    truelayer.Amount // Accounts - Cards
	Accounts truelayer.Amount // sum of accounts' current balances
	Cards    truelayer.Amount // sum of cards' current balances
}

// Totals returns the net position per currency from the latest balances,
// sorted by currency, over the accounts that count (AccountView.Counts).
func (s *Store) Totals(ctx context.Context) ([]CurrencyTotal, error) {
	views, err := s.Accounts(ctx)
	if err != nil {
		return nil, err
	}
	byCur := map[string]*CurrencyTotal{}
	for _, v := range views {
		if !v.HasBalance || !v.Counts() {
			continue
		}
		cur := v.Currency
		t := byCur[cur]
		if t == nil {
			t = &CurrencyTotal{Currency: cur}
			byCur[cur] = t
		}
		if v.Kind == KindCard {
			t.Cards = t.Cards.Add(v.Current)
		} else {
			t.Accounts = t.Accounts.Add(v.Current)
		}
	}
	out := make([]CurrencyTotal, 0, len(byCur))
	for _, t := range byCur {
		t.Total = t.Accounts.Sub(t.Cards)
		out = append(out, *t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Currency < out[j].Currency })
	return out, nil
}
