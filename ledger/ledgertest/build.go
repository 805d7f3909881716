package ledgertest

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"github.com/banktui/banktui/ledger"
	"github.com/banktui/banktui/truelayer"
)

// Spec is a synthetic history: one bank, an account per entry of Rows with
// that many settled transactions (the first is the current account, the
// one the TUI opens on), spread over Years up to End, plus Pending pending
// rows each. Merchants, categories and amounts are realistic enough for
// text search and sums to do real work.
type Spec struct {
	Rows    []int
	Years   int       // 0: 2
	End     time.Time // zero: 2026-11-28
	Pending int
	Seed    uint64
}

func (s Spec) withDefaults() Spec {
	if s.Years == 0 {
		s.Years = 2
	}
	if s.End.IsZero() {
		s.End = time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	}
	return s
}

// Total is how many transactions the spec stores.
func (s Spec) Total() int {
	n := 0
	for _, r := range s.Rows {
		n += r + s.Pending
	}
	return n
}

// AccountID is the id of the spec's i-th account.
func AccountID(i int) string { return fmt.Sprintf("acct-%d", i) }

// Accounts are the spec's accounts, each with a balance.
func (s Spec) Accounts() []ledger.AccountView {
	s = s.withDefaults()
	names := []string{"Current Account", "Rainy Day Saver", "Joint Account", "Bills Account"}
	out := make([]ledger.AccountView, len(s.Rows))
	for i := range s.Rows {
		name := fmt.Sprintf("Account %d", i)
		if i < len(names) {
			name = names[i]
		}
		out[i] = ledger.AccountView{ConnectionID: "conn-bench", ProviderID: "ob-bench", ProviderName: "Bench Bank",
			Kind: ledger.KindAccount, ID: AccountID(i), DisplayName: name, Type: "TRANSACTION", Currency: "GBP",
			Number: fmt.Sprintf("20-00-%02d %08d", i, 10000000+i), Current: truelayer.AmountFromMinor(123456+int64(i)*1000, 2),
			Available: truelayer.AmountFromMinor(133456, 2), HasBalance: true, BalanceAsOf: s.End,
			HistoryFrom: s.End.AddDate(-s.Years, 0, 0), LastSync: s.End}
	}
	return out
}

// Build writes spec's history into a new ledger at path.
func Build(path string, spec Spec) error {
	spec = spec.withDefaults()
	w, err := create(path)
	if err != nil {
		return err
	}
	defer w.close()
	if err := w.accounts(spec.Accounts()); err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(spec.Seed, 7))
	start := spec.End.AddDate(-spec.Years, 0, 0)
	for i, n := range spec.Rows {
		g := history{rng: rng, accountID: AccountID(i), balance: 5_000_00}
		step := spec.End.Sub(start) / time.Duration(max(n, 1))
		at := start
		for k := range n {
			at = at.Add(time.Duration(rng.Int64N(int64(2*step) + 1)))
			if at.After(spec.End) {
				at = spec.End.Add(-time.Duration(n-k) * time.Second)
			}
			if err := w.add(fromAPI(g.accountID, false, g.next(at))); err != nil {
				return err
			}
		}
		for k := range spec.Pending {
			t := g.next(spec.End.Add(-time.Duration(k+1) * 3 * time.Hour))
			t.RunningBalance = nil
			if err := w.add(fromAPI(g.accountID, true, t)); err != nil {
				return err
			}
		}
	}
	return w.finish()
}

// Cached is the path of spec's store, built once and kept under the
// temporary directory (banktui-bench/), so benchmarks in every package and
// every run share it. Treat it as read-only: copy it (CopyFile) to change it.
func Cached(spec Spec) (string, error) {
	spec = spec.withDefaults()
	dir := filepath.Join(os.TempDir(), "banktui-bench")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	// The name holds the schema, so that opening a store (which migrates
	// it) never changes one another schema's code shares.
	rest := fmt.Sprintf("%v-%dy-%dp-%d-%s.db", spec.Rows, spec.Years, spec.Pending, spec.Seed, spec.End.Format("20060102"))
	name := fmt.Sprintf("v%d-s%d-%s", generatorVersion, ledger.SchemaVersion(), rest)
	path := filepath.Join(dir, name)
	if _, err := os.Stat(path); err == nil {
		return path, nil
	}
	tmp := filepath.Join(dir, fmt.Sprintf(".%s.%d", name, os.Getpid()))
	os.Remove(tmp)
	if err := migrateOlder(tmp, dir, rest); err != nil {
		os.Remove(tmp)
		if err := Build(tmp, spec); err != nil {
			os.Remove(tmp)
			return "", err
		}
	}
	for _, ext := range []string{"-wal", "-shm"} {
		os.Remove(tmp + ext)
	}
	return path, os.Rename(tmp, path)
}

