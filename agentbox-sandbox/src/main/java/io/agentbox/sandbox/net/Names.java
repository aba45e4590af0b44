package io.agentbox.sandbox.net;

import io.agentbox.sandbox.NetworkPolicy;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Names and addresses at the egress: the sandbox's DNS answers, lookups (the operator's hosts file
 * first), and which of a name's addresses a sandbox may reach under its policy.
 */
final class Names {
    private final AddressRules rules = new AddressRules();
    private final HostsFile hosts = new HostsFile();

    /** Why the sandbox may not reach {@code ip} (the host, link-local, private ranges it was not opened), or empty when it may. */
    Optional<String> blocked(SandboxNet sn, InetAddress ip) {
        return rules.blocked(ip, sn.opened());
    }

    /** The answer to one DNS query of a sandbox: by its policy, with only the addresses it may reach. */
    byte[] answer(SandboxNet sn, byte[] query) {
        Optional<Dns.Question> parsed = Dns.parse(query);
        if (parsed.isEmpty()) return Dns.error(query, Dns.RCODE_FORMERR);
        Dns.Question q = parsed.get();
        NetworkConfig cfg = sn.config();
        String name = q.name();
        String proto = "dns";
        if (cfg.policy() instanceof NetworkPolicy.None) {
            sn.audit(name, null, 53, proto, false, "network is none");
            return Dns.answer(query, q, Dns.RCODE_REFUSED, List.of());
        }
        if (sn.rules().routes().containsKey(name)) {
            return Dns.answer(query, q, Dns.RCODE_OK, List.of(literal(EgressDaemon.ROUTE_ADDRESS).get(0)));
        }
        if (cfg.policy() instanceof NetworkPolicy.Allow a && !a.permits(name)) {
            sn.audit(name, null, 53, proto, false, a.denies(name) ? "in the deny list" : "not in the allow list");
            return Dns.answer(query, q, Dns.RCODE_REFUSED, List.of());
        }
        List<InetAddress> all = resolve(sn, name);
        if (all.isEmpty()) return Dns.answer(query, q, Dns.RCODE_NXDOMAIN, List.of());
        List<InetAddress> ok = new ArrayList<>();
        String why = null;
        for (InetAddress a : all) {
            Optional<String> b = blocked(sn, a);
            if (b.isEmpty()) ok.add(a); else why = b.get();
        }
        if (ok.isEmpty()) {
            sn.audit(name, all.get(0).getHostAddress(), 53, proto, false, "resolves to a blocked address (" + why + ")");
            return Dns.answer(query, q, Dns.RCODE_REFUSED, List.of());
        }
        for (InetAddress a : ok) sn.names.put(a.getHostAddress(), name);
        if (cfg.auditAll() && q.type() == Dns.TYPE_A) sn.audit(name, ok.get(0).getHostAddress(), 53, proto, true, "resolved");
        return Dns.answer(query, q, Dns.RCODE_OK, ok);
    }

    /** The addresses of a name or an address literal (hosts file first), unchecked: for operator-chosen targets. */
    List<InetAddress> resolveAny(SandboxNet sn, String name) {
        return Sniff.isIpLiteral(name) ? literal(name) : resolve(sn, name);
    }

    List<InetAddress> resolve(SandboxNet sn, String name) {
        Optional<Path> hf = sn.config().settings().hostsFile();
        if (hf.isPresent()) {
            Optional<List<InetAddress>> fromFile = hosts.lookup(hf.get(), name);
            if (fromFile.isPresent()) return fromFile.get();
        }
        if (Sniff.isIpLiteral(name)) return List.of();
        try {
            return List.of(InetAddress.getAllByName(name));
        } catch (UnknownHostException e) {
            return List.of();
        }
    }

    /** Why an allow-mode connection to {@code name} is refused before any lookup. */
    static Optional<String> nameRefusal(NetworkConfig cfg, String name) {
        if (Sniff.isIpLiteral(name)) return Optional.of("IP literal");
        NetworkPolicy.Allow a = (NetworkPolicy.Allow) cfg.policy();
        if (a.permits(name)) return Optional.empty();
        return Optional.of(a.denies(name) ? "in the deny list" : "not in the allow list");
    }

    /** The addresses of an allowed name that may be reached; audits a refusal when none may. */
    List<InetAddress> allowedAddresses(SandboxNet sn, String name, InetAddress orig, int port, String proto) {
        List<InetAddress> all = resolve(sn, name);
        if (all.isEmpty()) {
            sn.audit(name, orig == null ? null : orig.getHostAddress(), port, proto, false, "name does not resolve");
            return List.of();
        }
        List<InetAddress> ok = new ArrayList<>();
        String why = null;
        for (InetAddress a : all) {
            Optional<String> b = blocked(sn, a);
            if (b.isEmpty()) ok.add(a); else why = b.get();
        }
        if (ok.isEmpty()) sn.audit(name, all.get(0).getHostAddress(), port, proto, false, "resolves to a blocked address (" + why + ")");
        return ok;
    }

    static List<InetAddress> literal(String s) {
        try {
            return List.of(InetAddress.getByName(s));
        } catch (UnknownHostException e) {
            return List.of();
        }
    }
}
