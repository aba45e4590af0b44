package io.agentbox.server.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.agentbox.server.auth.Caller;
import io.agentbox.server.model.Run;
import io.agentbox.server.model.RunEvent;
import io.agentbox.server.model.Session;
import io.agentbox.server.runs.RunService;
import io.agentbox.server.sessions.SessionService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

/**
 * WebSockets carrying the same events as the SSE stream (each text frame one event JSON, resumable with
 * {@code ?after=}) plus client messages: {@code cancel}, {@code permission} (answer a
 * {@code permission.request}) and, on a session's socket, {@code message} (the next turn). A run's socket
 * closes after the run's terminal event; a session's socket follows one run after the other.
 *
 * <p>Client messages are JSON objects with a {@code type} and an optional {@code id} that the answer
 * echoes: {@code {"type":"ack","for":…,"id":…}} or {@code {"type":"error","for":…,"id":…,"error":{"code","message"}}}.
 * Frames with a {@code seq} are events; frames with a {@code type} of {@code ack} or {@code error} are answers.
 */
public final class WebSocketRoutes {
    private static final Logger LOG = LoggerFactory.getLogger(WebSocketRoutes.class);
    private static final Duration NEXT_RUN_POLL = Duration.ofMillis(200);
    private static final List<String> RUN_MESSAGES = List.of("cancel", "permission");
    private static final List<String> SESSION_MESSAGES = List.of("message", "cancel", "permission");

    private final RunService runs;
    private final SessionService sessions;
    private final SessionRoutes sessionRoutes;
    private final EventStream stream;
    private final BooleanSupplier closing;

    public WebSocketRoutes(RunService runs, SessionService sessions, SessionRoutes sessionRoutes, EventStream stream,
                           BooleanSupplier closing) {
        this.runs = runs;
        this.sessions = sessions;
        this.sessionRoutes = sessionRoutes;
        this.stream = stream;
        this.closing = closing;
    }

    public List<ApiRoute> routes() {
        return List.of(
                ApiRoute.get("/v1/runs/{id}/ws", "runWebSocket",
                                "WebSocket: the run's events (as SSE) plus client messages cancel and permission").tag("runs")
                        .query("after", Schema.integer().min(0), "resume after this seq")
                        .query("ticket", Schema.string(), "a stream ticket (POST /v1/stream-tickets) in place of the Authorization header, which browsers cannot set here")
                        .returns(101, "Switching Protocols: one event JSON per text frame; closes after the terminal event", "application/json")
                        .returns(426, "Not a WebSocket upgrade request", Schema.ref("Error"))
                        .websocket(this::acceptRun)
                        .handle(c -> {
                            runs.get(c.caller(), c.path("id"));
                            throw upgradeRequired();
                        }),
                ApiRoute.get("/v1/sessions/{id}/ws", "sessionWebSocket",
                                "WebSocket: the events of the session's runs, one run after the other, plus client messages "
                                        + "message (the next turn), cancel and permission").tag("sessions")
                        .query("ticket", Schema.string(), "a stream ticket (POST /v1/stream-tickets) in place of the Authorization header, which browsers cannot set here")
                        .query("runId", Schema.string(), "resume: the run of the last event received (default: the run in flight)")
                        .query("after", Schema.integer().min(0), "resume: the seq of the last event received in that run")
                        .returns(101, "Switching Protocols: one event JSON per text frame", "application/json")
                        .returns(426, "Not a WebSocket upgrade request", Schema.ref("Error"))
                        .websocket(this::acceptSession)
                        .handle(c -> {
                            sessions.get(c.caller(), c.path("id"));
                            throw upgradeRequired();
                        }));
    }

    private static ApiException upgradeRequired() {
        return new ApiException(426, "upgrade_required", "this endpoint is a WebSocket: send an upgrade request");
    }

    private WebSocketEndpoint.Connection acceptRun(Call c) {
        Run run = runs.get(c.caller(), c.path("id"));
        long after = c.queryLong("after", 0).orElse(0);
        return new Socket(c.caller(), RUN_MESSAGES) {
            @Override
            void follow() throws Exception {
                stream.follow(run.id(), after, true, sink());
                closeAfterAnswers(1000, "run ended");
            }

            @Override
            Optional<String> currentRun() {
                return Optional.of(run.id());
            }
        };
    }

    private WebSocketEndpoint.Connection acceptSession(Call c) {
        Session session = sessions.get(c.caller(), c.path("id"));
        Optional<Run> resume = c.query("runId").map(id -> {
            Run r = runs.get(c.caller(), id);
            if (!r.sessionId().equals(Optional.of(session.id()))) throw ApiException.invalidField("runId", "is not a run of session " + session.id());
            return r;
        });
        long after = c.queryLong("after", 0).orElse(0);
        return new Socket(c.caller(), SESSION_MESSAGES) {
            private volatile Run current;
            private final Semaphore newRun = new Semaphore(0);

            @Override
            void follow() throws Exception {
                // One look at the session's latest run decides where to start: following it if it is in
                // flight, else waiting for the next; two looks could miss a run created in between.
                Optional<Run> latest = resume.isPresent() ? resume : sessions.latestRun(session);
                current = latest.filter(r -> resume.isPresent() || !r.status().terminal()).orElse(null);
                long from = resume.isPresent() ? after : 0;
                Position seen = latest.map(r -> new Position(r.createdAt(), r.id())).orElse(null);
                while (peer.isOpen() && !closing.getAsBoolean()) {
                    if (current != null) {
                        stream.follow(current.id(), from, true, sink());
                        seen = new Position(current.createdAt(), current.id());
                        from = 0;
                    }
                    current = next(seen).orElse(null);
                    if (current != null) continue;
                    if (sessions.find(session.id()).filter(x -> x.status() == Session.Status.ACTIVE).isEmpty()) {
                        closeAfterAnswers(1000, "session ended");
                        return;
                    }
                    newRun.tryAcquire(NEXT_RUN_POLL.toMillis(), TimeUnit.MILLISECONDS);
                }
            }

            /** The session's oldest run after {@code seen}: runs are followed in the order they were created. */
            private Optional<Run> next(Position seen) {
                Optional<Run> found = Optional.empty();
                for (Run r : sessions.runsOf(session)) {
                    if (seen == null || seen.before(r)) found = Optional.of(r);
                    else break;
                }
                return found;
            }

            @Override
            Optional<String> currentRun() {
                Run r = current;
                return r != null ? Optional.of(r.id()) : sessions.activeRun(session).map(Run::id);
            }

            @Override
            ObjectNode message(JsonBody body) {
                Run run = sessionRoutes.send(caller, session.id(), body);
                newRun.release();
                return Json.object().set("run", Views.run(run));
            }
        };
    }

