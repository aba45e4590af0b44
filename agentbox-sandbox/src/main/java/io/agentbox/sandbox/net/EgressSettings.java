package io.agentbox.sandbox.net;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The operator's egress settings, taken when a sandbox is created and kept with it.
 *
 * @param hostsFile  a hosts(5) file the host-side resolver consults before DNS ({@code AGENTBOX_EGRESS_HOSTS})
 * @param caFile     extra PEM roots for verifying upstream TLS where secrets are injected ({@code AGENTBOX_EGRESS_CA_FILE})
 * @param allowCidrs private ranges the operator opens to sandboxes ({@code AGENTBOX_EGRESS_ALLOW_CIDRS}, comma separated)
 */
public record EgressSettings(Optional<Path> hostsFile, Optional<Path> caFile, List<String> allowCidrs) {
    public EgressSettings {
        allowCidrs = List.copyOf(allowCidrs);
        allowCidrs.forEach(AddressRules.Cidr::parse);
    }

    /**
     * From the environment; each variable may also be given as a system property of the same name
     * (tests and embedding applications cannot change their own environment).
     */
    public static EgressSettings fromEnvironment() {
        return new EgressSettings(setting("AGENTBOX_EGRESS_HOSTS").map(Path::of), setting("AGENTBOX_EGRESS_CA_FILE").map(Path::of),
                setting("AGENTBOX_EGRESS_ALLOW_CIDRS").map(s -> Arrays.stream(s.split(",")).map(String::trim).filter(x -> !x.isEmpty()).toList())
                        .orElse(List.of()));
    }

    private static Optional<String> setting(String name) {
        String v = System.getenv(name);
        if (v == null || v.isBlank()) v = System.getProperty(name);
        return Optional.ofNullable(v).filter(s -> !s.isBlank());
    }
}
