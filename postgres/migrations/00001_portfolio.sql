-- +goose Up
-- Each portfolio table keeps the record as a JSON document (doc) and copies
-- the fields that lists filter on into columns. hash is the SHA-256 of doc,
-- so that re-importing an unchanged record writes nothing.
--
-- Ids and the columns that refer to them sort by "C" (byte order), whatever
-- the database's locale: listings page by "id > cursor ORDER BY id", and
-- that order must be the one SQLite and Go use, on every server.
CREATE TABLE services (
    id TEXT COLLATE "C" PRIMARY KEY,
    name TEXT NOT NULL,
    capabilities TEXT NOT NULL,
    doc TEXT NOT NULL, hash TEXT NOT NULL,
    created_at TEXT NOT NULL, created_by TEXT NOT NULL, updated_at TEXT NOT NULL, updated_by TEXT NOT NULL
);
CREATE TABLE contexts (
    id TEXT COLLATE "C" PRIMARY KEY,
    status TEXT NOT NULL,
    high_risk TEXT NOT NULL,
    doc TEXT NOT NULL, hash TEXT NOT NULL,
    created_at TEXT NOT NULL, created_by TEXT NOT NULL, updated_at TEXT NOT NULL, updated_by TEXT NOT NULL
);
CREATE TABLE parties (
    id TEXT COLLATE "C" PRIMARY KEY,
    type TEXT NOT NULL,
    name TEXT NOT NULL,
    country TEXT NOT NULL,
    sectors TEXT NOT NULL,
    doc TEXT NOT NULL, hash TEXT NOT NULL,
    created_at TEXT NOT NULL, created_by TEXT NOT NULL, updated_at TEXT NOT NULL, updated_by TEXT NOT NULL
);
CREATE INDEX parties_country ON parties (country, id);
CREATE TABLE links (
    id TEXT COLLATE "C" PRIMARY KEY,
    from_id TEXT COLLATE "C" NOT NULL REFERENCES parties (id),
    to_id TEXT COLLATE "C" NOT NULL REFERENCES parties (id),
    type TEXT NOT NULL,
    doc TEXT NOT NULL, hash TEXT NOT NULL,
    created_at TEXT NOT NULL, created_by TEXT NOT NULL, updated_at TEXT NOT NULL, updated_by TEXT NOT NULL
);
CREATE INDEX links_from ON links (from_id);
CREATE INDEX links_to ON links (to_id);
CREATE TABLE accounts (
    id TEXT COLLATE "C" PRIMARY KEY,
    party_id TEXT COLLATE "C" NOT NULL REFERENCES parties (id),
    name TEXT NOT NULL,
    billing_country TEXT NOT NULL,
    doc TEXT NOT NULL, hash TEXT NOT NULL,
    created_at TEXT NOT NULL, created_by TEXT NOT NULL, updated_at TEXT NOT NULL, updated_by TEXT NOT NULL
);
CREATE INDEX accounts_party ON accounts (party_id);
CREATE TABLE subscriptions (
    id TEXT COLLATE "C" PRIMARY KEY,
    account_id TEXT COLLATE "C" NOT NULL REFERENCES accounts (id),
    service_id TEXT COLLATE "C" NOT NULL REFERENCES services (id),
    region TEXT NOT NULL,
    status TEXT NOT NULL,
    doc TEXT NOT NULL, hash TEXT NOT NULL,
    created_at TEXT NOT NULL, created_by TEXT NOT NULL, updated_at TEXT NOT NULL, updated_by TEXT NOT NULL
);
CREATE INDEX subscriptions_account ON subscriptions (account_id);
CREATE TABLE sources (
    id TEXT COLLATE "C" PRIMARY KEY,
    title TEXT NOT NULL,
    publisher TEXT NOT NULL,
    reliability TEXT NOT NULL,
    party_ids TEXT NOT NULL,
    doc TEXT NOT NULL, hash TEXT NOT NULL,
    created_at TEXT NOT NULL, created_by TEXT NOT NULL, updated_at TEXT NOT NULL, updated_by TEXT NOT NULL
);
-- The outbox of the proof log. leaf_index stays NULL until the relay has
-- appended the event's commitment to the log.
CREATE TABLE events (
    seq BIGSERIAL PRIMARY KEY,
    id TEXT COLLATE "C" NOT NULL UNIQUE,
    type TEXT NOT NULL,
    subject TEXT NOT NULL,
    actor TEXT NOT NULL,
    time TEXT NOT NULL,
    payload TEXT NOT NULL,
    salt TEXT NOT NULL,
    commitment TEXT NOT NULL,
    leaf_index BIGINT UNIQUE
);
CREATE INDEX events_pending ON events (seq) WHERE leaf_index IS NULL;
CREATE TABLE users (
    id TEXT COLLATE "C" PRIMARY KEY,
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    role TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL
);
CREATE TABLE tokens (
    id TEXT COLLATE "C" PRIMARY KEY,
    user_id TEXT COLLATE "C" NOT NULL REFERENCES users (id),
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
