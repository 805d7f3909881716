package truelayertest

import (
	"hash/fnv"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/banktui/banktui/truelayer"
)

// bankProfile shapes a provider's demo customer.
type bankProfile struct {
	current, savings, card string // display names; "" = no such account
	cardNetwork            string
	sortCode               string
	employer               string
	salary                 int64 // monthly net pay, minor units
	payday                 int
	landlord               string
	rent                   int64
	rentBySO               bool // else a faster payment (neobanks)
	dds                    bool
	stampStyle             int // timestamp format, see formatStamp
	savingsSO              int64
}

var (
	profileHighStreet = bankProfile{
		current: "Current Account", savings: "Instant Saver", card: "Rewards Credit Card",
		cardNetwork: "VISA", sortCode: "20-32-06", employer: "ACME LOGISTICS LTD", salary: 285000, payday: 25,
		landlord: "HARLOW LETTINGS LTD", rent: 115000, rentBySO: true, dds: true, stampStyle: 0, savingsSO: 30000,
	}
	profileNeobank = bankProfile{
		current: "Nova Account", sortCode: "04-00-75", employer: "BRIGHTWAVE DIGITAL LTD", salary: 312000, payday: 28,
		landlord: "K OKONKWO", rent: 98000, dds: true, stampStyle: 1,
	}
	profileCastle = bankProfile{
		current: "Classic Current Account", savings: "Easy Access Savings", sortCode: "30-94-57",
		employer: "NORTHERN RAIL SERVICES", salary: 241000, payday: 28, landlord: "CASTLE ESTATES",
		rent: 82500, rentBySO: true, dds: true, stampStyle: 2, savingsSO: 15000,
	}
)

type bankKey struct{ user, provider string }

type bankEntry struct {
	once sync.Once
	bank *bank
}

// bank is one user's demo data at one provider. It is immutable once
// generated: what is settled or pending depends only on the time asked about.
type bank struct {
	provider *providerSpec
	holder   string
	accounts []*acct // accounts then cards
	created  time.Time
}

type acct struct {
	id       string
	card     bool
	kind     string // "current", "savings", "credit"
	name     string
	currency string
	number   truelayer.AccountNumber
	partial  string // last four digits of the card (for accounts: of the debit card)
	network  string
	limit    int64 // credit limit (cards) or arranged overdraft (current)
	opening  int64 // signed balance before the first transaction
	txs      []tx  // by settlement time; pending ones settle after bank creation
	sos      []*payment
	dds      []*payment
	style    int    // timestamp format of the bank
	iban     string // sent only to johnN/ibanN users, as in TrueLayer's sandbox
}

// payment is a standing order or a direct debit and the transactions it made.
type payment struct {
	id, name, ref, mandate string
	dayOfMonth             int
	amount                 int64 // usual amount, positive
	first                  time.Time
	active                 bool
	m                      *merchant
}

type tx struct {
	at        int64 // settled time, unix seconds
	pendingAt int64 // when it appeared as pending (0 = never pending)
	amount    int64 // minor units; negative = money out
	balance   int64 // running balance after it (signed)
	id, pid   uint64
	m         *merchant
	variant   uint8
	pay       *payment // standing order or direct debit that made it
	fxMinor   int64    // original amount (positive) in minor units when foreign
	fxCur     string
	fxRate    string
}

func hash64(parts ...string) uint64 {
	h := fnv.New64a()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return h.Sum64()
}

// bankFor returns the (lazily generated) bank of username at providerID.
func (s *Server) bankFor(user mockUser, providerID string) *bank {
	key := bankKey{user.Username, providerID}
	s.mu.Lock()
	e := s.banks[key]
	if e == nil {
		e = &bankEntry{}
		s.banks[key] = e
	}
	now := s.nowLocked()
	s.mu.Unlock()
	e.once.Do(func() {
		p, _ := providerByID(providerID)
		e.bank = generateBank(s.cfg.seed, user, p, now, s.cfg.txPerAccount)
	})
	return e.bank
}

// generator holds the state of one bank's simulation.
type generator struct {
	rng      *rand.Rand
	p        bankProfile
	start    time.Time // first day of history
	created  time.Time // bank creation: "now" when it was generated
	end      time.Time // life goes on until here, shown as the clock reaches it
	cur, sav *acct
	crd      *acct
	bal      map[*acct]int64
	later    map[int][]func(day time.Time) // events scheduled for a day index
	day      int
}

// futureHorizon is how long life goes on after the bank is generated: as
// the emulator's clock advances, new transactions appear (for incremental
// sync tests) until this horizon.
const futureHorizon = 366 * 24 * time.Hour

// Card purchases are pending between purchase and settlement, 6 to 72 hours later.
const (
	minSettle = 6 * 3600
	maxSettle = 72 * 3600
)

