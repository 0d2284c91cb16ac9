-- +goose Up
-- Cases (package casework). doc is the whole case as JSON; the columns copy
-- what lists filter on. party_ids and assessment_ids are ";a;b;" lists for
-- LIKE filters. version guards concurrent updates (compare and set).
-- auto_assessment is the relationship an automatically opened case is
-- about: the partial unique index keeps two open automatic cases about one
-- relationship from ever existing, even when two runs race.
CREATE TABLE cases (
    id TEXT COLLATE "C" PRIMARY KEY,
    status TEXT NOT NULL,
    priority TEXT NOT NULL,
    assignee TEXT NOT NULL,
    due TEXT NOT NULL,
    party_ids TEXT NOT NULL,
    assessment_ids TEXT NOT NULL,
    auto_assessment TEXT NOT NULL,
    opened_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version INTEGER NOT NULL,
    doc TEXT NOT NULL
);
CREATE INDEX cases_status ON cases (status, due);
CREATE UNIQUE INDEX cases_open_auto ON cases (auto_assessment) WHERE status <> 'closed' AND auto_assessment <> '';
-- The typed history of a case, in order; event_id is the outbox event
-- written in the same transaction.
CREATE TABLE case_entries (
    seq BIGSERIAL PRIMARY KEY,
    case_id TEXT COLLATE "C" NOT NULL REFERENCES cases (id),
    type TEXT NOT NULL,
    actor TEXT NOT NULL,
    time TEXT NOT NULL,
    detail TEXT NOT NULL,
    event_id TEXT NOT NULL
);
CREATE INDEX case_entries_case ON case_entries (case_id, seq);
-- Attachment contents, kept once per SHA-256 whatever the number of cases
-- holding them; case_attachments says which case holds which file.
CREATE TABLE attachment_contents (
    sha256 TEXT COLLATE "C" PRIMARY KEY,
    size INTEGER NOT NULL,
    content BYTEA NOT NULL
);
CREATE TABLE case_attachments (
    case_id TEXT COLLATE "C" NOT NULL REFERENCES cases (id),
    sha256 TEXT NOT NULL REFERENCES attachment_contents (sha256),
    name TEXT NOT NULL,
    media_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    added_by TEXT NOT NULL,
    added_at TEXT NOT NULL,
    PRIMARY KEY (case_id, sha256)
);
-- Decisions. doc holds what the proposer wrote; status, the decider and
-- enforcement_planned (0/1, set by package enforce once the control-plane
-- actions of an approved decision are in its outbox) are columns only.
CREATE TABLE decisions (
    id TEXT COLLATE "C" PRIMARY KEY,
    case_id TEXT COLLATE "C" NOT NULL REFERENCES cases (id),
    type TEXT NOT NULL,
    status TEXT NOT NULL,
    proposed_by TEXT NOT NULL,
    proposed_at TEXT NOT NULL,
    decided_by TEXT NOT NULL DEFAULT '',
    decided_at TEXT NOT NULL DEFAULT '',
    decision_note TEXT NOT NULL DEFAULT '',
    enforcement_planned INTEGER NOT NULL DEFAULT 0,
    doc TEXT NOT NULL
);
CREATE INDEX decisions_case ON decisions (case_id, proposed_at);
CREATE INDEX decisions_unplanned ON decisions (id) WHERE status = 'approved' AND enforcement_planned = 0;

-- +goose Down
DROP TABLE decisions;
DROP TABLE case_attachments;
DROP TABLE attachment_contents;
DROP TABLE case_entries;
DROP TABLE cases;
