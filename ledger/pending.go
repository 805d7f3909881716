package ledger

import (
	"context"
	"database/sql"
	"sort"
	"strings"
	"time"
	"unicode"

	"github.com/banktui/banktui/truelayer"
)

// pendingMatchWindow bounds how long after a pending row its settled row may
// be dated (and how much earlier, for banks that date settlement by
// authorisation).
const (
	pendingSettleAfter  = 14 * 24 * time.Hour
	pendingSettleBefore = 2 * 24 * time.Hour
)

// settledCandidate is a settled row a pending row may have become.
type settledCandidate struct {
	rid         int64
	id          string
	ts          int64
	amountMicro int64
	description string
	merchant    string
	pendingID   string // the pending row it already settled from
	isNew       bool   // first stored by this sync
}

// replacePending swaps the account's pending set for fresh, linking pending
// rows to the settled rows they became, and returns how many it stored:
//   - a pending row that disappeared is linked to a matching settled row that
//     appeared (so its id is remembered if the bank lists it again);
//   - a pending row still listed but already linked, or with the same id as a
//     settled row, or matching an unlinked settled row by amount, text and
//     date, is not stored: the settled row stands for it.
func replacePending(ctx context.Context, tx *sql.Tx, insert *txInsert, rid int64, fresh []truelayer.Transaction, now, syncStart int64) (int, error) {
	old, err := takePending(ctx, tx, rid)
	if err != nil {
		return 0, err
	}
	listed := uniqueRows(fresh)
	isListed := make(map[string]bool, len(listed))
	for _, r := range listed {
		isListed[r.id] = true
	}
	firstSeen := map[string]int64{}
	var vanished []txRow
	for _, p := range old {
		firstSeen[p.row.id] = p.seen
		if !isListed[p.row.id] {
			vanished = append(vanished, p.row)
		}
	}
	if len(listed) == 0 && len(vanished) == 0 {
		return 0, nil
	}
	s, err := loadSettler(ctx, tx, rid, oldestTS(listed, vanished), syncStart)
	if err != nil {
		return 0, err
	}
	// It left the pending list: it settled (or was dropped). Prefer a
	// similar row; accept the only row of that amount otherwise.
	byTime(vanished)
	for _, p := range vanished {
		if _, err := s.settle(ctx, p, true); err != nil {
			return 0, err
		}
	}
	// Still listed as pending: hide it only behind a clearly similar row.
	byTime(listed)
	stored := 0
	for _, p := range listed {
		settled, err := s.settle(ctx, p, false)
		if err != nil {
			return 0, err
		}
		if settled {
			continue
		}
		seen := now
		if fs, ok := firstSeen[p.id]; ok {
			seen = fs
		}
		if _, _, err := insert.exec(ctx, rid, true, p, seen); err != nil {
			return 0, err
		}
		stored++
	}
	return stored, nil
}

// pendingRow is a stored pending row and when banktui first saw it.
type pendingRow struct {
	row  txRow
	seen int64
}

