package io.agentbox.server.support;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Reads a text/event-stream: frames with id, event and data lines, and comment lines. */
public final class Sse implements AutoCloseable {
    private final BufferedReader reader;
    private final InputStream in;
    private final List<String> comments = new ArrayList<>();

    public Sse(InputStream in) {
        this.in = in;
        this.reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
    }

    public record Frame(String id, String event, String data, long receivedAtMillis) {
        public JsonNode json() {
            try {
                return Http.JSON.readTree(data);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        public long seq() {
            return Long.parseLong(id);
        }
    }

    /** The next frame, or empty at the end of the stream. Comments seen on the way are kept. */
    public Optional<Frame> next() {
        String id = null;
        String event = null;
        StringBuilder data = new StringBuilder();
        try {
            String line;
            while ((line = reader.readLine()) != null) {
                if (line.isEmpty()) {
                    if (id != null || event != null || !data.isEmpty()) {
                        return Optional.of(new Frame(id, event, data.toString(), System.currentTimeMillis()));
                    }
                    continue;
                }
                if (line.startsWith(":")) comments.add(line.substring(1).trim());
                else if (line.startsWith("id: ")) id = line.substring(4);
                else if (line.startsWith("event: ")) event = line.substring(7);
                else if (line.startsWith("data: ")) data.append(line.substring(6));
                else throw new AssertionError("unexpected SSE line: " + line);
            }
            return Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Every frame until the server closes the stream. */
    public List<Frame> rest() {
        List<Frame> out = new ArrayList<>();
        for (Optional<Frame> f = next(); f.isPresent(); f = next()) out.add(f.get());
        return out;
    }

    public List<String> comments() {
        return List.copyOf(comments);
    }

    @Override
    public void close() {
        try {
            in.close();
        } catch (IOException ignored) {
            // closing a finished stream
        }
    }
}
