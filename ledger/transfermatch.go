package ledger

import (
	"context"
	"database/sql"
	"slices"
	"strings"
	"unicode"
)

// How a transfer is recognised. Two rows are candidates when they are in
// two different accounts (or an account and a card), in the same currency,
// of opposite amounts to the penny, dated at most transferWindow apart,
// neither already paired, and at least one not looked at before. A
// candidate pair is a transfer when one side names the other's account
// (its number, its card's last four digits, or its name, in the
// description or merchant), or when both sides say "transfer" (the bank's
// TRANSFER category, a "Transfer" or "credit card payment" classification,
// or words such as TRANSFER, TFR, and PAYMENT on a card's credit), or when
// one side says so and the other is a plain money movement (a credit,
// debit, standing order, direct debit or bill payment, not a purchase,
// fee, interest or cash). A payment from an account into a card is a card
// repayment; every other pair an own transfer.
//
// Ambiguity (the same amount twice within the window) is resolved the same
// way every time: pairs with more evidence first (naming the account counts
// 4, a transfer classification 2, a transfer word 1, per side), then the
// closest in time, then the earlier, then by account and transaction ids;
// each row joins one pair at most. A pair once made stays until one of its
// rows changes or goes, even if a later row would have fitted better.

// transferRow is a row that may be one side of a transfer.
type transferRow struct {
	rid, accountRID, ts, micro int64
	currency                   string
	unchecked                  bool

	// details, read only for rows in a candidate pair
	id, accountID, kind string
	pending             bool
	text                string // description and merchant, folded
	category            string
	classes             []string // classification, folded
	accountName         string   // folded
	accountDigits       string   // the account number (without sort code), or the card's last four
}

// matchTransfers pairs the rows of transfer_todo (see the top of this
// file), then empties it.
func matchTransfers(ctx context.Context, tx *sql.Tx) (int, error) {
	spans, err := uncheckedSpans(ctx, tx)
	if err != nil || len(spans) == 0 {
		return 0, err
	}
	made := 0
	for _, sp := range spans {
		two, err := twoAccountsIn(ctx, tx, sp)
		if err != nil {
			return 0, err
		}
		if !two {
			continue
		}
		cands, err := spanCandidates(ctx, tx, sp)
		if err != nil {
			return 0, err
		}
		if len(cands) == 0 {
			continue
		}
		if err := loadTransferDetails(ctx, tx, cands); err != nil {
			return 0, err
		}
		for _, p := range choosePairs(cands) {
			if err := savePair(ctx, tx, p); err != nil {
				return 0, err
			}
			made++
		}
	}
	_, err = tx.ExecContext(ctx, "DELETE FROM transfer_todo")
	return made, err
}

// span is a range of stored times (unix seconds, inclusive).
type span struct{ lo, hi int64 }

// uncheckedSpans are the times within transferWindow of a row to match,
// merged into disjoint spans: a sync adds rows in a few days, a first sync
// over its whole history.
func uncheckedSpans(ctx context.Context, tx *sql.Tx) ([]span, error) {
	rows, err := tx.QueryContext(ctx, "SELECT t.ts FROM transfer_todo q JOIN transactions t ON t.rid = q.rid ORDER BY t.ts")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	w := int64(transferWindow.Seconds())
	var out []span
	for rows.Next() {
		var ts int64
		if err := rows.Scan(&ts); err != nil {
			return nil, err
		}
		if n := len(out); n > 0 && ts-w <= out[n-1].hi {
			out[n-1].hi = ts + w
			continue
		}
		out = append(out, span{ts - w, ts + w})
	}
	return out, rows.Err()
}

// twoAccountsIn reports whether rows of two accounts or more are dated in
// sp: a pair needs two, and reading a span's rows by amount sorts them
// all (a first sync's span of one account is its whole history).
func twoAccountsIn(ctx context.Context, tx *sql.Tx, sp span) (bool, error) {
	var n int
	err := tx.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM accounts a WHERE EXISTS (
	SELECT 1 FROM transactions t WHERE t.account_rid = a.rid AND t.ts BETWEEN ?1 AND ?2) LIMIT 2)`, sp.lo, sp.hi).Scan(&n)
	return n == 2, err
}

// spanCandidates reads the narrow columns of the unpaired rows of a span,
// one amount (currency and size) at a time, and returns their candidate
// pairs. Pairs never cross amounts, so memory holds the rows of one
// amount, not the span: a first sync's span is the whole history.
func spanCandidates(ctx context.Context, tx *sql.Tx, sp span) ([]*transferCandidate, error) {
	rows, err := tx.QueryContext(ctx, `SELECT t.rid, t.account_rid, t.ts, t.amount_micro, t.currency, q.rid IS NOT NULL
