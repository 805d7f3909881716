package ledger

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/banktui/banktui/truelayer"
)

// Kinds of AccountView.
const (
	KindAccount = "account"
	KindCard    = "card"
)

// Values of AccountView.SyncError for the per-account conditions the UI
// explains; any other failure is a short sanitised message.
const (
	SyncErrSCAExceeded    = "sca_exceeded"    // older history needs the user to re-authenticate
	SyncErrNotSupported   = "not supported"   // the bank lacks the endpoint
	SyncErrConsentExpired = "consent expired" // reconnect the bank
	SyncErrBadBalance     = "bad balance"     // the bank's latest balance had no amount: the last good one is shown
	// SyncErrUnreadable begins the note of an answer that did not decode
	// (truelayer.ErrMalformedResponse); what was wrong with it follows.
	SyncErrUnreadable = "unreadable answer: "
)

// AccountView is an account or a card with its latest balance.
type AccountView struct {
	ConnectionID, ProviderID, ProviderName string
	Kind                                   string // KindAccount or KindCard
	ID, DisplayName, Type, Currency        string // Type: account_type or card_type
	Number                                 string // sort code + number, IBAN, or last four of a card
	CardNetwork, PartialCardNumber         string

	Current, Available     truelayer.Amount
	CreditLimit, Overdraft *truelayer.Amount
	HasBalance             bool
	BalanceAsOf            time.Time // when banktui fetched the balance

	SyncError    string    // "" or SyncErr* or a short message
	LastSync     time.Time // last successful transaction sync; zero if never
	HistoryFrom  time.Time // oldest day of history asked for; zero before the first sync
	HistoryLimit string    // why back-fill stopped: "invalid_date_range", "empty", "sca_exceeded", "max"
	Gone         bool      // no longer listed by the bank; history kept
	// Disconnected: its connection was logged out; its history is kept,
	// its balance no longer counts in the totals.
	Disconnected bool
	// Endpoints are what the bank last refused (403), lacks (501) or
	// limits (429) of this account's endpoints: not the account's failure.
	Endpoints []EndpointStatus
}

// Accounts returns every account, then every card, grouped by provider, each
// with its latest balance. It reads only the local store.
func (s *Store) Accounts(ctx context.Context) ([]AccountView, error) {
	return s.accountsOn(ctx, s.db)
}

