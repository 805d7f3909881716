package ledger

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// migrations[i] takes the schema from version i to i+1. Append only: a
// released migration never changes.
var migrations = []func(ctx context.Context, tx *sql.Tx) error{
	migrateV1,
	migrateCategoryName,
	migrateDayStamps,
	migrateTransfers,
	migrateEndpointStatus,
	migrateUnattendedCalls,
	migrateDisconnectedConnections,
	migrateReportMonths,
	migrateKeysetIndexes,
	migrateTransactionDays,
	migrateSumsIndex,
	migrateFTSHashSize,
	migrateInsertTriggers,
}

func (s *Store) migrate(ctx context.Context, from int) error {
	if from == len(migrations) {
		return nil
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		// Re-read inside the write lock: another process may have migrated.
		var v int
		err := tx.QueryRowContext(ctx, "SELECT version FROM schema_version").Scan(&v)
		if err != nil && !strings.Contains(err.Error(), "no such table") {
			return err
		}
		for i := v; i < len(migrations); i++ {
			if err := migrations[i](ctx, tx); err != nil {
				return fmt.Errorf("migration to schema %d: %w", i+1, err)
			}
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM schema_version"); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, "INSERT INTO schema_version(version) VALUES (?)", len(migrations))
		return err
	})
}

// Times are unix milliseconds (fetched_at, first_seen, last_sync_at) or unix
// seconds (transaction ts; a day without a time is that day's midnight UTC,
// see localtime.go). Amounts: decimal text as sent, plus *_micro, the
// amount in millionths as an integer, with *_exact = 0 when the text has more
// than six decimals (then sums fall back to the text).
const schemaV1 = `
CREATE TABLE schema_version (version INTEGER NOT NULL);

CREATE TABLE connections (
	id            TEXT PRIMARY KEY,
	provider_id   TEXT NOT NULL DEFAULT '',
	provider_name TEXT NOT NULL DEFAULT '',
	last_sync_at  INTEGER NOT NULL DEFAULT 0,
	sync_error    TEXT NOT NULL DEFAULT ''
);

CREATE TABLE accounts (
	rid                 INTEGER PRIMARY KEY,
	id                  TEXT NOT NULL UNIQUE,
	connection_id       TEXT NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
	kind                TEXT NOT NULL CHECK (kind IN ('account', 'card')),
	position            INTEGER NOT NULL DEFAULT 0,
	provider_id         TEXT NOT NULL DEFAULT '',
	provider_name       TEXT NOT NULL DEFAULT '',
	type                TEXT NOT NULL DEFAULT '',
	display_name        TEXT NOT NULL DEFAULT '',
	currency            TEXT NOT NULL DEFAULT '',
	number              TEXT NOT NULL DEFAULT '',
	card_network        TEXT NOT NULL DEFAULT '',
	partial_card_number TEXT NOT NULL DEFAULT '',
	gone                INTEGER NOT NULL DEFAULT 0,
	sync_error          TEXT NOT NULL DEFAULT '',
	updated_at          INTEGER NOT NULL DEFAULT 0,
	raw                 TEXT NOT NULL
);
CREATE INDEX accounts_connection ON accounts(connection_id);

CREATE TABLE balances (
	id              INTEGER PRIMARY KEY,
	account_rid     INTEGER NOT NULL REFERENCES accounts(rid) ON DELETE CASCADE,
	fetched_at      INTEGER NOT NULL,
	currency        TEXT NOT NULL,
	current         TEXT NOT NULL,
	current_micro   INTEGER NOT NULL,
	available       TEXT NOT NULL,
	overdraft       TEXT,
	credit_limit    TEXT,
	raw             TEXT NOT NULL
);
CREATE INDEX balances_account ON balances(account_rid, fetched_at);

CREATE TABLE transactions (
	rid             INTEGER PRIMARY KEY,
	account_rid     INTEGER NOT NULL REFERENCES accounts(rid) ON DELETE CASCADE,
	tx_id           TEXT NOT NULL,
	pending         INTEGER NOT NULL,
	ts              INTEGER NOT NULL,
	description     TEXT NOT NULL,
	merchant        TEXT NOT NULL,
	category        TEXT NOT NULL,
	classification  TEXT NOT NULL,
	amount          TEXT NOT NULL,
	amount_micro    INTEGER NOT NULL,
	amount_exact    INTEGER NOT NULL,
	currency        TEXT NOT NULL,
	running_balance TEXT,
	running_micro   INTEGER,
	provider_tx_id  TEXT NOT NULL DEFAULT '',
	pending_id      TEXT NOT NULL DEFAULT '',
	first_seen      INTEGER NOT NULL,
	UNIQUE (account_rid, pending, tx_id)
);
CREATE INDEX transactions_account_ts ON transactions(account_rid, ts);
CREATE INDEX transactions_ts ON transactions(ts);
CREATE INDEX transactions_category ON transactions(category COLLATE NOCASE);
CREATE INDEX transactions_pending ON transactions(account_rid) WHERE pending = 1;
CREATE INDEX transactions_provider_id ON transactions(account_rid, provider_tx_id) WHERE provider_tx_id <> '';

-- The transaction as the bank sent it, apart so the rows scanned and
-- sorted by queries stay narrow.
CREATE TABLE transaction_json (
	rid INTEGER PRIMARY KEY REFERENCES transactions(rid) ON DELETE CASCADE,
	raw TEXT NOT NULL
);

CREATE TABLE standing_orders (
	account_rid INTEGER NOT NULL REFERENCES accounts(rid) ON DELETE CASCADE,
	position    INTEGER NOT NULL,
	raw         TEXT NOT NULL,
	PRIMARY KEY (account_rid, position)
);

CREATE TABLE direct_debits (
	account_rid INTEGER NOT NULL REFERENCES accounts(rid) ON DELETE CASCADE,
	position    INTEGER NOT NULL,
	raw         TEXT NOT NULL,
	PRIMARY KEY (account_rid, position)
);

-- Per account: how far back history goes and why back-fill stopped.
CREATE TABLE sync_state (
	account_rid   INTEGER PRIMARY KEY REFERENCES accounts(rid) ON DELETE CASCADE,
	backfilled    INTEGER NOT NULL DEFAULT 0,
	oldest_day    TEXT NOT NULL DEFAULT '',
	history_limit TEXT NOT NULL DEFAULT '',
	last_sync_at  INTEGER NOT NULL DEFAULT 0
);
`

