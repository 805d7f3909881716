package truelayertest

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

// The hand-written encoder must say exactly what the model types say.
func TestEncoderMatchesModel(t *testing.T) {
	now := time.Date(2026, 3, 15, 10, 0, 0, 0, time.UTC)
	for _, p := range providers {
		b := generateBank(3, mockUser{Username: "john"}, &p, now, 0)
		for _, a := range b.accounts {
			settled, pending := a.split(now)
			for _, c := range []struct {
				txs              []tx
				pending, balance bool
			}{{settled, false, true}, {settled, false, false}, {pending, true, false}} {
				var fast, model []map[string]any
				if err := json.Unmarshal(b.appendTxs(nil, a, c.txs, c.pending, c.balance), &fast); err != nil {
					t.Fatalf("%s/%s: encoder wrote invalid JSON: %v", p.ID, a.kind, err)
				}
				var txs []any
				for i := len(c.txs) - 1; i >= 0; i-- {
					txs = append(txs, b.txJSON(a, &c.txs[i], c.pending, c.balance))
				}
				raw, err := json.Marshal(txs)
				if err != nil {
					t.Fatal(err)
				}
				if err := json.Unmarshal(raw, &model); err != nil {
					t.Fatal(err)
				}
				if len(fast) != len(model) {
					t.Fatalf("%s/%s: %d vs %d transactions", p.ID, a.kind, len(fast), len(model))
				}
				for i := range fast {
					if !reflect.DeepEqual(fast[i], model[i]) {
						t.Fatalf("%s/%s transaction %d:\nencoder %v\nmodel   %v", p.ID, a.kind, i, fast[i], model[i])
					}
				}
			}
		}
	}
}

func TestAppendMinorMatchesAmount(t *testing.T) {
	for _, v := range []int64{0, 1, 5, 10, 99, 100, 101, 110, 1250, 1200, 123456, -1, -10, -50, -1250, -100000, -99} {
		if got, want := string(appendMinor(nil, v)), minor(v).String(); got != want {
			t.Errorf("appendMinor(%d) = %s, want %s", v, got, want)
		}
	}
}
