package ledger

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/banktui/banktui/truelayer"
)

// Net worth over time is reconstructed, not sampled: each account's latest
// stored balance (or, without one, the latest running balance the bank put
// on a transaction) is its level at one instant, and walking back through
// the stored settled transactions (transfers included: they move balances)
// gives its level at the end of every day or month before. Cards count as
// money owed: their balance is negative when something is owed, so net
// worth is the plain sum.

// Steps of a NetWorthReport.
const (
	StepDay   = "day"
	StepMonth = "month"
)

// NetWorthReport is every selected account's balance at the end of each
// step of the period, and their sum per currency.
type NetWorthReport struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
	// Step is StepDay for a period of up to two months, else StepMonth.
	Step     string          `json:"step"`
	Totals   []BalanceSeries `json:"totals"`   // per currency: net worth
	Accounts []BalanceSeries `json:"accounts"` // in the order of Store.Accounts
}

// BalanceSeries is one account's (or one currency's total) balance over time.
type BalanceSeries struct {
	AccountID string `json:"account_id,omitempty"` // "" for a total
	Name      string `json:"name,omitempty"`       // bank text
	Kind      string `json:"kind,omitempty"`       // KindAccount or KindCard
	Currency  string `json:"currency"`
	// Points are oldest first, from the step of the account's oldest stored
	// transaction (before it nothing is known) to the step of now.
	Points []BalancePoint `json:"points"`
}

// BalancePoint is a balance at the end of a day ("2026-11-03") or a month
// ("2026-11"), in millionths' precision.
type BalancePoint struct {
	Date    string           `json:"date"`
	Balance truelayer.Amount `json:"balance"`
}

// Last is the series' newest balance (zero without points).
func (b BalanceSeries) Last() truelayer.Amount {
	if len(b.Points) == 0 {
		return truelayer.Amount{}
	}
	return b.Points[len(b.Points)-1].Balance
}

// netWorthMaxDays: periods up to this long step by day.
const netWorthMaxDays = 62

