-- Sessions keep their running totals beside the conversation, so lists need not parse it.
ALTER TABLE sessions ADD COLUMN usage_json TEXT;
ALTER TABLE sessions ADD COLUMN cost_json TEXT;
ALTER TABLE sessions ADD COLUMN cost_usd DOUBLE PRECISION NOT NULL DEFAULT 0;

-- Files a run changed that were not captured, and why (size limits, unreadable).
CREATE TABLE artifact_skips (
    run_id     TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    path       TEXT NOT NULL,
    size       BIGINT NOT NULL,
    reason     TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (run_id, path)
);
