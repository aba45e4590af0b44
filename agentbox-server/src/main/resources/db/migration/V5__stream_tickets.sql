-- Single-use tickets that open an event stream in place of the API key (POST /v1/stream-tickets).
-- Stored by their SHA-256 only, and shared by every node on this database: the node that issued a
-- ticket need not be the one its stream reaches.
CREATE TABLE stream_tickets (
    ticket_hash  TEXT PRIMARY KEY,
    key_id       TEXT NOT NULL,
    principal_id TEXT NOT NULL,
    expires_at   BIGINT NOT NULL
);
CREATE INDEX stream_tickets_by_key ON stream_tickets (key_id);
CREATE INDEX stream_tickets_by_expiry ON stream_tickets (expires_at);
