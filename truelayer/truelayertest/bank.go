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
	for _, a := range b.accounts {
		g.finish(a, perAccount)
	}
	return b
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

// simulateDay plays one day of the customer's life. The order of the steps
// is the order of the random draws: changing it changes every demo bank.
func (g *generator) simulateDay(day time.Time) {
	yearTwo := day.Sub(g.start) > 365*24*time.Hour
	creditCard := g.crd
	if creditCard == nil {
		creditCard = g.cur
	}
	for _, f := range g.later[g.day] {
		f(day)
	}
	delete(g.later, g.day)

	g.paySalary(day, yearTwo)
	g.payStandingOrders(day)
	g.payDirectDebits(day, yearTwo)
	g.paySubscriptions(day, yearTwo, creditCard)
	g.payInterest(day)
	g.everydayLife(day, creditCard)
	g.travelAbroad(day, creditCard)
	g.topUpFromSavings(day)
}

// paySalary pays the salary on payday, brought forward to Friday over a weekend.
func (g *generator) paySalary(day time.Time, yearTwo bool) {
	payday := time.Date(day.Year(), day.Month(), g.p.payday, 0, 0, 0, 0, time.UTC)
	for payday.Weekday() == time.Saturday || payday.Weekday() == time.Sunday {
		payday = payday.AddDate(0, 0, -1)
	}
	if !day.Equal(payday) {
		return
	}
	salary := g.p.salary
	if yearTwo {
		salary = salary * 103 / 100
	}
	sal := m(g.p.employer, []string{g.p.employer + " SALARY"}, "CREDIT", classSalary, "BGC", 0, 0)
	g.post(g.cur, day.Add(6*time.Hour), salary, sal, nil)
}

// payStandingOrders pays the standing orders due, and the rent of a bank
// whose customer pays it by faster payment.
func (g *generator) payStandingOrders(day time.Time) {
	dom := day.Day()
	for _, so := range g.cur.sos {
		if so.dayOfMonth == dom && so.active {
			g.post(g.cur, day.Add(7*time.Hour), -so.amount, so.m, so)
			if so.ref == "SAVINGS" && g.sav != nil {
				from := m("", []string{"FROM " + g.p.current}, "TRANSFER", classTransfer, "TFR", 0, 0)
				g.post(g.sav, day.Add(7*time.Hour+time.Minute), so.amount, from, nil)
			}
		}
	}
	if !g.p.rentBySO && dom == 1 {
		rent := m(g.p.landlord, []string{g.p.landlord + " RENT"}, "BILL_PAYMENT", classRent, "FPO", 0, 0)
		g.post(g.cur, day.Add(9*time.Hour), -g.p.rent, rent, nil)
	}
}

// payDirectDebits collects the direct debits due, each with its habits.
func (g *generator) payDirectDebits(day time.Time, yearTwo bool) {
	for _, dd := range g.cur.dds {
		if dd.dayOfMonth != day.Day() || !dd.active {
			continue
		}
		amount := dd.amount
		switch dd.name {
		case "OCTOPUS ENERGY": // dearer in winter
			if mo := day.Month(); mo >= time.November || mo <= time.February {
				amount += 4200
			}
		case "LAMBETH COUNCIL": // ten instalments, April to January
			if mo := day.Month(); mo == time.February || mo == time.March {
				continue
			}
		case "PUREGYM LTD": // cancelled after a year
			if yearTwo {
				dd.active = false
				continue
			}
		case "NORTHGATE CARD SERVICES":
			owed := -g.bal[g.crd]
			if owed <= 0 {
				continue
			}
			amount = owed
			g.post(g.crd, day.Add(10*time.Hour), owed, paymentReceived, nil)
		}
		g.post(g.cur, day.Add(5*time.Hour), -amount, dd.m, dd)
	}
}

// paySubscriptions charges the subscriptions due, on the credit card when
// there is one.
func (g *generator) paySubscriptions(day time.Time, yearTwo bool, creditCard *acct) {
	for _, sub := range subscriptions {
		if sub.day == day.Day() {
			price := sub.price
			if yearTwo {
				price = sub.rise
			}
			g.post(creditCard, g.at(day, 1, 5), -price, sub.m, nil)
		}
	}
}

// payInterest credits savings interest at month end.
func (g *generator) payInterest(day time.Time) {
	if g.sav != nil && day.AddDate(0, 0, 1).Day() == 1 {
		if interest := g.bal[g.sav] * 41 / 1000 / 12; interest > 0 {
			g.post(g.sav, day.Add(23*time.Hour), interest, interestPaid, nil)
		}
	}
}

