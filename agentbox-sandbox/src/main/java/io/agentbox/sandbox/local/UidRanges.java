package io.agentbox.sandbox.local;

/**
 * The host ids that local sandboxes run as. Each live sandbox holds one slot: a range of
 * {@value #IDS_PER_SLOT} consecutive host uids (and the same gids), the ids 0..65535 of its own user
 * namespace. Slots are taken machine-wide through lock files under {@code /run/agentbox/uid-slots}
 * and come back when the sandbox's supervisor exits, however it exits.
 *
 * @param first the host uid of slot 0's root; nothing else on the machine may use ids in the ranges
 * @param slots how many sandboxes can live at once
 */
public record UidRanges(long first, int slots) {
    public static final int IDS_PER_SLOT = 65_536;
    /** 4000 slots from host uid 0x70000000 (1879048192) up to 0x7FA00000: far above any account's id. */
    public static final UidRanges DEFAULT = new UidRanges(0x7000_0000L, 4000);

    public UidRanges {
        if (slots < 1) throw new IllegalArgumentException("at least one uid slot is needed, got " + slots);
        if (first < IDS_PER_SLOT) throw new IllegalArgumentException("the uid ranges must start at " + IDS_PER_SLOT + " or above, got " + first);
        if (first + (long) slots * IDS_PER_SLOT > 0xFFFF_FFFEL) {
            throw new IllegalArgumentException("the uid ranges do not fit in 32-bit ids: " + slots + " slots from " + first);
        }
    }

    /** The exclusive upper end of the ranges. */
    public long end() {
        return first + (long) slots * IDS_PER_SLOT;
    }
}
