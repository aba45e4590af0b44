package io.agentbox.server.store;

import java.time.Instant;
import java.util.Optional;

/** Columns written together with a status change; empty fields are left as they are. */
public record RunUpdate(
        Optional<String> nodeId,
        Optional<Instant> startedAt,
        Optional<Instant> finishedAt,
        Optional<Instant> deadlineAt,
        Optional<String> result,
        Optional<String> usageJson,
        Optional<String> costJson,
        Optional<Double> costUsd,
        Optional<Integer> turns,
        Optional<Long> durationMs,
        Optional<String> errorCategory,
        Optional<String> errorMessage) {

    public static final RunUpdate NONE = builder().build();

    public static Builder builder() {
        return new Builder();
    }

    public static final class Builder {
        private String nodeId;
        private Instant startedAt;
        private Instant finishedAt;
        private Instant deadlineAt;
        private String result;
        private String usageJson;
        private String costJson;
        private Double costUsd;
        private Integer turns;
        private Long durationMs;
        private String errorCategory;
        private String errorMessage;

        public Builder nodeId(String v) { nodeId = v; return this; }
        public Builder startedAt(Instant v) { startedAt = v; return this; }
        public Builder finishedAt(Instant v) { finishedAt = v; return this; }
        public Builder deadlineAt(Instant v) { deadlineAt = v; return this; }
        public Builder result(String v) { result = v; return this; }
        public Builder usageJson(String v) { usageJson = v; return this; }
        public Builder costJson(String v) { costJson = v; return this; }
        public Builder costUsd(double v) { costUsd = v; return this; }
        public Builder turns(int v) { turns = v; return this; }
        public Builder durationMs(long v) { durationMs = v; return this; }
        public Builder error(String category, String message) { errorCategory = category; errorMessage = message; return this; }

        public RunUpdate build() {
            return new RunUpdate(Optional.ofNullable(nodeId), Optional.ofNullable(startedAt), Optional.ofNullable(finishedAt),
                    Optional.ofNullable(deadlineAt), Optional.ofNullable(result), Optional.ofNullable(usageJson),
                    Optional.ofNullable(costJson), Optional.ofNullable(costUsd), Optional.ofNullable(turns),
                    Optional.ofNullable(durationMs), Optional.ofNullable(errorCategory), Optional.ofNullable(errorMessage));
        }
    }
}
