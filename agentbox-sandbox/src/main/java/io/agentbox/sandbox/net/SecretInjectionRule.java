package io.agentbox.sandbox.net;

/**
 * One secret header of a sandbox as its state directory records it: host, header and the variable it
 * came from, never the value (the egress holds values in memory only, see {@link EgressRules}).
 */
record SecretInjectionRule(String host, String header, String env) {
    String key() {
        return key(host, header);
    }

    static String key(String host, String header) {
        return host.toLowerCase(java.util.Locale.ROOT) + "\n" + header.toLowerCase(java.util.Locale.ROOT);
    }
}