// ftsV1 is the trigram full-text index over description and merchant.
// Trigrams give case-insensitive substring search. Deletes and updates keep
// it in step by triggers; inserts are indexed by noteInserted in one
// statement per write, because FTS5 flushes its buffer at every statement
// and a row-by-row trigger made a back-fill many times slower.
const ftsV1 = `
CREATE VIRTUAL TABLE tx_fts USING fts5(
	description, merchant, content = 'transactions', content_rowid = 'rid', tokenize = 'trigram'
);
CREATE TRIGGER transactions_fts_delete AFTER DELETE ON transactions BEGIN
	INSERT INTO tx_fts(tx_fts, rowid, description, merchant) VALUES ('delete', old.rid, old.description, old.merchant);
END;
CREATE TRIGGER transactions_fts_update AFTER UPDATE OF description, merchant ON transactions BEGIN
	INSERT INTO tx_fts(tx_fts, rowid, description, merchant) VALUES ('delete', old.rid, old.description, old.merchant);
	INSERT INTO tx_fts(rowid, description, merchant) VALUES (new.rid, new.description, new.merchant);
END;
`

func migrateV1(ctx context.Context, tx *sql.Tx) error {
	if _, err := tx.ExecContext(ctx, schemaV1); err != nil {
		return err
	}
	if !fts5Available(ctx, tx) {
		return nil // text search falls back to LIKE
	}
	_, err := tx.ExecContext(ctx, ftsV1)
	return err
}

// fts5Available probes the driver for FTS5 with the trigram tokenizer.
func fts5Available(ctx context.Context, tx *sql.Tx) bool {
	if _, err := tx.ExecContext(ctx, "CREATE VIRTUAL TABLE temp.fts5_probe USING fts5(x, tokenize = 'trigram')"); err != nil {
		return false
	}
	_, err := tx.ExecContext(ctx, "DROP TABLE temp.fts5_probe")
	return err == nil
}