// generateBank builds two years of history ending at now, and a year of
// future that the clock reveals, deterministic in (seed, user, provider, now).
func generateBank(seed int64, user mockUser, p *providerSpec, now time.Time, perAccount int) *bank {
	rng := rand.New(rand.NewPCG(uint64(seed), hash64(user.Username, p.ID)))
	b := &bank{provider: p, holder: "John Doe", created: now}
	prof := p.profile
	g := &generator{rng: rng, p: prof, created: now, end: now.Add(futureHorizon), bal: map[*acct]int64{}, later: map[int][]func(time.Time){}}
	today := now.Truncate(24 * time.Hour)
	g.start = today.AddDate(-2, 0, 0)

	newAcct := func(kind, name string, card bool) *acct {
		a := &acct{
			id:   hex32(rng.Uint64(), rng.Uint64()),
			card: card, kind: kind, name: name, currency: "GBP", style: prof.stampStyle,
		}
		a.partial = strconv.Itoa(1000 + rng.IntN(9000)) // the card's, or the account's debit card
		if card {
			a.network = prof.cardNetwork
			a.limit = 500000
		} else {
			a.number = truelayer.AccountNumber{
				SortCode: prof.sortCode,
				Number:   strconv.Itoa(10000000 + rng.IntN(89999999)),
				SwiftBIC: "NGTEGB2L",
			}
			a.iban = ukIBAN("NGTE", stripDashes(prof.sortCode), a.number.Number)
		}
		b.accounts = append(b.accounts, a)
		return a
	}
	g.cur = newAcct("current", prof.current, false)
	g.cur.limit = 100000 // arranged overdraft
	g.cur.opening = 120000 + int64(rng.IntN(80000))
	if prof.savings != "" {
		g.sav = newAcct("savings", prof.savings, false)
		g.sav.opening = 350000 + int64(rng.IntN(300000))
	}
	if prof.card != "" {
		g.crd = newAcct("credit", prof.card, true)
	}
	for _, a := range b.accounts {
		g.bal[a] = a.opening
	}
	g.setupPayments()
	days := int(g.end.Sub(g.start)/(24*time.Hour)) + 1
	for g.day = 0; g.day < days; g.day++ {
		g.simulateDay(g.start.AddDate(0, 0, g.day))
	}
	g.pendingAtCreation(b.accounts)
	for _, a := range b.accounts {
		g.finish(a, perAccount)
	}
	return b
}

// pendingAtCreation makes sure a card purchase is pending when the bank is
// generated, as in most hours of a real bank: after a few quiet days none
// was (john at Northgate had none from 06:00 to 15:00 on 1 December 2026),
// so the demo and the tests of pending rows depended on the hour they ran.
// A bank that has one is left as generated.
func (g *generator) pendingAtCreation(accounts []*acct) {
	now := g.created.Unix()
	for _, a := range accounts {
		for _, t := range a.txs {
			if t.pendingAt != 0 && t.pendingAt <= now && now < t.at {
				return
			}
		}
	}
	c := coffee[g.rng.IntN(len(coffee))]
	g.post(g.cur, g.created.Add(-20*time.Minute), -g.amountIn(c), c, nil)
}

func stripDashes(s string) string {
	out := make([]byte, 0, len(s))
	for i := range len(s) {
		if s[i] != '-' {
			out = append(out, s[i])
		}
	}
	return string(out)
}

// ukIBAN builds a GB IBAN with valid ISO 7064 mod-97 check digits.
func ukIBAN(bank, sortCode, number string) string {
	bban := bank + sortCode + number
	rem := 0
	for _, c := range bban + "GB00" {
		v := int(c - '0')
		if c >= 'A' && c <= 'Z' {
			v = int(c-'A') + 10
			rem = (rem*100 + v) % 97
			continue
		}
		rem = (rem*10 + v) % 97
	}
	check := 98 - rem
	return "GB" + pad2(check) + bban
}

const hexDigits = "0123456789abcdef"

// hex32 formats two words as 32 hex digits, like TrueLayer's transaction ids.
func hex32(a, b uint64) string {
	var buf [32]byte
	for i := 15; i >= 0; i-- {
		buf[i] = hexDigits[a&15]
		a >>= 4
		buf[16+i] = hexDigits[b&15]
		b >>= 4
	}
	return string(buf[:])
}

func (g *generator) amountIn(mm *merchant) int64 {
	if mm.max <= mm.min {
		return mm.min
	}
	return mm.min + g.rng.Int64N(mm.max-mm.min)
}

// at returns a time on day between hour lo and hi.
func (g *generator) at(day time.Time, lo, hi int) time.Time {
	sec := lo*3600 + g.rng.IntN((hi-lo)*3600)
	return day.Add(time.Duration(sec) * time.Second)
}

// post records a transaction made at when, within the generated span. Card
// purchases are pending until they settle, hours or days later.
func (g *generator) post(a *acct, when time.Time, amount int64, mm *merchant, pay *payment) *tx {
	if a == nil || when.After(g.end) {
		return nil
	}
	t := tx{
		at: when.Unix(), amount: amount, m: mm, pay: pay,
		id: g.rng.Uint64(), pid: g.rng.Uint64(), variant: uint8(g.rng.IntN(len(mm.descs))),
	}
	if mm.card && amount < 0 {
		t.pendingAt = t.at
		t.at += minSettle + g.rng.Int64N(maxSettle-minSettle)
	}
	a.txs = append(a.txs, t)
	g.bal[a] += amount
	return &a.txs[len(a.txs)-1]
}

