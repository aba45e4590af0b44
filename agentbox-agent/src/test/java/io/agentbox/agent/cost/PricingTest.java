package io.agentbox.agent.cost;

import io.agentbox.ConfigException;
import io.agentbox.agent.Usage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PricingTest {
    private final Pricing pricing = Pricing.defaults();

    @Test
    void modelCostIsExactForTheReportedUsage() {
        // 1000 in * $3 + 500 out * $15 + 2000 cache write * $3.75 + 10000 cache read * $0.30, per million
        Usage u = new Usage(1000, 500, 2000, 10000);
        assertThat(pricing.modelCost("claude-sonnet-4-5", u, 0)).isEqualByComparingTo("0.0210");
        // of the 2000 cache-write tokens, 1000 at the 1 h price ($6)
        assertThat(pricing.modelCost("claude-sonnet-4-5", u, 1000)).isEqualByComparingTo("0.02325");
        assertThat(pricing.modelCost("claude-opus-4-5", new Usage(1_000_000, 1_000_000, 0, 0), 0)).isEqualByComparingTo("30");
        assertThat(pricing.modelCost("claude-haiku-4-5", new Usage(3, 7, 0, 0), 0)).isEqualByComparingTo("0.000038");
    }

    @Test
    void datedIdsUseTheirAliasAndUnknownModelsTheirFamily() {
        assertThat(pricing.priceFor("claude-sonnet-4-5-20250929")).isEqualTo(pricing.priceFor("claude-sonnet-4-5"));
        assertThat(pricing.priceFor("claude-opus-4-1-20250805").input()).isEqualByComparingTo("15");
        assertThat(pricing.priceFor("claude-opus-4-5").input()).isEqualByComparingTo("5");
        assertThat(pricing.priceFor("claude-haiku-9").input()).isEqualByComparingTo("1");
        assertThat(pricing.priceFor("mystery-model").input()).isEqualByComparingTo("3");
    }

    @Test
    void sandboxCostUsesE2bRatesPerVcpuAndGibSecond() {
        // 8 vCPU + 4 GiB for one hour is $0.468 at E2B's rates
        assertThat(pricing.sandboxCost(8, 4096, Duration.ofHours(1))).isEqualByComparingTo("0.468");
        assertThat(pricing.sandboxCost(1, 512, Duration.ofMillis(1500))).isEqualByComparingTo("0.0000243750");
        assertThat(pricing.sandboxCost(1, 512, Duration.ZERO)).isEqualByComparingTo(BigDecimal.ZERO);
    }

    @Test
    void aPricingFileOverridesModelsAndSandboxRates(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("pricing.json");
        Files.writeString(f, """
                {"models": {"claude-sonnet-4-5": {"input": 1}, "my-model": {"input": 2, "output": 4, "cacheWrite5m": 0, "cacheWrite1h": 0, "cacheRead": 0}},
                 "sandbox": {"perVcpuSecond": 0.5}}""");
        Pricing p = pricing.load(f);
        assertThat(p.priceFor("claude-sonnet-4-5").input()).isEqualByComparingTo("1");
        assertThat(p.priceFor("claude-sonnet-4-5").output()).isEqualByComparingTo("15");
        assertThat(p.modelCost("my-model", new Usage(1_000_000, 1_000_000, 0, 0), 0)).isEqualByComparingTo("6");
        assertThat(p.sandboxPrice().perVcpuSecond()).isEqualByComparingTo("0.5");
        assertThat(p.sandboxPrice().perGibSecond()).isEqualByComparingTo("0.0000045");
        Files.writeString(f, "{\"models\": {\"x\": {\"input\": \"cheap\"}}}");
        assertThatThrownBy(() -> pricing.load(f)).isInstanceOf(ConfigException.class).hasMessageContaining("input");
    }
}
