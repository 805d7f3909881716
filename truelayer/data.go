package truelayer

import (
	"context"
	"net/url"
	"time"
)

// Me returns the connection behind the access token: GET /me.
func (c *Client) Me(ctx context.Context) (*Me, error) { return getOne[Me](ctx, c, "me") }

// Info returns the account holder's identity: GET /info (scope info).
func (c *Client) Info(ctx context.Context) (*Info, error) { return getOne[Info](ctx, c, "info") }

// Accounts lists the bank accounts: GET /accounts.
func (c *Client) Accounts(ctx context.Context) ([]Account, error) {
	return GetResults[Account](ctx, c, "accounts", nil)
}

// Account returns one account: GET /accounts/{id}.
func (c *Client) Account(ctx context.Context, accountID string) (*Account, error) {
	return getOne[Account](ctx, c, "accounts/"+url.PathEscape(accountID))
}

// Balance returns an account's balance: GET /accounts/{id}/balance.
func (c *Client) Balance(ctx context.Context, accountID string) (*Balance, error) {
	return getOne[Balance](ctx, c, "accounts/"+url.PathEscape(accountID)+"/balance")
}

// Transactions returns an account's settled transactions between from and
// to: GET /accounts/{id}/transactions. A zero from or to is left out (the
// bank's default range). See FormatDate for the wire format.
func (c *Client) Transactions(ctx context.Context, accountID string, from, to time.Time) ([]Transaction, error) {
	return GetResults[Transaction](ctx, c, "accounts/"+url.PathEscape(accountID)+"/transactions", DateRange(from, to))
}

// PendingTransactions returns an account's pending transactions:
// GET /accounts/{id}/transactions/pending.
func (c *Client) PendingTransactions(ctx context.Context, accountID string) ([]Transaction, error) {
	return GetResults[Transaction](ctx, c, "accounts/"+url.PathEscape(accountID)+"/transactions/pending", nil)
}

// StandingOrders: GET /accounts/{id}/standing_orders (Open Banking providers).
func (c *Client) StandingOrders(ctx context.Context, accountID string) ([]StandingOrder, error) {
	return GetResults[StandingOrder](ctx, c, "accounts/"+url.PathEscape(accountID)+"/standing_orders", nil)
}

// DirectDebits: GET /accounts/{id}/direct_debits (Open Banking providers).
func (c *Client) DirectDebits(ctx context.Context, accountID string) ([]DirectDebit, error) {
	return GetResults[DirectDebit](ctx, c, "accounts/"+url.PathEscape(accountID)+"/direct_debits", nil)
}

// Cards lists credit and charge cards: GET /cards.
func (c *Client) Cards(ctx context.Context) ([]Card, error) {
	return GetResults[Card](ctx, c, "cards", nil)
}

// Card returns one card: GET /cards/{id}.
func (c *Client) Card(ctx context.Context, cardID string) (*Card, error) {
	return getOne[Card](ctx, c, "cards/"+url.PathEscape(cardID))
}

// CardBalance: GET /cards/{id}/balance.
func (c *Client) CardBalance(ctx context.Context, cardID string) (*CardBalance, error) {
	return getOne[CardBalance](ctx, c, "cards/"+url.PathEscape(cardID)+"/balance")
}

// CardTransactions: GET /cards/{id}/transactions between from and to (zero = omitted).
func (c *Client) CardTransactions(ctx context.Context, cardID string, from, to time.Time) ([]Transaction, error) {
	return GetResults[Transaction](ctx, c, "cards/"+url.PathEscape(cardID)+"/transactions", DateRange(from, to))
}

// CardPendingTransactions: GET /cards/{id}/transactions/pending.
func (c *Client) CardPendingTransactions(ctx context.Context, cardID string) ([]Transaction, error) {
	return GetResults[Transaction](ctx, c, "cards/"+url.PathEscape(cardID)+"/transactions/pending", nil)
}

// FormatDate is the wire form of a from/to bound: YYYY-MM-DD when t is
// midnight UTC, else RFC 3339 in UTC (TrueLayer accepts both).
func FormatDate(t time.Time) string {
	t = t.UTC()
	if t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0 {
		return t.Format(time.DateOnly)
	}
	return t.Format(time.RFC3339)
}

// DateRange is the query for a from/to range; zero bounds are omitted.
func DateRange(from, to time.Time) url.Values {
	q := url.Values{}
	if !from.IsZero() {
		q.Set("from", FormatDate(from))
	}
	if !to.IsZero() {
		q.Set("to", FormatDate(to))
	}
	return q
}
