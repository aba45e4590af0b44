package io.agentbox.sandbox.local;

import io.agentbox.sandbox.NetworkPolicy;
import io.agentbox.sandbox.SandboxSpec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The bubblewrap command line of a sandbox, in one place. Each isolation choice says why.
 *
 * @param bwrap     the bwrap executable
 * @param rootfs    the template's root filesystem, or empty for the {@code host} template
 * @param hostEtc   the generated {@code /etc} of the host template
 * @param stage     where the launcher stages, in the sandbox's mount namespace, what bwrap binds: the
 *                  writable tmpfs under {@code rw} and the host trees and files of
 *                  {@link #stagedMounts()} (bwrap runs as the sandbox's root in its user namespace and
 *                  could not reach them where they are on the host)
 * @param init      the init binary on the host
 * @param network   the network policy
 * @param timeout   the sandbox's lifetime, enforced by init
 * @param net       the files a networked sandbox sees (resolver, the CA of secret injection)
 * @param build     a template build: the rootfs being built is the writable root, and commands as
 *                  root keep {@link #BUILD_CAPABILITIES} (see {@link #forBuild})
 * @param mounts    host directories the spec shows read-only inside
 */
record BwrapCommandLine(Path bwrap, Optional<Path> rootfs, Path hostEtc, Path stage, Path init,
                        NetworkPolicy network, Duration timeout, NetMounts net, boolean build, List<SandboxSpec.Mount> mounts) {

    BwrapCommandLine {
        mounts = List.copyOf(mounts);
    }

    BwrapCommandLine(Path bwrap, Optional<Path> rootfs, Path hostEtc, Path stage, Path init,
                     NetworkPolicy network, Duration timeout, NetMounts net, List<SandboxSpec.Mount> mounts) {
        this(bwrap, rootfs, hostEtc, stage, init, network, timeout, net, false, mounts);
    }

    /**
     * The line of a template build: the same namespaces, user namespace, seccomp (applied by init to
     * every command), /proc masking and private /dev, /tmp and /run as a sandbox, but with the rootfs
     * being built bound writable as {@code /}, and build steps as root holding
     * {@link #BUILD_CAPABILITIES} within the sandbox's user namespace.
     */
    static BwrapCommandLine forBuild(Path bwrap, Path rootfs, Path stage, Path init, NetworkPolicy network, Duration timeout, NetMounts net) {
        return new BwrapCommandLine(bwrap, Optional.of(rootfs), rootfs.resolve("etc"), stage, init, network, timeout, net, true, List.of());
    }

    /**
     * @param resolvConf points the resolver at the egress (which answers every DNS query anyway)
     * @param caCert     the sandbox's own CA (for NODE_EXTRA_CA_CERTS), when secrets are injected
     * @param caBundle   the system roots plus that CA, over the system store
     */
    record NetMounts(Optional<Path> resolvConf, Optional<Path> caCert, Optional<Path> caBundle) {
        static final NetMounts NONE = new NetMounts(Optional.empty(), Optional.empty(), Optional.empty());
        static final String CA_IN_SANDBOX = "/run/agentbox-ca.crt"; // /run/agentbox is root-only
        static final String SYSTEM_BUNDLE = "/etc/ssl/certs/ca-certificates.crt";
    }

    static final int SANDBOX_UID = 1000;
    static final int SANDBOX_GID = 1000;
    static final String INIT_IN_SANDBOX = "/run/agentbox/init";
    /** The only capabilities of the sandbox's init; commands start with none. */
    static final List<String> INIT_CAPABILITIES = List.of("CAP_SETUID", "CAP_SETGID", "CAP_SETPCAP", "CAP_KILL");
    /**
     * What a build step as root keeps (each only over ids of its own user namespace, so over the
     * rootfs being built and its own processes): what dpkg, apt and npm use. CHOWN, FOWNER, FSETID:
     * dpkg gives unpacked files their owners, modes (setuid/setgid bits included) and times;
     * DAC_OVERRIDE: root's usual right to write any file of the rootfs (maintainer scripts rely on
     * it); SETUID, SETGID: apt drops to {@code _apt} for downloads, npm and scripts to other users;
     * KILL: apt and dpkg end helpers running as those users. Not kept: SYS_ADMIN (mounts,
     * namespaces), SYS_CHROOT, MKNOD (device nodes), NET_ADMIN and NET_RAW, DAC_READ_SEARCH
     * (open_by_handle_at), SYS_PTRACE, SETFCAP (file capabilities; postinsts such as iputils' fall
     * back to setuid bits), and every other.
     */
    static final List<String> BUILD_CAPABILITIES = List.of("CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID",
            "CAP_KILL", "CAP_SETGID", "CAP_SETUID");
    /** {@link #BUILD_CAPABILITIES} as the bit mask init takes (capability numbers of linux/capability.h). */
    static final long BUILD_CAPABILITY_MASK = (1L << 0) | (1L << 1) | (1L << 3) | (1L << 4) | (1L << 5) | (1L << 6) | (1L << 7);
    /** The /proc binds below, for the entries this kernel has (they do not change while it runs). */
    private static final List<String> PROC_HARDENING = procHardening();

    List<String> argv() {
        List<String> a = new ArrayList<>();
        a.add(bwrap.toString());

        // Namespaces. pid: sandbox processes see only each other, and when init (PID 1) exits the
        // kernel kills them all, which is how the deadline and kill take everything down.
        a.add("--unshare-pid");
        // ipc: no System V / POSIX shared memory with the host or other sandboxes.
        a.add("--unshare-ipc");
        // uts: our own host name, so changing it (not permitted anyway) could not touch the host.
        a.add("--unshare-uts");
        a.add("--hostname");
        a.add("agentbox");
        // cgroup: /proc/self/cgroup does not reveal the host's cgroup layout.
        a.add("--unshare-cgroup-try");
        // net: always a private namespace, so the host's ports (127.0.0.1 included) are unreachable and
        // commands of one sandbox share their own loopback. With network "none" it holds only that
        // loopback; otherwise the relay wires it to the host-side egress (io.agentbox.sandbox.net).
        a.add("--unshare-net");
        // user: bwrap is started inside the sandbox's own user namespace (made by the launcher, ids
        // 0..65535 mapped to a host range no other sandbox holds), so root inside is not host root
        // and no two sandboxes share a uid or its per-user kernel limits. bwrap itself sees uid 0.

        // The supervisor is bwrap's parent: if it dies, the sandbox dies with it (no orphans).
        a.add("--die-with-parent");
        // A new session: a sandbox process cannot push keystrokes into a terminal (TIOCSTI).
        a.add("--new-session");
        // Our init is PID 1 (no bwrap reaper in between): its exit ends the sandbox.
        a.add("--as-pid-1");
        // bwrap run by root keeps every capability for its child and --cap-add only adds: start from
        // none and give init back exactly what it uses. SETUID/SETGID/SETPCAP: switch a command to
        // the sandbox user and empty its bounding set; KILL: end commands running as that user.
        // Nothing that reads or writes past file permissions (DAC_*, FOWNER, CHOWN) is kept, so the
        // file API, which runs inside init, has no more rights than a command of the same user.
        a.addAll(List.of("--cap-drop", "ALL"));
        // A build's init also holds what it hands to build steps as root (and nothing more).
        List<String> caps = new ArrayList<>(INIT_CAPABILITIES);
        if (build) BUILD_CAPABILITIES.stream().filter(c -> !caps.contains(c)).forEach(caps::add);
        for (String cap : caps) {
            a.add("--cap-add");
            a.add(cap);
        }

        // Filesystem: the template read-only; nothing else of the host. A build binds the rootfs
        // it builds writable, and nothing else of the host either.
        if (build) {
            a.addAll(List.of("--bind", stage.resolve("root").toString(), "/"));
        } else if (rootfs.isPresent()) {
            a.add("--ro-bind");
            a.add(stage.resolve("root").toString());
            a.add("/");
        } else {
            // host template: the host's /usr only, with the usual merged-/usr links
            a.addAll(List.of("--ro-bind", stage.resolve("usr").toString(), "/usr", "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64",
                    "--symlink", "usr/bin", "/bin", "--symlink", "usr/sbin", "/sbin"));
            // a generated /etc: our passwd/group/hosts plus an allowlist of public host files
            a.addAll(List.of("--ro-bind", stage.resolve("etc").toString(), "/etc"));
            // bwrap would create /home with mode 0700 as the parent of a bind; the user must traverse it
            a.addAll(List.of("--dir", "/home"));
        }
        net.resolvConf().ifPresent(r -> a.addAll(List.of("--ro-bind-try", stage.resolve("resolv.conf").toString(), "/etc/resolv.conf")));
        net.caBundle().ifPresent(b -> a.addAll(List.of("--ro-bind", stage.resolve("ca-bundle.crt").toString(), NetMounts.SYSTEM_BUNDLE)));
        // A private /proc for the private pid namespace...
        a.addAll(List.of("--proc", "/proc"));
        // ...with the kernel's knobs read-only and machine-wide state masked, as container runtimes
        // do, even though the sandbox's root is no host root: defence in depth. (bwrap itself covers
        // /proc/irq and /proc/bus. The ro binds take the host's files, whose entries resolve against
        // the reader's own namespaces.)
        a.addAll(PROC_HARDENING);
        // A minimal /dev (null, zero, full, random, urandom, tty, pts): no host devices.
        a.addAll(List.of("--dev", "/dev"));
        // The writable part: one size-capped tmpfs per sandbox (the disk quota), bound wherever the
        // sandbox may write, so no writable place escapes the quota: workspace, home, /tmp, /root,
        // /dev/shm (POSIX shared memory) and /run (bwrap's own tmpfs for /dev or /run has no cap).
        // A build writes the template's own /workspace, home and /root; its /tmp, /dev/shm and
        // /run stay scratch that never becomes part of the template.
        Path rw = stage.resolve("rw");
        if (!build) {
            a.addAll(List.of("--bind", rw.resolve("workspace").toString(), "/workspace"));
            a.addAll(List.of("--bind", rw.resolve("home").toString(), "/home/user"));
        }
        a.addAll(List.of("--bind", rw.resolve("tmp").toString(), "/tmp"));
        if (!build) a.addAll(List.of("--bind", rw.resolve("root").toString(), "/root"));
        a.addAll(List.of("--bind", rw.resolve("shm").toString(), "/dev/shm"));
        // /dev itself is bwrap's uncapped tmpfs: read-only once its nodes and /dev/shm are in place
        a.addAll(List.of("--remount-ro", "/dev"));
        // A private /run, empty but for init: no host sockets (docker, dbus, systemd) can be reached.
        a.addAll(List.of("--bind", rw.resolve("run").toString(), "/run"));
        // bwrap makes the missing parents of a bind 0700 (root's): the user must traverse them to a mount
        for (String dir : mountParents()) a.addAll(List.of("--perms", "0755", "--dir", dir));
        a.addAll(List.of("--ro-bind", stage.resolve("init").toString(), INIT_IN_SANDBOX));
        net.caCert().ifPresent(c -> a.addAll(List.of("--ro-bind", stage.resolve("ca.crt").toString(), NetMounts.CA_IN_SANDBOX)));
        // Read-only host trees the spec asks for (an installed tool), staged idmapped like the template
        for (int i = 0; i < mounts.size(); i++) {
            a.addAll(List.of("--ro-bind", stage.resolve("mnt-" + i).toString(), mounts.get(i).sandboxPath()));
        }
        // The root itself read-only: nothing outside the writable part can be created or changed.
        if (!build) a.addAll(List.of("--remount-ro", "/"));
        a.addAll(List.of("--chdir", "/"));

        a.add(INIT_IN_SANDBOX);
        a.add("init");
        a.addAll(List.of("--timeout-ms", String.valueOf(Math.max(1, timeout.toMillis()))));
        a.addAll(List.of("--uid", String.valueOf(SANDBOX_UID), "--gid", String.valueOf(SANDBOX_GID)));
        if (build) a.addAll(List.of("--root-caps", Long.toHexString(BUILD_CAPABILITY_MASK)));
        return a;
    }

    /**
     * What the launcher stages under {@link #stage()} before bwrap starts, as {@code SRC=NAME}: each
     * tree idmapped into the sandbox's user namespace, so the template's root-owned files are owned by
     * the sandbox's root inside (and its uid 1000 files by the sandbox user).
     */
    List<String> stagedMounts() {
        List<String> m = new ArrayList<>();
        if (rootfs.isPresent()) {
            m.add(rootfs.get() + "=root");
        } else {
            m.add("/usr=usr");
            m.add(hostEtc + "=etc");
        }
        m.add(init + "=init");
        net.resolvConf().ifPresent(r -> m.add(r + "=resolv.conf"));
        net.caBundle().ifPresent(b -> m.add(b + "=ca-bundle.crt"));
        net.caCert().ifPresent(c -> m.add(c + "=ca.crt"));
        for (int i = 0; i < mounts.size(); i++) m.add(mounts.get(i).hostPath() + "=mnt-" + i);
        return m;
    }

    /** The directories above the mount points that bwrap has to create, outermost first. */
    private List<String> mountParents() {
        List<String> bound = List.of("/run", "/tmp", "/home", "/home/user", "/workspace", "/root", "/usr", "/etc", "/dev", "/proc");
        List<String> dirs = new ArrayList<>();
        for (SandboxSpec.Mount m : mounts) {
            String p = m.sandboxPath();
            for (int i = p.indexOf('/', 1); i > 0; i = p.indexOf('/', i + 1)) {
                String parent = p.substring(0, i);
                if (!bound.contains(parent) && !dirs.contains(parent)) dirs.add(parent);
            }
        }
        return dirs;
    }

    private static List<String> procHardening() {
        List<String> a = new ArrayList<>();
        for (String ro : List.of("/proc/sys", "/proc/sysrq-trigger", "/proc/fs")) {
            if (Files.exists(Path.of(ro))) a.addAll(List.of("--ro-bind", ro, ro));
        }
        // masked as container runtimes do: kernel addresses and symbols, every key's description,
        // timers and scheduler state of the whole machine (which leak other tenants' activity)
        for (String masked : List.of("/proc/keys", "/proc/key-users", "/proc/kallsyms", "/proc/kcore", "/proc/timer_list",
                "/proc/sched_debug", "/proc/latency_stats", "/proc/timer_stats")) {
            if (Files.exists(Path.of(masked))) a.addAll(List.of("--ro-bind", "/dev/null", masked));
        }
        if (Files.isDirectory(Path.of("/proc/acpi"))) a.addAll(List.of("--tmpfs", "/proc/acpi", "--remount-ro", "/proc/acpi"));
        return List.copyOf(a);
    }
}
