package io.agentbox.sandbox.net;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Which destinations no sandbox may reach: the host (its loopback and every address of its own),
 * link-local (cloud metadata), private and shared ranges unless the operator opened them, and
 * addresses that are not unicast. Other sandboxes have no address of their own outside their
 * namespace, so they are covered by the host's.
 */
final class AddressRules {
    private static final List<Cidr> ALWAYS_BLOCKED = List.of(
            "0.0.0.0/8", "127.0.0.0/8", "169.254.0.0/16", "224.0.0.0/4", "240.0.0.0/4",
            "::/128", "::1/128", "fe80::/10", "ff00::/8").stream().map(Cidr::parse).toList();
    private static final List<Cidr> PRIVATE = List.of(
            "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7").stream().map(Cidr::parse).toList();
    private static final long HOST_ADDRESSES_TTL_NANOS = 2_000_000_000L;

    private volatile Set<InetAddress> hostAddresses = Set.of();
    private volatile long hostAddressesAt;

    /** Why {@code a} may not be reached with these opened ranges, or empty when it may. */
    Optional<String> blocked(InetAddress a, List<Cidr> opened) {
        InetAddress addr = unmap(a);
        for (Cidr c : ALWAYS_BLOCKED) if (c.contains(addr)) return Optional.of(addr.isLoopbackAddress() ? "host loopback" : addr.isLinkLocalAddress() ? "link-local address" : "reserved address");
        if (addr.isAnyLocalAddress() || addr.isMulticastAddress()) return Optional.of("reserved address");
        if (hostAddresses().contains(addr)) return Optional.of("address of the host");
        for (Cidr c : PRIVATE) {
            if (c.contains(addr) && opened.stream().noneMatch(o -> o.contains(addr))) return Optional.of("private address");
        }
        return Optional.empty();
    }

    private Set<InetAddress> hostAddresses() {
        long now = System.nanoTime();
        if (now - hostAddressesAt > HOST_ADDRESSES_TTL_NANOS) {
            Set<InetAddress> s = new HashSet<>();
            try {
                for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                    for (InetAddress ia : Collections.list(ni.getInetAddresses())) s.add(unmap(stripScope(ia)));
                }
            } catch (SocketException e) {
                // keep the previous set
                s.addAll(hostAddresses);
            }
            hostAddresses = Set.copyOf(s);
            hostAddressesAt = now;
        }
        return hostAddresses;
    }

    private static InetAddress stripScope(InetAddress a) {
        if (a instanceof Inet6Address) {
            try {
                return InetAddress.getByAddress(a.getAddress());
            } catch (UnknownHostException e) {
                return a;
            }
        }
        return a;
    }

    /** IPv4-mapped IPv6 addresses are checked as the IPv4 address they carry. */
    static InetAddress unmap(InetAddress a) {
        byte[] b = a.getAddress();
        if (b.length == 16) {
            boolean mapped = true;
            for (int i = 0; i < 10; i++) mapped &= b[i] == 0;
            mapped &= b[10] == (byte) 0xff && b[11] == (byte) 0xff;
            if (mapped) {
                try {
                    return InetAddress.getByAddress(new byte[] {b[12], b[13], b[14], b[15]});
                } catch (UnknownHostException e) {
                    return a;
                }
            }
        }
        return a;
    }

    record Cidr(byte[] net, int bits) {
        static Cidr parse(String s) {
            int slash = s.indexOf('/');
            try {
                InetAddress a = InetAddress.getByName(literal(slash < 0 ? s : s.substring(0, slash)));
                int max = a instanceof Inet4Address ? 32 : 128;
                int bits = slash < 0 ? max : Integer.parseInt(s.substring(slash + 1));
                if (bits < 0 || bits > max) throw new IllegalArgumentException("bad prefix length in " + s);
                return new Cidr(a.getAddress(), bits);
            } catch (UnknownHostException | NumberFormatException e) {
                throw new IllegalArgumentException("not a CIDR range: " + s, e);
            }
        }

        private static String literal(String s) {
            if (!s.matches("[0-9a-fA-F:.]+")) throw new IllegalArgumentException("not a CIDR range: " + s);
            return s;
        }

        boolean contains(InetAddress a) {
            byte[] b = a.getAddress();
            if (b.length != net.length) return false;
            int full = bits / 8, rest = bits % 8;
            for (int i = 0; i < full; i++) if (b[i] != net[i]) return false;
            if (rest == 0) return true;
            int mask = 0xff << (8 - rest) & 0xff;
            return (b[full] & mask) == (net[full] & mask);
        }
    }
}
