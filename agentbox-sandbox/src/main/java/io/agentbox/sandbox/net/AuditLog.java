package io.agentbox.sandbox.net;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.agentbox.sandbox.NetworkAuditEntry;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** A sandbox's network audit, {@code <sandbox dir>/audit.jsonl}: one JSON object per line, appended by the egress. */
public final class AuditLog {
    static final String FILE = "audit.jsonl";
    private static final ObjectMapper JSON = new ObjectMapper();

    private AuditLog() {}

    /** The line format of {@code agentbox sandbox audit --json}. */
    public static ObjectNode json(NetworkAuditEntry e) {
        ObjectNode n = JSON.createObjectNode();
        n.put("ts", e.ts().toString());
        n.put("kind", "network");
        if (e.host().isPresent()) n.put("host", e.host().get()); else n.putNull("host");
        if (e.ip().isPresent()) n.put("ip", e.ip().get()); else n.putNull("ip");
        n.put("port", e.port());
        n.put("protocol", e.protocol());
        n.put("decision", e.decision());
        n.put("reason", e.reason());
        return n;
    }

    static void append(Path sandboxDir, NetworkAuditEntry e) {
        byte[] line = (json(e).toString() + "\n").getBytes(StandardCharsets.UTF_8);
        // O_APPEND writes of one line are atomic with respect to each other
        try (FileChannel ch = FileChannel.open(sandboxDir.resolve(FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            ch.write(ByteBuffer.wrap(line));
        } catch (NoSuchFileException e1) {
            // the sandbox ended meanwhile
        } catch (IOException e1) {
            throw new UncheckedIOException(e1);
        }
    }

    /** Every entry of the sandbox, oldest first. */
    public static List<NetworkAuditEntry> read(Path sandboxDir) {
        return read(sandboxDir, 0).entries();
    }

    /** Entries from byte {@code offset} on, and the offset after the last complete line. */
    public record Slice(List<NetworkAuditEntry> entries, long next) {}

    public static Slice read(Path sandboxDir, long offset) {
        Path f = sandboxDir.resolve(FILE);
        List<NetworkAuditEntry> out = new ArrayList<>();
        byte[] all;
        try {
            all = Files.readAllBytes(f);
        } catch (IOException e) {
            return new Slice(out, offset);
        }
        long next = offset;
        int start = (int) Math.min(offset, all.length);
        for (int i = start; i < all.length; i++) {
            if (all[i] != '\n') continue;
            String line = new String(all, start, i - start, StandardCharsets.UTF_8);
            start = i + 1;
            next = start;
            try {
                JsonNode n = JSON.readTree(line);
                out.add(new NetworkAuditEntry(Instant.parse(n.path("ts").asText()), Optional.ofNullable(n.path("host").textValue()),
                        Optional.ofNullable(n.path("ip").textValue()), n.path("port").asInt(), n.path("protocol").asText(),
                        n.path("decision").asText(), n.path("reason").asText()));
            } catch (IOException | RuntimeException e) {
                // a damaged line is skipped, never fatal
            }
        }
        return new Slice(out, next);
    }
}
