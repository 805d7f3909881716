package ledger

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/banktui/banktui/truelayer"
)

// A list read WithoutRaw has every field of the full read but Raw, including
// the timestamp with the bank's UTC offset (the date shown depends on it);
// Transaction then reads one row with Raw.
func TestTransactionsWithoutRawAndTransaction(t *testing.T) {
	st := openTest(t)
	seedTransactions(t, st)
	ctx := context.Background()
	// Midnight in British summer time is the evening before in UTC.
	bst := mkTx("t7", "2026-06-15T00:00:00+01:00", "-4.10", "GREGGS", "Greggs", "PURCHASE", "Food")
	bst.Meta = map[string]any{"provider_reference": "REF7"}
	bst.ProviderTransactionID = "prov-7"
	if _, _, err := st.commitAccount(ctx, "acc-1", accountBatch{Settled: []truelayer.Transaction{bst}, PendingFetched: false}); err != nil {
		t.Fatal(err)
	}
	for _, q := range []TxQuery{
		{},
		{AccountIDs: []string{"acc-1"}, Sort: "date", Desc: true},
		{AccountIDs: []string{"acc-1"}, Sort: "date", Desc: true, Limit: 3},
		{Text: "tesco", Limit: 5, Offset: 1},
	} {
		full, err := st.Transactions(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		q.WithoutRaw = true
		light, err := st.Transactions(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if len(full) == 0 || len(light) != len(full) {
			t.Fatalf("%+v: %d rows without raw, %d with", q, len(light), len(full))
		}
		for i := range full {
			want := full[i]
			if want.Raw.TransactionID == "" {
				t.Fatalf("%s: default read has no Raw", want.ID)
			}
			want.Raw = truelayer.Transaction{}
			if !reflect.DeepEqual(light[i], want) {
				t.Errorf("%+v row %d:\n got %+v\nwant %+v", q, i, light[i], want)
			}
			if !light[i].Timestamp.Equal(full[i].Timestamp) || light[i].Timestamp.Format(time.RFC3339) != full[i].Timestamp.Format(time.RFC3339) {
				t.Errorf("%s: timestamp %v, want %v", want.ID, light[i].Timestamp, full[i].Timestamp)
			}
			one, err := st.Transaction(ctx, full[i].AccountID, full[i].ID, full[i].Pending)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(one, full[i]) {
				t.Errorf("Transaction(%s):\n got %+v\nwant %+v", full[i].ID, one, full[i])
			}
		}
	}
	one, err := st.Transaction(ctx, "acc-1", "t7", false)
	if err != nil {
		t.Fatal(err)
	}
	if got := one.Timestamp.Format("2006-01-02"); got != "2026-06-15" || one.Raw.Meta["provider_reference"] != "REF7" || one.Raw.ProviderTransactionID != "prov-7" {
		t.Errorf("t7: date %s, raw %+v", got, one.Raw)
	}
	light, _ := st.Transactions(ctx, TxQuery{AccountIDs: []string{"acc-1"}, Text: "greggs", WithoutRaw: true})
	if len(light) != 1 || light[0].Timestamp.Format("2006-01-02") != "2026-06-15" {
		t.Errorf("list read of t7: %+v", light)
	}
	// The pending row and the absent ones.
	if p, err := st.Transaction(ctx, "acc-1", "p1", true); err != nil || !p.Pending || p.Raw.TransactionID != "p1" {
		t.Errorf("pending p1: %+v %v", p, err)
	}
	for _, c := range []struct {
		acc, id string
		pending bool
	}{{"acc-1", "p1", false}, {"acc-1", "t1", true}, {"card-1", "t1", false}, {"acc-1", "nope", false}, {"nope", "t1", false}} {
		if _, err := st.Transaction(ctx, c.acc, c.id, c.pending); !errors.Is(err, ErrNoTransaction) {
			t.Errorf("Transaction(%s, %s, %v): %v, want ErrNoTransaction", c.acc, c.id, c.pending, err)
		}
	}
}

// BenchmarkAccountAll10kWithoutRaw: BenchmarkAccountAll10k as the TUI now
// loads a list, without the bank's JSON.
func BenchmarkAccountAll10kWithoutRaw(b *testing.B) {
	st, err := Open(benchPath(b))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	for b.Loop() {
		rows, err := st.Transactions(ctx, TxQuery{AccountIDs: []string{"acct-4"}, Sort: "date", Desc: true, WithoutRaw: true})
		if err != nil || len(rows) != 10_000 {
			b.Fatalf("%d rows, %v", len(rows), err)
		}
	}
}

// BenchmarkTransactionDetail: one transaction with Raw, as the TUI's detail
// pane reads it.
func BenchmarkTransactionDetail(b *testing.B) {
	st, err := Open(benchPath(b))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	rows, err := st.Transactions(ctx, TxQuery{AccountIDs: []string{"acct-4"}, Sort: "date", Desc: true, Limit: 1, Offset: 5000})
	if err != nil || len(rows) != 1 {
		b.Fatalf("%d rows, %v", len(rows), err)
	}
	want := rows[0]
	for b.Loop() {
		v, err := st.Transaction(ctx, want.AccountID, want.ID, want.Pending)
		if err != nil || v.Raw.TransactionID != want.ID {
			b.Fatal(v.ID, err)
		}
	}
}

// EachTransaction hands over the rows Transactions reads, in its order,
// pages included, and an error from its function stops the rows.
func TestEachTransactionIsTransactionsARowAtATime(t *testing.T) {
	st := openTest(t)
	seedTransactions(t, st)
	ctx := context.Background()
	for _, q := range []TxQuery{
		{},
		{AccountIDs: []string{"acc-1"}, Sort: "date", Desc: true},
		{Sort: "amount", Limit: 3, Offset: 1},
		{Text: "tesco"},
	} {
		want, err := st.Transactions(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		var got []TxView
		if err := st.EachTransaction(ctx, q, func(v TxView) error { got = append(got, v); return nil }); err != nil {
			t.Fatal(err)
		}
		if len(want) == 0 || !reflect.DeepEqual(got, want) {
			t.Errorf("%+v: each handed %d rows, Transactions read %d (or they differ)", q, len(got), len(want))
		}
	}
	stop := errors.New("the reader went away")
	n := 0
	err := st.EachTransaction(ctx, TxQuery{}, func(TxView) error { n++; return stop })
	if !errors.Is(err, stop) || n != 1 {
		t.Errorf("stopped after %d rows with %v, want 1 and %v", n, err, stop)
	}
}
