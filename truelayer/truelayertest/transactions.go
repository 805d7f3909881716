package truelayertest

import (
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"time"

	"github.com/banktui/banktui/truelayer"
)

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

// inFuture reports whether a from/to bound is in the future (RuleDateRange):
// a bare date after today, UTC, or a date-time after now.
func inFuture(raw string, t, now time.Time) bool {
	if d, err := time.Parse(time.DateOnly, raw); err == nil {
		return d.After(now.UTC().Truncate(24 * time.Hour))
	}
	return t.After(now)
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
	if s.Enforces(RuleDateRange) {
		if hasFrom && inFuture(q.Get("from"), from, now) {
			return from, to, errDateRange("from " + q.Get("from") + " is in the future: ask for dates up to today (" + now.Format(time.DateOnly) + ")")
		}
		if hasTo && inFuture(q.Get("to"), to, now) {
			return from, to, errDateRange("to " + q.Get("to") + " is in the future: ask for dates up to today (" + now.Format(time.DateOnly) + ")")
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
