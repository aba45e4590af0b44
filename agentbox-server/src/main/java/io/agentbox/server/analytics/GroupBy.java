package io.agentbox.server.analytics;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** What a usage report's groups are: UTC days, models, principals (who created the runs) or templates. */
public enum GroupBy {
    DAY, MODEL, PRINCIPAL, TEMPLATE;

    public static final List<String> WIRE_NAMES = Arrays.stream(values()).map(GroupBy::wireName).toList();

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<GroupBy> fromWireName(String s) {
        for (GroupBy g : values()) if (g.wireName().equals(s)) return Optional.of(g);
        return Optional.empty();
    }
}
