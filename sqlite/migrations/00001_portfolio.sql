-- +goose Up
-- Each portfolio table keeps the record as a JSON document (doc) and copies
-- the fields that lists filter on into columns. hash is the SHA-256 of doc,
-- so that re-importing an unchanged record writes nothing. Record tables
-- are WITHOUT ROWID: the id is their only key, so an insert updates one
-- B-tree fewer. Only columns whose values are rare enough to need it
-- (country, the link ends, the account of a subscription) are indexed;
-- filters on type or service find a page by scanning in id order.
CREATE TABLE services (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    capabilities TEXT NOT NULL,
    doc TEXT NOT NULL, hash TEXT NOT NULL,
    created_at TEXT NOT NULL, created_by TEXT NOT NULL, updated_at TEXT NOT NULL, updated_by TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE contexts (
    id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    high_risk TEXT NOT NULL,
    doc TEXT NOT NULL, hash TEXT NOT NULL,
    created_at TEXT NOT NULL, created_by TEXT NOT NULL, updated_at TEXT NOT NULL, updated_by TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE parties (
    id TEXT PRIMARY KEY,
    type TEXT NOT NULL,
    name TEXT NOT NULL,
    country TEXT NOT NULL,
    sectors TEXT NOT NULL,
    doc TEXT NOT NULL, hash TEXT NOT NULL,
    created_at TEXT NOT NULL, created_by TEXT NOT NULL, updated_at TEXT NOT NULL, updated_by TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX parties_country ON parties (country, id);
CREATE TABLE links (
    id TEXT PRIMARY KEY,
    from_id TEXT NOT NULL REFERENCES parties (id),
    to_id TEXT NOT NULL REFERENCES parties (id),
    type TEXT NOT NULL,
    doc TEXT NOT NULL, hash TEXT NOT NULL,
    created_at TEXT NOT NULL, created_by TEXT NOT NULL, updated_at TEXT NOT NULL, updated_by TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX links_from ON links (from_id);
CREATE INDEX links_to ON links (to_id);
CREATE TABLE accounts (
    id TEXT PRIMARY KEY,
    party_id TEXT NOT NULL REFERENCES parties (id),
    name TEXT NOT NULL,
    billing_country TEXT NOT NULL,
    doc TEXT NOT NULL, hash TEXT NOT NULL,
    created_at TEXT NOT NULL, created_by TEXT NOT NULL, updated_at TEXT NOT NULL, updated_by TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX accounts_party ON accounts (party_id);
CREATE TABLE subscriptions (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    service_id TEXT NOT NULL REFERENCES services (id),
    region TEXT NOT NULL,
    status TEXT NOT NULL,
    doc TEXT NOT NULL, hash TEXT NOT NULL,
    created_at TEXT NOT NULL, created_by TEXT NOT NULL, updated_at TEXT NOT NULL, updated_by TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX subscriptions_account ON subscriptions (account_id);
CREATE TABLE sources (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    publisher TEXT NOT NULL,
    reliability TEXT NOT NULL,
    party_ids TEXT NOT NULL,
    doc TEXT NOT NULL, hash TEXT NOT NULL,
    created_at TEXT NOT NULL, created_by TEXT NOT NULL, updated_at TEXT NOT NULL, updated_by TEXT NOT NULL
) WITHOUT ROWID;
-- The outbox of the proof log. leaf_index stays NULL until the relay has
-- appended the event's commitment to the log.
CREATE TABLE events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL,
    subject TEXT NOT NULL,
    actor TEXT NOT NULL,
    time TEXT NOT NULL,
    payload TEXT NOT NULL,
    salt TEXT NOT NULL,
    commitment TEXT NOT NULL,
    leaf_index INTEGER UNIQUE
);
CREATE INDEX events_pending ON events (seq) WHERE leaf_index IS NULL;
CREATE TABLE users (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    role TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL
);
CREATE TABLE tokens (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    name TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    expires_at TEXT,
    revoked_at TEXT,
    created_by TEXT NOT NULL
);

-- +goose Down
DROP TABLE tokens;
DROP TABLE users;
DROP TABLE events;
DROP TABLE sources;
DROP TABLE subscriptions;
DROP TABLE accounts;
DROP TABLE links;
DROP TABLE parties;
DROP TABLE contexts;
DROP TABLE services;