// migrateEndpointStatus adds what the bank last refused of an endpoint of an
// account (403, 501) or of a connection's lists (account_id ”), and until
// when it refuses unattended calls (429): a refusal of one endpoint is not a
// lost consent, and is shown where it applies.
func migrateEndpointStatus(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, `
CREATE TABLE endpoint_status (
	connection_id TEXT NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
	account_id    TEXT NOT NULL DEFAULT '',
	endpoint      TEXT NOT NULL,
	status        INTEGER NOT NULL,
	code          TEXT NOT NULL DEFAULT '',
	until         INTEGER NOT NULL DEFAULT 0,
	seen_at       INTEGER NOT NULL,
	PRIMARY KEY (connection_id, account_id, endpoint)
)`)
	return err
}

// migrateUnattendedCalls adds the calls made without the user present, per
// connection, account and endpoint (unix milliseconds), so a sync from cron
// stays within the bank's daily limit (4 per account and endpoint in 24 h).
func migrateUnattendedCalls(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, `
CREATE TABLE unattended_calls (
	connection_id TEXT NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
	account_id    TEXT NOT NULL DEFAULT '',
	endpoint      TEXT NOT NULL,
	at            INTEGER NOT NULL
);
CREATE INDEX unattended_calls_key ON unattended_calls(connection_id, account_id, endpoint, at)`)
	return err
}

// migrateDisconnectedConnections adds when a connection was logged out: its
// accounts leave the totals, their history stays.
func migrateDisconnectedConnections(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, "ALTER TABLE connections ADD COLUMN disconnected_at INTEGER NOT NULL DEFAULT 0")
	return err
}

// keysetIndexes give every sort of the transactions pane an index in its
// order, per account, ending in (ts, rid): a page of any sort, at any depth,
// is a seek and a short walk (keyset pagination, TxQuery.After). Text sort
// keys are columns declared NOCASE (sort_label generated), so that a row-value comparison
// on them uses their index. sort_balance puts rows without a running balance
// first, as the smallest value.
const keysetIndexes = `
ALTER TABLE transactions ADD COLUMN sort_label TEXT COLLATE NOCASE
	GENERATED ALWAYS AS (CASE WHEN merchant <> '' THEN merchant ELSE description END) VIRTUAL;
ALTER TABLE transactions ADD COLUMN sort_balance INTEGER
	GENERATED ALWAYS AS (coalesce(running_micro, -9223372036854775807 - 1)) VIRTUAL;
CREATE INDEX transactions_account_amount ON transactions(account_rid, amount_micro, ts);
CREATE INDEX transactions_account_label ON transactions(account_rid, sort_label, ts);
CREATE INDEX transactions_account_category ON transactions(account_rid, category_name, ts);
CREATE INDEX transactions_account_balance ON transactions(account_rid, sort_balance, ts);
`

func migrateKeysetIndexes(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, keysetIndexes)
	return err
}

// transactionDays counts and sums, per account, UTC day, currency,
// pending flag and whether the row is one side of a matched transfer
// (TxQuery.ExcludeTransfers), the transactions stored: counts and money in and out of any
// period are then a sum over days, whatever the history's length
// (TransactionTotals). Triggers keep it in step with every update and
// delete, noteInserted with every insert (migration 13 dropped the insert
// trigger). Sums are in millionths; inexact counts the rows whose amount
// has more than six decimals (their sums come from the text).
var transactionDays = `
CREATE TABLE transaction_days (
	account_rid INTEGER NOT NULL REFERENCES accounts(rid) ON DELETE CASCADE,
	day         INTEGER NOT NULL, -- unix day (UTC)
	currency    TEXT NOT NULL,
	pending     INTEGER NOT NULL,
	transfer    INTEGER NOT NULL,
	n           INTEGER NOT NULL,
	money_in    INTEGER NOT NULL,
	money_out   INTEGER NOT NULL,
	inexact     INTEGER NOT NULL,
	PRIMARY KEY (account_rid, day, currency, pending, transfer)
) WITHOUT ROWID;
CREATE TRIGGER transactions_days_insert AFTER INSERT ON transactions BEGIN
	` + dayAdd("new") + `
END;
CREATE TRIGGER transactions_days_delete AFTER DELETE ON transactions BEGIN
	` + dayTake("old") + `
END;
CREATE TRIGGER transactions_days_update
AFTER UPDATE OF account_rid, ts, currency, pending, amount_micro, amount_exact, transfer_kind ON transactions BEGIN
	` + dayTake("old") + `
	` + dayAdd("new") + `
END;
INSERT INTO transaction_days (account_rid, day, currency, pending, transfer, n, money_in, money_out, inexact)
SELECT account_rid, ` + sqlDayOf("ts") + `, currency, pending, transfer_kind <> '', count(*),
	sum(max(amount_micro, 0)), sum(max(-amount_micro, 0)), sum(1 - amount_exact)
FROM transactions GROUP BY 1, 2, 3, 4, 5;
`

