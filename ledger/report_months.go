package ledger

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Reports read a summary, not the transactions: report_months holds, per
// month in the user's time zone, account, currency, category and payee, how
// many settled rows went out and came in and their sums (transfers kept
// apart by a flag). A year is then a few thousand summary rows, not fifty
// thousand transactions: SQLite groups by sorting, and sorting every row of
// a year was most of a report's time.
//
// The summary is kept in step lazily: the month (UTC) of every settled row
// written (noteInserted), changed or deleted (triggers) is noted in
// report_dirty, and before a report reads the summary it recomputes the
// local months those touch (ensureReportMonths); a report in another time zone than the
// summary's rebuilds it whole. Only reports whose query the summary can
// answer read it (summaryQuery): every account or some, whole months.

// migrateReportMonths adds the summary, the triggers that mark it stale,
// and the indexes of what the summary cannot answer: a balance walked back
// day by day (transactions_balance) and one payee's payments
// (transactions_payee, for recurring payments).
func migrateReportMonths(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, `
CREATE TABLE report_months (
	month         TEXT NOT NULL, -- "2026-11", in report_zone
	account_rid   INTEGER NOT NULL,
	transfer      INTEGER NOT NULL, -- one side of a matched transfer (transfer_kind <> '')
	currency      TEXT NOT NULL,
	category_name TEXT NOT NULL COLLATE NOCASE,
	payee         TEXT NOT NULL, -- payeeExpr
	n_rows        INTEGER NOT NULL,
	n_out         INTEGER NOT NULL,
	n_in          INTEGER NOT NULL,
	spent         INTEGER NOT NULL, -- millionths, positive
	received      INTEGER NOT NULL,
	inexact       INTEGER NOT NULL, -- rows with more than six decimals: sums fall back to the text
	PRIMARY KEY (month, account_rid, transfer, currency, category_name, payee)
) WITHOUT ROWID;
CREATE TABLE report_zone (zone TEXT NOT NULL);
CREATE TABLE report_dirty (month TEXT PRIMARY KEY) WITHOUT ROWID; -- UTC months
INSERT INTO report_dirty SELECT DISTINCT strftime('%Y-%m', ts, 'unixepoch') FROM transactions WHERE pending = 0;
CREATE TRIGGER transactions_report_insert AFTER INSERT ON transactions WHEN new.pending = 0 BEGIN
	INSERT OR IGNORE INTO report_dirty VALUES (strftime('%Y-%m', new.ts, 'unixepoch'));
END;
CREATE TRIGGER transactions_report_delete AFTER DELETE ON transactions WHEN old.pending = 0 BEGIN
	INSERT OR IGNORE INTO report_dirty VALUES (strftime('%Y-%m', old.ts, 'unixepoch'));
END;
CREATE TRIGGER transactions_report_update AFTER UPDATE OF ts, pending, account_rid, amount_micro, amount_exact, currency,
	category_name, merchant, description, transfer_kind ON transactions BEGIN
	INSERT OR IGNORE INTO report_dirty VALUES (strftime('%Y-%m', old.ts, 'unixepoch'));
	INSERT OR IGNORE INTO report_dirty VALUES (strftime('%Y-%m', new.ts, 'unixepoch'));
END;
CREATE INDEX transactions_balance ON transactions(account_rid, ts, amount_micro) WHERE pending = 0;
CREATE INDEX transactions_payee ON transactions(`+payeeSQL("")+`, ts) WHERE pending = 0 AND amount_micro < 0;`)
	return err
}

// zoneKey names loc for the summary: its name, and for "Local" (whatever
// TZ says) its offsets too.
func zoneKey(loc *time.Location) string {
	if loc == nil {
		return "UTC"
	}
	name := loc.String()
	if name != "Local" {
		return name
	}
	y := time.Now().Year()
	_, jan := time.Date(y, 1, 1, 0, 0, 0, 0, loc).Zone()
	_, jul := time.Date(y, 7, 1, 0, 0, 0, 0, loc).Zone()
	return fmt.Sprintf("Local%+d%+d", jan, jul)
}

// ensureReportMonths brings the summary up to date for loc: a read when it
// is, a write of the stale months when not.
func (s *Store) ensureReportMonths(ctx context.Context, loc *time.Location) error {
	zone := zoneKey(loc)
	var stored sql.NullString
	var dirty bool
	err := s.db.QueryRowContext(ctx, "SELECT (SELECT zone FROM report_zone), EXISTS (SELECT 1 FROM report_dirty)").Scan(&stored, &dirty)
	if err != nil {
		return fmt.Errorf("ledger: report summary: %w", err)
	}
	if stored.String == zone && !dirty {
		return nil
	}
	err = s.write(ctx, func(tx *sql.Tx) error { return refreshReportMonths(ctx, tx, loc, zone) })
	if err != nil {
		return fmt.Errorf("ledger: report summary: %w", err)
	}
	return nil
}

