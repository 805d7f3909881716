package ledger

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// exporters are the formats Store.Export writes, each in its own file
// (export_<format>.go): a new format is a writer there and a line here.
var exporters = []exporter{
	{"csv", exportCSV},
	{"json", exportJSON},
	{"ofx", exportOFX},
	{"ledger", exportLedger},
	{"beancount", exportBeancount},
}

type exporter struct {
	format string
	write  func(e *exportRun) error
}

// ExportFormats are the formats Store.Export writes.
var ExportFormats = func() []string {
	out := make([]string, len(exporters))
	for i, e := range exporters {
		out[i] = e.format
	}
	return out
}()

// ExportRequest says what Store.Export writes.
type ExportRequest struct {
	Format string // one of ExportFormats
	// Query selects the transactions: accounts (none = all), period,
	// pending switch, text and category filters. Location is the user's
	// zone, in which every date is written. Sort, Desc, Limit and Offset
	// are ignored: an export is in date order (OFX: by account, then date).
	Query TxQuery
	Now   time.Time // dates the file
}

// ExportReport says what an export left out or adjusted, for the command
// to tell the user.
type ExportReport struct {
	Transactions int // bank rows written (both sides of a transfer count)
	// Undated rows have no readable date: the journals and OFX leave them
	// out (with a comment naming each in the journals), CSV and JSON write
	// them with an empty date.
	Undated int
	// Transfers booked as one transaction between two of the user's
	// accounts (journals).
	Transfers int
	// Adjustments are the points where the bank's balance differs from
	// its opening balance plus its transactions: the journal books the
	// difference to UnreconciledAccount so that its assertions hold, and
	// says so in a comment.
	Adjustments int
	// Filtered: text, category, merchant, amount or transfer filters made the export
	// a list, so the journals carry no opening balances or assertions.
	Filtered bool
}

// Journal accounts that are not the bank's (ledger and beancount exports).
const (
	// OpeningAccount balances the opening entry.
	OpeningAccount = "Equity:Opening-Balances"
	// UnreconciledAccount takes the balance adjustments (ExportReport).
	UnreconciledAccount = "Equity:Unreconciled"
	// TransitAccount holds a transfer between two exported accounts whose
	// other side lies outside the exported period (or is still pending).
	TransitAccount = "Assets:Transfers-in-transit"
)

// Export writes the transactions req.Query selects, and the accounts they
// belong to, in one of ExportFormats:
//
//   - csv: one row per transaction, bank text defused for spreadsheets;
//   - json: accounts (AccountJSON) and transactions (TransactionJSON);
//   - ofx: OFX 2.2 bank and credit card statements, closing balances;
//   - ledger: a journal for hledger and ledger-cli;
//   - beancount: a beancount file.
//
// It reads the store through one read transaction (a consistent snapshot,
// even if a sync writes meanwhile), row by row: memory does not grow with
// the history. Amounts are exact (PlainAmount), control characters in bank
// text are stripped, dates are days in the user's zone (TxView.LocalTime),
// categories are CategoryLevels as everywhere. What the journals contain
// (opening entries, assertions, transfers) is in export_journal.go.
func (s *Store) Export(ctx context.Context, w io.Writer, req ExportRequest) (ExportReport, error) {
	i := slices.IndexFunc(exporters, func(e exporter) bool { return e.format == req.Format })
	if i < 0 {
		return ExportReport{}, fmt.Errorf("unknown export format %q (one of %s)", req.Format, strings.Join(ExportFormats, ", "))
	}
	e, err := s.newExportRun(ctx, w, req)
	if err != nil {
		return ExportReport{}, err
	}
	defer e.close()
	if err := exporters[i].write(e); err != nil {
		return e.report, err
	}
	return e.report, e.w.Flush()
}

// exportRun is one export in progress: where it writes, what it selects,
// the read transaction it reads through.
type exportRun struct {
	ctx    context.Context
	s      *Store
	conn   *sql.Conn // holds the read transaction
	w      *bufio.Writer
	out    *stickyWriter // under w: its first error stops the rows
	q      TxQuery
	loc    *time.Location
	now    time.Time // in loc
	all    []AccountView
	views  []AccountView    // the exported accounts, in the store's order
	rids   map[string]int64 // every account's row id, by account id
	byRID  map[int64]AccountView
	names  map[string]string
	report ExportReport
}

func (s *Store) newExportRun(ctx context.Context, w io.Writer, req ExportRequest) (*exportRun, error) {
	q := req.Query
	if q.Location == nil {
		q.Location = time.UTC
	}
	out := &stickyWriter{w: w}
	e := &exportRun{ctx: ctx, s: s, out: out, w: bufio.NewWriterSize(out, 64<<10), q: q, loc: q.Location, now: req.Now.In(q.Location)}
	e.report.Filtered = q.Text != "" || q.Category != "" || q.Merchant != "" || q.MinAmount != nil || q.MaxAmount != nil || q.ExcludeTransfers
	var err error
	if e.conn, err = s.db.Conn(ctx); err != nil {
		return nil, fmt.Errorf("ledger: export: %w", err)
	}
	// A deferred transaction reads one snapshot and takes no write lock.
	if _, err := e.conn.ExecContext(ctx, "BEGIN DEFERRED"); err != nil {
		e.conn.Close()
		return nil, fmt.Errorf("ledger: export: %w", err)
	}
	if err := e.loadAccounts(); err != nil {
		e.close()
		return nil, err
	}
	return e, nil
}

func (e *exportRun) close() {
	ctx := context.Background()
	_, _ = e.conn.ExecContext(ctx, "ROLLBACK")
	e.conn.Close()
}

// loadAccounts reads every account (names are given over all of them, so
// an account keeps its journal name whatever the export selects) and picks
// the exported ones.
func (e *exportRun) loadAccounts() error {
	var err error
	if e.all, err = e.s.accountsOn(e.ctx, e.conn); err != nil {
		return err
	}
	rows, err := e.conn.QueryContext(e.ctx, "SELECT id, rid FROM accounts")
	if err != nil {
		return fmt.Errorf("ledger: export: %w", err)
	}
	defer rows.Close()
	e.rids = map[string]int64{}
	for rows.Next() {
		var id string
		var rid int64
		if err := rows.Scan(&id, &rid); err != nil {
			return fmt.Errorf("ledger: export: %w", err)
		}
		e.rids[id] = rid
	}
	e.byRID = map[int64]AccountView{}
	for _, v := range e.all {
		e.byRID[e.rids[v.ID]] = v
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("ledger: export: %w", err)
	}
	e.names = journalAccounts(e.all)
	for _, v := range e.all {
		if len(e.q.AccountIDs) == 0 || slices.Contains(e.q.AccountIDs, v.ID) {
			e.views = append(e.views, v)
		}
	}
	return nil
}

// exported reports whether the account with row id rid is exported.
func (e *exportRun) exported(rid int64) bool {
	return slices.ContainsFunc(e.views, func(v AccountView) bool { return e.rids[v.ID] == rid })
}

// view is the account with row id rid.
func (e *exportRun) view(rid int64) (AccountView, bool) {
	v, ok := e.byRID[rid]
	return v, ok
}

// printf writes to the export; the bufio.Writer keeps the first error.
func (e *exportRun) printf(format string, args ...any) { fmt.Fprintf(e.w, format, args...) }

// stickyWriter keeps the first error writing the export (a full disk, a
// closed pipe), so the rows stop there rather than run to the end.
type stickyWriter struct {
	w   io.Writer
	err error
}

func (s *stickyWriter) Write(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	n, err := s.w.Write(p)
	s.err = err
	return n, err
}
