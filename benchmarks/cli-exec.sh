#!/usr/bin/env bash
# `agentbox sandbox exec ID -- true`, `sandbox ls` and `sandbox info ID` from a shell, through the
# launcher's native fast path and through the JVM (AGENTBOX_FAST_PATH=off), against a plain `/bin/true`
# started the same way, in one run.
# Usage: benchmarks/cli-exec.sh [runs]
set -euo pipefail
runs="${1:-50}"
root="$(cd "$(dirname "$0")/.." && pwd)"
agentbox="$root/bin/agentbox"
export AGENTBOX_HOME="${AGENTBOX_HOME:-${TMPDIR:-/tmp}/agentbox-bench-cli}"
id=$("$agentbox" sandbox create --timeout 10m --json | sed -n 's/.*"id":"\(sbx_[a-z0-9]*\)".*/\1/p')
trap '"$agentbox" sandbox kill "$id" >/dev/null 2>&1 || true' EXIT
python3 - "$agentbox" "$id" "$runs" <<'PY'
import os, statistics, subprocess, sys, time
agentbox, sid, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
def measure(argv, env, n):
    xs = []
    for _ in range(n):
        t = time.perf_counter()
        subprocess.run(argv, env=env, check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
        xs.append((time.perf_counter() - t) * 1000)
    xs.sort()
    return statistics.median(xs), xs[min(len(xs) - 1, int(len(xs) * 0.99))]
env = dict(os.environ)
measure([agentbox, "sandbox", "exec", sid, "--", "true"], env, 3)  # warm caches
plain = measure(["/bin/true"], env, runs)
fast_env, jvm_env = dict(env, AGENTBOX_FAST_PATH="require"), dict(env, AGENTBOX_FAST_PATH="off")
print(f"{'what':44} {'p50 ms':>8} {'p99 ms':>8}")
print(f"{'plain /bin/true (baseline)':44} {plain[0]:8.2f} {plain[1]:8.2f}")
for name, args in [("sandbox exec ID -- true", ["exec", sid, "--", "true"]), ("sandbox ls", ["ls"]),
                   ("sandbox ls --json", ["ls", "--json"]), ("sandbox info ID", ["info", sid])]:
    argv = [agentbox, "sandbox", *args]
    subprocess.run(argv, env=jvm_env, check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)  # its record
    fast = measure(argv, fast_env, runs)
    jvm = measure(argv, jvm_env, max(5, runs // 10))
    print(f"{name + ' (native fast path)':44} {fast[0]:8.2f} {fast[1]:8.2f}")
    print(f"{name + ' (JVM)':44} {jvm[0]:8.2f} {jvm[1]:8.2f}")
    print(f"  {fast[0] - plain[0]:.2f} ms over a plain process at p50; the JVM path is {jvm[0] / fast[0]:.0f}x slower")
PY
