package cli

import (
	"context"
	"strings"
	"time"
	"unicode"

	"github.com/spf13/cobra"

	"github.com/banktui/banktui/ledger"
)

// txFilter holds the flags that narrow transactions, shared by
// transactions and export. Every one narrows: --pending means only pending
// rows (export's widening flag is --include-pending).
type txFilter struct {
	From, To         string
	Pending, Settled bool
	Search, Category string
	Limit            int
}

func (fl *txFilter) addFlags(cmd *cobra.Command) {
	cmd.Flags().StringVar(&fl.From, "from", "", "first day, YYYY-MM-DD")
	cmd.Flags().StringVar(&fl.To, "to", "", "last day (inclusive), YYYY-MM-DD")
	cmd.Flags().StringVar(&fl.Search, "search", "", "only transactions whose description or merchant contain these words")
	cmd.Flags().StringVar(&fl.Category, "category", "", "only categories containing this, as shown (any case, any level): e.g. groceries, Shopping, \"Shopping / Groceries\"")
}

// query builds the ledger query, checking the flags before anything is
// read. Days are days in zone, the user's time zone.
func (fl txFilter) query(zone *time.Location) (ledger.TxQuery, error) {
	q := ledger.TxQuery{Location: zone}
	var err error
	if q.From, err = parseDay("--from", fl.From, zone); err != nil {
		return q, err
	}
	if fl.To != "" {
		to, err := parseDay("--to", fl.To, zone)
		if err != nil {
			return q, err
		}
		q.To = to.AddDate(0, 0, 1) // the ledger's To is exclusive; people mean the whole day
	}
	if !q.From.IsZero() && !q.To.IsZero() && !q.From.Before(q.To) {
		return q, usageErr("--from %s is after --to %s", fl.From, fl.To)
	}
	if fl.Limit < 0 {
		return q, usageErr("--limit must be 0 (no limit) or more")
	}
	switch {
	case fl.Pending && fl.Settled:
		return q, usageErr("--pending and --settled exclude each other; give one or neither")
	case fl.Pending:
		q.Pending = ledger.PendingOnly
	case fl.Settled:
		q.Pending = ledger.PendingExclude
	}
	q.Text, q.Category, q.Limit = fl.Search, fl.Category, fl.Limit
	return q, nil
}

// namedAccounts reads the stored accounts and the ids of those named (ids,
// names or numbers as printed; nil when none is named: every account), the
// one way export, report and transactions resolve --account.
func (f *Factory) namedAccounts(ctx context.Context, names []string) ([]ledger.AccountView, []string, error) {
	views, err := f.StoredAccounts(ctx)
	if err != nil {
		return nil, nil, err
	}
	ids, err := accountIDs(views, names)
	if err != nil {
		return nil, nil, err
	}
	return views, ids, nil
}

// accountIDs are the ids of the accounts named (ids, names or numbers).
func accountIDs(views []ledger.AccountView, names []string) ([]string, error) {
	var ids []string
	for _, name := range names {
		v, err := findAccount(views, name)
		if err != nil {
			return nil, err
		}
		ids = append(ids, v.ID)
	}
	return ids, nil
}

func parseDay(flag, s string, zone *time.Location) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.ParseInLocation(time.DateOnly, s, zone)
	if err != nil {
		return time.Time{}, usageErr("%s %q is not a date: use YYYY-MM-DD, e.g. %s", flag, s, time.Now().Format(time.DateOnly))
	}
	return t, nil
}

// findAccount matches an id, a display name, or the end of a number
// written as banktui accounts prints it ("20-32-06 80677760", "80677760",
// "…1234" for a card): spaces, dashes and the ellipsis do not count.
func findAccount(views []ledger.AccountView, name string) (ledger.AccountView, error) {
	for _, v := range views {
		if v.ID == name {
			return v, nil
		}
	}
	digits := alnum(name)
	var matches []ledger.AccountView
	for _, v := range views {
		byNumber := len(digits) >= 4 && (strings.HasSuffix(alnum(v.Number), digits) || alnum(v.PartialCardNumber) == digits)
		if strings.EqualFold(v.DisplayName, name) || byNumber {
			matches = append(matches, v)
		}
	}
	switch len(matches) {
	case 1:
		return matches[0], nil
	case 0:
		return ledger.AccountView{}, usageErr("no account or card matches %q: run banktui accounts or banktui cards to see their ids", name)
	}
	ids := make([]string, len(matches))
	for i, m := range matches {
		ids[i] = m.ID
	}
	return ledger.AccountView{}, usageErr("%q matches %d accounts (%s): give the id", name, len(matches), strings.Join(ids, ", "))
}

// alnum keeps the letters and digits of an account number.
func alnum(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return unicode.ToUpper(r)
		}
		return -1
	}, s)
}
