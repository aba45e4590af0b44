package io.agentbox.agent.cost;

import java.math.BigDecimal;
import java.util.Objects;

/** USD per second of allocated sandbox compute, billed like E2B: allocated, not used, resources. */
public record SandboxPrice(BigDecimal perVcpuSecond, BigDecimal perGibSecond) {
    /** E2B's published usage rates (an 8 vCPU / 4 GiB sandbox costs $0.468 per hour). */
    public static final SandboxPrice E2B = new SandboxPrice(new BigDecimal("0.000014"), new BigDecimal("0.0000045"));

    public SandboxPrice {
        Objects.requireNonNull(perVcpuSecond, "perVcpuSecond");
        Objects.requireNonNull(perGibSecond, "perGibSecond");
    }
}
