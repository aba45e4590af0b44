package io.agentbox.cli.sandbox;

import io.agentbox.cli.Cli;
import io.agentbox.cli.Json;
import io.agentbox.sandbox.SandboxInfo;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * {@code sandboxes/<id>/cli.view}: what {@code sandbox info} and {@code sandbox ls} print for one
 * sandbox, formatted by this JVM's own code (InfoCommand, LsCommand, SandboxView), so that the
 * launcher's native client (agentbox-client.c) serves those commands by concatenating records, never
 * by formatting anything itself. Only the parts that depend on the time of printing are left to it:
 * the "in 4m58s" of the deadline and the column widths of {@code ls}.
 *
 * <p>NUL-separated fields: the version line, a hash of the files the record was made from
 * ({@code sandbox.json} and {@code network.json}: the client refuses a record whose sandbox changed
 * since), the creation time in epoch nanoseconds (20 digits, so it sorts as text), the deadline in
 * epoch nanoseconds, whether every field is printable ASCII (the client leaves anything else to the
 * JVM, whose column widths count UTF-16 units), the {@code --json} object, the text of {@code info}
 * before and after its "in ..." part, the {@code ls} cells (id, template, network, metadata), then
 * the metadata as key, value pairs for {@code --metadata} filters. Written by {@code create},
 * {@code info} and {@code ls}; a sandbox made elsewhere (the server, the library) gets its record the
 * first time one of them runs through the JVM.
 */
final class FastView {
    static final String VERSION = "agentbox-view 1";
    static final String FILE = "cli.view";
    /** Where the info table's "in ..." goes: never part of a sandbox's fields, so the split is exact. */
    private static final String MARK = "\u0001";

    private FastView() {}

    /** Writes the records of these sandboxes, for those whose state is the same before and after {@code infos} read it. */
    static List<SandboxInfo> recording(Cli cli, Iterable<String> ids, Supplier<List<SandboxInfo>> infos) {
        if (!Cli.LOCAL.equals(cli.provider())) return infos.get();
        Map<String, Long> before = new HashMap<>();
        for (String id : ids) hash(cli.home(), id).ifPresent(h -> before.put(id, h));
        List<SandboxInfo> result = infos.get();
        for (SandboxInfo info : result) write(cli.home(), info, before.get(info.id()));
        return result;
    }

    /** The ids of the state directories of this data dir. */
    static List<String> ids(Cli cli) {
        List<String> ids = new ArrayList<>();
        try (var s = Files.list(cli.home().resolve("sandboxes"))) {
            s.forEach(p -> ids.add(p.getFileName().toString()));
        } catch (IOException e) {
            // no sandboxes yet
        }
        return ids;
    }

    /** Right after {@code create}: nothing else knows the sandbox yet. */
    static void written(Cli cli, SandboxInfo info) {
        if (Cli.LOCAL.equals(cli.provider())) write(cli.home(), info, hash(cli.home(), info.id()).orElse(null));
    }

    private static void write(Path home, SandboxInfo info, Long before) {
        if (before == null || !before.equals(hash(home, info.id()).orElse(null))) return;
        Path dir = home.resolve("sandboxes").resolve(info.id());
        List<String> fields = new ArrayList<>();
        fields.add(VERSION);
        fields.add(Long.toUnsignedString(before, 16));
        fields.add(String.format("%020d", nanos(info.createdAt())));
        fields.add(Long.toString(nanos(info.expiresAt())));
        fields.add("");
        fields.add(Json.toString(SandboxView.of(info)));
        StringWriter text = new StringWriter();
        InfoCommand.table(info, MARK).print(new PrintWriter(text));
        String[] parts = text.toString().split(MARK, -1);
        if (parts.length != 2) return;
        fields.add(parts[0]);
        fields.add(parts[1]);
        String[] row = LsCommand.row(info, "");
        fields.add(row[0]);
        fields.add(row[1]);
        fields.add(row[3]);
        fields.add(row[4]);
        new TreeMap<>(info.metadata()).forEach((k, v) -> {
            fields.add(k);
            fields.add(v);
        });
        boolean ascii = fields.stream().allMatch(f -> f.chars().allMatch(c -> (c >= 0x20 && c < 0x7f) || c == '\n'));
        fields.set(4, ascii ? "1" : "0");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String f : fields) {
            out.writeBytes(f.getBytes(StandardCharsets.UTF_8));
            out.write(0);
        }
        try {
            Path tmp = Files.createTempFile(dir, "." + FILE, ".tmp");
            Files.write(tmp, out.toByteArray());
            Files.move(tmp, dir.resolve(FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            // a read-only data dir, or the sandbox ended: the native client hands such commands to the JVM
        }
    }

    private static long nanos(Instant t) {
        return t.getEpochSecond() * 1_000_000_000L + t.getNano();
    }

    /** FNV-1a (64 bit) of sandbox.json, then of "\n" and network.json when there is one; as agentbox-client.c computes it. */
    static Optional<Long> hash(Path home, String id) {
        Path dir = home.resolve("sandboxes").resolve(id);
        try {
            long h = fnv(0xcbf29ce484222325L, Files.readAllBytes(dir.resolve("sandbox.json")));
            try {
                byte[] net = Files.readAllBytes(dir.resolve("network.json"));
                h = fnv(fnv(h, new byte[] {'\n'}), net);
            } catch (NoSuchFileException e) {
                // no network
            }
            return Optional.of(h);
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static long fnv(long h, byte[] bytes) {
        for (byte b : bytes) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        return h;
    }
}
