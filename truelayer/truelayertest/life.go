package truelayertest

import (
	"strconv"
	"time"
)

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
	g.christmas(day, creditCard)
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

// christmas: presents through the first three weeks of December and a
// big food shop before the day, on the credit card when there is one. It
// draws last in the day, so the days before December are unchanged.
func (g *generator) christmas(day time.Time, creditCard *acct) {
	if day.Month() != time.December || day.Day() > 23 {
		return
	}
	rng := g.rng
	if day.Day() <= 21 && rng.IntN(100) < 35 {
		g.shop(day, creditCard)
	}
	if day.Day() == 23 {
		gr := groceries[rng.IntN(len(groceries))]
		g.post(creditCard, g.at(day, 9, 20), -(9000 + rng.Int64N(8000)), gr, nil)
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
