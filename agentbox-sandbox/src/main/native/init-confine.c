/* What a command keeps of the kernel once init has started it: its capabilities and the seccomp filter. */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <linux/securebits.h>
#include <sched.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "agentbox-init.h"

/* ------------------------------------------------------------------ seccomp */

#if defined(__x86_64__)
#define AB_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define AB_AUDIT_ARCH AUDIT_ARCH_AARCH64
#endif

/*
 * In the spirit of container runtimes' default profiles, narrowed further: no new namespaces (a user
 * namespace would hand the sandbox fresh capabilities over new mounts), no mounts, no kernel keyring,
 * no module loading, no kernel log, no eBPF, no perf events, no io_uring (its own syscall surface,
 * invisible to this filter), no userfaultfd (stretches kernel race windows), no kexec, no LDT, no clock
 * or host-name changes, no NUMA page moves. Sockets are allowed by family, not denied by a few: only
 * AF_UNIX, AF_INET, AF_INET6 and AF_NETLINK for route and socket-diagnostic queries (AF_VSOCK, for one,
 * reaches a hypervisor's services even with no network). Everything else is allowed, so ordinary
 * programs (compilers, package managers, debuggers, language runtimes) work.
 */
int install_seccomp(void) {
#ifdef AB_AUDIT_ARCH
    static const int denied[] = {
        SYS_mount, SYS_umount2, SYS_pivot_root, SYS_unshare, SYS_setns, SYS_keyctl, SYS_add_key,
        SYS_request_key, SYS_bpf, SYS_perf_event_open, SYS_userfaultfd, SYS_syslog, SYS_acct,
        SYS_swapon, SYS_swapoff, SYS_reboot, SYS_sethostname, SYS_setdomainname, SYS_kexec_load,
        SYS_kexec_file_load, SYS_init_module, SYS_finit_module, SYS_delete_module, SYS_settimeofday,
        SYS_clock_settime, SYS_clock_adjtime, SYS_adjtimex, SYS_open_by_handle_at, SYS_name_to_handle_at,
        SYS_quotactl, SYS_vhangup, SYS_fsopen, SYS_fsmount, SYS_fsconfig, SYS_fspick, SYS_move_mount,
        SYS_open_tree, SYS_lookup_dcookie, SYS_move_pages, SYS_mbind, SYS_migrate_pages,
#ifdef SYS_mount_setattr
        SYS_mount_setattr,
#endif
#ifdef SYS_quotactl_fd
        SYS_quotactl_fd,
#endif
#ifdef __x86_64__
        SYS_iopl, SYS_ioperm, SYS_modify_ldt, SYS_uselib, SYS_ustat, SYS_sysfs,
#endif
#ifdef SYS__sysctl
        SYS__sysctl,
#endif
#ifdef SYS_nfsservctl
        SYS_nfsservctl,
#endif
    };
    /* answered as if the kernel had no such call, so runtimes that probe for them (libuv) fall back quietly */
    static const int absent[] = {425 /* io_uring_setup */, 426 /* io_uring_enter */, 427 /* io_uring_register */};
    const uint32_t ns_flags = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWUTS |
                              CLONE_NEWIPC | CLONE_NEWCGROUP;
    struct sock_filter prog[256];
    unsigned n = 0;
#define EMIT(code, jt, jf, k) prog[n++] = (struct sock_filter)BPF_JUMP(code, k, jt, jf)
    EMIT(BPF_LD | BPF_W | BPF_ABS, 0, 0, offsetof(struct seccomp_data, arch));
    EMIT(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, AB_AUDIT_ARCH);
    EMIT(BPF_RET | BPF_K, 0, 0, SECCOMP_RET_KILL_PROCESS);
    EMIT(BPF_LD | BPF_W | BPF_ABS, 0, 0, offsetof(struct seccomp_data, nr));
#ifdef __x86_64__
    EMIT(BPF_JMP | BPF_JGE | BPF_K, 0, 1, 0x40000000); /* x32 ABI: not ours */
    EMIT(BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ERRNO | EPERM);
#endif
    for (size_t i = 0; i < sizeof denied / sizeof denied[0]; i++) {
        EMIT(BPF_JMP | BPF_JEQ | BPF_K, 0, 1, (uint32_t)denied[i]);
        EMIT(BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ERRNO | EPERM);
    }
    for (size_t i = 0; i < sizeof absent / sizeof absent[0]; i++) {
        EMIT(BPF_JMP | BPF_JEQ | BPF_K, 0, 1, (uint32_t)absent[i]);
        EMIT(BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ERRNO | ENOSYS);
    }
    /* socket and socketpair: the family (args[0]) from the list; netlink only for route and diag (args[2]) */
    static const int socket_calls[] = {SYS_socket, SYS_socketpair};
    for (size_t i = 0; i < 2; i++) {
        EMIT(BPF_JMP | BPF_JEQ | BPF_K, 0, 11, (uint32_t)socket_calls[i]);
        EMIT(BPF_LD | BPF_W | BPF_ABS, 0, 0, offsetof(struct seccomp_data, args[0]));
        EMIT(BPF_JMP | BPF_JEQ | BPF_K, 8, 0, AF_UNIX); /* to the allow at the block's end */
        EMIT(BPF_JMP | BPF_JEQ | BPF_K, 7, 0, AF_INET);
        EMIT(BPF_JMP | BPF_JEQ | BPF_K, 6, 0, AF_INET6);
        EMIT(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, AF_NETLINK);
        EMIT(BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ERRNO | EAFNOSUPPORT);
        EMIT(BPF_LD | BPF_W | BPF_ABS, 0, 0, offsetof(struct seccomp_data, args[2]));
        EMIT(BPF_JMP | BPF_JEQ | BPF_K, 2, 0, 0 /* NETLINK_ROUTE */);
        EMIT(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 4 /* NETLINK_SOCK_DIAG */);
        EMIT(BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ERRNO | EPROTONOSUPPORT);
        EMIT(BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ALLOW);
    }
    /* clone3 hides its flags in memory: answer ENOSYS so libc falls back to clone, which we can inspect */
    EMIT(BPF_JMP | BPF_JEQ | BPF_K, 0, 1, SYS_clone3);
    EMIT(BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ERRNO | ENOSYS);
    EMIT(BPF_JMP | BPF_JEQ | BPF_K, 0, 3, SYS_clone);
    EMIT(BPF_LD | BPF_W | BPF_ABS, 0, 0, offsetof(struct seccomp_data, args[0]));
    EMIT(BPF_JMP | BPF_JSET | BPF_K, 0, 1, ns_flags);
    EMIT(BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ERRNO | EPERM);
    EMIT(BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ALLOW);
#undef EMIT
    struct sock_fprog fprog = {.len = (unsigned short)n, .filter = prog};
    return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fprog);
