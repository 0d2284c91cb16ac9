-- +goose Up
-- Versioned assessments, one row per version of a relationship's
-- assessment (account x end user). The current version has current = 1;
-- older ones stay as history. A relationship that no longer exists keeps
-- its last version current, flagged retired, so its version count goes on
-- if it comes back. doc is the whole explained assessment as JSON.
CREATE TABLE risk_assessments (
    id TEXT COLLATE "C" NOT NULL,
    version INTEGER NOT NULL,
    account_id TEXT COLLATE "C" NOT NULL,
    customer_id TEXT COLLATE "C" NOT NULL,
    end_user_id TEXT COLLATE "C" NOT NULL,
    tier TEXT NOT NULL,
    tier_rank INTEGER NOT NULL,
    priority INTEGER NOT NULL,
    action TEXT NOT NULL,
    policy_version TEXT NOT NULL,
    digest TEXT NOT NULL,
    assessed_at TEXT NOT NULL,
    assessed_by TEXT NOT NULL,
    current INTEGER NOT NULL,
    retired INTEGER NOT NULL DEFAULT 0,
    doc TEXT NOT NULL,
    PRIMARY KEY (id, version)
);
-- The ranked list (vigil risk top) reads only current, live versions.
CREATE INDEX risk_assessments_top ON risk_assessments (tier_rank DESC, priority DESC, id) WHERE current = 1 AND retired = 0;
-- An incremental recompute reads the current versions of a few accounts.
CREATE INDEX risk_assessments_account ON risk_assessments (account_id) WHERE current = 1;
CREATE INDEX risk_assessments_end_user ON risk_assessments (end_user_id) WHERE current = 1;
CREATE INDEX risk_assessments_customer ON risk_assessments (customer_id) WHERE current = 1;

-- +goose Down
DROP TABLE risk_assessments;