    /** A point in a session's run order. */
    private record Position(java.time.Instant createdAt, String id) {
        boolean before(Run r) {
            int c = r.createdAt().compareTo(createdAt);
            return c > 0 || (c == 0 && r.id().compareTo(id) > 0);
        }
    }

    /** One client: a virtual thread streams events while client messages are answered as they come. */
    private abstract class Socket implements WebSocketEndpoint.Connection {
        final Caller caller;
        private final List<String> accepted;
        WebSocketEndpoint.Peer peer;
        private Thread follower;
        /** Held while a client message is answered: a cancel ends the run, and the answer must go out before the socket closes. */
        private final ReentrantLock answering = new ReentrantLock();

        Socket(Caller caller, List<String> accepted) {
            this.caller = caller;
            this.accepted = accepted;
        }

        void closeAfterAnswers(int code, String reason) {
            answering.lock();
            try {
                peer.close(code, reason);
            } finally {
                answering.unlock();
            }
        }

        /** Streams until the socket closes (or, for a run, its terminal event). */
        abstract void follow() throws Exception;

        /** The run that cancel and permission answers apply to by default. */
        abstract Optional<String> currentRun();

        ObjectNode message(JsonBody body) {
            throw ApiException.badRequest("send messages on the session's socket /v1/sessions/{id}/ws");
        }

        EventStream.Sink sink() {
            return new EventStream.Sink() {
                @Override
                public void send(RunEvent e) throws IOException {
                    if (!peer.send(Views.event(e))) throw new IOException("client gone");
                }

                @Override
                public void keepAlive() throws IOException {
                    if (!peer.ping()) throw new IOException("client gone");
                }
            };
        }

        @Override
        public void onOpen(WebSocketEndpoint.Peer peer) {
            this.peer = peer;
            // A platform thread, as for SSE (see EventStream.onStreamThread): events go out however busy the agents are.
            follower = Thread.ofPlatform().daemon().name("ws-follower").start(() -> {
                try {
                    follow();
                } catch (IOException e) {
                    // the client went away
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (Exception e) {
                    LOG.warn("WebSocket stream failed", e);
                    peer.close(1011, "internal error");
                }
            });
        }

        @Override
        public void onClose() {
            if (follower != null) follower.interrupt();
        }

        @Override
        public void onMessage(String text) {
            answering.lock();
            try {
                answer(text);
            } finally {
                answering.unlock();
            }
        }

        private void answer(String text) {
            String type = "";
            Optional<String> id = Optional.empty();
            try {
                JsonBody body = JsonBody.parse(text.getBytes(StandardCharsets.UTF_8));
                id = body.string("id", 100);
                type = body.oneOf("type", t -> accepted.contains(t) ? Optional.of(t) : Optional.empty(), accepted)
                        .orElseThrow(() -> ApiException.invalidField("type", "is required (one of " + String.join(", ", accepted) + ")"));
                ObjectNode result = switch (type) {
                    case "message" -> {
                        body.allowOnly(Set.of("type", "id", "prompt", "model", "options"));
                        yield message(body);
                    }
                    case "cancel" -> {
                        body.allowOnly(Set.of("type", "id", "runId", "reason"));
                        String runId = target(body);
                        Run r = runs.cancel(caller, runId, body.string("reason", 500).orElse("canceled by request"));
                        yield Json.object().set("run", Views.run(r));
                    }
                    default -> {
                        body.allowOnly(Set.of("type", "id", "runId", "toolUseId", "decision", "message", "updatedInput"));
                        String runId = target(body);
                        String toolUseId = body.requiredString("toolUseId", 200);
                        runs.answerPermission(caller, runId, toolUseId, RunRoutes.decision(body, ""));
                        yield Json.object().put("runId", runId).put("toolUseId", toolUseId);
                    }
                };
                ObjectNode ack = Json.object().put("type", "ack").put("for", type);
                id.ifPresent(v -> ack.put("id", v));
                ack.setAll(result);
                peer.send(Json.write(ack));
            } catch (ApiException e) {
                ObjectNode err = Json.object().put("type", "error").put("for", type);
                id.ifPresent(v -> err.put("id", v));
                err.putObject("error").put("code", e.code()).put("message", e.getMessage());
                peer.send(Json.write(err));
            } catch (RuntimeException e) {
                LOG.error("WebSocket message failed", e);
                ObjectNode err = Json.object().put("type", "error").put("for", type);
                err.putObject("error").put("code", "internal").put("message", "internal error");
                peer.send(Json.write(err));
            }
        }

        private String target(JsonBody body) {
            return body.string("runId", 100).or(this::currentRun)
                    .orElseThrow(() -> ApiException.conflict("no run in flight to apply this to"));
        }
    }
}
