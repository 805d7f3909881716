package truelayertest

import (
	"net/http"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/banktui/banktui/truelayer"
)

// dataHandler answers a Data API call with the results array (a slice, or
// rawJSON holding an encoded array).
type dataHandler func(r *http.Request, c *connection, b *bank, now time.Time) (any, *oauthError)

// rawJSON is an already encoded JSON array.
type rawJSON []byte

type envelope struct {
	Results any    `json:"results"`
	Status  string `json:"status"`
}

// dataEndpoint wraps a handler with authentication, scopes, the
// unattended-access limit, mock error users, async mode and the envelope.
// Authentication and scopes are TrueLayer's own checks, before the bank
// is asked: they neither count as unattended calls nor become async tasks.
func (s *Server) dataEndpoint(scopes []string, h dataHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		now := requestNow(r, s)
		c, oerr := s.authenticate(bearer(r), now)
		if oerr != nil {
			writeErr(w, oerr)
			return
		}
		w.Header().Set("X-Credentials-Id", c.ID)
		if oerr := s.missingScope(c, scopes); oerr != nil {
			writeErr(w, oerr)
			return
		}
		if wait, limited := s.unattendedCall(r, c, now); limited {
			s.writeUnattended(w, wait)
			return
		}
		results, oerr := s.runData(r, c, h, now)
		if r.URL.Query().Get("async") == "true" {
			s.startTask(w, r, c, results, oerr, now)
			return
		}
		if oerr != nil {
			writeErr(w, oerr)
			return
		}
		if raw, ok := results.(rawJSON); ok {
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			w.Header().Set("Content-Length", strconv.Itoa(len(raw)+len(`{"results":,"status":"Succeeded"}`)))
			w.WriteHeader(200)
			_, _ = w.Write([]byte(`{"results":`))
			_, _ = w.Write(raw)
			_, _ = w.Write([]byte(`,"status":"Succeeded"}`))
			return
		}
		writeJSON(w, 200, envelope{Results: results, Status: "Succeeded"})
	}
}

func (s *Server) runData(r *http.Request, c *connection, h dataHandler, now time.Time) (any, *oauthError) {
	if c.User.ErrorCode != "" {
		return nil, newErr(errorStatus(c.User.ErrorCode), c.User.ErrorCode, "mock user "+c.User.Username+" always fails")
	}
	p, _ := providerByID(c.ProviderID)
	if notSupported(p, r.URL.Path) {
		return nil, newErr(501, "endpoint_not_supported", p.Name+" does not support this endpoint")
	}
	return h(r, c, s.bankFor(c.User, c.ProviderID), now)
}

func notSupported(p *providerSpec, path string) bool {
	const v1 = "/api/data/v1/"
	switch {
	case !p.Cards && len(path) >= len(v1)+5 && path[len(v1):len(v1)+5] == "cards":
		return true
	case !p.StandingOrders && hasSuffix(path, "/standing_orders"):
		return true
	case !p.DirectDebits && hasSuffix(path, "/direct_debits"):
		return true
	}
	return false
}

func hasSuffix(s, suffix string) bool {
	return len(s) >= len(suffix) && s[len(s)-len(suffix):] == suffix
}

func (s *Server) getMe(r *http.Request, c *connection, b *bank, now time.Time) (any, *oauthError) {
	p := b.provider
	return []truelayer.Me{{
		ClientID: c.ClientID, CredentialsID: c.ID, ConsentStatus: "Authorised",
		ConsentStatusUpdatedAt: stamp(c.AuthTime), ConsentCreatedAt: stamp(c.Created),
		ConsentExpiresAt: stamp(c.ConsentExpires),
		Provider:         truelayer.Provider{ProviderID: p.ID, DisplayName: p.Name, LogoURI: p.logoURL(s.baseURL)},
		Scopes:           slices.Clone(c.Scopes), PrivacyPolicy: "Feb2019",
	}}, nil
}

func stamp(t time.Time) truelayer.Timestamp {
	return truelayer.Timestamp{Time: t, Raw: t.UTC().Format(time.RFC3339)}
}

func (s *Server) getInfo(r *http.Request, c *connection, b *bank, now time.Time) (any, *oauthError) {
	dob, _ := truelayer.ParseTimestamp("1988-04-12T00:00:00")
	return []truelayer.Info{{
		FullName: b.holder, DateOfBirth: dob,
		Emails:          []string{"john.doe@example.com"},
		Phones:          []string{"+447700900123"},
		Addresses:       []truelayer.Address{{Address: "1 Harlow Road", City: "London", Zip: "SW9 8AB", Country: "GB"}},
		UpdateTimestamp: stamp(now),
	}}, nil
}

