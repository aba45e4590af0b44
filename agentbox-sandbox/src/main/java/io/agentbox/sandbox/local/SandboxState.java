package io.agentbox.sandbox.local;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.agentbox.sandbox.NetworkPolicy;
import io.agentbox.sandbox.Resources;
import io.agentbox.sandbox.SandboxInfo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * What {@code sandboxes/<id>/sandbox.json} holds: everything another process needs to address the
 * sandbox (its spec as created, its deadline, its cgroups and template environment). {@code pool}
 * names the owner ({@code pid@start}) of a warm-pool sandbox nobody has taken yet: such a sandbox is
 * invisible to {@code list} and {@code connect} until it is handed out.
 */
record SandboxState(
        String id,
        String template,
        Instant createdAt,
        Instant expiresAt,
        Map<String, String> metadata,
        Map<String, String> env,
        Map<String, String> templateEnv,
        Resources resources,
        String network,
        String workdir,
        Optional<String> pool) {

    static final ObjectMapper JSON = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .registerModule(new Jdk8Module())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    SandboxState {
        // absent in the state files of sandboxes made before pools existed
        pool = pool == null ? Optional.empty() : pool;
    }

    /** The info of the sandbox whose state directory is {@code dir} (its live network policy included). */
    SandboxInfo info(Path dir) {
        NetworkPolicy policy = io.agentbox.sandbox.net.NetworkConfig.read(dir).map(io.agentbox.sandbox.net.NetworkConfig::policy)
                .orElseGet(() -> network.equals("allow") ? NetworkPolicy.none() : NetworkPolicy.parse(network));
        return new SandboxInfo(id, template, createdAt, expiresAt, metadata, resources, policy, workdir);
    }

    SandboxState withExpiresAt(Instant t) {
        return new SandboxState(id, template, createdAt, t, metadata, env, templateEnv, resources, network, workdir, pool);
    }

    byte[] toJson() {
        try {
            return JSON.writeValueAsBytes(this);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static SandboxState read(Path file) throws IOException {
        return JSON.readValue(file.toFile(), SandboxState.class);
    }

    /** Replaces the file atomically, so a concurrent reader sees the old or the new state, never half. */
    void write(Path file) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp" + ProcessHandle.current().pid() + "-" + Thread.currentThread().threadId());
        Files.write(tmp, toJson());
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
