-- +goose Up
-- Grievances (package grievance). doc is the grievance as JSON without the
-- contact; the columns copy what lists filter on. contact_sealed holds the
-- submitter's contact details encrypted with age to the grievance key's
-- recipient (NULL for anonymous grievances): neither this file nor a
-- backup of it opens them. receipt_hash is the SHA-256 of the receipt
-- code, never the code. party_ids is a ";a;b;" list for LIKE filters.
CREATE TABLE grievances (
    id TEXT COLLATE "C" PRIMARY KEY,
    status TEXT NOT NULL,
    received_at TEXT NOT NULL,
    ack_due TEXT NOT NULL,
    answer_due TEXT NOT NULL,
    acknowledged_at TEXT NOT NULL DEFAULT '',
    answered_at TEXT NOT NULL DEFAULT '',
    closed_at TEXT NOT NULL DEFAULT '',
    party_ids TEXT NOT NULL DEFAULT '',
    receipt_hash TEXT NOT NULL UNIQUE,
    contact_sealed BYTEA,
    version INTEGER NOT NULL,
    doc TEXT NOT NULL
);
CREATE INDEX grievances_received ON grievances (received_at);
CREATE INDEX grievances_open ON grievances (closed_at, ack_due);
-- The conversation with the submitter, in order.
CREATE TABLE grievance_updates (
    seq BIGSERIAL PRIMARY KEY,
    grievance_id TEXT COLLATE "C" NOT NULL REFERENCES grievances (id),
    kind TEXT NOT NULL,
    author TEXT NOT NULL,
    text TEXT NOT NULL,
    time TEXT NOT NULL,
    event_id TEXT NOT NULL
);
CREATE INDEX grievance_updates_grievance ON grievance_updates (grievance_id, seq);
-- Files a submitter sent, checked for type and size on the way in.
CREATE TABLE grievance_attachments (
    grievance_id TEXT COLLATE "C" NOT NULL REFERENCES grievances (id),
    sha256 TEXT NOT NULL,
    name TEXT NOT NULL,
    media_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    added_at TEXT NOT NULL,
    content BYTEA NOT NULL,
    PRIMARY KEY (grievance_id, sha256)
);
-- The stakeholder-engagement record: letters and meetings, and what was
-- promised in them by which date.
CREATE TABLE engagements (
    id TEXT COLLATE "C" PRIMARY KEY,
    stakeholder_type TEXT NOT NULL,
    date TEXT NOT NULL,
    party_ids TEXT NOT NULL DEFAULT '',
    recorded_at TEXT NOT NULL,
    doc TEXT NOT NULL
);
CREATE INDEX engagements_date ON engagements (date);
CREATE TABLE engagement_promises (
    id TEXT COLLATE "C" PRIMARY KEY,
    engagement_id TEXT COLLATE "C" NOT NULL REFERENCES engagements (id),
    due TEXT NOT NULL,
    answered_at TEXT NOT NULL DEFAULT '',
    overdue_marked INTEGER NOT NULL DEFAULT 0,
    doc TEXT NOT NULL
);
CREATE INDEX engagement_promises_engagement ON engagement_promises (engagement_id);
CREATE INDEX engagement_promises_open ON engagement_promises (due) WHERE answered_at = '';

-- +goose Down
DROP TABLE engagement_promises;
DROP TABLE engagements;
DROP TABLE grievance_attachments;
DROP TABLE grievance_updates;
DROP TABLE grievances;