func (b *bank) find(id string, card bool) *acct {
	for _, a := range b.accounts {
		if a.id == id && a.card == card {
			return a
		}
	}
	return nil
}

func (b *bank) accountJSON(a *acct, base string, withIBAN bool, now time.Time) truelayer.Account {
	typ := truelayer.AccountTypeTransaction
	if a.kind == "savings" {
		typ = truelayer.AccountTypeSavings
	}
	num := a.number
	if withIBAN {
		num.IBAN = a.iban
	}
	return truelayer.Account{
		AccountID: a.id, AccountType: typ, DisplayName: a.name, Currency: a.currency,
		AccountNumber: num, UpdateTimestamp: stamp(now),
		Provider: truelayer.Provider{ProviderID: b.provider.ID, DisplayName: b.provider.Name, LogoURI: b.provider.logoURL(base)},
	}
}

func (b *bank) cardJSON(a *acct, base string, now time.Time) truelayer.Card {
	return truelayer.Card{
		AccountID: a.id, CardNetwork: a.network, CardType: "CREDIT", Currency: a.currency,
		DisplayName: a.name, PartialCardNumber: a.partial, NameOnCard: "MR JOHN DOE",
		ValidFrom: b.created.AddDate(-2, 0, 0).Format("2006-01"), ValidTo: b.created.AddDate(3, 0, 0).Format("2006-01"),
		UpdateTimestamp: stamp(now),
		Provider:        truelayer.Provider{ProviderID: b.provider.ID, DisplayName: b.provider.Name, LogoURI: b.provider.logoURL(base)},
	}
}

func (s *Server) getAccounts(r *http.Request, c *connection, b *bank, now time.Time) (any, *oauthError) {
	out := []truelayer.Account{}
	for _, a := range b.accounts {
		if !a.card {
			out = append(out, b.accountJSON(a, s.baseURL, c.User.IBAN, now))
		}
	}
	return out, nil
}

var errAccountNotFound = newErr(404, "account_not_found", "account not found")

func (s *Server) getAccount(r *http.Request, c *connection, b *bank, now time.Time) (any, *oauthError) {
	a := b.find(r.PathValue("id"), false)
	if a == nil {
		return nil, errAccountNotFound
	}
	return []truelayer.Account{b.accountJSON(a, s.baseURL, c.User.IBAN, now)}, nil
}

func (s *Server) getCards(r *http.Request, c *connection, b *bank, now time.Time) (any, *oauthError) {
	out := []truelayer.Card{}
	for _, a := range b.accounts {
		if a.card {
			out = append(out, b.cardJSON(a, s.baseURL, now))
		}
	}
	return out, nil
}

func (s *Server) getCard(r *http.Request, c *connection, b *bank, now time.Time) (any, *oauthError) {
	a := b.find(r.PathValue("id"), true)
	if a == nil {
		return nil, errAccountNotFound
	}
	return []truelayer.Card{b.cardJSON(a, s.baseURL, now)}, nil
}

// split returns the transactions settled by now and those pending at now.
func (a *acct) split(now time.Time) (settled []tx, pending []tx) {
	sec := now.Unix()
	i := sort.Search(len(a.txs), func(i int) bool { return a.txs[i].at > sec })
	for _, t := range a.txs[i:] {
		if t.pendingAt != 0 && t.pendingAt <= sec {
			pending = append(pending, t)
		}
	}
	return a.txs[:i], pending
}

// signedBalance is opening plus the settled transactions, at now.
func (a *acct) signedBalance(now time.Time) (current, pendingSum int64) {
	settled, pending := a.split(now)
	current = a.opening
	if len(settled) > 0 {
		current = settled[len(settled)-1].balance
	}
	for _, t := range pending {
		pendingSum += t.amount
	}
	return current, pendingSum
}

func minor(v int64) truelayer.Amount { return truelayer.AmountFromMinor(v, 2) }

func (a *acct) balanceJSON(now time.Time) truelayer.Balance {
	cur, pend := a.signedBalance(now)
	bal := truelayer.Balance{Currency: a.currency, Current: minor(cur), Available: minor(cur + pend), UpdateTimestamp: stamp(now)}
	if a.limit > 0 {
		od := minor(a.limit)
		bal.Overdraft = &od
	}
	return bal
}

// statementDay is when card statements are drawn; payment is due on the 24th.
const statementDay = 3

