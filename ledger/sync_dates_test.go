package ledger

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httputil"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	tt "github.com/banktui/banktui/truelayer/truelayertest"
)

// bankProxy stands between the sync and the emulator (still the one that
// enforces the API's rules) and rewrites the results of the settled
// transactions answers with edit: a bank that behaves differently from the
// demo bank. It returns the Data API base to use.
func bankProxy(t *testing.T, srv *tt.Server, edit func(txs []json.RawMessage) []json.RawMessage) string {
	t.Helper()
	target, err := url.Parse(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	p := httputil.NewSingleHostReverseProxy(target)
	p.ModifyResponse = func(resp *http.Response) error {
		if resp.StatusCode != http.StatusOK || !strings.HasSuffix(resp.Request.URL.Path, "/transactions") {
			return nil
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return err
		}
		var env struct {
			Results []json.RawMessage `json:"results"`
			Status  string            `json:"status"`
		}
		if err := json.Unmarshal(body, &env); err != nil {
			return err
		}
		env.Results = edit(env.Results)
		if body, err = json.Marshal(env); err != nil {
			return err
		}
		resp.Body = io.NopCloser(bytes.NewReader(body))
		resp.ContentLength = int64(len(body))
		resp.Header.Set("Content-Length", strconv.Itoa(len(body)))
		return nil
	}
	return httptestServer(t, p) + "/api"
}

// A bank sends one row dated a month ahead (a standing order booked in
// advance, a bank bug): the next sync must still ask only up to today, or
// the bank refuses it (invalid_date_range), and every sync after it. Every
// from and to is a whole day, never later than today.
func TestFutureDatedRowNeverMovesTheWindow(t *testing.T) {
	t.Parallel()
	e := newSyncEnv(t)
	north := e.connect("john", tt.ProviderNorthgate)
	ahead := e.srv.Now().AddDate(0, 1, 0).UTC().Format(time.RFC3339)
	e.apiURL = bankProxy(t, e.srv, func(txs []json.RawMessage) []json.RawMessage {
		if len(txs) == 0 {
			return txs
		}
		var last map[string]any
		json.Unmarshal(txs[len(txs)-1], &last)
		last["timestamp"] = ahead
		txs[len(txs)-1], _ = json.Marshal(last)
		return txs
	})
	for run := range 3 {
		mustSync(t, e.syncer(), north)
		e.srv.AdvanceClock(24 * time.Hour)
		if run == 0 {
			e.srv.ResetLog() // the later syncs are the incremental ones
		}
	}
	var asked int
	for _, r := range e.srv.Requests() {
		if !strings.HasSuffix(r.Path, "/transactions") {
			continue
		}
		asked++
		for _, k := range []string{"from", "to"} {
			if v := r.Query.Get(k); !isDate(v) {
				t.Errorf("%s %s=%q is not a date", r.Path, k, v)
			}
		}
		if r.Status != http.StatusOK { // the emulator refuses a day after today
			t.Errorf("%s?%s: %d", r.Path, r.Query.Encode(), r.Status)
		}
	}
	if asked == 0 {
		t.Fatal("no incremental transaction requests")
	}
}

// A bank that sends dates without times (Castle): the same day's rows keep
// the bank's order, whether it sends newest first (as the demo bank does)
// or oldest first, so in a newest-first list each running balance is the
// next (older) row's plus its own amount. (Stored in the order received, a
// newest-first bank's same-day rows read upside down.)
func TestSameDayRowsKeepTheBanksOrder(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name        string
		oldestFirst bool
	}{{"newest first", false}, {"oldest first", true}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newSyncEnv(t)
			castle := e.connect("john", tt.ProviderCastle)
			if tc.oldestFirst {
				e.apiURL = bankProxy(t, e.srv, func(txs []json.RawMessage) []json.RawMessage {
					slices.Reverse(txs)
					return txs
				})
			}
			mustSync(t, e.syncer(), castle)
			assertRunningBalancesInOrder(t, e.st, e.truth(castle).Accounts[0].ID)
		})
	}
}

// assertRunningBalancesInOrder checks an account's newest-first list: each
// row's running balance is the next (older) row's plus its amount.
func assertRunningBalancesInOrder(t *testing.T, st *Store, accountID string) {
	t.Helper()
	rows, err := st.Transactions(context.Background(), TxQuery{AccountIDs: []string{accountID}, Sort: "date", Desc: true, Pending: PendingExclude})
	if err != nil {
		t.Fatal(err)
	}
	sameDay := 0
	for i := 0; i+1 < len(rows); i++ {
		newer, older := rows[i], rows[i+1]
		if newer.RunningBalance == nil || older.RunningBalance == nil {
			t.Fatalf("row %s has no running balance", newer.ID)
		}
		if newer.Timestamp.Equal(older.Timestamp) {
			sameDay++
		}
		if want := older.RunningBalance.Add(newer.Amount); !newer.RunningBalance.Equal(want) {
			t.Fatalf("%s %s (%s): running balance %s, want %s after %s (%s)", newer.Timestamp.Format(time.DateOnly),
				newer.Description, newer.Amount, newer.RunningBalance, want, older.Description, older.RunningBalance)
		}
	}
	if sameDay == 0 {
		t.Fatal("no two rows share a day: the test does not test")
	}
}

func isDate(s string) bool {
	_, err := time.Parse(time.DateOnly, s)
	return err == nil
}
