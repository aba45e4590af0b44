package io.agentbox.server.analytics;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Optional;

/** The fields of one run that usage reports add up. */
record UsageRow(Instant createdAt, String status, Optional<String> model, String createdBy, String template,
                long inputTokens, long outputTokens, long cacheCreationTokens, long cacheReadTokens,
                BigDecimal modelCost, BigDecimal sandboxCost, Optional<Long> durationMs, Optional<String> errorCategory) {}
