package truelayertest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
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

// dataEndpoint wraps a handler with authentication, mock error users,
// scopes, async mode and the envelope.
func (s *Server) dataEndpoint(scopes []string, h dataHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		now := requestNow(r, s)
		c, oerr := s.authenticate(bearer(r), now)
		if oerr != nil {
			writeErr(w, oerr)
			return
		}
		w.Header().Set("X-Credentials-Id", c.ID)
		if wait, limited := s.unattendedCall(r, c, now); limited {
			w.Header().Set("Retry-After", strconv.FormatInt(int64(wait/time.Second)+1, 10))
			writeErr(w, newErr(429, "unattended_calls_limit_exceeded", "the bank allows only a few calls a day without the user present (send X-PSU-IP)"))
			return
		}
		results, oerr := s.runData(r, c, scopes, h, now)
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

// unattendedCall counts a call made without X-PSU-IP and reports whether it
// is over WithUnattendedLimit, and how long until a slot frees up.
func (s *Server) unattendedCall(r *http.Request, c *connection, now time.Time) (time.Duration, bool) {
	limit := s.cfg.unattendedLimit
	if limit <= 0 || r.Header.Get("X-PSU-IP") != "" {
		return 0, false
	}
	key := c.ID + " " + r.URL.Path
	s.mu.Lock()
	defer s.mu.Unlock()
	calls := s.unattended[key]
	for len(calls) > 0 && now.Sub(calls[0]) >= 24*time.Hour {
		calls = calls[1:]
	}
	if len(calls) >= limit {
		s.unattended[key] = calls
		return calls[0].Add(24 * time.Hour).Sub(now), true
	}
	s.unattended[key] = append(calls, now)
	return 0, false
}

func (s *Server) runData(r *http.Request, c *connection, scopes []string, h dataHandler, now time.Time) (any, *oauthError) {
	if c.User.ErrorCode != "" {
		return nil, newErr(errorStatus(c.User.ErrorCode), c.User.ErrorCode, "mock user "+c.User.Username+" always fails")
	}
	p, _ := providerByID(c.ProviderID)
	if notSupported(p, r.URL.Path) {
		return nil, newErr(501, "endpoint_not_supported", p.Name+" does not support this endpoint")
	}
	for _, sc := range scopes {
		if !c.hasScope(sc) {
			return nil, newErr(403, "insufficient_scope", "the access token lacks the "+sc+" scope")
		}
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

// formatStamp renders a time the way each bank does: RFC 3339 in UTC,
// with fractional seconds and an offset, or a bare midnight without one.
func formatStamp(style int, t time.Time) truelayer.Timestamp {
	t = t.UTC()
	var raw string
	switch style {
	case 1:
		raw = t.Format("2006-01-02T15:04:05.000+00:00")
	case 2:
		t = t.Truncate(24 * time.Hour)
		raw = t.Format("2006-01-02T15:04:05")
	default:
		raw = t.Format(time.RFC3339)
	}
	return truelayer.Timestamp{Time: t, Raw: raw}
}

// txJSON renders one transaction as the API sends it.
func (b *bank) txJSON(a *acct, t *tx, pending, withBalance bool) truelayer.Transaction {
	mm := t.m
	out := truelayer.Transaction{
		Amount: minor(t.amount), Currency: a.currency,
		TransactionCategory: mm.category, TransactionClassification: mm.class,
		TransactionType: truelayer.TransactionTypeCredit,
	}
	if t.amount < 0 {
		out.TransactionType = truelayer.TransactionTypeDebit
	}
	if mm.name != "" {
		name := mm.name
		out.MerchantName = &name
	}
	meta := map[string]any{"provider_transaction_category": mm.provCat}
	if pending {
		out.TransactionID = hex32(t.pid, ^t.id)
		out.Timestamp = formatStamp(a.style, time.Unix(t.pendingAt, 0))
		out.Description = mm.pendingDesc
	} else {
		out.TransactionID = hex32(t.id, t.pid)
		out.Timestamp = formatStamp(a.style, time.Unix(t.at, 0))
		out.Description = mm.descs[t.variant]
		out.ProviderTransactionID = strconv.FormatUint(t.id>>8, 36)
		out.NormalisedProviderTransactionID = "txn-" + strconv.FormatUint(t.id>>16, 36)
		meta["bank_transaction_id"] = strconv.FormatUint(t.id&0xffffffffff, 10)
		if withBalance {
			bal := t.balance
			if a.card {
				bal = -bal // cards report the amount owed
			}
			out.RunningBalance = &truelayer.RunningBalance{Amount: minor(bal), Currency: a.currency}
		}
	}
	if mm.card && t.amount < 0 {
		meta["cardNumber"] = "************" + a.partial
		meta["location"] = mm.location
	}
	if t.pay != nil {
		meta["provider_reference"] = t.pay.ref
	}
	if t.fxCur != "" {
		meta["original_amount"] = minor(t.fxMinor).StringFixed(2)
		meta["original_currency"] = t.fxCur
		meta["exchange_rate"] = t.fxRate
	}
	out.Meta = meta
	return out
}

// parseRangeTime accepts YYYY-MM-DD or a date-time with or without an offset
// (none = UTC). A bare date as "to" means the end of that day.
func parseRangeTime(s string, end bool) (time.Time, bool) {
	if t, err := time.Parse("2006-01-02", s); err == nil {
		if end {
			t = t.Add(24*time.Hour - time.Nanosecond)
		}
		return t, true
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02T15:04", "2006-01-02 15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

var errDateRange = func(desc string) *oauthError { return newErr(400, "invalid_date_range", desc) }

// dateRange applies from/to, the provider's history depth and the SCA rule.
func (s *Server) dateRange(q url.Values, c *connection, p *providerSpec, now time.Time) (from, to time.Time, oerr *oauthError) {
	hasFrom, hasTo := q.Has("from"), q.Has("to")
	if hasFrom {
		var ok bool
		if from, ok = parseRangeTime(q.Get("from"), false); !ok {
			return from, to, errDateRange("from is not a date (YYYY-MM-DD) or a date-time")
		}
	}
	if hasTo {
		var ok bool
		if to, ok = parseRangeTime(q.Get("to"), true); !ok {
			return from, to, errDateRange("to is not a date (YYYY-MM-DD) or a date-time")
		}
	}
	if hasFrom && hasTo && to.Before(from) {
		return from, to, errDateRange("to is before from")
	}
	if p.HistoryDepth > 0 && hasFrom && from.Before(now.Truncate(24*time.Hour).Add(-p.HistoryDepth)) {
		return from, to, errDateRange(p.Name + " gives at most " + strconv.Itoa(int(p.HistoryDepth.Hours()/24)) + " days of history")
	}
	if p.SCALimited && now.Sub(c.AuthTime) > s.cfg.scaWindow {
		limit := now.Truncate(24 * time.Hour).Add(-s.cfg.scaHistory) // whole days: "the last 90 days" by date works
		if !hasFrom {
			from = limit // without from, the bank quietly gives what it can
		} else if from.Before(limit) {
			return from, to, newErr(403, "sca_exceeded", "history older than 90 days needs the user to authenticate again (within 5 minutes of authentication only)")
		}
	}
	return from, to, nil
}

func (s *Server) getTransactions(card, pendingOnly bool) dataHandler {
	return func(r *http.Request, c *connection, b *bank, now time.Time) (any, *oauthError) {
		a := b.find(r.PathValue("id"), card)
		if a == nil {
			return nil, errAccountNotFound
		}
		withBalance := c.hasScope(truelayer.ScopeBalance)
		settled, pending := a.split(now)
		if pendingOnly {
			return rawJSON(b.appendTxs(nil, a, pending, true, false)), nil
		}
		from, to, oerr := s.dateRange(r.URL.Query(), c, b.provider, now)
		if oerr != nil {
			return nil, oerr
		}
		lo, hi := 0, len(settled)
		if !from.IsZero() {
			sec := from.Unix()
			if from.Nanosecond() > 0 {
				sec++
			}
			lo = sort.Search(len(settled), func(i int) bool { return settled[i].at >= sec })
		}
		if !to.IsZero() {
			sec := to.Unix()
			hi = sort.Search(len(settled), func(i int) bool { return settled[i].at > sec })
		}
		if lo > hi {
			lo = hi
		}
		// About 600 bytes a transaction: size the buffer once.
		buf := make([]byte, 0, 64+(hi-lo)*640)
		return rawJSON(b.appendTxs(buf, a, settled[lo:hi], false, withBalance)), nil
	}
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

// --- async ---

type asyncTask struct {
	id      string
	connID  string
	polls   int
	results json.RawMessage
	err     *oauthError
	created time.Time
}

func (s *Server) startTask(w http.ResponseWriter, r *http.Request, c *connection, results any, oerr *oauthError, now time.Time) {
	task := &asyncTask{id: uuidLike(), connID: c.ID, err: oerr, created: now}
	if raw, ok := results.(rawJSON); ok && oerr == nil {
		task.results = json.RawMessage(raw)
	} else if oerr == nil {
		raw, err := json.Marshal(results)
		if err != nil {
			task.err = newErr(500, "internal_error", "encoding failed")
		}
		task.results = raw
	}
	s.mu.Lock()
	s.tasks[task.id] = task
	s.mu.Unlock()
	resultsURI := s.APIURL() + "/data/v1/results/" + task.id
	writeJSON(w, 200, truelayer.AsyncTask{ResultsURI: resultsURI, Status: truelayer.TaskQueued, TaskID: task.id})

	if hook := r.URL.Query().Get("webhook_uri"); hook != "" {
		u, err := url.Parse(hook)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
			return
		}
		status := truelayer.TaskSucceeded
		wh := truelayer.Webhook{
			RequestTimestamp: stamp(now), RequestURI: s.baseURL + r.URL.RequestURI(), CredentialsID: c.ID,
			TaskID: task.id, ResultsURI: resultsURI,
		}
		if task.err != nil {
			status = truelayer.TaskFailed
			wh.Error, wh.ErrorDescription = task.err.Code, task.err.Description
		}
		wh.Status = status
		body, _ := json.Marshal(wh)
		s.bg.Add(1)
		go func() {
			defer s.bg.Done()
			hc := &http.Client{Timeout: 5 * time.Second}
			resp, err := hc.Post(hook, "application/json", bytes.NewReader(body))
			if err == nil {
				resp.Body.Close()
			}
		}()
	}
}

func uuidLike() string {
	h := hex32(uint64(time.Now().UnixNano()), hash64(randomID(16)))
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// handleResults is GET /data/v1/results/{task}.
func (s *Server) handleResults(w http.ResponseWriter, r *http.Request) {
	c, oerr := s.authenticate(bearer(r), requestNow(r, s))
	if oerr != nil {
		writeErr(w, oerr)
		return
	}
	id := r.PathValue("task")
	s.mu.Lock()
	task := s.tasks[id]
	var running bool
	if task != nil && task.connID == c.ID {
		task.polls++
		running = task.polls <= s.cfg.asyncPolls
	}
	s.mu.Unlock()
	if task == nil || task.connID != c.ID {
		writeErr(w, newErr(404, "task_not_found", "no such task for these credentials"))
		return
	}
	type result struct {
		Results          json.RawMessage `json:"results,omitempty"`
		Status           string          `json:"status"`
		TaskID           string          `json:"task_id"`
		Error            string          `json:"error,omitempty"`
		ErrorDescription string          `json:"error_description,omitempty"`
	}
	switch {
	case running:
		writeJSON(w, 200, result{Status: truelayer.TaskRunning, TaskID: id})
	case task.err != nil:
		writeJSON(w, 200, result{Status: truelayer.TaskFailed, TaskID: id, Error: task.err.Code, ErrorDescription: task.err.Description})
	default:
		writeJSON(w, 200, result{Status: truelayer.TaskSucceeded, TaskID: id, Results: task.results})
	}
}

// handleExtend is POST /data/v1/connections/extend (§1.7): john/eternal
// needs no action; other users must authenticate again.
func (s *Server) handleExtend(w http.ResponseWriter, r *http.Request) {
	var req truelayer.ExtendRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&req); err != nil {
		writeErr(w, newErr(400, "validation_error", "body must be JSON"))
		return
	}
	s.mu.Lock()
	client, ok := s.clients[req.ClientID]
	s.mu.Unlock()
	if !ok || client.Secret != req.ClientSecret {
		writeErr(w, newErr(400, "invalid_client", "client authentication failed"))
		return
	}
	if !req.UserHasReconfirmedConsent {
		writeErr(w, newErr(400, "validation_error", "user_has_reconfirmed_consent must be true"))
		return
	}
	if req.User == nil || req.User.Name == "" || (req.User.Email == "" && req.User.Phone == "") {
		writeErr(w, newErr(400, "validation_error", "user needs a name and an email or a phone"))
		return
	}
	if !slices.Contains(client.RedirectURIs, req.RedirectURI) {
		writeErr(w, newErr(400, "validation_error", "redirect_uri is not registered"))
		return
	}
	now := requestNow(r, s)
	s.mu.Lock()
	e := s.refresh[req.RefreshToken]
	var conn *connection
	if e != nil && !e.rotated {
		conn = s.conns[e.connID]
	}
	if conn == nil || conn.Revoked || conn.ClientID != client.ID {
		s.mu.Unlock()
		writeErr(w, newErr(400, "invalid_grant", "refresh token is unknown, rotated or revoked"))
		return
	}
	if conn.User.Eternal {
		conn.ConsentExpires = now.Add(s.cfg.consentLifetime)
		e.rotated = true
		tok := s.issueLocked(conn, now)
		s.mu.Unlock()
		writeJSON(w, 200, truelayer.ExtendResponse{
			ActionNeeded: truelayer.ActionNoActionNeeded, AccessToken: tok.AccessToken,
			RefreshToken: tok.RefreshToken, ExpiresIn: tok.ExpiresIn, TokenType: tok.TokenType,
		})
		return
	}
	s.mu.Unlock()
	link := url.Values{
		"response_type": {"code"}, "client_id": {client.ID}, "redirect_uri": {req.RedirectURI},
		"scope": {joinSpace(conn.Scopes)}, "provider_id": {conn.ProviderID},
	}
	writeJSON(w, 200, truelayer.ExtendResponse{
		ActionNeeded:  "authentication_needed",
		UserInputLink: s.AuthURL() + "/?" + link.Encode(),
	})
}

func joinSpace(ss []string) string {
	var b bytes.Buffer
	for i, s := range ss {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(s)
	}
	return b.String()
}
