package io.agentbox.server.http;

import io.agentbox.server.auth.StreamTickets;

import java.util.List;

/** {@code POST /v1/stream-tickets}: a one-use ticket that opens an event stream where no header can be sent. */
public final class StreamTicketRoutes {
    private final StreamTickets tickets;

    public StreamTicketRoutes(StreamTickets tickets) {
        this.tickets = tickets;
    }

    public List<ApiRoute> routes() {
        return List.of(ApiRoute.post("/v1/stream-tickets", "createStreamTicket",
                        "A short-lived, single-use ticket for ?ticket= on the event-stream routes (SSE and WebSocket), "
                                + "worth what the calling key is worth").tag("auth")
                .returns(201, "{ticket, expiresAt}: redeem it within " + StreamTickets.TTL.toSeconds() + " s, once", Schema.object()
                        .required("ticket", Schema.string()).required("expiresAt", Schema.string().format("date-time")))
                .handle(c -> {
                    StreamTickets.Issued t = tickets.issue(c.caller());
                    c.ctx().header("Cache-Control", "no-store");
                    c.json(201, Json.object().put("ticket", t.ticket()).put("expiresAt", t.expiresAt().toString()));
                }));
    }
}