FROM transactions t LEFT JOIN transfer_todo q ON q.rid = t.rid
WHERE t.ts BETWEEN ? AND ? AND t.transfer_rid IS NULL AND t.amount_micro <> 0 AND t.ts <> 0
ORDER BY t.currency, abs(t.amount_micro)`, sp.lo, sp.hi)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var cands []*transferCandidate
	var group []*transferRow // rows of one amount
	for rows.Next() {
		r := &transferRow{}
		if err := rows.Scan(&r.rid, &r.accountRID, &r.ts, &r.micro, &r.currency, &r.unchecked); err != nil {
			return nil, err
		}
		if len(group) > 0 && (group[0].currency != r.currency || abs64(group[0].micro) != abs64(r.micro)) {
			cands = append(cands, candidatePairs(group)...)
			group = group[:0]
		}
		group = append(group, r)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return append(cands, candidatePairs(group)...), nil
}

// transferCandidate is a possible pair: out < 0 < in.
type transferCandidate struct {
	out, in *transferRow
	gap     int64 // seconds between them
	score   int
	kind    string
}

// candidatePairs finds the rows of opposite amounts in other accounts
// within the window, one side at least unchecked.
func candidatePairs(rows []*transferRow) []*transferCandidate {
	type key struct {
		currency string
		micro    int64 // the amount's size
	}
	outs, ins := map[key][]*transferRow{}, map[key][]*transferRow{}
	for _, r := range rows {
		if r.micro < 0 {
			k := key{r.currency, -r.micro}
			outs[k] = append(outs[k], r)
		} else {
			k := key{r.currency, r.micro}
			ins[k] = append(ins[k], r)
		}
	}
	w := int64(transferWindow.Seconds())
	var out []*transferCandidate
	for k, os := range outs {
		is := ins[k]
		if len(is) == 0 {
			continue
		}
		// rows come by time within an account, not overall
		slices.SortFunc(is, func(a, b *transferRow) int { return int(sign(a.ts - b.ts)) })
		for _, o := range os {
			start, _ := slices.BinarySearchFunc(is, o.ts-w, func(r *transferRow, t int64) int { return int(sign(r.ts - t)) })
			for _, i := range is[start:] {
				if i.ts > o.ts+w {
					break
				}
				if i.accountRID != o.accountRID && (i.unchecked || o.unchecked) {
					out = append(out, &transferCandidate{out: o, in: i, gap: abs64(i.ts - o.ts)})
				}
			}
		}
	}
	return out
}

func sign(x int64) int64 {
	switch {
	case x < 0:
		return -1
	case x > 0:
		return 1
	}
	return 0
}

func abs64(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}

// loadTransferDetails reads the text, category and account of the rows in
// the candidate pairs.
func loadTransferDetails(ctx context.Context, tx *sql.Tx, cands []*transferCandidate) error {
	byRID := map[int64]*transferRow{}
	for _, c := range cands {
		byRID[c.out.rid], byRID[c.in.rid] = c.out, c.in
	}
	rids := make([]any, 0, len(byRID))
	for rid := range byRID {
		rids = append(rids, rid)
	}
	const chunk = 500
	for start := 0; start < len(rids); start += chunk {
		part := rids[start:min(start+chunk, len(rids))]
		rows, err := tx.QueryContext(ctx, `SELECT t.rid, t.tx_id, t.pending, t.description, t.merchant, t.category,
	t.classification, a.id, a.kind, a.display_name, a.number, a.partial_card_number