// takePending deletes the account's pending set and returns it.
func takePending(ctx context.Context, tx *sql.Tx, rid int64) ([]pendingRow, error) {
	rows, err := tx.QueryContext(ctx, "SELECT tx_id, ts, amount_micro, description, merchant, first_seen FROM transactions WHERE account_rid = ? AND pending = 1", rid)
	if err != nil {
		return nil, err
	}
	var old []pendingRow
	for rows.Next() {
		var p pendingRow
		if err := rows.Scan(&p.row.id, &p.row.ts, &p.row.amountMicro, &p.row.description, &p.row.merchant, &p.seen); err != nil {
			rows.Close()
			return nil, err
		}
		old = append(old, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	_, err = tx.ExecContext(ctx, "DELETE FROM transactions WHERE account_rid = ? AND pending = 1", rid)
	return old, err
}

// uniqueRows turns fetched rows into columns, an id listed twice kept
// apart as keepApart says (a bank may list one twice).
func uniqueRows(txs []truelayer.Transaction) []txRow {
	rows := make([]txRow, len(txs))
	copies := map[string][]int{}
	for i, t := range txs {
		rows[i] = rowFromAPI(t)
		copies[rows[i].id] = append(copies[rows[i].id], i)
	}
	out := make([]txRow, 0, len(rows))
	for i := range rows {
		at := copies[rows[i].id]
		if len(at) == 1 {
			out = append(out, rows[i])
			continue
		}
		raws := make([]string, len(at))
		for k, j := range at {
			raws[k] = rows[j].raw
		}
		for k, name := range keepApart(rows[i].id, raws) {
			if at[k] == i && name != "" {
				r := rows[i]
				r.id = name
				out = append(out, r)
			}
		}
	}
	return out
}

func oldestTS(lists ...[]txRow) int64 {
	oldest := int64(1<<63 - 1)
	for _, l := range lists {
		for _, r := range l {
			oldest = min(oldest, r.ts)
		}
	}
	return oldest
}

func byTime(rs []txRow) {
	sort.SliceStable(rs, func(i, j int) bool { return rs[i].ts < rs[j].ts })
}

// settler links pending rows to the settled rows they became.
type settler struct {
	tx       *sql.Tx
	cands    []*settledCandidate          // by time
	linkedTo map[string]*settledCandidate // pending id -> settled row
	byID     map[string]*settledCandidate
}

// loadSettler loads the candidates: the account's settled rows from a
// little before since (unix seconds) on; those first seen at firstSeen
// (unix ms) are new in this sync.
func loadSettler(ctx context.Context, tx *sql.Tx, rid, since, firstSeen int64) (*settler, error) {
	rows, err := tx.QueryContext(ctx, `SELECT rid, tx_id, ts, amount_micro, description, merchant, pending_id, first_seen
FROM transactions WHERE account_rid = ? AND pending = 0 AND ts >= ? ORDER BY ts, rid`,
		rid, since-int64(pendingSettleBefore/time.Second))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	s := &settler{tx: tx, linkedTo: map[string]*settledCandidate{}, byID: map[string]*settledCandidate{}}
	for rows.Next() {
		c := &settledCandidate{}
		var seen int64
		if err := rows.Scan(&c.rid, &c.id, &c.ts, &c.amountMicro, &c.description, &c.merchant, &c.pendingID, &seen); err != nil {
			return nil, err
		}
		c.isNew = seen == firstSeen
		s.cands = append(s.cands, c)
		if c.pendingID != "" {
			s.linkedTo[c.pendingID] = c
		}
		s.byID[c.id] = c
	}
	return s, rows.Err()
}

// settle links the pending row p to the settled row it became, if it is
// not linked yet: the unlinked row with its id, else bestMatch's. It
// reports whether p is linked.
func (s *settler) settle(ctx context.Context, p txRow, loose bool) (bool, error) {
	if s.linkedTo[p.id] != nil {
		return true, nil
	}
	c := s.byID[p.id]
	if c == nil || c.pendingID != "" {
		c = bestMatch(p, s.cands, loose)
	}
	if c == nil {
		return false, nil
	}
	c.pendingID = p.id
	s.linkedTo[p.id] = c
	_, err := s.tx.ExecContext(ctx, "UPDATE transactions SET pending_id = ? WHERE rid = ?", p.id, c.rid)
	return err == nil, err
}

// bestMatch finds the unlinked settled row a pending row became: same
// amount, dated within the settlement window, and similar text. With
// loose, the only unlinked row of that amount in the window, preferring rows
// new in this sync, is accepted without similar text.
func bestMatch(p txRow, cands []*settledCandidate, loose bool) *settledCandidate {
	lo := p.ts - int64(pendingSettleBefore/time.Second)
	hi := p.ts + int64(pendingSettleAfter/time.Second)
	var similar, sameAmount, newSameAmount []*settledCandidate
	for _, c := range cands {
		if c.pendingID != "" || c.amountMicro != p.amountMicro || c.ts < lo || c.ts > hi {
			continue
		}
		if similarText(p.merchant, p.description, c.merchant, c.description) {
			similar = append(similar, c)
		}
		sameAmount = append(sameAmount, c)
		if c.isNew {
			newSameAmount = append(newSameAmount, c)
		}
	}
	if len(similar) > 0 {
		// The earliest similar row on or after the pending date, else the latest before.
		best := similar[0]
		for _, c := range similar {
			if c.ts >= p.ts {
				return c
			}
			best = c
		}
		return best
	}
	if !loose {
		return nil
	}
	if len(newSameAmount) == 1 {
		return newSameAmount[0]
	}
	if len(sameAmount) == 1 {
		return sameAmount[0]
	}
	return nil
}

// similarText compares merchants when both have one, else descriptions
// (equal, or one containing the other, after normalising).
func similarText(m1, d1, m2, d2 string) bool {
	nm1, nm2 := normText(m1), normText(m2)
	if nm1 != "" && nm2 != "" && nm1 == nm2 {
		return true
	}
	nd1, nd2 := normText(d1), normText(d2)
	if nd1 == "" || nd2 == "" {
		return false
	}
	if nd1 == nd2 {
		return true
	}
	short, long := nd1, nd2
	if len(short) > len(long) {
		short, long = long, short
	}
	if len(short) >= 4 && strings.Contains(long, short) {
		return true
	}
	for _, m := range []string{nm1, nm2} {
		if len(m) >= 4 && (strings.Contains(nd1, m) && strings.Contains(nd2, m)) {
			return true
		}
	}
	return false
}

// normText lowercases and keeps letters and digits only.
func normText(s string) string {
	var b strings.Builder
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}
