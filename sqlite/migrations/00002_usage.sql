-- +goose Up
-- Metered usage records, metadata only (see package usage). key is the
-- producer's idempotency key, unique within a period start. The primary key
-- leads with the period start, so that a stream of records, which comes
-- roughly in period order, inserts near the right edge of the index rather
-- than at random places: random-key B-tree inserts are what limits SQLite
-- (MEASURED.md). WITHOUT ROWID keeps the rows in that one index, so each
-- record costs one B-tree insert, not two.
CREATE TABLE usage_records (
    key TEXT NOT NULL,
    subscription_id TEXT NOT NULL,
    meter TEXT NOT NULL,
    quantity REAL NOT NULL,
    unit TEXT NOT NULL,
    period_start TEXT NOT NULL,
    period_end TEXT NOT NULL,
    region TEXT NOT NULL,
    ingested_at TEXT NOT NULL,
    PRIMARY KEY (period_start, key)
) WITHOUT ROWID;
-- Daily totals, grown by each ingest in its own transaction; the signals
-- read these, never the records.
CREATE TABLE usage_daily (
    subscription_id TEXT NOT NULL,
    meter TEXT NOT NULL,
    region TEXT NOT NULL,
    unit TEXT NOT NULL,
    day TEXT NOT NULL,
    quantity REAL NOT NULL,
    records INTEGER NOT NULL,
    PRIMARY KEY (subscription_id, meter, region, unit, day)
);
CREATE INDEX usage_daily_day ON usage_daily (day);
CREATE TABLE usage_signals (
    id TEXT PRIMARY KEY,
    rule TEXT NOT NULL,
    severity TEXT NOT NULL,
    account_id TEXT NOT NULL,
    subscription_id TEXT NOT NULL,
    meter TEXT NOT NULL,
    as_of TEXT NOT NULL,
    doc TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL
);
CREATE INDEX usage_signals_order ON usage_signals (as_of, id);
CREATE INDEX usage_signals_account ON usage_signals (account_id);
CREATE INDEX usage_signals_subscription ON usage_signals (subscription_id);

-- +goose Down
DROP TABLE usage_signals;
DROP TABLE usage_daily;
DROP TABLE usage_records;
