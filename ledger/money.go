package ledger

import "github.com/banktui/banktui/truelayer"

// minorDigits is the number of decimals a currency shows (ISO 4217).
func minorDigits(currency string) int32 {
	switch currency {
	case "JPY", "KRW", "ISK", "HUF":
		return 0
	}
	return 2
}

// PlainAmount is an amount as an exact plain decimal ("-12.30", never "1e3")
// with at least the currency's ISO 4217 minor digits: an amount with more
// decimals than its currency uses keeps them all, it is never rounded. The
// exports write it as is; the TUI and the CLI tables group its thousands
// (ui.FormatMoney).
func PlainAmount(a truelayer.Amount, currency string) string {
	places := minorDigits(currency)
	if exp := a.Decimal().Exponent(); -exp > places {
		places = -exp
	}
	return a.StringFixed(places)
}
