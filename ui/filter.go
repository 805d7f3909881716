package ui

import (
	"fmt"
	"strings"

	"github.com/shopspring/decimal"
)

// The filter language of the transactions pane (/), space-separated terms
// that must all match (the store does the matching: ledger.TxTerms):
//
//	tesco            text in the description, merchant or category (case-insensitive)
//	"corner shop"    a quoted phrase
//	amount:>50       amount above 50 (money in); also >=, <, <=, = or a bare number
//	amount:<-100     amount below -100 (money out of more than 100)
//	category:food    category, as shown, contains "food" (ledger.CategoryMatches:
//	                 any case, any level; category:"shopping / groceries")
//	merchant:tesco   merchant contains "tesco"
//	pending          only pending rows; settled (or !pending) only settled ones
//	!word            rows NOT containing word
type txFilter struct {
	raw       string
	terms     []string // lower-case substrings of the search text
	negated   []string
	category  []string
	merchant  []string
	amounts   []amountCmp
	pending   int      // 0 any, 1 only pending, -1 only settled
	problems  []string // terms that could not be understood, shown under the input
	hasAmount bool
}

// parseFilter never fails: terms it cannot read are reported in problems and
// ignored, so typing "amount:>" midway does not blank the list.
func parseFilter(s string) txFilter {
	f := txFilter{raw: s}
	for _, tok := range splitFilterTerms(s) {
		lower := strings.ToLower(tok)
		switch {
		case lower == "pending" || lower == "is:pending":
			f.pending = 1
		case lower == "settled" || lower == "!pending" || lower == "-pending":
			f.pending = -1
		case strings.HasPrefix(lower, "amount:") || strings.HasPrefix(lower, "amt:"):
			v := lower[strings.IndexByte(lower, ':')+1:]
			c, err := parseAmountCmp(v)
			if err != nil {
				f.problems = append(f.problems, fmt.Sprintf("%s: %v", tok, err))
				continue
			}
			f.amounts = append(f.amounts, c)
			f.hasAmount = true
		case strings.HasPrefix(lower, "category:") || strings.HasPrefix(lower, "cat:"):
			if v := lower[strings.IndexByte(lower, ':')+1:]; v != "" {
				f.category = append(f.category, v)
			}
		case strings.HasPrefix(lower, "merchant:"):
			if v := lower[len("merchant:"):]; v != "" {
				f.merchant = append(f.merchant, v)
			}
		case strings.HasPrefix(lower, "!") && len(lower) > 1:
			f.negated = append(f.negated, lower[1:])
		default:
			f.terms = append(f.terms, lower)
		}
	}
	return f
}

// splitFilterTerms splits on spaces, keeping "quoted phrases" together.
func splitFilterTerms(s string) []string {
	var out []string
	var cur strings.Builder
	inQuote := false
	for _, r := range s {
		switch {
		case r == '"':
			inQuote = !inQuote
		case r == ' ' && !inQuote:
			if cur.Len() > 0 {
				out = append(out, cur.String())
				cur.Reset()
			}
		default:
			cur.WriteRune(r)
		}
	}
	if cur.Len() > 0 {
		out = append(out, cur.String())
	}
	return out
}

func parseAmountCmp(v string) (amountCmp, error) {
	op := "="
	for _, p := range []string{">=", "<=", ">", "<", "="} {
		if strings.HasPrefix(v, p) {
			op, v = p, v[len(p):]
			break
		}
	}
	v = strings.TrimLeft(v, "£€$")
	v = strings.ReplaceAll(v, ",", "")
	if v == "" {
		return amountCmp{}, fmt.Errorf("needs a number")
	}
	d, err := decimal.NewFromString(v)
	if err != nil {
		return amountCmp{}, fmt.Errorf("%q is not a number", v)
	}
	return amountCmp{op: op, value: d}, nil
}

// empty reports whether the filter lets everything through.
func (f *txFilter) empty() bool {
	return len(f.terms) == 0 && len(f.negated) == 0 && len(f.category) == 0 && len(f.merchant) == 0 && !f.hasAmount && f.pending == 0
}
