-- +goose Up
-- Files a submitter sent are sealed with age to the grievance key, like
-- the contact details (package grievance, SealFile): content then holds
-- ciphertext, and sha256, media_type and size still describe the
-- plaintext. Rows written before this migration, or without a key, stay
-- in clear and readable: sealed defaults to 0.
ALTER TABLE grievance_attachments ADD COLUMN sealed INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE grievance_attachments DROP COLUMN sealed;
