package io.agentbox.agent.cost;

import com.fasterxml.jackson.databind.JsonNode;
import io.agentbox.ConfigException;
import io.agentbox.sandbox.Sandboxes;
import io.agentbox.agent.Usage;
import io.agentbox.agent.event.Events;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Prices of models (per million tokens) and of sandbox compute. Costs are exact decimals of the
 * usage the API reported. Defaults: Anthropic's list prices (platform.claude.com "Pricing" page) and
 * E2B's usage rates; {@link #load} overrides them from a JSON file such as
 * {@code $AGENTBOX_HOME/pricing.json}:
 * <pre>{"models": {"claude-sonnet-4-5": {"input": 3, "output": 15, "cacheWrite5m": 3.75, "cacheWrite1h": 6, "cacheRead": 0.3}},
 *  "sandbox": {"perVcpuSecond": 0.000014, "perGibSecond": 0.0000045}}</pre>
 */
public final class Pricing {
    private static final BigDecimal MEBIBYTES_PER_GIB = BigDecimal.valueOf(1024);

    private final Map<String, ModelPrice> models;
    private final SandboxPrice sandbox;

    private Pricing(Map<String, ModelPrice> models, SandboxPrice sandbox) {
        this.models = Collections.unmodifiableMap(new LinkedHashMap<>(models));
        this.sandbox = Objects.requireNonNull(sandbox, "sandbox");
    }

    public static Pricing defaults() {
        Map<String, ModelPrice> m = new LinkedHashMap<>();
        ModelPrice opus45 = ModelPrice.of("5", "25", "6.25", "10", "0.50");
        ModelPrice opus4 = ModelPrice.of("15", "75", "18.75", "30", "1.50");
        ModelPrice sonnet4 = ModelPrice.of("3", "15", "3.75", "6", "0.30");
        m.put("claude-opus-5-5", ModelPrice.of("4", "20", "5", "8", "0.20"));
        m.put("claude-opus-5", opus45);
        m.put("claude-opus-4-8", opus45);
        m.put("claude-opus-4-7", opus45);
        m.put("claude-opus-4-6", opus45);
        m.put("claude-opus-4-5", opus45);
        m.put("claude-opus-4-1", opus4);
        m.put("claude-opus-4", opus4);
        m.put("claude-sonnet-5-5", ModelPrice.of("2", "10", "2.50", "4", "0.10"));
        m.put("claude-sonnet-5", ModelPrice.of("2", "10", "2.50", "4", "0.20"));
        m.put("claude-sonnet-4-6", sonnet4);
        m.put("claude-sonnet-4-5", sonnet4);
        m.put("claude-sonnet-4", sonnet4);
        m.put("claude-3-7-sonnet", sonnet4);
        m.put("claude-haiku-4-5", ModelPrice.of("1", "5", "1.25", "2", "0.10"));
        m.put("claude-3-5-haiku", ModelPrice.of("0.80", "4", "1", "1.6", "0.08"));
        return new Pricing(m, SandboxPrice.E2B);
    }

    /** The defaults, with {@code $AGENTBOX_HOME/pricing.json} laid over them when that file exists. */
    public static Pricing standard() {
        Path file = Sandboxes.defaultHome().resolve("pricing.json");
        return Files.isRegularFile(file) ? defaults().load(file) : defaults();
    }

    /** These prices with the models and sandbox rates of a JSON file laid over them. */
    public Pricing load(Path file) {
        JsonNode root;
        try {
            root = Events.mapper().readTree(Files.readString(file));
        } catch (IOException e) {
            throw new ConfigException("cannot read pricing file " + file + ": " + e.getMessage());
        }
        Pricing p = this;
        for (Map.Entry<String, JsonNode> e : root.path("models").properties()) {
            JsonNode v = e.getValue();
            ModelPrice base = models.getOrDefault(e.getKey(), priceFor(e.getKey()));
            p = p.withModel(e.getKey(), new ModelPrice(decimal(v, "input", base.input()), decimal(v, "output", base.output()),
                    decimal(v, "cacheWrite5m", base.cacheWrite5m()), decimal(v, "cacheWrite1h", base.cacheWrite1h()),
                    decimal(v, "cacheRead", base.cacheRead())));
        }
        JsonNode s = root.path("sandbox");
        return p.withSandbox(new SandboxPrice(decimal(s, "perVcpuSecond", sandbox.perVcpuSecond()),
                decimal(s, "perGibSecond", sandbox.perGibSecond())));
    }

    private static BigDecimal decimal(JsonNode node, String field, BigDecimal fallback) {
        JsonNode v = node.get(field);
        if (v == null) return fallback;
        if (!v.isNumber()) throw new ConfigException("pricing: '" + field + "' must be a number, got " + v);
        return v.decimalValue();
    }

    public Pricing withModel(String model, ModelPrice price) {
        Map<String, ModelPrice> m = new LinkedHashMap<>(models);
        m.put(model.toLowerCase(Locale.ROOT), price);
        return new Pricing(m, sandbox);
    }

    public Pricing withSandbox(SandboxPrice price) {
        return new Pricing(models, price);
    }

    public SandboxPrice sandboxPrice() {
        return sandbox;
    }

    /**
     * The price of a model id. Dated ids ({@code claude-sonnet-4-5-20250929}) match their alias by
     * the longest known prefix; an unknown model is priced as the newest of its family (Sonnet if none).
     */
    public ModelPrice priceFor(String model) {
        String id = model.toLowerCase(Locale.ROOT).replace("[1m]", "");
        String best = null;
        for (String key : models.keySet()) {
            if ((id.equals(key) || id.startsWith(key + "-")) && (best == null || key.length() > best.length())) best = key;
        }
        if (best != null) return models.get(best);
        String family = id.contains("opus") ? "claude-opus-4-5" : id.contains("haiku") ? "claude-haiku-4-5" : "claude-sonnet-4-5";
        return models.getOrDefault(family, defaults().models.get(family));
    }

    /** The exact USD cost of one call's usage; {@code cacheWrite1hTokens} is the 1-hour part of the cache writes. */
    public BigDecimal modelCost(String model, Usage usage, long cacheWrite1hTokens) {
        ModelPrice p = priceFor(model);
        long write1h = Math.min(cacheWrite1hTokens, usage.cacheCreationInputTokens());
        BigDecimal micro = p.input().multiply(BigDecimal.valueOf(usage.inputTokens()))
                .add(p.output().multiply(BigDecimal.valueOf(usage.outputTokens())))
                .add(p.cacheWrite5m().multiply(BigDecimal.valueOf(usage.cacheCreationInputTokens() - write1h)))
                .add(p.cacheWrite1h().multiply(BigDecimal.valueOf(write1h)))
                .add(p.cacheRead().multiply(BigDecimal.valueOf(usage.cacheReadInputTokens())));
        return strip(micro.movePointLeft(6));
    }

    /** The exact USD cost of a sandbox with these resources for {@code time} (millisecond precision). */
    public BigDecimal sandboxCost(double cpus, long memoryMb, Duration time) {
        BigDecimal seconds = BigDecimal.valueOf(time.toMillis()).movePointLeft(3);
        BigDecimal gib = BigDecimal.valueOf(memoryMb).divide(MEBIBYTES_PER_GIB);
        BigDecimal perSecond = sandbox.perVcpuSecond().multiply(BigDecimal.valueOf(cpus))
                .add(sandbox.perGibSecond().multiply(gib));
        return strip(perSecond.multiply(seconds));
    }

    private static BigDecimal strip(BigDecimal v) {
        return v.signum() == 0 ? BigDecimal.ZERO : v.stripTrailingZeros();
    }
}
