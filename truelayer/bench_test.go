package truelayer

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// transactionsBody is a {results} body of n transactions like the API's.
func transactionsBody(b *testing.B, n int) []byte {
	b.Helper()
	merchant := "Google play"
	txs := make([]Transaction, n)
	start := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range txs {
		txs[i] = Transaction{
			TransactionID: fmt.Sprintf("tx-%08d", i), Timestamp: NewTimestamp(start.Add(time.Duration(i) * time.Hour)),
			Description: "GOOGLE PLAY STORE", Amount: AmountFromMinor(-int64(i%10000), 2), Currency: "GBP",
			TransactionType: TransactionTypeDebit, TransactionCategory: "PURCHASE",
			TransactionClassification: []string{"Entertainment", "Games"}, MerchantName: &merchant,
			RunningBalance: &RunningBalance{Amount: AmountFromMinor(int64(i)*37, 2), Currency: "GBP"},
			Meta:           map[string]any{"bank_transaction_id": "9882ks-00js", "provider_transaction_category": "DEB"},
		}
	}
	body, err := json.Marshal(Results[Transaction]{Results: txs, Status: "Succeeded"})
	if err != nil {
		b.Fatal(err)
	}
	return body
}

// BenchmarkDecodeTransactions: decoding alone, 10k transactions per op.
func BenchmarkDecodeTransactions(b *testing.B) {
	body := transactionsBody(b, 10000)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		txs, err := DecodeResults[Transaction](body)
		if err != nil || len(txs) != 10000 {
			b.Fatal(len(txs), err)
		}
	}
}

// BenchmarkClientTransactions: a whole Transactions call over loopback HTTP,
// 10k transactions per op.
func BenchmarkClientTransactions(b *testing.B) { benchClientTransactions(b, 10000) }

// BenchmarkClientTransactionsLarge: one Transactions call of about 26 MiB
// (65k transactions, under the default limit) over loopback HTTP: B/op
// against the body's size is the memory a response can cost.
func BenchmarkClientTransactionsLarge(b *testing.B) { benchClientTransactions(b, 65000) }

func benchClientTransactions(b *testing.B, n int) {
	body := transactionsBody(b, n)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(body) }))
	defer srv.Close()
	c := NewClient(srv.Client(), WithBaseURL(srv.URL))
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		txs, err := c.Transactions(context.Background(), "acc", time.Time{}, time.Time{})
		if err != nil || len(txs) != n {
			b.Fatal(len(txs), err)
		}
	}
	b.ReportMetric(float64(len(body))/(1<<20), "body-MiB")
}

// BenchmarkTransactionJSON: one transaction's stored JSON, by AppendJSON
// and by json.Marshal.
func BenchmarkTransactionJSON(b *testing.B) {
	var rs Results[Transaction]
	if err := json.Unmarshal(transactionsBody(b, 1), &rs); err != nil {
		b.Fatal(err)
	}
	tx := &rs.Results[0]
	b.Run("AppendJSON", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := tx.AppendJSON(nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Marshal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := json.Marshal(tx); err != nil {
				b.Fatal(err)
			}
		}
	})
}
