package ledger

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"unicode"
)

// Names in the files: journal accounts, commodities, OFX ids. Each is made
// from bank text by one rule that every reader accepts.

// journalName makes bank text safe as one component of an account name:
// letters, digits and single dashes, starting with a capital (beancount's
// rule, which hledger and ledger-cli also accept).
func journalName(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range Sanitize(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if b.Len() == 0 {
				r = unicode.ToUpper(r)
			}
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
		} else {
			dash = true
		}
	}
	out := b.String()
	if out == "" || !(unicode.IsUpper([]rune(out)[0]) || unicode.IsDigit([]rune(out)[0])) {
		out = "X" + out
	}
	return out
}

// JournalAccount is the account's name in the ledger and beancount exports:
// "Assets:Provider:Name" for an account, "Liabilities:Provider:Name" for a
// card. Two accounts with the same name are told apart in an export by a
// short hash of their id (journalAccounts).
func JournalAccount(v AccountView) string {
	root := "Assets"
	if v.Kind == KindCard {
		root = "Liabilities"
	}
	return root + ":" + journalName(v.ProviderName) + ":" + journalName(v.DisplayName)
}

// pendingSuffix names the account that holds an account's pending rows:
// a sibling, not a child, since beancount's balance assertions count
// children.
const pendingSuffix = "-Pending"

// journalAccounts names every account (JournalAccount), giving the second
// and later of accounts with the same name a suffix from their id, so no
// two share a name (nor a pending sibling's name).
func journalAccounts(views []AccountView) map[string]string {
	out := make(map[string]string, len(views))
	taken := map[string]bool{OpeningAccount: true, UnreconciledAccount: true, TransitAccount: true}
	for _, v := range views {
		name := JournalAccount(v)
		if taken[name] || taken[name+pendingSuffix] {
			name += "-" + shortHash(v.ID, 6)
		}
		taken[name], taken[name+pendingSuffix] = true, true
		out[v.ID] = name
	}
	return out
}

// CategoryAccount is the journal account (ledger, beancount) on the other
// side of a transaction, from its category as shown (CategoryName): money
// in is "Income:...", money out "Expenses:...", one component per level
// ("Expenses:Shopping:Groceries", "Income:Salary"). A first level that
// repeats the root is not written twice, and a category that is nothing
// but the root is "Income:Other" ("Income" alone is no beancount account).
func CategoryAccount(x TxView) string {
	name := x.CategoryName
	if name == "" {
		name = CategoryName(x.Category, x.Classification)
	}
	return categoryAccount(name, x.Amount.Sign() > 0)
}

func categoryAccount(name string, in bool) string {
	root := "Expenses"
	if in {
		root = "Income"
	}
	levels := strings.Split(name, categorySep)
	if strings.EqualFold(journalName(levels[0]), root) {
		levels = levels[1:]
	}
	if len(levels) == 0 {
		levels = []string{"Other"}
	}
	out := root
	for _, l := range levels {
		out += ":" + journalName(l)
	}
	return out
}

// currencyCode is the currency as the journals and OFX write it, by one
// rule every reader accepts (hledger, ledger-cli, beancount, OFX importers):
// the bank's code (bank text, so sanitised) in capitals with everything but
// ASCII letters and digits dropped ("gbp" and "GB P" are GBP); "XXX", ISO
// 4217's "no currency", when nothing is left; an "X" in front when what is
// left does not start with a letter or is one character ("826" is X826:
// beancount wants two or more characters, starting with a letter); at most
// 24 characters (beancount's limit). An ISO 4217 code is itself.
func currencyCode(currency string) string {
	if len(currency) == 3 && isUpperASCII(currency) {
		return currency // the common case, without allocating
	}
	code := strings.Map(func(r rune) rune {
		r = unicode.ToUpper(r)
		if (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') {
			return r
		}
		return -1
	}, Sanitize(currency))
	switch {
	case code == "":
		return "XXX"
	case code[0] < 'A' || len(code) == 1:
		code = "X" + code
	}
	return code[:min(len(code), 24)]
}

func isUpperASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

// ledgerCommodity is currencyCode as hledger and ledger-cli read it: quoted
// when it has a digit (an unquoted symbol is letters only).
func ledgerCommodity(code string) string {
	if strings.ContainsAny(code, "0123456789") {
		return `"` + code + `"`
	}
	return code
}

// ofxID is an identifier as OFX wants it: printable ASCII within limit
// characters. A bank id that is not (too long, or with other characters)
// becomes a stable hash of it, so a later export names the same account or
// transaction the same way and importers still match it.
func ofxID(s string, limit int) string {
	plain := s != "" && len(s) <= limit && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.' || r == '_')
	}) < 0
	if plain {
		return s
	}
	return shortHash(s, min(limit, 22))
}

// shortHash is the first n hex digits of SHA-256 of s.
func shortHash(s string, n int) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])[:n]
}

// journalText makes bank text safe inside a quoted string or a payee:
// sanitised, spaces collapsed, and no quote, backslash or semicolon (a
// comment in hledger).
func journalText(s string) string {
	if journalPlain(s) {
		return s
	}
	return journalReplacer.Replace(strings.Join(strings.Fields(Sanitize(s)), " "))
}

var journalReplacer = strings.NewReplacer(`"`, "'", `\`, "/", ";", ",")

// journalPlain reports whether s is already what journalText makes of it
// (the common case, kept without allocating).
func journalPlain(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == ';':
			return false
		case c == ' ' && (i == 0 || i == len(s)-1 || s[i+1] == ' '):
			return false
		}
	}
	return true
}

// journalFlag marks a settled transaction "*" (cleared) and a pending one
// "!", as hledger, ledger-cli and beancount all read them.
func journalFlag(pending bool) string {
	if pending {
		return "!"
	}
	return "*"
}
