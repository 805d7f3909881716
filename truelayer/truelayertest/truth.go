package truelayertest

import (
	"strings"

	"github.com/banktui/banktui/truelayer"
)

// BankData is the ground truth of one mock user's data at one provider, as
// of the emulator's clock: what a perfect client would have after fetching
// everything. Tests compare what they stored against it.
type BankData struct {
	ProviderID, ProviderName string
	Info                     truelayer.Info
	Accounts                 []AccountData // bank accounts
	Cards                    []AccountData // credit cards (empty for providers without cards)
}

// AccountData is one account or card with everything the API says about it.
//
// Sign conventions: transaction amounts are negative for money out. For an
// account, Balance.Current = Opening + sum of Transactions' amounts. For a
// card, CardBalance.Current and running balances are the amount owed
// (positive when in debt), so CardBalance.Current = Opening - sum of amounts.
type AccountData struct {
	ID       string
	IsCard   bool
	Account  truelayer.Account // zero for cards
	Card     truelayer.Card    // zero for accounts
	Currency string
	// Opening is the balance before the first transaction, in the same
	// convention as Balance.Current (accounts) or CardBalance.Current (cards).
	Opening        truelayer.Amount
	Balance        truelayer.Balance       // accounts
	CardBalance    truelayer.CardBalance   // cards
	Transactions   []truelayer.Transaction // settled, OLDEST first, with running balances
	Pending        []truelayer.Transaction // newest first, as the API sends them
	StandingOrders []truelayer.StandingOrder
	DirectDebits   []truelayer.DirectDebit
}

// Truth returns the demo bank of username (a mock user such as "john" or
// "john7"; passwords do not matter) at providerID, as of the emulator's
// clock, or nil for an unknown user or provider. Account numbers are as
// served to johnN/doeN (no IBAN; johnN/ibanN users also get IBANs). The bank is generated on
// first use and is the same one the Data API serves.
func (s *Server) Truth(username, providerID string) *BankData {
	user, ok := checkUser(username, "")
	p, known := providerByID(providerID)
	if !ok || !known {
		return nil
	}
	b := s.bankFor(user, providerID)
	now := s.Now()
	out := &BankData{ProviderID: p.ID, ProviderName: p.Name}
	info, _ := s.getInfo(nil, nil, b, now)
	out.Info = info.([]truelayer.Info)[0]
	for _, a := range b.accounts {
		settled, pending := a.split(now)
		ad := AccountData{ID: a.id, IsCard: a.card, Currency: a.currency}
		if a.card {
			ad.Card = b.cardJSON(a, s.baseURL, now)
			ad.CardBalance = a.cardBalanceJSON(now)
			ad.Opening = minor(-a.opening)
		} else {
			ad.Account = b.accountJSON(a, s.baseURL, false, now)
			ad.Balance = a.balanceJSON(now)
			ad.Opening = minor(a.opening)
			for _, so := range a.sos {
				ad.StandingOrders = append(ad.StandingOrders, a.standingOrderJSON(so, now))
			}
			for _, dd := range a.dds {
				ad.DirectDebits = append(ad.DirectDebits, a.directDebitJSON(dd, now))
			}
		}
		ad.Transactions = make([]truelayer.Transaction, len(settled))
		for i := range settled {
			ad.Transactions[i] = b.txJSON(a, &settled[i], false, true)
		}
		for i := len(pending) - 1; i >= 0; i-- {
			ad.Pending = append(ad.Pending, b.txJSON(a, &pending[i], true, false))
		}
		if a.card {
			out.Cards = append(out.Cards, ad)
		} else {
			out.Accounts = append(out.Accounts, ad)
		}
	}
	return out
}

// Providers lists the emulator's provider ids: ob-northgate, ob-nova, ob-castle, mock.
func Providers() []string {
	out := make([]string, len(providers))
	for i, p := range providers {
		out[i] = p.ID
	}
	return out
}

// ValidUser reports whether username is one of TrueLayer's mock users
// (john, john1..john100, error.<code>).
func ValidUser(username string) bool {
	_, ok := checkUser(strings.TrimSpace(username), "")
	return ok
}
