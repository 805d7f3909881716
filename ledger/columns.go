package ledger

// How values are kept in columns: amounts as the bank's decimal text plus
// an integer in millionths, classification labels joined by classSep,
// booleans as 0 and 1.

import (
	"database/sql"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/banktui/banktui/truelayer"
)

// microExp: *_micro columns hold amounts in millionths.
const microExp = 6

// toMicro returns a in millionths and whether that is exact.
func toMicro(a truelayer.Amount) (int64, bool) {
	if m, ok := a.Minor(microExp); ok {
		return m, true
	}
	return a.Decimal().Shift(microExp).Round(0).IntPart(), false
}

func microCeil(d decimal.Decimal) int64 { return d.Shift(microExp).Ceil().IntPart() }

func microFloor(d decimal.Decimal) int64 { return d.Shift(microExp).Floor().IntPart() }

// amountFromText parses stored text (written by us, so valid), keeping the
// bank's text for display ("5479.0" stays "5479.0").
func amountFromText(s string) truelayer.Amount {
	var a truelayer.Amount
	if err := a.UnmarshalJSON([]byte(s)); err != nil {
		return truelayer.Amount{}
	}
	return a
}

func optAmount(s sql.NullString) *truelayer.Amount {
	if !s.Valid {
		return nil
	}
	a := amountFromText(s.String)
	return &a
}

func optText(a *truelayer.Amount) any {
	if a == nil {
		return nil
	}
	return a.String()
}

// classSep joins classification labels in the classification column.
const classSep = "\x1f"

func joinClassification(c []string) string { return strings.Join(c, classSep) }

func splitClassification(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, classSep)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}

// fromMicro is an amount in millionths as a decimal without the trailing
// zeros the integer adds (12.5, not 12.500000), so it prints with its
// currency's digits (PlainAmount) like an amount the bank sent.
func fromMicro(m int64) truelayer.Amount {
	exp := int32(microExp)
	for exp > 0 && m%10 == 0 {
		m /= 10
		exp--
	}
	return truelayer.AmountFromMinor(m, exp)
}
