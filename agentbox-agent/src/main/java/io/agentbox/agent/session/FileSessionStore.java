package io.agentbox.agent.session;

import io.agentbox.AgentboxException;
import io.agentbox.ErrorCategory;
import io.agentbox.agent.event.Events;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** One JSON file per session, written atomically and readable only by the owner (conversations may be private). */
final class FileSessionStore implements SessionStore {
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{1,128}");

    private final Path dir;

    FileSessionStore(Path dir) {
        this.dir = dir.toAbsolutePath();
    }

    @Override
    public void save(SessionState session) {
        Path file = file(session.id());
        try {
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, ".session-", ".tmp",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            try {
                Files.write(tmp, Events.mapper().writeValueAsBytes(session));
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new AgentboxException(ErrorCategory.INTERNAL, "cannot save session " + session.id() + " in " + dir + ": " + e, e);
        }
    }

    @Override
    public Optional<SessionState> load(String id) {
        Path file = file(id);
        try {
            return Optional.of(Events.mapper().readValue(Files.readAllBytes(file), SessionState.class));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (AccessDeniedException e) {
            throw new AgentboxException(ErrorCategory.CONFIG, "cannot read session file " + file + ": permission denied", e);
        } catch (IOException e) {
            throw new AgentboxException(ErrorCategory.INTERNAL, "session file " + file + " is unreadable: " + e.getMessage(), e);
        }
    }

    @Override
    public Optional<SessionState> latest() {
        return files().stream().findFirst().flatMap(f -> load(idOf(f)));
    }

    @Override
    public List<SessionState> list() {
        List<SessionState> out = new ArrayList<>();
        for (Path f : files()) load(idOf(f)).ifPresent(out::add);
        return out;
    }

    @Override
    public void delete(String id) {
        try {
            Files.deleteIfExists(file(id));
        } catch (IOException e) {
            throw new AgentboxException(ErrorCategory.INTERNAL, "cannot delete session " + id + ": " + e, e);
        }
    }

    private List<Path> files() {
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".json"))
                    .sorted(Comparator.comparing(FileSessionStore::modified).reversed())
                    .toList();
        } catch (IOException e) {
            throw new AgentboxException(ErrorCategory.INTERNAL, "cannot list sessions in " + dir + ": " + e, e);
        }
    }

    private static long modified(Path p) {
        try {
            return Files.getLastModifiedTime(p).toMillis();
        } catch (IOException e) {
            return 0;
        }
    }

    private static String idOf(Path f) {
        String n = f.getFileName().toString();
        return n.substring(0, n.length() - ".json".length());
    }

    private Path file(String id) {
        if (!ID.matcher(id).matches()) throw new IllegalArgumentException("invalid session id: '" + id + "'");
        return dir.resolve(id + ".json");
    }
}