func (g *generator) schedule(daysAhead int, f func(day time.Time)) {
	g.later[g.day+daysAhead] = append(g.later[g.day+daysAhead], f)
}

// setupPayments creates the standing orders and direct debits of the profile.
func (g *generator) setupPayments() {
	p := g.p
	mk := func(name, ref string, day int, amount int64, category string, class []string, provCat string) *payment {
		return &payment{
			id: hex32(g.rng.Uint64(), 0)[:16], name: name, ref: ref, dayOfMonth: day, amount: amount,
			first: g.start.AddDate(0, -g.rng.IntN(30)-1, 0), active: true,
			mandate: ref + "-" + strconv.Itoa(100000+g.rng.IntN(899999)),
			m:       m(name, []string{name + " " + ref}, category, class, provCat, amount, amount),
		}
	}
	if p.rentBySO {
		g.cur.sos = append(g.cur.sos, mk(p.landlord, "RENT", 1, p.rent, "STANDING_ORDER", classRent, "SO"))
	}
	if g.sav != nil && p.savingsSO > 0 {
		so := mk("J DOE", "SAVINGS", 26, p.savingsSO, "STANDING_ORDER", classTransfer, "SO")
		so.m.descs = []string{"TO " + p.savings}
		g.cur.sos = append(g.cur.sos, so)
	}
	if p.dds {
		g.cur.dds = append(g.cur.dds,
			mk("OCTOPUS ENERGY", "A-4F2E91C0", 12, 9600, "DIRECT_DEBIT", classEnergy, "DD"),
			mk("THAMES WATER", "TW-99183", 18, 3700, "DIRECT_DEBIT", classWater, "DD"),
			mk("BT GROUP PLC", "BT-GB8812", 8, 3599, "DIRECT_DEBIT", classInternet, "DD"),
			mk("EE LIMITED", "EE-07700900", 20, 2200, "DIRECT_DEBIT", classMobile, "DD"),
			mk("LAMBETH COUNCIL", "CTAX-5512", 1, 15200, "DIRECT_DEBIT", classCouncil, "DD"),
			mk("TV LICENCE MBP", "TVL-221", 3, 1325, "DIRECT_DEBIT", classTV, "DD"),
			mk("PUREGYM LTD", "PG-77120", 5, 2499, "DIRECT_DEBIT", classGym, "DD"),
		)
		if g.crd != nil {
			g.cur.dds = append(g.cur.dds, mk("NORTHGATE CARD SERVICES", "CARD-"+g.crd.partial, 24, 0, "DIRECT_DEBIT", classCardPay, "DD"))
		}
	}
}

var paymentReceived = m("", []string{"PAYMENT RECEIVED - THANK YOU"}, "CREDIT", classCardPay, "PAY", 0, 0)

// padding merchants for WithTransactionsPerAccount.
var padMerchants = append(append(append([]*merchant{}, groceries...), coffee...), tfl)

// finish sorts by settlement, pads and computes running balances.
func (g *generator) finish(a *acct, perAccount int) {
	byTime := func(x, y tx) int {
		switch {
		case x.at < y.at:
			return -1
		case x.at > y.at:
			return 1
		}
		return 0
	}
	slices.SortStableFunc(a.txs, byTime)
	createdSec := g.created.Unix()
	history := sort.Search(len(a.txs), func(i int) bool { return a.txs[i].at > createdSec })
	if n := perAccount - history; perAccount > 0 && n > 0 {
		// Sort bare times, not whole transactions, then merge: it keeps
		// 100k-per-account generation fast.
		startSec := g.start.Unix()
		span := createdSec - maxSettle - startSec
		times := make([]int64, n)
		for i := range times {
			times[i] = startSec + g.rng.Int64N(span)
		}
		slices.Sort(times)
		merged := make([]tx, 0, len(a.txs)+n)
		var spent int64
		j := 0
		for _, at := range times {
			for j < len(a.txs) && a.txs[j].at <= at {
				merged = append(merged, a.txs[j])
				j++
			}
			mm := padMerchants[g.rng.IntN(len(padMerchants))]
			amount := mm.min + g.rng.Int64N(mm.max-mm.min+1)
			spent += amount
			merged = append(merged, tx{
				at: at, pendingAt: at - minSettle - g.rng.Int64N(maxSettle-minSettle), amount: -amount, m: mm,
				id: g.rng.Uint64(), pid: g.rng.Uint64(), variant: uint8(g.rng.IntN(len(mm.descs))),
			})
		}
		a.txs = append(merged, a.txs[j:]...)
		// Start richer by what the padding spends, so the balance today stays plausible.
		a.opening += spent
	}
	bal := a.opening
	for i := range a.txs {
		bal += a.txs[i].amount
		a.txs[i].balance = bal
	}
}