FROM transactions t JOIN accounts a ON a.rid = t.account_rid WHERE t.rid IN (`+placeholders(len(part))+`)`, part...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var rid int64
			var desc, merchant, class, name, number, partial string
			var d transferRow
			if err := rows.Scan(&rid, &d.id, &d.pending, &desc, &merchant, &d.category, &class,
				&d.accountID, &d.kind, &name, &number, &partial); err != nil {
				rows.Close()
				return err
			}
			r := byRID[rid]
			r.id, r.pending, r.category, r.accountID, r.kind = d.id, d.pending, d.category, d.accountID, d.kind
			r.text = foldText(desc + " " + merchant)
			for _, c := range splitClassification(class) {
				r.classes = append(r.classes, foldText(c))
			}
			r.accountName = foldText(name)
			r.accountDigits = accountDigits(number, partial, d.kind)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}

// choosePairs scores the candidates, keeps the transfers and picks the
// best pairs greedily, each row in one pair at most.
func choosePairs(cands []*transferCandidate) []*transferCandidate {
	kept := cands[:0]
	for _, c := range cands {
		if c.score = transferScore(c.out, c.in); c.score > 0 {
			c.kind = TransferOwn
			if c.out.kind == KindAccount && c.in.kind == KindCard {
				c.kind = TransferCardPayment
			}
			kept = append(kept, c)
		}
	}
	slices.SortFunc(kept, func(a, b *transferCandidate) int {
		switch {
		case a.score != b.score:
			return b.score - a.score
		case a.gap != b.gap:
			return int(sign(a.gap - b.gap))
		case a.out.ts != b.out.ts:
			return int(sign(a.out.ts - b.out.ts))
		}
		return strings.Compare(a.out.sortKey()+"\x00"+a.in.sortKey(), b.out.sortKey()+"\x00"+b.in.sortKey())
	})
	used := map[int64]bool{}
	var out []*transferCandidate
	for _, c := range kept {
		if used[c.out.rid] || used[c.in.rid] {
			continue
		}
		used[c.out.rid], used[c.in.rid] = true, true
		out = append(out, c)
	}
	return out
}

// sortKey orders rows by bank ids, not by the order they were stored.
func (r *transferRow) sortKey() string {
	p := "0"
	if r.pending {
		p = "1"
	}
	return r.accountID + "\x00" + r.id + "\x00" + p
}

// transferScore is the evidence that out and in are one transfer, or 0
// when there is not enough (see the top of this file).
func transferScore(out, in *transferRow) int {
	namesOther := 0
	if mentions(out.text, in) {
		namesOther += 4
	}
	if mentions(in.text, out) {
		namesOther += 4
	}
	evidence := func(r *transferRow) int {
		n := 0
		if r.classedTransfer() {
			n += 2
		}
		if r.wordedTransfer() {
			n++
		}
		return n
	}
	eo, ei := evidence(out), evidence(in)
	if namesOther == 0 && !(eo > 0 && (ei > 0 || in.plainMovement())) && !(ei > 0 && out.plainMovement()) {
		return 0
	}
	return namesOther + eo + ei
}

// mentions reports whether text names other's account: its number (six
// digits or more, alone or ending a longer number), its card's last four
// digits (alone, or ending a card number), or its name (six letters or
// more, as whole words).
func mentions(text string, other *transferRow) bool {
	if d := other.accountDigits; d != "" {
		for _, group := range strings.FieldsFunc(text, func(r rune) bool { return !unicode.IsDigit(r) }) {
			// An account number may be quoted inside an IBAN; a card's
			// last four alone or at the end of a whole card number.
			long := len(d) >= 6 || len(group) >= 12
			if group == d || (long && strings.HasSuffix(group, d)) {
				return true
			}
		}
	}
	name := other.accountName
	return len(strings.ReplaceAll(name, " ", "")) >= 6 && strings.Contains(" "+text+" ", " "+name+" ")
}

// classedTransfer: the bank's category or classification says transfer or
// card payment.
func (r *transferRow) classedTransfer() bool {
	if strings.EqualFold(r.category, "TRANSFER") {
		return true
	}
	if len(r.classes) > 0 && r.classes[0] == "transfer" {
		return true
	}
	return slices.ContainsFunc(r.classes, func(c string) bool { return strings.Contains(c, "credit card") })
}

// transferWords are words that name a transfer in bank text.
var transferWords = []string{"transfer", "tfr", "trf", "xfer", "trsf"}

// wordedTransfer: the text says transfer, or a card's credit says payment.
func (r *transferRow) wordedTransfer() bool {
	words := strings.Fields(r.text)
	if slices.ContainsFunc(words, func(w string) bool { return slices.Contains(transferWords, w) }) {
		return true
	}
	return r.kind == KindCard && r.micro > 0 && slices.Contains(words, "payment") && !slices.Contains(words, "refund")
}

// plainMovementCategories are TrueLayer's categories of money moved, as
// opposed to money spent or earned (purchase, fee, interest, cash...).
var plainMovementCategories = []string{"", "TRANSFER", "CREDIT", "DEBIT", "STANDING_ORDER", "DIRECT_DEBIT", "BILL_PAYMENT", "OTHER", "UNKNOWN"}

func (r *transferRow) plainMovement() bool {
	return slices.ContainsFunc(plainMovementCategories, func(c string) bool { return strings.EqualFold(c, r.category) })
}

// foldText lower-cases letters and digits and turns everything else into
// single spaces.
func foldText(s string) string {
	return strings.Join(strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}), " ")
}

// accountDigits is what a bank statement would quote of an account: a
// card's last four digits, or an account's number without its sort code
// (the digits after the last space, or the last eight of an IBAN).
func accountDigits(number, partial, kind string) string {
	if kind == KindCard {
		return onlyDigits(partial)
	}
	if i := strings.LastIndexByte(number, ' '); i >= 0 {
		number = number[i+1:]
	}
	d := onlyDigits(number)
	if len(d) > 8 {
		d = d[len(d)-8:]
	}
	if len(d) < 6 {
		return ""
	}
	return d
}

func onlyDigits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

// savePair records a pair on both rows.
func savePair(ctx context.Context, tx *sql.Tx, c *transferCandidate) error {
	for _, side := range [][2]int64{{c.out.rid, c.in.rid}, {c.in.rid, c.out.rid}} {
		if _, err := tx.ExecContext(ctx, "UPDATE transactions SET transfer_kind = ?, transfer_rid = ? WHERE rid = ?",
			c.kind, side[1], side[0]); err != nil {
			return err
		}
	}
	return nil
}
