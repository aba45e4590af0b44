package io.agentbox.testkit;

import java.util.concurrent.ThreadLocalRandom;

/** Identifiers shaped like the real API's: {@code msg_01...}, {@code toolu_01...}, {@code req_01...}. */
final class WireIds {
    private static final char[] BASE62 =
            "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".toCharArray();

    private WireIds() {}

    static String messageId() {
        return "msg_01" + base62(22);
    }

    static String toolUseId() {
        return "toolu_01" + base62(22);
    }

    static String requestId() {
        return "req_01" + base62(22);
    }

    /** Real signatures are long opaque base64 strings; clients only store and echo them. */
    static String signature() {
        return "Eo" + base62(118) + "==";
    }

    private static String base62(int length) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        char[] chars = new char[length];
        for (int i = 0; i < length; i++) {
            chars[i] = BASE62[random.nextInt(BASE62.length)];
        }
        return new String(chars);
    }
}
