-- Nodes sharing the database: each upserts its row every heartbeat interval, so the others can tell
-- a live node (a session's runs wait for the node holding its sandbox) from a lost one.
CREATE TABLE nodes (
    node_id      TEXT PRIMARY KEY,
    started_at   BIGINT NOT NULL,
    heartbeat_at BIGINT NOT NULL
);
