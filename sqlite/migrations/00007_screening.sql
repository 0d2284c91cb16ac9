-- +goose Up
-- Screening: stored versions of risk lists, their entries, the matches of
-- portfolio parties against them, and the runs that found them.

-- One row per list (its stored name): the current version, and the version
-- the last portfolio run screened against, so a delta run knows which
-- entries are new to it.
CREATE TABLE screening_lists (
    name TEXT PRIMARY KEY,
    format TEXT NOT NULL,
    kind TEXT NOT NULL,
    version INTEGER NOT NULL,
    screened_version INTEGER NOT NULL DEFAULT 0
);
-- Every imported version, with what it added, changed and removed and the
-- ownership and directorship edges it suggests as portfolio links.
CREATE TABLE screening_list_versions (
    list TEXT NOT NULL,
    version INTEGER NOT NULL,
    format TEXT NOT NULL,
    kind TEXT NOT NULL,
    file TEXT NOT NULL,
    file_digest TEXT NOT NULL,
    content_digest TEXT NOT NULL,
    entries INTEGER NOT NULL,
    added INTEGER NOT NULL,
    changed INTEGER NOT NULL,
    removed INTEGER NOT NULL,
    imported_at TEXT NOT NULL,
    imported_by TEXT NOT NULL,
    suggested_links TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (list, version)
);
-- The current entries of each list; version is the one that added or last
-- changed the entry.
CREATE TABLE screening_entries (
    list TEXT NOT NULL,
    id TEXT NOT NULL,
    version INTEGER NOT NULL,
    hash TEXT NOT NULL,
    doc TEXT NOT NULL,
    PRIMARY KEY (list, id)
);
CREATE INDEX screening_entries_version ON screening_entries (list, version);
-- What each version added, changed or removed; doc is the entry after the
-- change (before it for a removal), old_doc the entry before a change.
CREATE TABLE screening_entry_changes (
    list TEXT NOT NULL,
    version INTEGER NOT NULL,
    id TEXT NOT NULL,
    change TEXT NOT NULL,
    fields TEXT NOT NULL DEFAULT '',
    doc TEXT NOT NULL,
    old_doc TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (list, version, id)
);
-- One row per (party, list entry) pair ever found. party_hash and
-- entry_hash are the contents the last finding or decision saw: a
-- dismissal holds while both stay the same.
CREATE TABLE screening_matches (
    id TEXT PRIMARY KEY,
    party_id TEXT NOT NULL,
    party_name TEXT NOT NULL,
    list TEXT NOT NULL,
    list_kind TEXT NOT NULL,
    list_version INTEGER NOT NULL,
    entry_id TEXT NOT NULL,
    entry_name TEXT NOT NULL,
    entry_doc TEXT NOT NULL,
    score REAL NOT NULL,
    decision TEXT NOT NULL,
    status TEXT NOT NULL,
    explanation TEXT NOT NULL,
    party_hash TEXT NOT NULL,
    entry_hash TEXT NOT NULL,
    run_id TEXT NOT NULL,
    found_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    decided_by TEXT NOT NULL DEFAULT '',
    decided_at TEXT NOT NULL DEFAULT '',
    reason TEXT NOT NULL DEFAULT '',
    UNIQUE (party_id, list, entry_id)
);
-- The review queue: pending matches, best score first.
CREATE INDEX screening_matches_queue ON screening_matches (status, score DESC, id);
CREATE INDEX screening_matches_entry ON screening_matches (list, entry_id);
-- The screened content of each party at its last full screening.
CREATE TABLE screening_parties (
    party_id TEXT PRIMARY KEY,
    hash TEXT NOT NULL,
    screened_at TEXT NOT NULL
);
CREATE TABLE screening_runs (
    id TEXT PRIMARY KEY,
    mode TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT NOT NULL,
    actor TEXT NOT NULL,
    doc TEXT NOT NULL
);

-- +goose Down
DROP TABLE screening_runs;
DROP TABLE screening_parties;
DROP TABLE screening_matches;
DROP TABLE screening_entry_changes;
DROP TABLE screening_entries;
DROP TABLE screening_list_versions;
DROP TABLE screening_lists;
