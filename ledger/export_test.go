package ledger

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/banktui/banktui/truelayer"
)

// storeOf is a fresh store holding views and txs as a sync leaves them:
// accounts by connection, each account's settled and pending rows, its
// balance when it has one, transfers matched.
func storeOf(t testing.TB, views []AccountView, txs []TxView) *Store {
	t.Helper()
	ctx := context.Background()
	st, err := open(filepath.Join(t.TempDir(), "ledger.db"), openConfig{now: func() time.Time { return time.Date(2026, 11, 28, 23, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	byConn := map[string][]accountRecord{}
	var conns []string
	for _, v := range views {
		p := truelayer.Provider{ProviderID: v.ProviderID, DisplayName: v.ProviderName}
		rec := accountFromAPI(truelayer.Account{AccountID: v.ID, AccountType: v.Type, DisplayName: v.DisplayName,
			Currency: v.Currency, AccountNumber: truelayer.AccountNumber{IBAN: v.Number}, Provider: p})
		if v.Kind == KindCard {
			rec = cardFromAPI(truelayer.Card{AccountID: v.ID, CardType: v.Type, CardNetwork: v.CardNetwork, DisplayName: v.DisplayName,
				Currency: v.Currency, PartialCardNumber: v.PartialCardNumber, Provider: p})
		}
		if _, ok := byConn[v.ConnectionID]; !ok {
			conns = append(conns, v.ConnectionID)
		}
		byConn[v.ConnectionID] = append(byConn[v.ConnectionID], rec)
	}
	for _, c := range conns {
		if err := st.saveAccounts(ctx, c, byConn[c][0].ProviderID, byConn[c][0].ProviderName, byConn[c], []string{KindAccount, KindCard}); err != nil {
			t.Fatal(err)
		}
	}
	for _, v := range views {
		var settled, pending []truelayer.Transaction
		for _, x := range txs {
			switch {
			case x.AccountID != v.ID:
			case x.Pending:
				pending = append(pending, x.Raw)
			default:
				settled = append(settled, x.Raw)
			}
		}
		if _, _, err := st.commitAccount(ctx, v.ID, accountBatch{Settled: settled, Pending: pending, PendingFetched: true,
			State: syncState{Backfilled: true, OldestDay: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), HistoryLimit: LimitEmpty}}); err != nil {
			t.Fatal(err)
		}
		if v.HasBalance {
			raw, _ := json.Marshal(map[string]time.Time{"update_timestamp": v.BalanceAsOf})
			if err := st.saveBalance(ctx, v.ID, balanceRecord{Currency: v.Currency, Current: v.Current, Available: v.Available, Raw: raw}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := st.MatchTransfers(ctx); err != nil {
		t.Fatal(err)
	}
	return st
}

// journalRead is what journal finds in a ledger or beancount export.
type journalRead struct {
	postings map[string]truelayer.Amount // sum by account (one commodity each, in the tests)
	opened   map[string]bool             // beancount's open directives
	ids      map[string]int              // bank transaction ids booked (a transfer books two)
	txs      []journalEntry
}

// journalEntry is one transaction: the bank rows it books and its postings' accounts.
type journalEntry struct {
	ids      []string
	accounts []string
}

// journal reads a ledger or beancount export line by line, failing on a
// transaction that does not balance in each commodity or (beancount) uses
// an account it has not opened.
func journal(t testing.TB, format, out string) journalRead {
	t.Helper()
	j := journalRead{postings: map[string]truelayer.Amount{}, opened: map[string]bool{}, ids: map[string]int{}}
	var cur *journalEntry
	sums := map[string]truelayer.Amount{}
	end := func() {
		for c, s := range sums {
			if !s.IsZero() {
				t.Errorf("%s: a transaction does not balance: %s %s in %+v", format, s, c, cur)
			}
		}
		cur, sums = nil, map[string]truelayer.Amount{}
	}
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		for _, key := range []string{"transaction_id:", "counterpart_id:"} {
			if _, id, ok := strings.Cut(line, key); ok && cur != nil {
				id = strings.Trim(strings.TrimSpace(id), `"`)
				j.ids[id]++
				cur.ids = append(cur.ids, id)
			}
		}
		switch {
		case len(f) >= 3 && f[1] == "open":
			j.opened[f[2]] = true
		case len(f) >= 2 && (f[1] == "*" || f[1] == "!") && len(f[0]) == 10:
			end()
			j.txs = append(j.txs, journalEntry{})
			cur = &j.txs[len(j.txs)-1]
			if _, id, ok := strings.Cut(line, "; transaction_id:"); ok {
				j.ids[id]++
				cur.ids = append(cur.ids, id)
			}
		case cur != nil && strings.HasPrefix(line, "  ") && len(f) >= 3 && strings.Contains(f[0], ":") && !strings.HasSuffix(f[0], ":"):
			a := truelayer.MustAmount(f[1])
			sums[f[2]] = sums[f[2]].Add(a)
			j.postings[f[0]] = j.postings[f[0]].Add(a)
			cur.accounts = append(cur.accounts, f[0])
			if format == "beancount" && !j.opened[f[0]] {
				t.Errorf("beancount uses %s without opening it", f[0])
			}
		case strings.TrimSpace(line) == "":
			end()
		}
	}
	end()
	return j
}

// exportStore writes one export of st, failing on an error.
func exportStore(t testing.TB, st *Store, format string, q TxQuery, now time.Time) (string, ExportReport) {
	t.Helper()
	var b bytes.Buffer
	rep, err := st.Export(context.Background(), &b, ExportRequest{Format: format, Query: q, Now: now})
	if err != nil {
		t.Fatalf("export %s: %v", format, err)
	}
	return b.String(), rep
}

// runTool runs one of the readers the exports are for (hledger,
// ledger-cli, bean-check, bean-query, python3 with ofxparse): a test fails, never
// skips, when it is missing.
func runTool(t testing.TB, name string, args ...string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s is not installed (apt-get install hledger ledger beancount python3-ofxparse): %v", name, err)
	}
	out, err := exec.Command(path, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// failingWriter takes n bytes, then fails as a full disk does.
type failingWriter struct{ n int }

var errDiskFull = errors.New("no space left on device")

func (f *failingWriter) Write(p []byte) (int, error) {
	if len(p) > f.n {
		return f.n, errDiskFull
	}
	f.n -= len(p)
	return len(p), nil
}

// manyRows are accounts of perAccount settled rows each, a row an hour.
func manyRows(accounts, perAccount int) ([]AccountView, []TxView) {
	var views []AccountView
	var txs []TxView
	start := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	for i := range accounts {
		v := AccountView{ConnectionID: "c1", ProviderID: "ob-many", ProviderName: "Many", Kind: KindAccount,
			ID: fmt.Sprintf("acc-%d", i), DisplayName: fmt.Sprintf("Account %d", i), Type: "TRANSACTION", Currency: "GBP"}
		views = append(views, v)
		for n := range perAccount {
			ts := truelayer.NewTimestamp(start.Add(time.Duration(n) * time.Hour))
			raw := truelayer.Transaction{TransactionID: fmt.Sprintf("%s-%d", v.ID, n), Timestamp: ts, Description: "CARD PAYMENT TO A SHOP WITH A LONG NAME",
				Amount: truelayer.AmountFromMinor(-int64(100+n), 2), Currency: "GBP", TransactionType: "DEBIT", TransactionCategory: "PURCHASE"}
			txs = append(txs, TxView{AccountID: v.ID, ID: raw.TransactionID, Raw: raw})
		}
	}
	return views, txs
}

// A write error (a full disk, a closed pipe) ends an export with that
// error, and the rows stop at it instead of running to the end.
func TestExportStopsAtAWriteError(t *testing.T) {
	views, txs := manyRows(3, 2000)
	st := storeOf(t, views, txs)
	for _, format := range ExportFormats {
		rep, err := st.Export(context.Background(), &failingWriter{n: 100 << 10},
			ExportRequest{Format: format, Query: TxQuery{Location: time.UTC}, Now: time.Now()})
		if !errors.Is(err, errDiskFull) {
			t.Errorf("%s export to a full disk: %v, want %v", format, err, errDiskFull)
		}
		if rep.Transactions >= len(txs)/2 {
			t.Errorf("%s export read %d of %d rows after the disk was full", format, rep.Transactions, len(txs))
		}
	}
}
