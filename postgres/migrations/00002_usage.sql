-- +goose Up
-- Metered usage records, metadata only (see package usage). key is the
-- producer's idempotency key, unique within a period start; the primary key
-- leads with the period start so that a stream, which comes roughly in
-- period order, inserts near the right edge of the index. Text columns sort
-- by "C", as ids do everywhere in Vigil.
CREATE TABLE usage_records (
    key TEXT COLLATE "C" NOT NULL,
    subscription_id TEXT COLLATE "C" NOT NULL,
    meter TEXT COLLATE "C" NOT NULL,
    quantity DOUBLE PRECISION NOT NULL,
    unit TEXT COLLATE "C" NOT NULL,
    period_start TEXT COLLATE "C" NOT NULL,
    period_end TEXT NOT NULL,
    region TEXT COLLATE "C" NOT NULL,
    ingested_at TEXT NOT NULL,
    PRIMARY KEY (period_start, key)
);
-- Daily totals, grown by each ingest in its own transaction; the signals
-- read these, never the records.
CREATE TABLE usage_daily (
    subscription_id TEXT COLLATE "C" NOT NULL,
    meter TEXT COLLATE "C" NOT NULL,
    region TEXT COLLATE "C" NOT NULL,
    unit TEXT COLLATE "C" NOT NULL,
    day TEXT COLLATE "C" NOT NULL,
    quantity DOUBLE PRECISION NOT NULL,
    records BIGINT NOT NULL,
    PRIMARY KEY (subscription_id, meter, region, unit, day)
);
CREATE INDEX usage_daily_day ON usage_daily (day);
CREATE TABLE usage_signals (
    id TEXT COLLATE "C" PRIMARY KEY,
    rule TEXT COLLATE "C" NOT NULL,
    severity TEXT NOT NULL,
    account_id TEXT COLLATE "C" NOT NULL,
    subscription_id TEXT COLLATE "C" NOT NULL,
    meter TEXT COLLATE "C" NOT NULL,
    as_of TEXT COLLATE "C" NOT NULL,
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