#else
    return 0;
#endif
}

/* ------------------------------------------------------------------ capabilities */

void drop_all_caps_and_become(bool root) {
    uint64_t keep = root ? root_caps : 0;
    /* the bounding set goes first: it needs CAP_SETPCAP, which the uid change below would drop */
    for (int cap = 0; cap <= 63; cap++) {
        if (keep & (1ull << cap)) continue;
        if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno == EINVAL) break;
    }
    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
    if (keep) {
        /* a build step as root: the bounding set now holds only KEEP, so execve as uid 0 gets
           exactly those and a setuid program gets no more; a switch to another uid (apt's _apt)
           drops them as usual. No securebits: dpkg's children must keep root's KEEP across execve. */
        if (setgroups(0, NULL) < 0) _exit(126);
        struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
        struct __user_cap_data_struct d[2];
        memset(d, 0, sizeof d);
        d[0].effective = d[0].permitted = (uint32_t)keep;
        d[1].effective = d[1].permitted = (uint32_t)(keep >> 32);
        if (syscall(SYS_capset, &h, d) < 0) _exit(126);
        return;
    }
    /* uid 0 must not regain capabilities through execve or setuid programs */
    prctl(PR_SET_SECUREBITS, SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_SETUID_FIXUP |
                                 SECBIT_NO_SETUID_FIXUP_LOCKED | SECBIT_KEEP_CAPS_LOCKED |
                                 SECBIT_NO_CAP_AMBIENT_RAISE | SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED,
          0, 0, 0);
    if (setgroups(0, NULL) < 0) _exit(126);
    if (!root) {
        if (setresgid(sb_gid, sb_gid, sb_gid) < 0 || setresuid(sb_uid, sb_uid, sb_uid) < 0) _exit(126);
    }
    struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
    struct __user_cap_data_struct d[2];
    memset(d, 0, sizeof d);
    if (syscall(SYS_capset, &h, d) < 0) _exit(126);
}