// migrateOlder makes tmp from a cached store of the same generator and an
// older schema (named without one before schemas were named), copied and
// migrated: minutes quicker than building the 1M store again.
func migrateOlder(tmp, dir, rest string) error {
	older := []string{filepath.Join(dir, fmt.Sprintf("v%d-%s", generatorVersion, rest))}
	for v := ledger.SchemaVersion() - 1; v > 0; v-- {
		older = append(older, filepath.Join(dir, fmt.Sprintf("v%d-s%d-%s", generatorVersion, v, rest)))
	}
	for _, src := range older {
		if _, err := os.Stat(src); err != nil {
			continue
		}
		if err := CopyFile(tmp, src); err != nil {
			return err
		}
		st, err := ledger.Open(tmp)
		if err != nil {
			return err
		}
		return st.Close()
	}
	return os.ErrNotExist
}

// generatorVersion names the cached stores: change it when Build or the
// schema changes.
const generatorVersion = 3 // 2: category names, day-only times, the keyset and per-day tables; 3: the full-text hashsize (migration 12)

// merchant is a payee of the synthetic history.
type merchant struct {
	desc, name, category, class string
	min, max                    int64 // pence, money out
}

var merchants = []merchant{
	{"TESCO STORES %d", "Tesco", "PURCHASE", "Groceries", 150, 12000},
	{"SAINSBURYS S/MKT %d", "Sainsbury's", "PURCHASE", "Groceries", 200, 9000},
	{"WAITROSE %d", "Waitrose", "PURCHASE", "Groceries", 300, 11000},
	{"PRET A MANGER %d", "Pret A Manger", "PURCHASE", "Coffee shops", 250, 1200},
	{"COSTA COFFEE %d", "Costa", "PURCHASE", "Coffee shops", 220, 900},
	{"TFL TRAVEL CH %d", "Transport for London", "PURCHASE", "Transport", 170, 850},
	{"UBER *TRIP %d", "Uber", "PURCHASE", "Transport", 600, 4500},
	{"TRAINLINE %d", "Trainline", "PURCHASE", "Transport", 1200, 15000},
	{"AMAZON MKTPLACE %d", "Amazon", "PURCHASE", "Shopping", 400, 20000},
	{"ARGOS LTD %d", "Argos", "PURCHASE", "Shopping", 500, 30000},
	{"JOHN LEWIS %d", "John Lewis", "PURCHASE", "Shopping", 1500, 60000},
	{"DELIVEROO %d", "Deliveroo", "PURCHASE", "Takeaway", 1200, 4500},
	{"SHELL %d", "Shell", "PURCHASE", "Fuel", 2000, 9000},
	{"BOOTS %d", "Boots", "PURCHASE", "Health", 300, 4000},
	{"NETFLIX.COM %d", "Netflix", "DIRECT_DEBIT", "Entertainment", 1099, 1099},
	{"SPOTIFY %d", "Spotify", "DIRECT_DEBIT", "Entertainment", 1199, 1199},
	{"OCTOPUS ENERGY %d", "Octopus Energy", "DIRECT_DEBIT", "Bills", 6000, 16000},
	{"COUNCIL TAX %d", "", "DIRECT_DEBIT", "Bills", 14000, 19000},
	{"GREGGS %d", "Greggs", "PURCHASE", "Food", 150, 900},
	{"M&S SIMPLY FOOD %d", "Marks & Spencer", "PURCHASE", "Groceries", 300, 3500},
	{"CASH MACHINE %d", "", "ATM", "Cash", 1000, 20000},
	{"TRANSFER TO SAVINGS %d", "", "TRANSFER", "Transfers", 5000, 50000},
}

// history generates one account's transactions, its running balance kept.
type history struct {
	rng       *rand.Rand
	accountID string
	balance   int64
	n         int
}

func (h *history) next(at time.Time) truelayer.Transaction {
	h.n++
	t := truelayer.Transaction{
		TransactionID: fmt.Sprintf("%016x%016x", h.rng.Uint64(), h.rng.Uint64()),
		Timestamp:     truelayer.NewTimestamp(at),
		Currency:      "GBP",
	}
	if h.rng.IntN(12) == 0 { // money in
		amount := 50_000 + h.rng.Int64N(300_000)
		t.Description, t.Amount, t.TransactionType = fmt.Sprintf("SALARY ACME LTD %d", h.n), truelayer.AmountFromMinor(amount, 2), truelayer.TransactionTypeCredit
		t.TransactionCategory, t.TransactionClassification = "CREDIT", []string{"Income"}
		h.balance += amount
	} else {
		m := merchants[h.rng.IntN(len(merchants))]
		amount := m.min + h.rng.Int64N(m.max-m.min+1)
		t.Description, t.Amount, t.TransactionType = fmt.Sprintf(m.desc, 1000+h.rng.IntN(9000)), truelayer.AmountFromMinor(-amount, 2), truelayer.TransactionTypeDebit
		t.TransactionCategory, t.TransactionClassification = m.category, []string{m.class}
		if m.name != "" {
			name := m.name
			t.MerchantName = &name
		}
		h.balance -= amount
	}
	t.RunningBalance = &truelayer.RunningBalance{Amount: truelayer.AmountFromMinor(h.balance, 2), Currency: "GBP"}
	t.Meta = map[string]any{"provider_category": t.TransactionType}
	return t
}
