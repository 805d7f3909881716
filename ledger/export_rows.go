package ledger

import (
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// An export reads its rows through rowCursor: one query, stepped row by
// row inside the export's read transaction, in date order, so memory holds
// one row whatever the history. Each row comes with the other side of its
// matched transfer, if any, and whether that side is exported too.

// exportRow is one selected transaction and what the writers need beside
// it. Its TxView has no Raw, and its amounts, running balance and
// classification are kept as stored text until a writer asks (amount,
// TxView.Classification is empty): most writers copy the text.
type exportRow struct {
	TxView
	amountText, runningText, classText string
	parsed                             bool
	rid, accountRID                    int64
	ts                                 int64 // as stored (localtime.go)
	day                                int   // the local day (dayClock), when dated
	dated                              bool
	stamp                              string // the bank's timestamp text (withBankText)
	raw                                []byte // the bank's JSON (withRaw); valid until the next row
	paired                             bool   // one side of a matched transfer
	other                              exportSide
}

// exportSide is the other side of a matched transfer (withOther).
type exportSide struct {
	rid, accountRID int64
	id              string
	pending         bool
	ts              int64
	day             int
	dated           bool
	selected        bool // the export's query selects it too
}

// cursorColumns are the optional columns of a cursor: each column costs a
// call into SQLite per row, so a writer asks only for what it writes.
type cursorColumns int

const (
	withBankText cursorColumns = 1 << iota // timestamp text, running balance, category and classification (CSV)
	withRaw                                // the bank's JSON
	withOther                              // the other side of a transfer
)

type rowCursor struct {
	rows     *sql.Rows
	clock    *dayClock
	cols     cursorColumns
	accounts map[int64]AccountView
	words    map[string]string // currencies and category names, read once
	row      exportRow
	err      error
}

// rowsSelect reads what every writer needs.
const rowsSelect = `SELECT t.rid, t.account_rid, t.tx_id, t.pending, t.ts, t.description, t.merchant, t.category_name,
       t.amount, t.currency, t.transfer_kind`

// openRows starts reading what q selects, ordered by time (q's sort is
// ignored).
func (e *exportRun) openRows(q TxQuery, cols cursorColumns) (*rowCursor, error) {
	where, args, err := e.s.txWhere(e.ctx, q)
	if err != nil {
		return nil, err
	}
	query, from := rowsSelect, " FROM transactions t"
	var extra []any
	if cols&(withBankText|withRaw) != 0 {
		from += " JOIN transaction_json j ON j.rid = t.rid"
	}
	if cols&withBankText != 0 {
		query += ", t.category, t.classification, t.running_balance, " + exportStamp
	}
	if cols&withRaw != 0 {
		query += ", j.raw"
	}
	if cols&withOther != 0 {
		// The other side in one column (NULL for most rows), and whether the
		// query selects it: its own WHERE over the transfer rows alone (a
		// few), evaluated once.
		selected := where + " AND t.transfer_rid IS NOT NULL"
		if where == "" {
			selected = " WHERE t.transfer_rid IS NOT NULL"
		}
		query += ", c.rid || ' ' || c.account_rid || ' ' || c.pending || ' ' || c.ts || ' ' || " +
			"(c.rid IN (SELECT t.rid FROM transactions t" + selected + ")) || ' ' || c.tx_id"
		from += " LEFT JOIN transactions c ON c.rid = t.transfer_rid"
		extra = args
	}
	rows, err := e.conn.QueryContext(e.ctx, query+from+where+" ORDER BY t.ts, t.rid", append(append([]any{}, extra...), args...)...)
	if err != nil {
		return nil, fmt.Errorf("ledger: export: %w", err)
	}
	return &rowCursor{rows: rows, clock: newDayClock(e.loc), cols: cols, accounts: e.byRID, words: map[string]string{}}, nil
}

// exportStamp is the bank's timestamp text of transactions t.
const exportStamp = "coalesce(json_extract(j.raw, '$.timestamp'), '')"

// next reads the next row into c.row; false at the end or on an error
// (c.close reports it).
func (c *rowCursor) next() bool {
	if c.err != nil || !c.rows.Next() {
		return false
	}
	var (
		r                  = &c.row
		pending            int
		running            sql.NullString
		other              sql.NullString
		last               sql.RawBytes
		category, currency sql.RawBytes
	)
	r.TxView, r.parsed = TxView{}, false
	dest := []any{&r.rid, &r.accountRID, &r.ID, &pending, &r.ts, &r.Description, &r.Merchant, &category,
		&r.amountText, &currency, &r.TransferKind}
	if c.cols&withBankText != 0 {
		dest = append(dest, &r.Category, &r.classText, &running, &r.stamp)
	}
	if c.cols&withRaw != 0 {
		dest = append(dest, &last)
	}
	if c.cols&withOther != 0 {
		dest = append(dest, &other)
	}
	if err := c.rows.Scan(dest...); err != nil {
		c.err = fmt.Errorf("ledger: export: %w", err)
		return false
	}
	v := c.accounts[r.accountRID]
	r.AccountID, r.ConnectionID = v.ID, v.ConnectionID
	r.CategoryName, r.Currency = c.word(category), c.word(currency)
	r.Pending = pending != 0
	r.runningText = running.String
	if r.ts != 0 {
		r.Timestamp = time.Unix(r.ts, 0).UTC()
		r.DateOnly = isDay(r.ts)
	}
	r.day, r.dated = c.clock.day(r.ts)
	r.raw = append(r.raw[:0], last...)
	r.other, r.paired = exportSide{}, other.Valid
	if other.Valid {
		r.other = c.side(other.String)
	}
	return true
}

// word is b as a string, one copy for each of the few values a column
// such as the currency takes.
func (c *rowCursor) word(b []byte) string {
	w, ok := c.words[string(b)]
	if !ok {
		w = string(b)
		c.words[w] = w
	}
	return w
}

// amount is the row's amount (parsed on first use).
func (r *exportRow) amount() Amount {
	if !r.parsed {
		r.Amount, r.parsed = amountFromText(r.amountText), true
	}
	return r.Amount
}

// side reads the other side of a transfer from its column.
func (c *rowCursor) side(s string) exportSide {
	var o exportSide
	f := strings.SplitN(s, " ", 6)
	if len(f) < 6 {
		return o
	}
	o.rid, _ = strconv.ParseInt(f[0], 10, 64)
	o.accountRID, _ = strconv.ParseInt(f[1], 10, 64)
	o.pending = f[2] == "1"
	o.ts, _ = strconv.ParseInt(f[3], 10, 64)
	o.selected = f[4] == "1"
	o.id = f[5]
	o.day, o.dated = c.clock.day(o.ts)
	return o
}

// otherFirst reports whether the other side comes first in the cursor's order.
func (r *exportRow) otherFirst() bool {
	return r.other.ts < r.ts || (r.other.ts == r.ts && r.other.rid < r.rid)
}

func (c *rowCursor) close() error {
	err := c.rows.Close()
	if c.err != nil {
		return c.err
	}
	if err == nil {
		err = c.rows.Err()
	}
	if err != nil {
		return fmt.Errorf("ledger: export: %w", err)
	}
	return nil
}

// eachRow reads what q selects, in time order, handing each row to fn.
func (e *exportRun) eachRow(q TxQuery, cols cursorColumns, fn func(r *exportRow) error) error {
	c, err := e.openRows(q, cols)
	if err != nil {
		return err
	}
	for c.next() {
		err := fn(&c.row)
		if err == nil {
			err = e.out.err
		}
		if err != nil {
			c.close()
			return err
		}
	}
	return c.close()
}

// dayClock turns stored times into local days (days since 1970-01-01 of
// the date in the user's zone, as TxView.LocalTime dates a row), keeping
// the zone's offset between two transitions so most rows cost a division.
type dayClock struct {
	loc         *time.Location
	from, until int64 // the offset holds in [from, until)
	offset      int64
}

func newDayClock(loc *time.Location) *dayClock {
	if loc == nil {
		loc = time.UTC
	}
	return &dayClock{loc: loc, from: 1, until: 0}
}

// minPlausibleTS is the stored time of minPlausibleYear.
var minPlausibleTS = time.Date(minPlausibleYear, 1, 1, 0, 0, 0, 0, time.UTC).Unix()

// day is ts's local day; ok is false when the row has no readable date.
func (c *dayClock) day(ts int64) (int, bool) {
	if ts == 0 || ts < minPlausibleTS {
		return 0, false
	}
	if isDay(ts) {
		return int(ts / secondsPerDay), true
	}
	if ts < c.from || ts >= c.until {
		t := time.Unix(ts, 0).In(c.loc)
		_, off := t.Zone()
		start, end := t.ZoneBounds()
		c.offset, c.from, c.until = int64(off), start.Unix(), end.Unix()
		if start.IsZero() {
			c.from = minPlausibleTS
		}
		if end.IsZero() {
			c.until = 1<<63 - 1
		}
	}
	return int(floorDiv(ts+c.offset, secondsPerDay)), true
}

// dayDate is a local day as YYYY-MM-DD.
func dayDate(day int) string {
	return time.Unix(int64(day)*secondsPerDay, 0).UTC().Format(time.DateOnly)
}

// dayOf is the local day of an instant.
func dayOf(t time.Time, loc *time.Location) int {
	return int(floorDiv(civilUnix(t.In(loc)), secondsPerDay))
}