func (a *acct) cardBalanceJSON(now time.Time) truelayer.CardBalance {
	cur, pend := a.signedBalance(now)
	owed := -cur
	limit := minor(a.limit)
	cb := truelayer.CardBalance{
		Currency: a.currency, Current: minor(owed), Available: minor(a.limit - owed + pend),
		CreditLimit: &limit, UpdateTimestamp: stamp(now),
	}
	st := time.Date(now.Year(), now.Month(), statementDay, 0, 0, 0, 0, time.UTC)
	if st.After(now) {
		st = st.AddDate(0, -1, 0)
	}
	stBal, _ := a.signedBalance(st)
	stOwed := minor(-stBal)
	due := st.AddDate(0, 0, 21)
	cb.LastStatementBalance, cb.LastStatementDate = &stOwed, stamp(st)
	cb.PaymentDue, cb.PaymentDueDate = &stOwed, stamp(due)
	return cb
}

func (s *Server) getBalance(r *http.Request, c *connection, b *bank, now time.Time) (any, *oauthError) {
	a := b.find(r.PathValue("id"), false)
	if a == nil {
		return nil, errAccountNotFound
	}
	return []truelayer.Balance{a.balanceJSON(now)}, nil
}

func (s *Server) getCardBalance(r *http.Request, c *connection, b *bank, now time.Time) (any, *oauthError) {
	a := b.find(r.PathValue("id"), true)
	if a == nil {
		return nil, errAccountNotFound
	}
	return []truelayer.CardBalance{a.cardBalanceJSON(now)}, nil
}

func (s *Server) getStandingOrders(r *http.Request, c *connection, b *bank, now time.Time) (any, *oauthError) {
	a := b.find(r.PathValue("id"), false)
	if a == nil {
		return nil, errAccountNotFound
	}
	out := []truelayer.StandingOrder{}
	for _, so := range a.sos {
		out = append(out, a.standingOrderJSON(so, now))
	}
	return out, nil
}

// lastPayment finds the latest settled transaction of a standing order or direct debit.
func (a *acct) lastPayment(p *payment, now time.Time) *tx {
	settled, _ := a.split(now)
	for i := len(settled) - 1; i >= 0; i-- {
		if settled[i].pay == p {
			return &settled[i]
		}
	}
	return nil
}

func (a *acct) standingOrderJSON(so *payment, now time.Time) truelayer.StandingOrder {
	amt := minor(so.amount)
	next := time.Date(now.Year(), now.Month(), so.dayOfMonth, 7, 0, 0, 0, time.UTC)
	if !next.After(now) {
		next = next.AddDate(0, 1, 0)
	}
	out := truelayer.StandingOrder{
		Frequency: "IntrvlMnthDay:01:" + pad2(so.dayOfMonth), Status: "Active",
		Timestamp: stamp(so.first), Currency: a.currency,
		Meta:            truelayer.StandingOrderMeta{ProviderAccountID: a.number.SortCode + "-" + a.number.Number},
		NextPaymentDate: stamp(next), NextPaymentAmount: &amt,
		FirstPaymentDate: stamp(so.first), FirstPaymentAmount: &amt,
		Reference: so.ref, Payee: so.name,
	}
	if t := a.lastPayment(so, now); t != nil {
		prev := minor(-t.amount)
		out.PreviousPaymentTimestamp, out.PreviousPaymentAmount = formatStamp(a.style, time.Unix(t.at, 0)), &prev
	}
	return out
}

func (s *Server) getDirectDebits(r *http.Request, c *connection, b *bank, now time.Time) (any, *oauthError) {
	a := b.find(r.PathValue("id"), false)
	if a == nil {
		return nil, errAccountNotFound
	}
	if oerr := s.bankRefusal(b, a, true); oerr != nil {
		return nil, oerr
	}
	out := []truelayer.DirectDebit{}
	for _, dd := range a.dds {
		out = append(out, a.directDebitJSON(dd, now))
	}
	return out, nil
}

func (a *acct) directDebitJSON(dd *payment, now time.Time) truelayer.DirectDebit {
	status := "Active"
	t := a.lastPayment(dd, now)
	if !dd.active && (t == nil || now.Sub(time.Unix(t.at, 0)) > 40*24*time.Hour) {
		status = "Inactive"
	}
	out := truelayer.DirectDebit{
		DirectDebitID: dd.id, Name: dd.name, Status: status, Currency: a.currency,
		Timestamp: stamp(dd.first),
		Meta: truelayer.DirectDebitMeta{
			ProviderMandateIdentification: dd.mandate,
			ProviderAccountID:             a.number.SortCode + "-" + a.number.Number,
		},
	}
	if t != nil {
		prev := minor(-t.amount)
		out.PreviousPaymentTimestamp, out.PreviousPaymentAmount = formatStamp(a.style, time.Unix(t.at, 0)), &prev
	}
	return out
}

func pad2(n int) string {
	if n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}
