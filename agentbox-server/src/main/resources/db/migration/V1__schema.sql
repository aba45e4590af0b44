-- One schema for SQLite and PostgreSQL: portable types only (TEXT, BIGINT, INTEGER, DOUBLE PRECISION,
-- BYTEA), times as epoch milliseconds, JSON as TEXT.

CREATE TABLE server_state (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE workspaces (
    id                  TEXT PRIMARY KEY,
    name                TEXT NOT NULL,
    daily_budget_usd    DOUBLE PRECISION,
    max_concurrent_runs INTEGER,
    created_at          BIGINT NOT NULL
);

CREATE TABLE principals (
    id         TEXT PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('user', 'service_account')),
    name       TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE memberships (
    workspace_id TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    principal_id TEXT NOT NULL REFERENCES principals (id) ON DELETE CASCADE,
    role         TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'viewer')),
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, principal_id)
);
CREATE INDEX memberships_by_principal ON memberships (principal_id);

CREATE TABLE api_keys (
    id           TEXT PRIMARY KEY,
    principal_id TEXT NOT NULL REFERENCES principals (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    secret_hash  TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at   BIGINT
);
CREATE INDEX api_keys_by_principal ON api_keys (principal_id);

CREATE TABLE sessions (
    id               TEXT PRIMARY KEY,
    workspace_id     TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    created_by       TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('active', 'ended')),
    model            TEXT,
    template         TEXT NOT NULL,
    options_json     TEXT NOT NULL,
    sandbox_id       TEXT,
    turns            INTEGER NOT NULL DEFAULT 0,
    conversation     TEXT,
    created_at       BIGINT NOT NULL,
    last_activity_at BIGINT NOT NULL,
    ended_at         BIGINT,
    end_reason       TEXT
);
CREATE INDEX sessions_by_workspace ON sessions (workspace_id, created_at);
CREATE INDEX sessions_by_status ON sessions (status, last_activity_at);

CREATE TABLE runs (
    id                  TEXT PRIMARY KEY,
    workspace_id        TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    session_id          TEXT REFERENCES sessions (id) ON DELETE CASCADE,
    created_by          TEXT NOT NULL,
    status              TEXT NOT NULL CHECK (status IN ('queued', 'booting', 'running', 'succeeded', 'failed', 'canceled')),
    prompt              TEXT NOT NULL,
    model               TEXT,
    template            TEXT NOT NULL,
    options_json        TEXT NOT NULL,
    node_id             TEXT,
    sandbox_id          TEXT,
    created_at          BIGINT NOT NULL,
    started_at          BIGINT,
    finished_at         BIGINT,
    heartbeat_at        BIGINT,
    deadline_at         BIGINT,
    cancel_requested_at BIGINT,
    result              TEXT,
    usage_json          TEXT,
    cost_json           TEXT,
    cost_usd            DOUBLE PRECISION NOT NULL DEFAULT 0,
    turns               INTEGER,
    duration_ms         BIGINT,
    error_category      TEXT,
    error_message       TEXT
);
CREATE INDEX runs_by_workspace ON runs (workspace_id, created_at, id);
CREATE INDEX runs_by_status ON runs (status, created_at);
CREATE INDEX runs_by_session ON runs (session_id);

CREATE TABLE run_events (
    run_id    TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    seq       BIGINT NOT NULL,
    ts        BIGINT NOT NULL,
    type      TEXT NOT NULL,
    data_json TEXT NOT NULL,
    PRIMARY KEY (run_id, seq)
);

CREATE TABLE artifacts (
    id           TEXT PRIMARY KEY,
    run_id       TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    path         TEXT NOT NULL,
    size         BIGINT NOT NULL CHECK (size >= 0),
    content_type TEXT NOT NULL,
    sha256       TEXT NOT NULL,
    review_state TEXT NOT NULL CHECK (review_state IN ('pending', 'approved', 'rejected')),
    reviewed_by  TEXT,
    reviewed_at  BIGINT,
    created_at   BIGINT NOT NULL
);
CREATE INDEX artifacts_by_run ON artifacts (run_id, path);
CREATE INDEX artifacts_by_review ON artifacts (workspace_id, review_state);

CREATE TABLE artifact_contents (
    artifact_id TEXT PRIMARY KEY REFERENCES artifacts (id) ON DELETE CASCADE,
    content     BYTEA NOT NULL
);

CREATE TABLE sandboxes (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    created_by   TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('raw', 'run', 'session')),
    owner_id     TEXT,
    template     TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    ended_at     BIGINT,
    end_reason   TEXT
);
CREATE INDEX sandboxes_by_workspace ON sandboxes (workspace_id, created_at);