// sqlDayOf is the unix day (UTC) of a unix time in seconds, rounding down.
func sqlDayOf(ts string) string {
	return "((" + ts + " - ((" + ts + " % 86400) + 86400) % 86400) / 86400)"
}

// dayAdd adds row's contribution to its day.
func dayAdd(row string) string {
	return `INSERT INTO transaction_days (account_rid, day, currency, pending, transfer, n, money_in, money_out, inexact)
	VALUES (` + row + `.account_rid, ` + sqlDayOf(row+".ts") + `, ` + row + `.currency, ` + row + `.pending, ` + row + `.transfer_kind <> '', 1,
		max(` + row + `.amount_micro, 0), max(-` + row + `.amount_micro, 0), 1 - ` + row + `.amount_exact)
	ON CONFLICT DO UPDATE SET n = n + 1, money_in = money_in + excluded.money_in,
		money_out = money_out + excluded.money_out, inexact = inexact + excluded.inexact;`
}

// dayTake takes row's contribution away from its day, and forgets a day
// left empty. A day whose account is being deleted is gone already.
func dayTake(row string) string {
	key := `account_rid = ` + row + `.account_rid AND day = ` + sqlDayOf(row+".ts") + ` AND currency = ` + row + `.currency AND pending = ` + row + `.pending AND transfer = (` + row + `.transfer_kind <> '')`
	return `UPDATE transaction_days SET n = n - 1, money_in = money_in - max(` + row + `.amount_micro, 0),
		money_out = money_out - max(-` + row + `.amount_micro, 0), inexact = inexact - (1 - ` + row + `.amount_exact)
	WHERE ` + key + `;
	DELETE FROM transaction_days WHERE ` + key + ` AND n = 0;`
}

func migrateTransactionDays(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, transactionDays)
	return err
}

// SchemaVersion is the schema this banktui writes: a store at this version
// needs no migration.
func SchemaVersion() int { return len(migrations) }

// sumsIndex holds, in row id order, what counting and summing a row needs
// (its account, time, pending state, currency, amount and transfer side).
// A text filter's matches come from the full-text index as row ids; their
// count and totals then read this narrow index (about 30 bytes a row)
// instead of the rows themselves (about 150), which at 1M rows and a
// common word meant reading most of the table (TransactionTotals).
const sumsIndex = `
CREATE INDEX transactions_sums ON transactions(rid, account_rid, ts, pending, currency, amount_micro, amount_exact, transfer_kind, amount);
`

func migrateSumsIndex(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, sumsIndex)
	return err
}

// ftsHashSize is how many bytes of new full-text entries FTS5 gathers in
// memory before writing them as a segment (its default: 1 MiB). A sync
// indexes a window's rows in one statement; with 1 MiB a first sync of 1M
// rows wrote hundreds of small segments and spent most of its full-text
// time merging them (11 s of CPU; 5.5 s with 8 MiB). Queries read fewer
// segments too. The memory is held only while a statement writes.
const ftsHashSize = 8 << 20

// migrateFTSHashSize sets tx_fts's hashsize (a setting stored in the
// index) to ftsHashSize, where there is a full-text index.
func migrateFTSHashSize(ctx context.Context, tx *sql.Tx) error {
	var n int
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master WHERE name = 'tx_fts'").Scan(&n); err != nil || n == 0 {
		return err
	}
	_, err := tx.ExecContext(ctx, "INSERT INTO tx_fts(tx_fts, rank) VALUES ('hashsize', ?)", ftsHashSize)
	return err
}