func refreshReportMonths(ctx context.Context, tx *sql.Tx, loc *time.Location, zone string) error {
	if loc == nil {
		loc = time.UTC
	}
	var stored sql.NullString
	if err := tx.QueryRowContext(ctx, "SELECT zone FROM report_zone").Scan(&stored); err != nil && err != sql.ErrNoRows {
		return err
	}
	if stored.String != zone {
		if _, err := tx.ExecContext(ctx, `DELETE FROM report_months; DELETE FROM report_zone;
INSERT INTO report_zone VALUES (?);
INSERT OR IGNORE INTO report_dirty SELECT DISTINCT strftime('%Y-%m', ts, 'unixepoch') FROM transactions WHERE pending = 0;`, zone); err != nil {
			return err
		}
	}
	rows, err := tx.QueryContext(ctx, "SELECT month FROM report_dirty")
	if err != nil {
		return err
	}
	local := map[string]time.Time{}
	for rows.Next() {
		var m string
		if err := rows.Scan(&m); err != nil {
			rows.Close()
			return err
		}
		u, err := time.Parse("2006-01", m)
		if err != nil {
			continue // not a month: nothing to recompute
		}
		// The local months a UTC month's rows can fall in.
		for d := -1; d <= 1; d++ {
			l := time.Date(u.Year(), u.Month()+time.Month(d), 1, 0, 0, 0, 0, loc)
			local[l.Format("2006-01")] = l
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	keys := make([]string, 0, len(local))
	for k := range local {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if err := summariseMonth(ctx, tx, k, local[k], loc); err != nil {
			return err
		}
	}
	_, err = tx.ExecContext(ctx, "DELETE FROM report_dirty")
	return err
}

// summariseMonth recomputes one local month of the summary.
func summariseMonth(ctx context.Context, tx *sql.Tx, key string, start time.Time, loc *time.Location) error {
	if _, err := tx.ExecContext(ctx, "DELETE FROM report_months WHERE month = ?", key); err != nil {
		return err
	}
	from, fromArgs := tsBound(">=", start, loc)
	to, toArgs := tsBound("<", start.AddDate(0, 1, 0), loc)
	args := append(append([]any{key}, fromArgs...), toArgs...)
	_, err := tx.ExecContext(ctx, `
INSERT INTO report_months (month, account_rid, transfer, currency, category_name, payee,
	n_rows, n_out, n_in, spent, received, inexact)
SELECT ?, t.account_rid, t.transfer_kind <> '' AS transfer, t.currency, t.category_name, `+payeeExpr+` AS payee,
	count(*), sum(t.amount_micro < 0), sum(t.amount_micro > 0),
	sum(CASE WHEN t.amount_micro < 0 THEN -t.amount_micro ELSE 0 END),
	sum(CASE WHEN t.amount_micro > 0 THEN t.amount_micro ELSE 0 END),
	sum(t.amount_exact = 0)
FROM transactions t WHERE t.pending = 0 AND `+from+` AND `+to+`
GROUP BY t.account_rid, transfer, t.currency, t.category_name, payee`, args...)
	return err
}

// summaryQuery reports whether the summary answers q: no filter but the
// accounts, and a period of whole local months (or none).
func summaryQuery(q TxQuery) bool {
	if q.Text != "" || q.Category != "" || q.Merchant != "" || q.MinAmount != nil || q.MaxAmount != nil || q.Pending == PendingOnly {
		return false
	}
	loc := q.Location
	if loc == nil {
		loc = time.UTC
	}
	return (q.From.IsZero() || isMonthStart(q.From.In(loc))) && (q.To.IsZero() || isMonthStart(q.To.In(loc)))
}

// summaryWhere is the WHERE of q's rows in the summary (summaryQuery(q)).
func (s *Store) summaryWhere(ctx context.Context, q TxQuery, transfers bool) (string, []any, error) {
	loc := q.Location
	if loc == nil {
		loc = time.UTC
	}
	var conds []string
	var args []any
	if !transfers {
		conds = append(conds, "m.transfer = 0")
	}
	if !q.From.IsZero() {
		conds, args = append(conds, "m.month >= ?"), append(args, q.From.In(loc).Format("2006-01"))
	}
	if !q.To.IsZero() {
		conds, args = append(conds, "m.month < ?"), append(args, q.To.In(loc).Format("2006-01"))
	}
	if len(q.AccountIDs) > 0 {
		rids, err := s.accountRIDs(ctx, q.AccountIDs)
		if err != nil {
			return "", nil, err
		}
		if len(rids) == 0 {
			conds = append(conds, "0")
		} else {
			conds = append(conds, "m.account_rid IN ("+placeholders(len(rids))+")")
		}
		for _, r := range rids {
			args = append(args, r)
		}
	}
	if len(conds) == 0 {
		return "", nil, nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args, nil
}
