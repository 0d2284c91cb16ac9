-- +goose Up
-- Enforcement actions (package enforce): one operation on one subscription
-- under an approved decision, sent to the provider's control plane until it
-- is confirmed or fails. idem_key is the idempotency key the control plane
-- sees; its uniqueness is what makes planning twice write nothing. Times
-- are UTC with a fixed width (2006-01-02T15:04:05.000000Z) so that they
-- compare as text; '' means unset. lease_owner and lease_until keep two
-- dispatchers from sending one action at once.
CREATE TABLE enforcement_actions (
    id TEXT PRIMARY KEY,
    idem_key TEXT NOT NULL UNIQUE,
    decision_id TEXT NOT NULL,
    case_id TEXT NOT NULL,
    subscription_id TEXT NOT NULL,
    account_id TEXT NOT NULL,
    operation TEXT NOT NULL,
    capabilities TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    lease_owner TEXT NOT NULL DEFAULT '',
    lease_until TEXT NOT NULL DEFAULT '',
    last_error TEXT NOT NULL DEFAULT '',
    reference TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    confirmed_at TEXT NOT NULL DEFAULT '',
    verification TEXT NOT NULL DEFAULT '',
    verified_at TEXT NOT NULL DEFAULT '',
    verification_note TEXT NOT NULL DEFAULT '',
    signal_id TEXT NOT NULL DEFAULT ''
) WITHOUT ROWID;
CREATE INDEX enforcement_actions_due ON enforcement_actions (status, next_attempt_at);
CREATE INDEX enforcement_actions_case ON enforcement_actions (case_id);
CREATE INDEX enforcement_actions_decision ON enforcement_actions (decision_id);
-- Monitoring tasks: re-checks of a mitigation at a set interval (UNGP 20).
-- The last check is kept here; every check is in the case's history.
CREATE TABLE monitoring_tasks (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL,
    action_id TEXT NOT NULL DEFAULT '',
    subject TEXT NOT NULL,
    every_days INTEGER NOT NULL,
    due_at TEXT NOT NULL,
    due_notified INTEGER NOT NULL DEFAULT 0,
    checks INTEGER NOT NULL DEFAULT 0,
    last_effective TEXT NOT NULL DEFAULT '',
    last_notes TEXT NOT NULL DEFAULT '',
    last_checked_by TEXT NOT NULL DEFAULT '',
    last_checked_at TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX monitoring_tasks_due ON monitoring_tasks (due_at);
CREATE INDEX monitoring_tasks_case ON monitoring_tasks (case_id);

-- +goose Down
DROP TABLE monitoring_tasks;
DROP TABLE enforcement_actions;
