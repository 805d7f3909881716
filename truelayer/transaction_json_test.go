package truelayer

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// sameAsMarshal fails t unless AppendJSON writes json.Marshal's bytes.
func sameAsMarshal(t *testing.T, tx *Transaction) {
	t.Helper()
	want, wantErr := json.Marshal(tx)
	got, err := tx.AppendJSON([]byte("prefix"))
	if (err != nil) != (wantErr != nil) {
		t.Fatalf("AppendJSON error %v, json.Marshal's %v", err, wantErr)
	}
	if err == nil && !bytes.Equal(got, append([]byte("prefix"), want...)) {
		t.Fatalf("AppendJSON wrote\n%s\njson.Marshal\n%s", got, want)
	}
}

func TestAppendJSONIsMarshal(t *testing.T) {
	rnd := rand.New(rand.NewPCG(3, 4))
	texts := []string{"", "TESCO STORES 2931", "CAFÉ MÜLLER", "<b>&amp;</b>", "tab\there", "nl\n\"q\" \\",
		"\x00\x1f\x7f", "bad \xff utf8", "line\u2028sep\u2029", "£12.50 ŻABKA Łódź", "😀"}
	text := func() string { return texts[rnd.IntN(len(texts))] }
	amounts := []Amount{{}, MustAmount("-12.50"), MustAmount("1e3"), MustAmount("0.000001"), AmountFromMinor(-299, 2)}
	var odd Timestamp
	if err := json.Unmarshal([]byte(`"not <a> time"`), &odd); err != nil {
		t.Fatal(err)
	}
	stamps := []Timestamp{{}, NewTimestamp(time.Date(2026, 11, 30, 12, 0, 0, 5, time.UTC)), odd}
	metas := []map[string]any{nil, {}, {"bank_transaction_id": "9882ks-00js", "a<b": "x&y"},
		{"n": 1.5, "b": true, "z": nil, "list": []any{"x", 2.0}, "obj": map[string]any{"k": "v"}}}
	for i := range 3000 {
		tx := Transaction{TransactionID: text(), Timestamp: stamps[rnd.IntN(len(stamps))], Description: text(),
			Amount: amounts[rnd.IntN(len(amounts))], Currency: text(), TransactionType: text(),
			TransactionCategory: text(), ProviderTransactionID: text(), NormalisedProviderTransactionID: text(),
			Meta: metas[rnd.IntN(len(metas))]}
		for range rnd.IntN(3) {
			tx.TransactionClassification = append(tx.TransactionClassification, text())
		}
		if i%3 == 0 {
			tx.TransactionClassification = []string{} // empty, not nil: omitted all the same
		}
		if rnd.IntN(2) == 0 {
			m := text()
			tx.MerchantName = &m
		}
		if rnd.IntN(2) == 0 {
			tx.RunningBalance = &RunningBalance{Amount: amounts[rnd.IntN(len(amounts))], Currency: text()}
		}
		sameAsMarshal(t, &tx)
	}
}

// FuzzTransactionJSON: whatever a bank sends that decodes as a transaction
// is stored as the bytes json.Marshal would write.
func FuzzTransactionJSON(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*transactions*.json"))
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		var rs Results[json.RawMessage]
		if json.Unmarshal(b, &rs) == nil {
			for _, r := range rs.Results {
				f.Add([]byte(r))
			}
		}
	}
	f.Add([]byte(`{"transaction_id":"a<b","meta":{"x":[1,{"y":null}],"a":"\u2028"},"amount":"12.5","timestamp":7}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var tx Transaction
		if json.Unmarshal(b, &tx) != nil {
			return
		}
		sameAsMarshal(t, &tx)
	})
}