// NetWorth answers for q's accounts (all when empty) over q's period (From
// and To needed, in q.Location). Other filters of q do not apply: a
// balance is made of every transaction.
func (s *Store) NetWorth(ctx context.Context, q TxQuery) (NetWorthReport, error) {
	if q.From.IsZero() || q.To.IsZero() {
		return NetWorthReport{}, fmt.Errorf("ledger: a net worth report needs a period (From and To)")
	}
	q, err := s.reportScope(ctx, q)
	if err != nil {
		return NetWorthReport{}, err
	}
	loc := q.Location
	if loc == nil {
		loc = time.UTC
	}
	rep := NetWorthReport{From: q.From, To: q.To, Step: StepMonth}
	if q.To.Sub(q.From) <= netWorthMaxDays*24*time.Hour {
		rep.Step = StepDay
	}
	accounts, err := s.balanceAnchors(ctx, q.AccountIDs)
	if err != nil {
		return NetWorthReport{}, err
	}
	steps := stepKeys(q.From, minTime(q.To, s.now()), loc, rep.Step)
	sums, err := s.stepSums(ctx, q, loc, rep.Step, accounts)
	if err != nil {
		return NetWorthReport{}, err
	}
	totals := map[string]map[string]int64{}
	var curOrder []string
	for _, a := range accounts {
		series := BalanceSeries{AccountID: a.id, Name: a.name, Kind: a.kind, Currency: a.currency}
		// After the last step come the steps still to happen and beyond.
		bal := a.final
		keys := make([]string, 0, len(sums[a.rid]))
		for k := range sums[a.rid] {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		j := len(keys) - 1
		points := make([]BalancePoint, len(steps))
		for i := len(steps) - 1; i >= 0; i-- {
			for ; j >= 0 && keys[j] > steps[i]; j-- {
				bal -= sums[a.rid][keys[j]]
			}
			points[i] = BalancePoint{Date: steps[i], Balance: fromMicro(bal)}
		}
		first := sort.SearchStrings(steps, a.firstStep(loc, rep.Step))
		series.Points = points[first:]
		if totals[a.currency] == nil {
			totals[a.currency] = map[string]int64{}
			curOrder = append(curOrder, a.currency)
		}
		for i, p := range series.Points {
			m, _ := toMicro(p.Balance)
			totals[a.currency][steps[first+i]] += m
		}
		rep.Accounts = append(rep.Accounts, series)
	}
	sort.Strings(curOrder)
	for _, cur := range curOrder {
		t := BalanceSeries{Currency: cur}
		for _, k := range steps {
			if v, ok := totals[cur][k]; ok {
				t.Points = append(t.Points, BalancePoint{Date: k, Balance: fromMicro(v)})
			}
		}
		rep.Totals = append(rep.Totals, t)
	}
	return rep, nil
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// balanceAnchor is an account's known balance: signed, in millionths, at
// a unix second; final adds the rows after it (the balance after every
// stored row).
type balanceAnchor struct {
	rid                      int64
	id, name, kind, currency string
	final                    int64
	oldest                   int64 // ts of the oldest stored settled row
	hasOldest                bool
	anchorSec, anchorMicro   int64
}

// firstStep is the step key of the account's oldest row.
func (a balanceAnchor) firstStep(loc *time.Location, step string) string {
	if !a.hasOldest {
		return afterKey // after every step: no points
	}
	v := TxView{Timestamp: time.Unix(a.oldest, 0).UTC(), DateOnly: isDay(a.oldest)}
	t, _ := v.LocalTime(loc)
	if step == StepDay {
		return t.Format(time.DateOnly)
	}
	return t.Format("2006-01")
}

// balanceAnchors reads the anchor of each account in ids (all when empty)
// that has one, in the order of Store.Accounts.
func (s *Store) balanceAnchors(ctx context.Context, ids []string) ([]balanceAnchor, error) {
	rows, err := s.db.QueryContext(ctx, `
SELECT a.rid, a.id, a.display_name, a.kind, a.currency, b.fetched_at, b.current_micro
FROM accounts a
LEFT JOIN balances b ON b.id = (SELECT id FROM balances WHERE account_rid = a.rid ORDER BY fetched_at DESC, id DESC LIMIT 1)
ORDER BY a.kind = 'card', a.provider_name, a.connection_id, a.position, a.rid`)
	if err != nil {
		return nil, fmt.Errorf("ledger: net worth: %w", err)
	}
	var all []balanceAnchor
	var snapshot []bool
	for rows.Next() {
		var a balanceAnchor
		var fetched, current sql.NullInt64
		if err := rows.Scan(&a.rid, &a.id, &a.name, &a.kind, &a.currency, &fetched, &current); err != nil {
			rows.Close()
			return nil, fmt.Errorf("ledger: net worth: %w", err)
		}
		if len(ids) > 0 && !containsString(ids, a.id) {
			continue
		}
		a.anchorSec, a.anchorMicro = fetched.Int64/1000, current.Int64
		all, snapshot = append(all, a), append(snapshot, fetched.Valid)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("ledger: net worth: %w", err)
	}
	out := all[:0]
	for i, a := range all {
		if !snapshot[i] {
			// The latest running balance the bank sent, if any: this can
			// read all the account's rows, so only without a balance.
			err := s.db.QueryRowContext(ctx, `SELECT ts, running_micro FROM transactions WHERE account_rid = ? AND pending = 0
AND running_micro IS NOT NULL ORDER BY ts DESC, rid DESC LIMIT 1`, a.rid).Scan(&a.anchorSec, &a.anchorMicro)
			if errors.Is(err, sql.ErrNoRows) {
				continue // no level known: nothing to reconstruct from
			}
			if err != nil {
				return nil, fmt.Errorf("ledger: net worth: %w", err)
			}
		}
		if a.kind == KindCard { // a card's balance is what is owed
			a.anchorMicro = -a.anchorMicro
		}
		var oldest, after sql.NullInt64
		if err := s.db.QueryRowContext(ctx, `SELECT
	(SELECT min(ts) FROM transactions INDEXED BY transactions_balance WHERE account_rid = ?1 AND pending = 0),
	(SELECT sum(amount_micro) FROM transactions INDEXED BY transactions_balance WHERE account_rid = ?1 AND pending = 0 AND ts > ?2)`,
			a.rid, a.anchorSec).Scan(&oldest, &after); err != nil {
			return nil, fmt.Errorf("ledger: net worth: %w", err)
		}
		a.oldest, a.hasOldest = oldest.Int64, oldest.Valid
		a.final = a.anchorMicro + after.Int64
		out = append(out, a)
	}
	return out, nil
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// stepSums sums each account's settled rows by local step (day or month
// key in loc) from q.From's step on: account rid -> key -> millionths.
// Days are summed from the rows, up to q.To, and what came after in one
// sum under afterKey; months are read from the summary.
func (s *Store) stepSums(ctx context.Context, q TxQuery, loc *time.Location, step string, accounts []balanceAnchor) (map[int64]map[string]int64, error) {
	out := map[int64]map[string]int64{}
	if len(accounts) == 0 {
		return out, nil
	}
	rids := make([]any, len(accounts))
	for i, a := range accounts {
		rids[i] = a.rid
	}
	in := " IN (" + placeholders(len(rids)) + ")"
	var queries []struct {
		sql  string
		args []any
	}
	add := func(query string, args ...any) {
		queries = append(queries, struct {
			sql  string
			args []any
		}{query, args})
	}
	if step == StepMonth {
		if err := s.ensureReportMonths(ctx, loc); err != nil {
			return nil, err
		}
		add(`SELECT m.account_rid, m.month, sum(m.received) - sum(m.spent) FROM report_months m
WHERE m.month >= ? AND m.account_rid`+in+` GROUP BY m.account_rid, m.month`,
			append([]any{q.From.In(loc).Format("2006-01")}, rids...)...)
	} else {
		clock, clockArgs := localClock(loc, q.From.Unix()-secondsPerDay, q.To.Unix()+secondsPerDay)
		from, fromArgs := tsBound(">=", q.From, loc)
		to, toArgs := tsBound("<", q.To, loc)
		args := append(append(append(append([]any{}, clockArgs...), fromArgs...), toArgs...), rids...)
		add(`SELECT t.account_rid, strftime('%Y-%m-%d', `+clock+`, 'unixepoch') AS k, sum(t.amount_micro)
FROM transactions t INDEXED BY transactions_balance
WHERE t.pending = 0 AND `+from+` AND `+to+` AND t.account_rid`+in+` GROUP BY t.account_rid, k`, args...)
		after, afterArgs := tsBound(">=", q.To, loc)
		add(`SELECT t.account_rid, '`+afterKey+`', sum(t.amount_micro) FROM transactions t INDEXED BY transactions_balance
WHERE t.pending = 0 AND `+after+` AND t.account_rid`+in+` GROUP BY t.account_rid`, append(afterArgs, rids...)...)
	}
	for _, qu := range queries {
		if err := s.scanStepSums(ctx, qu.sql, qu.args, out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// afterKey sorts after every day key: the rows after the period.
const afterKey = "~"

func (s *Store) scanStepSums(ctx context.Context, query string, args []any, into map[int64]map[string]int64) error {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("ledger: net worth: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var rid, sum int64
		var k string
		if err := rows.Scan(&rid, &k, &sum); err != nil {
			return fmt.Errorf("ledger: net worth: %w", err)
		}
		if into[rid] == nil {
			into[rid] = map[string]int64{}
		}
		into[rid][k] += sum
	}
	return rows.Err()
}

// stepKeys lists the day ("2006-01-02") or month ("2006-01") keys from
// from's step to until's, in loc.
func stepKeys(from, until time.Time, loc *time.Location, step string) []string {
	f := from.In(loc)
	var out []string
	if step == StepDay {
		for d := time.Date(f.Year(), f.Month(), f.Day(), 0, 0, 0, 0, loc); d.Before(until); d = d.AddDate(0, 0, 1) {
			out = append(out, d.Format(time.DateOnly))
		}
		return out
	}
	for m := time.Date(f.Year(), f.Month(), 1, 0, 0, 0, 0, loc); m.Before(until); m = m.AddDate(0, 1, 0) {
		out = append(out, m.Format("2006-01"))
	}
	return out
}
