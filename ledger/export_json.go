package ledger

import (
	"bytes"
	"encoding/json"
	"io"
	"strconv"
	"time"

	"github.com/banktui/banktui/truelayer"
)

// exportJSON writes the accounts (AccountJSON) and their transactions
// (TransactionJSON) as one document, controls and bidi overrides in bank
// text escaped (EscapeJSON).
func exportJSON(w io.Writer, views []AccountView, txs []TxView, _ time.Time, loc *time.Location) error {
	out := struct {
		Accounts     []AccountJSON     `json:"accounts"`
		Transactions []json.RawMessage `json:"transactions"`
	}{Accounts: []AccountJSON{}, Transactions: []json.RawMessage{}}
	for _, v := range views {
		out.Accounts = append(out.Accounts, NewAccountJSON(v))
	}
	for _, t := range txs {
		m, err := TransactionJSON(t, loc)
		if err != nil {
			return err
		}
		out.Transactions = append(out.Transactions, m)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		return err
	}
	_, err := w.Write(EscapeJSON(buf.Bytes()))
	return err
}

// ProviderJSON is an account's provider, with TrueLayer's field names.
type ProviderJSON struct {
	ProviderID  string `json:"provider_id"`
	DisplayName string `json:"display_name,omitempty"`
}

// BalanceJSON is a stored balance with TrueLayer's field names.
type BalanceJSON struct {
	Currency        string            `json:"currency"`
	Current         truelayer.Amount  `json:"current"`
	Available       truelayer.Amount  `json:"available"`
	Overdraft       *truelayer.Amount `json:"overdraft,omitempty"`
	CreditLimit     *truelayer.Amount `json:"credit_limit,omitempty"`
	UpdateTimestamp time.Time         `json:"update_timestamp,omitzero"`
}

// AccountJSON is an account or card in TrueLayer's vocabulary, with
// banktui's connection id and the latest stored balance: as the json export
// and the CLI's --json print it.
type AccountJSON struct {
	AccountID         string       `json:"account_id"`
	Kind              string       `json:"kind"`
	ConnectionID      string       `json:"connection_id"`
	AccountType       string       `json:"account_type,omitempty"`
	CardType          string       `json:"card_type,omitempty"`
	CardNetwork       string       `json:"card_network,omitempty"`
	PartialCardNumber string       `json:"partial_card_number,omitempty"`
	DisplayName       string       `json:"display_name"`
	Currency          string       `json:"currency"`
	Number            string       `json:"number,omitempty"`
	Provider          ProviderJSON `json:"provider"`
	Balance           *BalanceJSON `json:"balance,omitempty"`
	SyncError         string       `json:"sync_error,omitempty"`
	Disconnected      bool         `json:"disconnected,omitempty"` // logged out: history kept, not in the totals
}

// NewAccountJSON is v in the shape of AccountJSON.
func NewAccountJSON(v AccountView) AccountJSON {
	j := AccountJSON{
		AccountID: v.ID, Kind: v.Kind, ConnectionID: v.ConnectionID, DisplayName: v.DisplayName,
		Currency: v.Currency, Number: v.Number, SyncError: v.SyncError, Disconnected: v.Disconnected,
		Provider: ProviderJSON{ProviderID: v.ProviderID, DisplayName: v.ProviderName},
	}
	if v.Kind == KindCard {
		j.CardType, j.CardNetwork, j.PartialCardNumber = v.Type, v.CardNetwork, v.PartialCardNumber
	} else {
		j.AccountType = v.Type
	}
	if v.HasBalance {
		j.Balance = &BalanceJSON{Currency: v.Currency, Current: v.Current, Available: v.Available,
			Overdraft: v.Overdraft, CreditLimit: v.CreditLimit, UpdateTimestamp: v.BalanceAsOf.UTC()}
	}
	return j
}

// TransactionJSON is the transaction exactly as the bank sent it (its
// timestamp text included), preceded by banktui's fields: the account it
// belongs to, whether it is pending, its date in loc (the user's zone;
// null when unreadable, see TxView.LocalTime), its category as shown
// everywhere (CategoryName) and, for one side of a matched transfer, the
// kind of transfer (TransferOwn, TransferCardPayment).
func TransactionJSON(t TxView, loc *time.Location) (json.RawMessage, error) {
	raw, err := json.Marshal(t.Raw)
	if err != nil {
		return nil, err
	}
	id, _ := json.Marshal(t.AccountID)
	category, _ := json.Marshal(CategoryName(t.Category, t.Classification))
	out := make([]byte, 0, len(raw)+len(id)+len(category)+100)
	out = append(out, `{"account_id":`...)
	out = append(out, id...)
	out = append(out, `,"pending":`...)
	out = strconv.AppendBool(out, t.Pending)
	out = append(out, `,"date":`...)
	if d, ok := t.LocalTime(loc); ok {
		out = append(out, '"')
		out = d.AppendFormat(out, time.DateOnly)
		out = append(out, '"')
	} else {
		out = append(out, "null"...)
	}
	out = append(out, `,"category":`...)
	out = append(out, category...)
	if t.TransferKind != "" {
		out = append(out, `,"transfer":"`...)
		out = append(out, t.TransferKind...)
		out = append(out, '"')
	}
	if len(raw) > 2 { // raw is an object: splice its fields in
		out = append(out, ',')
	}
	return append(out, raw[1:]...), nil
}