// querier is a database, a connection or a transaction.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// accountsOn is Accounts read through db (an export's read transaction).
func (s *Store) accountsOn(ctx context.Context, db querier) ([]AccountView, error) {
	const q = `
SELECT a.connection_id, a.provider_id, a.provider_name, a.kind, a.id, a.display_name, a.type,
       a.currency, a.number, a.card_network, a.partial_card_number, a.sync_error, a.gone,
       b.fetched_at, b.current, b.available, b.overdraft, b.credit_limit,
       coalesce(ss.last_sync_at, 0), coalesce(ss.oldest_day, ''), coalesce(ss.history_limit, ''),
       c.disconnected_at
FROM accounts a
JOIN connections c ON c.id = a.connection_id
LEFT JOIN balances b ON b.id = (
	SELECT id FROM balances WHERE account_rid = a.rid ORDER BY fetched_at DESC, id DESC LIMIT 1)
LEFT JOIN sync_state ss ON ss.account_rid = a.rid
ORDER BY a.kind = 'card', a.provider_name, a.connection_id, a.position, a.rid`
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("ledger: accounts: %w", err)
	}
	defer rows.Close()
	var out []AccountView
	for rows.Next() {
		var (
			v                      AccountView
			gone                   int
			fetchedAt              sql.NullInt64
			current, available     sql.NullString
			overdraft, creditLimit sql.NullString
			lastSync, disconnected int64
			oldestDay              string
		)
		if err := rows.Scan(&v.ConnectionID, &v.ProviderID, &v.ProviderName, &v.Kind, &v.ID,
			&v.DisplayName, &v.Type, &v.Currency, &v.Number, &v.CardNetwork, &v.PartialCardNumber,
			&v.SyncError, &gone, &fetchedAt, &current, &available, &overdraft, &creditLimit,
			&lastSync, &oldestDay, &v.HistoryLimit, &disconnected); err != nil {
			return nil, fmt.Errorf("ledger: accounts: %w", err)
		}
		v.Gone, v.Disconnected = gone != 0, disconnected != 0
		if fetchedAt.Valid {
			v.HasBalance = true
			v.BalanceAsOf = time.UnixMilli(fetchedAt.Int64)
			v.Current = amountFromText(current.String)
			v.Available = amountFromText(available.String)
			v.Overdraft = optAmount(overdraft)
			v.CreditLimit = optAmount(creditLimit)
		}
		if lastSync > 0 {
			v.LastSync = time.UnixMilli(lastSync)
		}
		if oldestDay != "" {
			v.HistoryFrom, _ = time.Parse(time.DateOnly, oldestDay)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, s.attachEndpoints(ctx, out)
}

// attachEndpoints gives each account its endpoint statuses.
func (s *Store) attachEndpoints(ctx context.Context, views []AccountView) error {
	statuses, err := s.EndpointStatuses(ctx)
	if err != nil || len(statuses) == 0 {
		return err
	}
	byAccount := map[string][]EndpointStatus{}
	for _, e := range statuses {
		if e.AccountID != "" {
			byAccount[e.AccountID] = append(byAccount[e.AccountID], e)
		}
	}
	for i := range views {
		views[i].Endpoints = byAccount[views[i].ID]
	}
	return nil
}

// Account returns one account or card by id, or ok=false.
func (s *Store) Account(ctx context.Context, id string) (v AccountView, ok bool, err error) {
	all, err := s.Accounts(ctx)
	if err != nil {
		return AccountView{}, false, err
	}
	for _, a := range all {
		if a.ID == id {
			return a, true, nil
		}
	}
	return AccountView{}, false, nil
}

// accountRecord is an account or card as the sync writes it.
type accountRecord struct {
	ID, Kind, Type, DisplayName, Currency, Number string
	CardNetwork, PartialCardNumber                string
	ProviderID, ProviderName                      string
	Raw                                           []byte
}

func accountFromAPI(a truelayer.Account) accountRecord {
	raw, _ := json.Marshal(a)
	n := a.AccountNumber
	number := n.IBAN
	switch {
	case n.SortCode != "" && n.Number != "":
		number = n.SortCode + " " + n.Number
	case number == "" && n.Number != "":
		number = n.Number
	}
	return accountRecord{
		ID: a.AccountID, Kind: KindAccount, Type: a.AccountType, DisplayName: a.DisplayName,
		Currency: a.Currency, Number: number,
		ProviderID: a.Provider.ProviderID, ProviderName: a.Provider.DisplayName, Raw: raw,
	}
}

func cardFromAPI(c truelayer.Card) accountRecord {
	raw, _ := json.Marshal(c)
	return accountRecord{
		ID: c.AccountID, Kind: KindCard, Type: c.CardType, DisplayName: c.DisplayName,
		Currency: c.Currency, Number: c.PartialCardNumber, CardNetwork: c.CardNetwork,
		PartialCardNumber: c.PartialCardNumber,
		ProviderID:        c.Provider.ProviderID, ProviderName: c.Provider.DisplayName, Raw: raw,
	}
}

// storedRecords are a connection's accounts or cards (kind) as stored and
// still listed, for a sync that could not list them itself.
func (s *Store) storedRecords(ctx context.Context, connID, kind string) ([]accountRecord, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, kind, type, display_name, currency, number, card_network,
	partial_card_number, provider_id, provider_name, raw
FROM accounts WHERE connection_id = ? AND kind = ? AND gone = 0 ORDER BY position, rid`, connID, kind)
	if err != nil {
		return nil, fmt.Errorf("ledger: stored accounts: %w", err)
	}
	defer rows.Close()
	var out []accountRecord
	for rows.Next() {
		var r accountRecord
		var raw string
		if err := rows.Scan(&r.ID, &r.Kind, &r.Type, &r.DisplayName, &r.Currency, &r.Number, &r.CardNetwork,
			&r.PartialCardNumber, &r.ProviderID, &r.ProviderName, &raw); err != nil {
			return nil, err
		}
		r.Raw = []byte(raw)
		out = append(out, r)
	}
	return out, rows.Err()
}

// saveAccounts upserts a connection and its accounts and cards. For each
// kind in listed, the ones the bank no longer lists are marked gone (their
// history stays).
func (s *Store) saveAccounts(ctx context.Context, connID, providerID, providerName string, recs []accountRecord, listed []string) error {
	now := s.now().UnixMilli()
	return s.write(ctx, func(tx *sql.Tx) error {
		if err := upsertConnection(ctx, tx, connID, providerID, providerName); err != nil {
			return err
		}
		stmt, err := tx.PrepareContext(ctx, `
INSERT INTO accounts (id, connection_id, kind, position, provider_id, provider_name, type, display_name,
	currency, number, card_network, partial_card_number, gone, updated_at, raw)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)
ON CONFLICT (id) DO UPDATE SET
	connection_id = excluded.connection_id, kind = excluded.kind, position = excluded.position,
	provider_id = excluded.provider_id, provider_name = excluded.provider_name, type = excluded.type,
	display_name = excluded.display_name, currency = excluded.currency, number = excluded.number,
	card_network = excluded.card_network, partial_card_number = excluded.partial_card_number,
	gone = 0, updated_at = excluded.updated_at, raw = excluded.raw`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		seen := map[string][]any{}
		for i, r := range recs {
			pid, pname := r.ProviderID, r.ProviderName
			if pid == "" {
				pid = providerID
			}
			if pname == "" {
				pname = providerName
			}
			if _, err := stmt.ExecContext(ctx, r.ID, connID, r.Kind, i, pid, pname, r.Type, r.DisplayName,
				r.Currency, r.Number, r.CardNetwork, r.PartialCardNumber, now, string(r.Raw)); err != nil {
				return err
			}
			seen[r.Kind] = append(seen[r.Kind], r.ID)
		}
		for _, kind := range listed {
			ids := seen[kind]
			args := append([]any{connID, kind}, ids...)
			q := "UPDATE accounts SET gone = 1 WHERE connection_id = ? AND kind = ?"
			if len(ids) > 0 {
				q += " AND id NOT IN (" + placeholders(len(ids)) + ")"
			}
			if _, err := tx.ExecContext(ctx, q, args...); err != nil {
				return err
			}
		}
		return nil
	})
}

// setAccountError records an account's sync error ("" clears it).
func (s *Store) setAccountError(ctx context.Context, accountID, syncErr string) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "UPDATE accounts SET sync_error = ? WHERE id = ?", syncErr, accountID)
		return err
	})
}
