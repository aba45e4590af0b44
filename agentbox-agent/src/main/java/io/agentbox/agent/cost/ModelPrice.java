package io.agentbox.agent.cost;

import java.math.BigDecimal;
import java.util.Objects;

/** USD per million tokens of one model. */
public record ModelPrice(BigDecimal input, BigDecimal output, BigDecimal cacheWrite5m, BigDecimal cacheWrite1h,
                         BigDecimal cacheRead) {
    public ModelPrice {
        Objects.requireNonNull(input, "input");
        Objects.requireNonNull(output, "output");
        Objects.requireNonNull(cacheWrite5m, "cacheWrite5m");
        Objects.requireNonNull(cacheWrite1h, "cacheWrite1h");
        Objects.requireNonNull(cacheRead, "cacheRead");
    }

    public static ModelPrice of(String input, String output, String cacheWrite5m, String cacheWrite1h, String cacheRead) {
        return new ModelPrice(new BigDecimal(input), new BigDecimal(output), new BigDecimal(cacheWrite5m),
                new BigDecimal(cacheWrite1h), new BigDecimal(cacheRead));
    }
}