// everydayLife: commuting, coffee, groceries, eating out, shopping (with
// returns), fuel, trains, cash and friends paying back. Card spending on the
// debit card goes to the current account.
func (g *generator) everydayLife(day time.Time, creditCard *acct) {
	rng, spendCard := g.rng, g.cur
	wd := day.Weekday()
	weekend := wd == time.Saturday || wd == time.Sunday
	if !weekend && rng.IntN(100) < 80 {
		g.post(spendCard, g.at(day, 7, 20), -g.amountIn(tfl), tfl, nil)
	}
	if !weekend && rng.IntN(100) < 55 {
		c := coffee[rng.IntN(len(coffee))]
		g.post(spendCard, g.at(day, 7, 15), -g.amountIn(c), c, nil)
	}
	if rng.IntN(100) < 38 {
		gr := groceries[rng.IntN(len(groceries))]
		card := spendCard
		if rng.IntN(4) == 0 {
			card = creditCard
		}
		g.post(card, g.at(day, 9, 21), -g.amountIn(gr), gr, nil)
	}
	if rng.IntN(100) < 16 || (weekend && rng.IntN(100) < 25) {
		e := eatingOut[rng.IntN(len(eatingOut))]
		g.post(creditCard, g.at(day, 12, 23), -g.amountIn(e), e, nil)
	}
	if rng.IntN(100) < 12 {
		g.shop(day, creditCard)
	}
	if rng.IntN(100) < 3 {
		f := fuel[rng.IntN(len(fuel))]
		g.post(spendCard, g.at(day, 7, 21), -g.amountIn(f), f, nil)
	}
	if rng.IntN(100) < 2 {
		g.post(spendCard, g.at(day, 8, 20), -g.amountIn(trainline), trainline, nil)
	}
	if rng.IntN(100) < 6 {
		g.post(g.cur, g.at(day, 8, 22), -int64(2+rng.IntN(9))*1000, atm, nil)
	}
	if rng.IntN(100) < 3 {
		g.post(g.cur, g.at(day, 9, 22), g.amountIn(friendPayment), friendPayment, nil)
	}
}

// shop buys something on the credit card; one in ten is returned and
// refunded a few days later.
func (g *generator) shop(day time.Time, creditCard *acct) {
	rng := g.rng
	sh := shopping[rng.IntN(len(shopping))]
	amount := g.amountIn(sh)
	g.post(creditCard, g.at(day, 8, 23), -amount, sh, nil)
	if rng.IntN(100) < 10 {
		refund := m(sh.name, []string{"REFUND " + sh.descs[0]}, "CREDIT", sh.class, "REF", 0, 0)
		g.schedule(3+rng.IntN(10), func(d time.Time) { g.post(creditCard, g.at(d, 8, 18), amount, refund, nil) })
	}
}

// travelAbroad: two trips a year, paying in euros.
func (g *generator) travelAbroad(day time.Time, creditCard *acct) {
	doy := day.YearDay()
	if (doy < 152 || doy >= 158) && (doy < 290 || doy >= 294) {
		return
	}
	rng := g.rng
	for range 1 + rng.IntN(3) {
		fm := foreign[rng.IntN(len(foreign))]
		eur := g.amountIn(fm)
		rate := int64(8400 + rng.IntN(400)) // GBP per EUR x 10^4
		gbp := (eur*rate + 5000) / 10000
		card := creditCard
		t := g.post(card, g.at(day, 9, 23), -gbp, fm, nil)
		if t != nil {
			t.fxMinor, t.fxCur, t.fxRate = eur, "EUR", "0."+strconv.FormatInt(rate, 10)
			if card == g.cur { // debit cards charge for it
				g.post(card, time.Unix(t.at, 0).Add(time.Minute), -(gbp*299+5000)/10000-1, fxFee, nil)
			}
		}
	}
}

// topUpFromSavings moves money from savings when the current account runs low.
func (g *generator) topUpFromSavings(day time.Time) {
	if g.sav == nil || g.bal[g.cur] >= 20000 || g.bal[g.sav] <= 60000 {
		return
	}
	to := m("", []string{"TO " + g.p.current}, "TRANSFER", classTransfer, "TFR", 0, 0)
	from := m("", []string{"FROM " + g.p.savings}, "TRANSFER", classTransfer, "TFR", 0, 0)
	when := g.at(day, 20, 23)
	g.post(g.sav, when, -50000, to, nil)
	g.post(g.cur, when.Add(time.Second), 50000, from, nil)
}

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
