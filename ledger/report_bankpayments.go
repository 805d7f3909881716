package ledger

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/banktui/banktui/truelayer"
)

// bankRecurring lists the active standing orders and direct debits of the
// accounts ids (all when empty) as recurring payments. A standing order
// says its interval and next payment; a direct debit says only its latest
// payment, so it is taken as monthly until its payments say otherwise
// (mergeRecurring). A next date before asOf (YYYY-MM-DD) moves on by the
// interval.
func (s *Store) bankRecurring(ctx context.Context, ids []string, loc *time.Location, asOf string) ([]RecurringPayment, error) {
	if len(ids) == 0 {
		rows, err := s.db.QueryContext(ctx, "SELECT id FROM accounts ORDER BY rid")
		if err != nil {
			return nil, fmt.Errorf("ledger: recurring: %w", err)
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, err
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	var out []RecurringPayment
	for _, id := range ids {
		n := len(out)
		sos, err := s.StandingOrders(ctx, id)
		if err != nil {
			return nil, err
		}
		for _, so := range sos {
			if active(so.Status) {
				out = append(out, standingOrderPayment(id, so, loc, asOf))
			}
		}
		dds, err := s.DirectDebits(ctx, id)
		if err != nil {
			return nil, err
		}
		for _, dd := range dds {
			if active(dd.Status) {
				out = append(out, directDebitPayment(id, dd, loc, asOf))
			}
		}
		for i := n; i < len(out); i++ {
			if out[i].Transfer, err = s.paysOwnAccount(ctx, id, out[i].Payee); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// paysOwnAccount reports whether an account's payments to payee are
// matched transfers (to savings, to a card): the standing order or direct
// debit moves money between the user's own accounts.
func (s *Store) paysOwnAccount(ctx context.Context, accountID, payee string) (bool, error) {
	var yes bool
	err := s.db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM transactions t JOIN accounts a ON a.rid = t.account_rid
WHERE `+payeeExpr+` = ? AND t.pending = 0 AND t.amount_micro < 0 AND a.id = ? AND t.transfer_kind <> '')`, payee, accountID).Scan(&yes)
	if err != nil {
		return false, fmt.Errorf("ledger: recurring: %w", err)
	}
	return yes, nil
}

func active(status string) bool { return status == "" || strings.EqualFold(status, "active") }

func standingOrderPayment(accountID string, so truelayer.StandingOrder, loc *time.Location, asOf string) RecurringPayment {
	p := RecurringPayment{Source: SourceStandingOrder, AccountID: accountID, Payee: so.Payee, Currency: so.Currency,
		Last: bankDay(so.PreviousPaymentTimestamp, loc), Next: bankDay(so.NextPaymentDate, loc)}
	if p.Payee == "" {
		p.Payee = so.Reference
	}
	switch {
	case so.NextPaymentAmount != nil:
		p.Amount = so.NextPaymentAmount.Abs()
	case so.PreviousPaymentAmount != nil:
		p.Amount = so.PreviousPaymentAmount.Abs()
	}
	c, ok := frequencyCadence(so.Frequency)
	p.Interval = c.name
	if !ok {
		p.Interval = Sanitize(so.Frequency)
	}
	// A next date gone by is moved on by the order's interval, when known.
	if next, err := time.Parse(time.DateOnly, p.Next); err == nil && ok {
		p.Next = c.nextOn(next, 0, asOf)
	}
	p.MonthlyCost = c.monthlyCost(p.Amount, p.Currency)
	return p
}

func directDebitPayment(accountID string, dd truelayer.DirectDebit, loc *time.Location, asOf string) RecurringPayment {
	monthly := cadence{name: "monthly", months: 1}
	p := RecurringPayment{Source: SourceDirectDebit, AccountID: accountID, Payee: dd.Name, Currency: dd.Currency,
		Interval: monthly.name, Last: bankDay(dd.PreviousPaymentTimestamp, loc)}
	if dd.PreviousPaymentAmount != nil {
		p.Amount = dd.PreviousPaymentAmount.Abs()
	}
	if dd.PreviousPaymentTimestamp.Valid() {
		if t, ok := bankLocalTime(dd.PreviousPaymentTimestamp, loc); ok {
			p.Next = monthly.nextOn(t, 1, asOf)
		}
	}
	p.MonthlyCost = monthly.monthlyCost(p.Amount, p.Currency)
	return p
}

// frequencyCadence reads a standing order's frequency (ISO 20022 codes as
// Open Banking sends them: "IntrvlMnthDay:01:15", "IntrvlWkDay:02:03",
// "QtrDay:ENGLISH", "EvryDay", "WkInMnthDay:02:03"); ok is false for
// anything else, taken as monthly.
func frequencyCadence(f string) (cadence, bool) {
	code, rest, _ := strings.Cut(f, ":")
	every := func() int {
		n, err := strconv.Atoi(strings.SplitN(rest, ":", 2)[0])
		if err != nil || n < 1 {
			return 1
		}
		return n
	}
	switch strings.ToLower(code) {
	case "evryday", "evryworkgday":
		return cadence{name: "daily", days: 1}, true
	case "intrvlwkday":
		switch n := every(); n {
		case 1:
			return cadence{name: "weekly", days: 7}, true
		case 2:
			return cadence{name: "fortnightly", days: 14}, true
		default:
			return cadence{name: fmt.Sprintf("every %d weeks", n), days: 7 * n}, true
		}
	case "intrvlmnthday":
		switch n := every(); n {
		case 1:
			return cadence{name: "monthly", months: 1}, true
		case 3:
			return cadence{name: "quarterly", months: 3}, true
		case 12:
			return cadence{name: "yearly", months: 12}, true
		default:
			return cadence{name: fmt.Sprintf("every %d months", n), months: n}, true
		}
	case "wkinmnthday":
		return cadence{name: "monthly", months: 1}, true
	case "qtrday":
		return cadence{name: "quarterly", months: 3}, true
	}
	return cadence{name: "monthly", months: 1}, false
}

// bankLocalTime is a bank timestamp in loc by the rule of LocalTime (a
// bare date keeps its day).
func bankLocalTime(ts truelayer.Timestamp, loc *time.Location) (time.Time, bool) {
	if !ts.Valid() {
		return time.Time{}, false
	}
	stored := storedTime(ts)
	return TxView{Timestamp: ts.Time, DateOnly: isDay(stored)}.LocalTime(loc)
}

// bankDay is bankLocalTime's day, or "".
func bankDay(ts truelayer.Timestamp, loc *time.Location) string {
	t, ok := bankLocalTime(ts, loc)
	if !ok {
		return ""
	}
	return t.Format(time.DateOnly)
}
