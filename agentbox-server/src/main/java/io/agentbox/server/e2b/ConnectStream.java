package io.agentbox.server.e2b;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.agentbox.sandbox.e2b.ConnectFrames;
import io.agentbox.server.http.Json;
import io.javalin.http.Context;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * One server-stream response. Frames written before {@link #open} are held back, so the first frame the
 * client sees is the one that opens the stream (envd's {@code start} event). Once a write fails (the
 * client went away) every later write is dropped: the work behind the stream goes on without it.
 */
final class ConnectStream {
    private final Context ctx;
    private final List<byte[]> held = new ArrayList<>();
    private OutputStream out;
    private boolean opened;
    private boolean broken;
    private boolean ended;
    private long lastWriteNanos = System.nanoTime();

    ConnectStream(Context ctx) {
        this.ctx = ctx;
    }

    /** Commits the HTTP 200 and writes {@code first}, then whatever was held back. */
    synchronized void open(ObjectNode first) {
        if (opened) return;
        opened = true;
        ctx.status(200);
        ctx.res().setContentType("application/connect+json");
        try {
            out = ctx.res().getOutputStream();
        } catch (IOException e) {
            broken = true;
            return;
        }
        writeRaw(frame(first));
        for (byte[] f : held) writeRaw(f);
        held.clear();
    }

    synchronized void send(ObjectNode message) {
        if (ended) return;
        byte[] f = frame(message);
        if (!opened) held.add(f);
        else writeRaw(f);
    }

    /** Sends {@code keepalive} when nothing went out for {@code idleNanos}; false once the client is gone. */
    synchronized boolean keepalive(ObjectNode message, long idleNanos) {
        if (broken) return false;
        if (opened && !ended && System.nanoTime() - lastWriteNanos >= idleNanos) writeRaw(frame(message));
        return !broken;
    }

    synchronized boolean broken() {
        return broken;
    }

    /** The end-stream frame: {@code {}} for success. */
    synchronized void end() {
        endWith(Json.object());
    }

    /** An error end-stream frame; a stream that never opened is opened by it (errors travel in HTTP 200). */
    synchronized void fail(String code, String message) {
        ObjectNode end = Json.object();
        end.putObject("error").put("code", code).put("message", message);
        endWith(end);
    }

    private void endWith(ObjectNode end) {
        if (ended) return;
        if (!opened) {
            held.clear();
            opened = true;
            ctx.status(200);
            ctx.res().setContentType("application/connect+json");
            try {
                out = ctx.res().getOutputStream();
            } catch (IOException e) {
                broken = true;
            }
        }
        ended = true;
        if (!broken) writeRaw(ConnectFrames.encode(ConnectFrames.END_STREAM, Json.write(end).getBytes(StandardCharsets.UTF_8)));
    }

    private static byte[] frame(ObjectNode message) {
        return ConnectFrames.encode(ConnectFrames.MESSAGE, Json.write(message).getBytes(StandardCharsets.UTF_8));
    }

    private void writeRaw(byte[] frame) {
        if (broken) return;
        try {
            out.write(frame);
            out.flush();
            lastWriteNanos = System.nanoTime();
        } catch (IOException | RuntimeException e) {
            broken = true;
        }
    }
}
