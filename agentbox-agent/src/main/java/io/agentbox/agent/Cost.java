package io.agentbox.agent;

import java.math.BigDecimal;
import java.util.Objects;

/** What a run cost in USD, exact for the usage the API reported: model tokens plus sandbox compute. */
public record Cost(BigDecimal model, BigDecimal sandbox, BigDecimal total) {
    public static final Cost ZERO = of(BigDecimal.ZERO, BigDecimal.ZERO);

    public Cost {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(sandbox, "sandbox");
        Objects.requireNonNull(total, "total");
    }

    public static Cost of(BigDecimal model, BigDecimal sandbox) {
        return new Cost(model, sandbox, model.add(sandbox));
    }

    public Cost plus(Cost o) {
        return of(model.add(o.model), sandbox.add(o.sandbox));
    }
}
