package io.agentbox.agent;

import java.security.SecureRandom;

/** Sortable unique ids in ULID form with a type prefix, e.g. {@code run_01JD3X…}. */
final class Ids {
    private static final char[] CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ".toCharArray();
    private static final SecureRandom RANDOM = new SecureRandom();

    private Ids() {}

    static String newId(String prefix) {
        char[] out = new char[26];
        long time = System.currentTimeMillis();
        for (int i = 9; i >= 0; i--) {
            out[i] = CROCKFORD[(int) (time & 31)];
            time >>>= 5;
        }
        for (int i = 10; i < 26; i++) out[i] = CROCKFORD[RANDOM.nextInt(32)];
        return prefix + "_" + new String(out);
    }
}
