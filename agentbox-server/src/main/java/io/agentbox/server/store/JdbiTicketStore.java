package io.agentbox.server.store;

import io.agentbox.server.auth.StreamTickets;

import java.time.Instant;
import java.util.Optional;

/** {@link StreamTickets.Store} in the database, so that a ticket issued by one node opens a stream on any. */
public final class JdbiTicketStore implements StreamTickets.Store {
    private final Database db;

    public JdbiTicketStore(Database db) {
        this.db = db;
    }

    @Override
    public void insert(String ticketHash, StreamTickets.Entry e, int maxPerKey, Instant now) {
        db.writeVoid(h -> {
            h.createUpdate("DELETE FROM stream_tickets WHERE expires_at <= :now").bind("now", now.toEpochMilli()).execute();
            int held = h.createQuery("SELECT COUNT(*) FROM stream_tickets WHERE key_id = :k").bind("k", e.keyId()).mapTo(Integer.class).one();
            if (held >= maxPerKey) {
                h.createUpdate("DELETE FROM stream_tickets WHERE ticket_hash IN (SELECT ticket_hash FROM stream_tickets WHERE key_id = :k "
                        + "ORDER BY expires_at LIMIT :n)").bind("k", e.keyId()).bind("n", held - maxPerKey + 1).execute();
            }
            h.createUpdate("INSERT INTO stream_tickets (ticket_hash, key_id, principal_id, expires_at) VALUES (:t, :k, :p, :x)")
                    .bind("t", ticketHash).bind("k", e.keyId()).bind("p", e.principalId()).bind("x", e.expiresAt().toEpochMilli()).execute();
        });
    }

    @Override
    public Optional<StreamTickets.Entry> take(String ticketHash) {
        return db.write(h -> {
            Optional<StreamTickets.Entry> e = h.createQuery("SELECT key_id, principal_id, expires_at FROM stream_tickets WHERE ticket_hash = :t")
                    .bind("t", ticketHash)
                    .map((rs, ctx) -> new StreamTickets.Entry(rs.getString("key_id"), rs.getString("principal_id"),
                            Instant.ofEpochMilli(rs.getLong("expires_at"))))
                    .findOne();
            if (e.isEmpty()) return Optional.empty();
            // whoever deletes the row redeems the ticket: two nodes racing for it cannot both win
            int gone = h.createUpdate("DELETE FROM stream_tickets WHERE ticket_hash = :t").bind("t", ticketHash).execute();
            return gone == 1 ? e : Optional.<StreamTickets.Entry>empty();
        });
    }

    @Override
    public void deleteKey(String keyId) {
        db.writeVoid(h -> h.createUpdate("DELETE FROM stream_tickets WHERE key_id = :k").bind("k", keyId).execute());
    }

    @Override
    public int count() {
        return db.read(h -> h.createQuery("SELECT COUNT(*) FROM stream_tickets").mapTo(Integer.class).one());
    }
}
