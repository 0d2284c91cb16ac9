-- +goose Up
-- Password sign-in for the web UI. hash is an encoded argon2id (or bcrypt)
-- hash; failures counts sign-in failures since the last success or lock-out.
CREATE TABLE credentials (
    user_id TEXT COLLATE "C" PRIMARY KEY REFERENCES users (id),
    hash TEXT NOT NULL,
    failures INTEGER NOT NULL DEFAULT 0,
    locked_until TEXT NOT NULL DEFAULT '',
    changed_at TEXT NOT NULL,
    changed_by TEXT NOT NULL
);
-- Browser sessions, by the SHA-256 of their secret. ended_at is set on
-- sign-out; expired sessions are refused by their deadlines.
CREATE TABLE web_sessions (
    id TEXT COLLATE "C" PRIMARY KEY,
    user_id TEXT COLLATE "C" NOT NULL REFERENCES users (id),
    hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    seen_at TEXT NOT NULL,
    idle_until TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    ended_at TEXT,
    end_reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX web_sessions_user ON web_sessions (user_id);
-- The history section of a record's page reads its events newest first.
CREATE INDEX events_subject ON events (subject, seq);

-- +goose Down
DROP INDEX events_subject;
DROP TABLE web_sessions;
DROP TABLE credentials;
